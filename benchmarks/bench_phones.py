"""Streamed sends of UK numbers: phonenumbers in the planning thread or in a worker process.

Run: ``.venv/bin/python benchmarks/bench_phones.py [--rows 100000] [--bulk 200000]``

UK numbers as analysts write them (``+44 7911 123456``: spaces, so not the E.164
fast path of :mod:`attentive_nb.plan.phones`) cost ``phonenumbers.parse`` once per
distinct value, ~30-75 µs each here. Each case runs in a fresh child process against a
fresh sandbox in a process of its own (``rate_scale`` raised so that Attentive's limits are
not what is measured): custom events sent to the end, given as Arrow record batches
made by a generator (streamed), or as one pandas frame planned whole (the landed
path), and bulk attributes keyed by the same phones. "in-process": the stream parses
on its prefetch thread (``phone_pool.START_AT`` out of reach); "worker": a chunk's
distinct numbers are parsed in the worker process while the chunk before is sent.
Events are interrupted (SIGINT, as Ctrl-C) after ``SEND_S`` seconds of sending, while
the stream plans its later chunks: rows a second are events sent over that time. Bulk
runs to the end: people a second from the call to its return. Printed: time from the
call to the first request, the whole call, rows a second.
Issue 22's baseline: 100,000 events with UK numbers, 3.2 s to the first request.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench_sandbox import Server  # a sibling script, not a package

SANDBOX = r"""
import sys, threading
from attentive_nb.sandbox import Sandbox
sb = Sandbox(port=0, seed=7, rate_scale=float(sys.argv[1]), bulk_delay_s=0).start()
print(f"demo API key: {sb.api_key}", flush=True)
print(f"ATTENTIVE_API_URL={sb.url}", flush=True)
threading.Event().wait()
"""
SEND_S = 20.0  # events are sent this long, then interrupted: the client, not parsing, is slow
RATE_SCALE = 100  # events 15,000/s, bulk 2.56 M people/s: the client is what is measured
CHILD = r"""
import os, signal, sys, threading, time
import numpy as np, pandas as pd, pyarrow as pa
import attentive_nb as att
from attentive_nb.http import client
from attentive_nb.plan import phone_pool

kind, mode, n, url, key, ledger = sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:7]
send_s = float(sys.argv[7])
BATCH = 100_000
if mode == "in-process":
    phone_pool.START_AT = 10**12

def frame(start, rows):
    i = np.arange(start, start + rows)
    return pd.DataFrame({
        "phone": ["+44 7911 " + str(100000 + v % 900000) for v in i],
        "order_id": i.astype(str),
        "total": (i % 997) / 10,
    })

def batches():
    for start in range(0, n, BATCH):
        yield pa.RecordBatch.from_pandas(frame(start, min(BATCH, n - start)), preserve_index=False)

data = frame(0, n) if mode == "whole" else batches()
first = []
real = client.Client.request
def request(self, *a, **k):
    if not first:
        first.append(time.perf_counter())
        if kind == "events":  # interrupted (as Ctrl-C) after send_s seconds of sending
            threading.Timer(send_s, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    return real(self, *a, **k)

conn = att.Connection.from_api_key(key, api_url=url)
conn.company_id()
client.Client.request = request
t0 = time.perf_counter()
if kind == "events":
    report = conn.send_events(data, event_type="Order Shipped", progress=False, workers=8,
                              ledger=ledger)
    done = report.counts["sent"]
else:
    report = conn.send_attributes(data, bulk=True, wait=0, progress=False, ledger=ledger)
    done = report.counts["submitted"]
took = time.perf_counter() - t0
sending = time.perf_counter() - first[0]
print(f"{first[0] - t0:.2f} {took:.2f} {sending:.2f} {done}")
"""


def case(kind: str, mode: str, n: int, server: Server, tmp: str) -> str:
    ledger = os.path.join(tmp, f"{kind}-{mode}-{n}.sqlite")
    argv = [sys.executable, "-c", CHILD, kind, mode, str(n), server.url, server.key, ledger]
    out = subprocess.run([*argv, str(SEND_S)], capture_output=True, text=True, check=True)
    first, took, sending, done = out.stdout.split()[-4:]
    # events: sent a second while sending (interrupted); bulk: people a second, call to return
    rate = int(done) / float(sending if kind == "events" else took)
    return (
        f"{kind:<7} {mode:<11} {n:>9,} {float(first):>7.2f} s {float(took):>7.1f} s "
        f"{rate:>9,.0f}/s   ({int(done):,} done)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000, help="events sent")
    parser.add_argument("--bulk", type=int, default=200_000, help="people sent in bulk (0: no)")
    parser.add_argument("--modes", default="whole,in-process,worker")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (uptime)")
    print("issue 22 baseline: 100,000 events with UK numbers, 3.2 s to the first request")
    print("kind    mode             rows first req    call      rows/s")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, n in (("events", args.rows), ("bulk", args.bulk)):
            for mode in args.modes.split(",") if n else ():
                # a sandbox of its own: the last case's bulk jobs do not run during this one
                server = Server([sys.executable, "-c", SANDBOX, str(RATE_SCALE)])
                try:
                    print(case(kind, mode, n, server, tmp), flush=True)
                finally:
                    server.stop()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (uptime)")


if __name__ == "__main__":
    main()
