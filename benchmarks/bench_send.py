"""Send throughput against the sandbox with 100 ms latency, beside a naive loop; and big dry runs.

Run: ``.venv/bin/python benchmarks/bench_send.py [--events 600] [--subscribers 60]
[--attributes 600] [--bulk 100000] [--naive 30] [--dry-rows 1000000]``

The sandbox runs in its own process on 127.0.0.1 with Attentive's documented
rate limits (events and attributes 150/s, subscribe 10/s, bulk 100 requests of
256 people/s) and 100 ms of injected latency on every answer. Two ways of
sending are compared, side by side:

- attentive_nb's engine (``conn.send_events``, ``conn.send_subscribers``,
  ``conn.send_attributes`` and ``conn.send_attributes(bulk=True, wait=0)``,
  the bulk figure taken from the first request to the last submission);
- the baseline: a naive loop, one ``requests.post`` after another.

Then the dry run (the whole plan, nothing sent) of the ``--bulk`` people is
timed, and a dry run of ``--dry-rows`` subscribers in a fresh process, with
its peak memory (``ru_maxrss``) above the memory of the DataFrame alone. The
machine's load average is printed too: the figures are only as quiet as it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd
import requests

sys.path.insert(0, os.path.dirname(__file__))
from bench_sandbox import Server  # a sibling script, not a package

import attentive_nb as att
from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.plan.attributes import BULK_SIZE

LATENCY_MS = 100
SANDBOX = r"""
import sys, threading
from attentive_nb.sandbox import Sandbox
sb = Sandbox(port=0, latency_ms=float(sys.argv[1])).start()
print(f"demo API key: {sb.api_key}", flush=True)
print(f"ATTENTIVE_API_URL={sb.url}", flush=True)
threading.Event().wait()
"""
DRY_RUN = r"""
import resource, sys, time
import pandas as pd
import attentive_nb as att
rows = int(sys.argv[1])
areas = (201, 212, 213, 305, 312, 415, 617, 646, 702, 718)
def phone(i):  # distinct, valid US numbers: area code, exchange 200-999, line
    return f"+1{areas[i % 10]}{200 + i // 100_000 % 800}{i // 10 % 10_000:04d}"
df = pd.DataFrame({"phone": [phone(i) for i in range(rows)],
                   "email": [f"person{i}@example.com" for i in range(rows)]})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
conn = att.Connection.from_api_key("dry-run-needs-no-real-key", api_url="http://127.0.0.1:9")
started = time.perf_counter()
report = conn.send_subscribers(df, sign_up_source_id="1", dry_run=True, progress=False)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(seconds, (peak - before) / 1024, before / 1024, report.counts["would_send"])
"""


def people(n: int, offset: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+1201{5550000 + offset + i:07d}" for i in range(n)]})


def members(n: int, offset: int = 0) -> pd.DataFrame:
    """People with an email, a first name and two custom attributes: a loyalty upload."""
    return pd.DataFrame(
        {
            "email": [f"member{offset + i}@example.com" for i in range(n)],
            "first_name": ["Ada", "Ben", "Chloe", "Dev"] * (n // 4) + ["Eve"] * (n % 4),
            "points": [(offset + i) % 5000 for i in range(n)],
            "tier": ["gold", "silver", "bronze"] * (n // 3) + ["gold"] * (n % 3),
        }
    )


def engine(server: Server, kind: str, rows: int, offset: int) -> float:
    """Rows per second through attentive_nb's send engine."""
    conn = att.Connection.from_api_key(server.key, api_url=server.url)
    df = people(rows, offset)
    quiet = {"progress": False}
    started = time.perf_counter()
    if kind == "events":
        report = conn.send_events(df.assign(n=range(rows)), event_type="Bench", **quiet)
    elif kind == "attributes":
        report = conn.send_attributes(members(rows, offset), **quiet)
    else:
        report = conn.send_subscribers(df, sign_up_source_id="1", **quiet)
    seconds = time.perf_counter() - started
    assert report.counts["sent"] == rows, report.summary
    return rows / seconds


def bulk(server: Server, rows: int) -> float:
    """People per second through ``bulk=True``, from the first request to the last submission."""
    conn = att.Connection.from_api_key(server.key, api_url=server.url)
    stamps: list[tuple[float, float]] = []
    session, send = conn.client.session, conn.client.session.request

    def timed(method: str, url: str, *args, **kwargs):
        started = time.perf_counter()
        answer = send(method, url, *args, **kwargs)
        if method == "POST":
            stamps.append((started, time.perf_counter()))
        return answer

    session.request = timed
    report = conn.send_attributes(members(rows), bulk=True, wait=0, progress=False)
    assert report.counts["submitted"] == rows, report.summary
    return rows / (max(end for _, end in stamps) - min(start for start, _ in stamps))


