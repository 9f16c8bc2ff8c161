"""A streamed send: time from the call to the first request, and the process's peak memory.

Run: ``.venv/bin/python benchmarks/bench_stream.py [--quick] [--ten-million]``

Each case runs in a fresh child process against a sandbox in a process of its
own (no latency, real sockets): custom events with valid US phones, given as a
pandas DataFrame, a polars DataFrame, or Arrow record batches made one at a
time by a generator (the input itself never whole in memory). The child calls
``conn.send_events``, notes when the first request leaves, lets it send for
``SEND_S`` seconds, then interrupts it (SIGINT, as Ctrl-C) and prints the time
to the first request, the resident memory before the call (the input frame,
libraries) and the peak (``ru_maxrss``). The landed code's figures (issue 22,
everything planned before the first request) are printed beside them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from bench_sandbox import Server  # a sibling script, not a package

SANDBOX = r"""
import threading
from attentive_nb.sandbox import Sandbox
sb = Sandbox(port=0, seed=7).start()
print(f"demo API key: {sb.api_key}", flush=True)
print(f"ATTENTIVE_API_URL={sb.url}", flush=True)
threading.Event().wait()
"""
SEND_S = 3.0
BASELINE = {  # rows: (s to first request, peak MB) of the landed code, issue 22
    100_000: (0.23, 209),
    1_000_000: (1.7, 522),
    4_000_000: (7.8, 1546),
}
CHILD = r"""
import os, resource, signal, sys, threading, time
import numpy as np, pandas as pd
import attentive_nb as att
from attentive_nb.http import client

kind, n, url, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
send_s = float(sys.argv[5])
BATCH = 100_000

def frame(start, rows):
    i = np.arange(start, start + rows)
    return pd.DataFrame({
        "phone": ["+1201" + str(5550000 + v % 4_000_000).zfill(7) for v in i],
        "order_id": i.astype(str),
        "total": (i % 997) / 10,
    })

if kind == "pandas":
    data = frame(0, n)
elif kind == "polars":
    import polars as pl
    data = pl.from_pandas(frame(0, n))
else:
    import pyarrow as pa
    def batches():
        for start in range(0, n, BATCH):
            rows = frame(start, min(BATCH, n - start))
            yield pa.RecordBatch.from_pandas(rows, preserve_index=False)
    data = batches()

first, armed = [], []
real = client.Client.request
def request(self, *a, **k):
    if armed and not first:
        first.append(time.perf_counter())
        threading.Timer(send_s, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    return real(self, *a, **k)
client.Client.request = request

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
conn = att.Connection.from_api_key(key, api_url=url)
conn.company_id()
armed.append(True)
t0 = time.perf_counter()
report = conn.send_events(data, event_type="Order Shipped", progress=False, workers=8,
                          ledger=sys.argv[6])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
sent = report.counts["sent"]
print(f"{first[0] - t0:.2f} {before:.0f} {peak:.0f} {sent} {len(report)}")
"""


def case(kind: str, n: int, server: Server, tmp: str) -> str:
    ledger = os.path.join(tmp, f"{kind}-{n}.sqlite")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(n), server.url, server.key, str(SEND_S), ledger],
        capture_output=True,
        text=True,
        check=True,
    )
    first, before, peak, sent, rows = out.stdout.split()[-5:]
    base = BASELINE.get(n)
    landed = f"{base[0]:>6.2f} s {base[1]:>6,} MB" if base else " " * 17
    return (
        f"{kind:<8} {n:>11,} {float(first):>7.2f} s {float(before):>7,.0f} MB "
        f"{float(peak):>7,.0f} MB   {landed}   ({int(sent):,} sent in {SEND_S:g} s, "
        f"{int(rows):,} rows in the report)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100,000 rows only")
    parser.add_argument("--ten-million", action="store_true", help="also 10,000,000 rows")
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    sizes += [10_000_000] if args.ten_million else []
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (uptime)")
    server = Server([sys.executable, "-c", SANDBOX])
    import tempfile

    try:
        with tempfile.TemporaryDirectory() as tmp:
            print("input          rows  first req  before call     peak    landed: first req, peak")
            for n in sizes:
                for kind in ("pandas", "polars", "arrow"):
                    print(case(kind, n, server, tmp), flush=True)
    finally:
        server.stop()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (uptime)")


if __name__ == "__main__":
    main()
