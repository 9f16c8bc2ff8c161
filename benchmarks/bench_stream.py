"""A streamed send: time from the call to the first request, and the process's peak memory.

Run: ``.venv/bin/python benchmarks/bench_stream.py [--quick] [--ten-million]
[--bulk 1000000] [--bulk-only] [--kinds 1000000] [--bulk-ten-million]``

Each case runs in a fresh child process against a sandbox in a process of its
own (no latency, real sockets): custom events with valid US phones, given as a
pandas DataFrame, a polars DataFrame, or Arrow record batches made one at a
time by a generator (the input itself never whole in memory). The child calls
``conn.send_events``, notes when the first request leaves, lets it send for
``SEND_S`` seconds, then interrupts it (SIGINT, as Ctrl-C) and prints the time
to the first request, the resident memory before the call (the input frame,
libraries) and the peak (``ru_maxrss``). The landed code's figures (issue 22,
everything planned before the first request) are printed beside them.

``--bulk N`` (default 1,000,000) then sends N people as bulk attributes to the end,
the sandbox keeping Attentive's bulk limits (100 requests of 256 people a second:
25,600 people/s at most): as Arrow record batches made by a generator, as a Parquet
file read by ``ParquetFile.iter_batches`` (the CLI's way), and, as the landed
code's baseline, one pandas frame planned whole before the first request. Printed:
people a second sent (call to return), rows a second planned (on the thread that plans
ahead of the sending, wall time inside the plan), time to the first request, peak memory.

``--bulk-ten-million`` then sends 10,000,000 people from a Parquet file the same way,
with the sandbox's limits raised and its bulk bodies not kept (``LEAN_SANDBOX``: the
client's planning and memory are what is measured), after planning the same file alone
(no network) for the rate planning can give on this machine.

``--kinds N`` sends N id links, N subscription look-ups and N product views the same
way as the events (interrupted ``SEND_S`` after the first request): a pandas frame and
Arrow batches streamed, and one pandas frame planned whole (the landed code).
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
# For the 10,000,000-person bulk line: the sandbox's rate limits raised (the client still
# paces itself to Attentive's 100 requests a second) and the bulk bodies it accepted not
# kept (it would hold every person, ~1 KB each, in its own process); jobs are never run,
# since the send returns at once (wait=0). So the client's planning and memory are measured.
LEAN_SANDBOX = r"""
import threading
from attentive_nb.sandbox import Sandbox, state
add_job, record = state.State.add_job, state.State.record
state.State.add_job = lambda self, users, now, *a, **k: add_job(self, [], now, *a, **k)
state.State.record = lambda self, path, body, **k: (
    None if path == "/v2/bulk/user/attributes" else record(self, path, body, **k))
sb = Sandbox(port=0, seed=7, rate_scale=100).start()
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


# Time spent planning, counted in a child (``stream``, ``time`` imported): wall time
# inside the plan's generator on the thread that plans ahead of the sending (waiting for
# a core included; not the time it waits for room ahead); rows planned in ``planning``.
PLANNING_TIMER = r"""
planning = [0.0, 0]
real_requests = stream.StreamPlan.requests
def requests(self, *a, **k):
    lists = real_requests(self, *a, **k)
    while True:
        t = time.perf_counter()
        units = next(lists, None)
        planning[0] += time.perf_counter() - t
        if units is None:
            return
        planning[1] += sum(len(unit.positions) for unit in units)
        yield units
stream.StreamPlan.requests = requests
"""

BULK_CHILD = (
    r"""
import resource, sys, time
import numpy as np, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
import attentive_nb as att
from attentive_nb.http import client
from attentive_nb.send import stream

kind, n, url, key, ledger, path = sys.argv[1], int(sys.argv[2]), *sys.argv[3:7]
BATCH = 100_000

def frame(start, rows):
    i = np.arange(start, start + rows)
    return pd.DataFrame({"email": [f"member{v}@example.com" for v in i],
                         "points": i % 5000, "tier": np.array(["gold", "silver", "bronze"])[i % 3]})

if kind == "arrow":
    def batches():
        for start in range(0, n, BATCH):
            yield pa.RecordBatch.from_pandas(frame(start, min(BATCH, n - start)),
                                             preserve_index=False)
    data = batches()
elif kind == "parquet":
    data = pq.ParquetFile(path).iter_batches(batch_size=BATCH)
else:  # the landed code: one frame, everything planned before the first request
    stream.STREAM_ROWS = 10**12
    data = frame(0, n)

first = []
real = client.Client.request
def request(self, *a, **k):
    if not first:
        first.append(time.perf_counter())
    return real(self, *a, **k)

"""
    + PLANNING_TIMER
    + r"""

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
conn = att.Connection.from_api_key(key, api_url=url)
conn.company_id()
client.Client.request = request
t0 = time.perf_counter()
report = conn.send_attributes(data, bulk=True, wait=0, progress=False, ledger=ledger)
t1 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
planned = planning[1] / planning[0] if planning[0] else 0  # 0: planned whole, first
print(f"{first[0] - t0:.2f} {t1 - t0:.1f} {before:.0f} {peak:.0f} {report.counts['submitted']}"
      f" {planned:.0f}")
"""
)