def naive_bulk(server: Server, requests_: int) -> float:
    """People per second for one bulk ``requests.post`` of 256 after another."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.key}"
    url = server.url + ENDPOINTS["attributes_bulk"].path
    frame = members(requests_ * BULK_SIZE, offset=500_000)
    started = time.perf_counter()
    for start in range(0, len(frame), BULK_SIZE):
        chunk = frame.iloc[start : start + BULK_SIZE]
        users = [
            {"identifiers": {"email": e}, "attributes": {"firstName": f, "custom": {"points": p}}}
            for e, f, p in zip(chunk["email"], chunk["first_name"], chunk["points"].tolist())
        ]
        session.post(url, json={"users": users}, timeout=10).raise_for_status()
    return len(frame) / (time.perf_counter() - started)


def bulk_dry_run(rows: int) -> float:
    """Seconds to plan ``rows`` people for the bulk endpoint and report them (nothing sent)."""
    conn = att.Connection.from_api_key("dry-run-needs-no-real-key", api_url="http://127.0.0.1:9")
    frame = members(rows)
    started = time.perf_counter()
    report = conn.send_attributes(frame, bulk=True, dry_run=True, progress=False)
    assert report.counts["would_send"] == rows
    return time.perf_counter() - started


def naive(server: Server, kind: str, rows: int, offset: int) -> float:
    """Rows per second for one requests.post after another, the obvious loop."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.key}"
    url = server.url + ENDPOINTS[kind].path
    started = time.perf_counter()
    for i, phone in enumerate(people(rows, offset)["phone"]):
        if kind == "events":
            body = {"type": "Bench", "user": {"phone": phone}, "properties": {"n": i}}
        elif kind == "attributes":
            body = {"user": {"phone": phone}, "properties": {"points": i}}
        else:
            body = {"user": {"phone": phone}, "signUpSourceId": "1"}
        session.post(url, json=body, timeout=10).raise_for_status()
    return rows / (time.perf_counter() - started)


def dry_run(rows: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [sys.executable, "-c", DRY_RUN, str(rows)],
            capture_output=True,
            text=True,
            check=True,
            cwd=folder,
        ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--subscribers", type=int, default=60)
    parser.add_argument("--attributes", type=int, default=600)
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=30)
    parser.add_argument("--naive-bulk", type=int, default=20, help="requests of 256 people")
    parser.add_argument("--dry-rows", type=int, default=1_000_000)
    args = parser.parse_args()

    os.chdir(tempfile.mkdtemp())  # the ledger goes here, not into the repository
    print(f"load average before: {_load()}")
    server = Server([sys.executable, "-c", SANDBOX, str(LATENCY_MS)])
    try:
        print(f"Sandbox with {LATENCY_MS} ms latency and Attentive's rate limits; rows/s:")
        print(
            f"{'endpoint':<22}{'limit/s':>9}{'attentive_nb':>14}{'of limit':>10}"
            f"{'naive loop':>12}{'of limit':>10}"
        )
        for kind, rows, offset in (
            ("events", args.events, 0),
            ("subscribe", args.subscribers, 100_000),
            ("attributes", args.attributes, 200_000),
        ):
            limit = ENDPOINTS[kind].rate_per_second
            ours = engine(server, kind, rows, offset)
            loop = naive(server, kind, args.naive, offset + 50_000)
            print(
                f"{kind:<22}{limit:>9g}{ours:>14.1f}{ours / limit:>10.0%}"
                f"{loop:>12.1f}{loop / limit:>10.0%}"
            )
        limit = ENDPOINTS["attributes_bulk"].rate_per_second * BULK_SIZE
        ours, loop = bulk(server, args.bulk), naive_bulk(server, args.naive_bulk)
        label = f"bulk ({args.bulk:,} people)"
        print(
            f"{label:<22}{limit:>9g}{ours:>14.0f}{ours / limit:>10.0%}"
            f"{loop:>12.0f}{loop / limit:>10.0%}"
        )
    finally:
        server.stop()

    print(f"\nDry run of the {args.bulk:,} bulk people: {bulk_dry_run(args.bulk):.1f} s")
    seconds, peak_mb, base_mb = dry_run(args.dry_rows)
    print(
        f"Dry run of {args.dry_rows:,} subscribers: {seconds:.1f} s, "
        f"peak memory +{peak_mb:,.0f} MB over the {base_mb:,.0f} MB process holding the frame"
    )
    print(f"load average after: {_load()} ({os.cpu_count()} CPUs)")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
