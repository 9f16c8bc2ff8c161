"""The v2 bulk endpoint at its limit, beside a naive loop; and planning the same people.

Run: ``.venv/bin/python benchmarks/bench_bulk.py [--bulk 100000] [--naive-bulk 20]``

The sandbox runs in its own process on 127.0.0.1 with Attentive's limits (100
bulk requests of 256 people a second) and 100 ms of latency on every answer.
``conn.send_attributes(bulk=True, wait=0)`` is timed from its first request
to its last submission (Attentive runs the jobs later: nothing to wait for),
beside a naive loop of one bulk ``requests.post`` after another; then a dry
run of the same people. ``bench_send.py`` has the v1 attributes line to set
beside it. The machine's load average is printed: figures are only as quiet as it.
"""

from __future__ import annotations

import argparse
import os
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


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--naive-bulk", type=int, default=20, help="requests of 256 people")
    args = parser.parse_args()
    os.chdir(tempfile.mkdtemp())  # the ledger goes here, not into the repository
    print(f"load average before: {_load()}")
    server = Server([sys.executable, "-c", SANDBOX, str(LATENCY_MS)])
    try:
        limit = ENDPOINTS["attributes_bulk"].rate_per_second * BULK_SIZE
        ours, loop = bulk(server, args.bulk), naive_bulk(server, args.naive_bulk)
    finally:
        server.stop()
    print(
        f"{'bulk attributes':<26}{'limit/s':>9}{'attentive_nb':>14}{'of limit':>10}"
        f"{'naive loop':>12}{'of limit':>10}{'ratio':>7}"
    )
    print(
        f"{f'{args.bulk:,} people':<26}{limit:>9g}{ours:>14,.0f}{ours / limit:>10.0%}"
        f"{loop:>12,.0f}{loop / limit:>10.0%}{ours / loop:>7.1f}"
    )
    print(f"Dry run of the {args.bulk:,} people: {bulk_dry_run(args.bulk):.2f} s")
    print(f"load average after: {_load()} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