PLAN_CHILD = r"""
import resource, sys, time
import pandas as pd, pyarrow.parquet as pq
from attentive_nb.plan import frames
from attentive_nb.plan.attributes import plan_attributes
from attentive_nb.send import stream

# Planning alone, no network: the Parquet file's batches planned and their requests made,
# as the stream does ahead of the sending (each chunk's plan, its ledger keys, the bodies).
path = sys.argv[1]
planner = lambda rows: plan_attributes(rows, bulk=True)
t0 = time.perf_counter()
batches = pq.ParquetFile(path).iter_batches(batch_size=100_000)
chunks, total = frames.pieces(batches, stream.STREAM_ROWS)
pieces = stream.resliced(chunks)
rows = next(pieces)
rows = rows.set_axis(pd.RangeIndex(len(rows)))
plan = stream.StreamPlan(planner(rows), rows, pieces, planner, total, positional=True)
plan.outcomes = stream.ChunkOutcomes()  # nothing is sent here: no rows held for to_retry
n = sum(len(unit.positions) for units in plan.requests(5000) for unit in units)
took = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{n} {took:.2f} {peak:.0f}")
"""


KINDS_CHILD = r"""
import os, resource, signal, sys, threading, time
import numpy as np, pandas as pd, pyarrow as pa
import attentive_nb as att
from attentive_nb.http import client
from attentive_nb.send import stream

what, how, n, url, key, send_s, ledger = sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:]
BATCH = 100_000

def frame(start, rows):
    i = np.arange(start, start + rows)
    phones = ["+1201" + str(5550000 + v % 4_000_000).zfill(7) for v in i]
    if what == "links":
        return pd.DataFrame({"phone": phones, "client_user_id": ["crm-" + str(v) for v in i]})
    if what == "views":  # product views: no order id, so nothing grouped
        return pd.DataFrame({"phone": phones, "product_id": (i % 5000).astype(str),
                             "product_variant_id": "v1", "price": (i % 997) / 10})
    return pd.DataFrame({"phone": phones})

if how == "arrow":
    def batches():
        for start in range(0, n, BATCH):
            yield pa.RecordBatch.from_pandas(frame(start, min(BATCH, n - start)),
                                             preserve_index=False)
    data = batches()
else:
    data = frame(0, n)
    if how == "whole":  # the landed code: one frame, everything planned first
        stream.STREAM_ROWS = 10**12

first = []
real = client.Client.request
def request(self, *a, **k):
    if not first:
        first.append(time.perf_counter())
        threading.Timer(float(send_s), lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    return real(self, *a, **k)

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
conn = att.Connection.from_api_key(key, api_url=url)
conn.company_id()
client.Client.request = request
t0 = time.perf_counter()
if what == "links":
    report = conn.link_identifiers(data, progress=False, ledger=ledger)
elif what == "views":
    report = conn.send_ecommerce(data, event="product-view", progress=False, ledger=ledger)
else:
    report = conn.lookup_subscriptions(data, progress=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{first[0] - t0:.2f} {before:.0f} {peak:.0f} {report.counts['sent']} {len(report)}")
"""


def kinds_cases(n: int, tmp: str) -> None:
    """Id links and subscription look-ups of ``n`` rows: the first request and peak memory,
    streamed (a pandas frame, Arrow batches from a generator) and whole (the landed code)."""
    server = Server([sys.executable, "-c", SANDBOX])
    try:
        print(
            f"\nid links, look-ups and product views, {n:,} rows, interrupted {SEND_S:g} s "
            "after the first request"
        )
        print("kind     input          rows  first req  before call     peak")
        for what in ("links", "lookups", "views"):
            for how in ("pandas", "arrow", "whole"):
                ledger = os.path.join(tmp, f"{what}-{how}-{n}.sqlite")
                args = [what, how, str(n), server.url, server.key, str(SEND_S), ledger]
                out = subprocess.run(
                    [sys.executable, "-c", KINDS_CHILD, *args],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                first, before, peak, sent, rows = out.stdout.split()[-5:]
                print(
                    f"{what:<8} {how:<8} {n:>11,} {float(first):>7.2f} s "
                    f"{float(before):>7,.0f} MB {float(peak):>7,.0f} MB   "
                    f"({int(sent):,} sent, {int(rows):,} rows in the report)",
                    flush=True,
                )
    finally:
        server.stop()


def write_parquet(path: str, n: int) -> None:
    """N people in a Parquet file, written a row group at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for start in range(0, n, 100_000):
        i = np.arange(start, min(start + 100_000, n))
        table = pa.table(
            {
                "email": [f"member{v}@example.com" for v in i],
                "points": i % 5000,
                "tier": np.array(["gold", "silver", "bronze"])[i % 3],
            }
        )
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def bulk_case(kind: str, n: int, server: Server, tmp: str, path: str) -> str:
    ledger = os.path.join(tmp, f"bulk-{kind}-{n}.sqlite")
    args = [kind, str(n), server.url, server.key, ledger, path]
    out = subprocess.run(
        [sys.executable, "-c", BULK_CHILD, *args], capture_output=True, text=True, check=True
    )
    first, took, before, peak, submitted, planned = out.stdout.split()[-6:]
    rate = int(submitted) / float(took)
    plan_rate = f"{float(planned):>9,.0f}/s" if float(planned) else f"{'(whole)':>11}"
    return (
        f"{kind:<8} {n:>11,} {rate:>9,.0f}/s {plan_rate} {float(took):>7.1f} s "
        f"{float(first):>7.2f} s {float(before):>7,.0f} MB {float(peak):>7,.0f} MB   "
        f"({int(submitted):,} submitted)"
    )


def plan_case(path: str, n: int) -> str:
    """Planning alone (no network): the rate the stream can plan at, on this machine now."""
    out = subprocess.run(
        [sys.executable, "-c", PLAN_CHILD, path], capture_output=True, text=True, check=True
    )
    rows, took, peak = out.stdout.split()[-3:]
    rate = int(rows) / float(took)
    return (
        f"planning alone (no network), parquet, {n:,} rows: {rate:,.0f} rows/s "
        f"({float(took):.1f} s, peak {float(peak):,.0f} MB)"
    )


BULK_HEAD = "input          rows     people/s    planned    total  first req  before call     peak"
# stream4's figures (branch stream4, load 2-4.6), before a job kept positions, not keys:
# 1 M people, parquet 1.02-1.25 s to the first request, peak 626 MB; whole pandas 754-760 MB.
BULK_BEFORE = "before (1 M, stream4): parquet first request 1.0-1.3 s, peak 626 MB; whole 757 MB"


def bulk_cases(n: int, tmp: str, kinds: tuple[str, ...] = ("arrow", "parquet", "whole")) -> None:
    server = Server([sys.executable, "-c", SANDBOX])  # a fresh sandbox: its store grows
    path = os.path.join(tmp, "people.parquet")
    write_parquet(path, n)
    try:
        print(
            f"\nbulk attributes, {n:,} people to the end (goal: 25,600/s planned while "
            "sending, peak <= 600 MB at 10 M; landed: everything planned first)"
        )
        print(BULK_HEAD)
        for kind in kinds:
            print(bulk_case(kind, n, server, tmp, path), flush=True)
        print(BULK_BEFORE)
    finally:
        server.stop()


def bulk_ten_million(tmp: str, n: int = 10_000_000) -> None:
    """The issue's goal: a 10 M-row Parquet file sent as bulk attributes, with the lean
    sandbox (limits raised, bodies not kept: see LEAN_SANDBOX), and planning alone."""
    path = os.path.join(tmp, "people-10m.parquet")
    write_parquet(path, n)
    print(
        f"\nbulk attributes, {n:,} people from Parquet (goal: peak <= 600 MB, >= 25,600 "
        "rows/s planned; sandbox: limits raised, bulk bodies not kept)"
    )
    small = os.path.join(tmp, "people-1m.parquet")  # the rate does not hang on the length
    write_parquet(small, 1_000_000)
    print(plan_case(small, 1_000_000), flush=True)
    server = Server([sys.executable, "-c", LEAN_SANDBOX])
    try:
        print(BULK_HEAD)
        print(bulk_case("parquet", n, server, tmp, path), flush=True)
        print(BULK_BEFORE)
    finally:
        server.stop()


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
    parser.add_argument("--bulk", type=int, default=1_000_000, help="people sent in bulk")
    parser.add_argument("--bulk-only", action="store_true", help="only the bulk run")
    parser.add_argument("--kinds", type=int, default=0, help="rows of id links and look-ups")
    parser.add_argument(
        "--bulk-ten-million", action="store_true", help="also 10,000,000 people from Parquet"
    )
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    sizes += [10_000_000] if args.ten_million else []
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (uptime)")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        if not args.bulk_only:
            server = Server([sys.executable, "-c", SANDBOX])
            try:
                print(
                    "input          rows  first req  before call     peak    "
                    "landed: first req, peak"
                )
                for n in sizes:
                    for kind in ("pandas", "polars", "arrow"):
                        print(case(kind, n, server, tmp), flush=True)
            finally:
                server.stop()
        if args.kinds:
            kinds_cases(args.kinds, tmp)
        if args.bulk:
            bulk_cases(args.bulk, tmp)
        if args.bulk_ten_million:
            bulk_ten_million(tmp)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (uptime)")


if __name__ == "__main__":
    main()
