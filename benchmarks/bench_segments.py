"""Planning a segment sync of a million members, beside a naive loop.

Run: ``.venv/bin/python benchmarks/bench_segments.py [--members 1000000]``

Times what a sync does on this machine before its first request leaves:
every phone and email checked, people merged, each member's ledger key and
JSON text written, and the request bodies (10,000 members each) assembled.
Two frames: email + client id, and US phones (E.164). The naive line is the
loop an analyst might write: ``df.to_dict("records")`` and ``json.dumps`` per
10,000, with no checks and no keys. The issue's goal:
a million members planned in 3 s or less, in 100 requests or fewer. The
machine's load average is printed: figures are only as quiet as it.

Then a real sync (``--sync``, on by default; ``--no-sync`` skips it): the same
email + client id frame synced (``mode="mirror"``, ``wait=0``: Attentive runs
the jobs later) to a sandbox in another process, with the requests the
sandbox took (every arrival, so a resent body counts twice), people per
second from the call to its return, and the rows left ``unknown``. The goal:
a million members in 100 requests, none unknown.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import attentive_nb as att
from attentive_nb.plan.segments import MEMBERS_PER_REQUEST, plan_members

# Earlier figures of the email + client id line, for comparison (issue 20; each at its load).
BASELINES = (
    "12.25 s before per-column members (segfast), 5.76 s after; "
    "3.5-4.2 s CPU before seg4 (checks and merging ~1.5-1.7 s, requests ~2.1-2.5 s); "
    "3.1-3.6 s CPU before seg5 (paired, load 2.4-3.2)"
)
PHONE_BASELINE = (  # the US phone line before seg6 (each number matched by Python's regex)
    "3.07-3.40 s CPU before seg6 (checks+merge 1.85-2.04, requests 1.22-1.36; paired, "
    "load 1.5-1.6), 3.28-3.30 s at load 10-11"
)
SYNC_BASELINE = (  # the sync line before seg5 (the sandbox took 0.4 s to check each body)
    "1M sync before seg5: 122 requests for 100, 6,811 people/s, 0 unknown (load 3.5-4.2); "
    "at load 8-10, 281 requests and 900k rows unknown"
)


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": [f"member{i}@example.com" for i in range(n)],
            "client_user_id": [f"u{i}" for i in range(n)],
        }
    )


def phones(n: int) -> pd.DataFrame:
    """US numbers as a warehouse keeps them (E.164), every one valid and distinct."""
    areas = ["212", "312", "415", "617", "702", "808", "917", "202", "303", "646"]
    return pd.DataFrame(
        {
            "phone": [
                f"+1{areas[i % 10]}{200 + i // 10 % 800}{i // 8000 % 10000:04d}" for i in range(n)
            ]
        }
    )


def planned(df: pd.DataFrame) -> tuple[float, int, float | None]:
    """Seconds to plan and write every request body; how many requests; the CPU seconds
    of checking and merging (``plan_members``), before any request is made."""
    started, cpu = time.perf_counter(), time.process_time()
    plan = plan_members(df, "bench")
    checks = time.process_time() - cpu
    units: list = []
    bodies = 0
    for chunk in plan.requests():
        units.extend(chunk)
        while len(units) >= MEMBERS_PER_REQUEST:
            plan.wire(units[:MEMBERS_PER_REQUEST])
            units, bodies = units[MEMBERS_PER_REQUEST:], bodies + 1
    if units:
        plan.wire(units)
        bodies += 1
    return time.perf_counter() - started, bodies, checks


def naive(df: pd.DataFrame) -> tuple[float, int, float | None]:
    started = time.perf_counter()
    records = df.rename(columns={"client_user_id": "clientUserId"}).to_dict("records")
    bodies = 0
    for start in range(0, len(records), MEMBERS_PER_REQUEST):
        json.dumps({"externalId": "bench", "members": records[start : start + MEMBERS_PER_REQUEST]})
        bodies += 1
    return time.perf_counter() - started, bodies, None


# The sandbox in its own process (its own core for the event loop); each line read on
# stdin is answered with the member requests it took, counted by their answer's status.
SANDBOX = r"""
import json, sys
from collections import Counter
from attentive_nb.sandbox import Sandbox
sb = Sandbox(port=0).start()
print(sb.api_key, sb.url, flush=True)
for _ in sys.stdin:
    took = [h for h in sb.history if h["endpoint"] in ("segment_add", "segment_remove")]
    print(json.dumps(Counter(str(h["status"]) for h in took)), flush=True)
"""


def synced(df: pd.DataFrame) -> str:
    """A real sync of ``df`` to a sandbox in another process: requests, people/s, unknown."""
    here = str(Path(att.__file__).resolve().parents[1])  # the sandbox runs this tree's code
    env = {**os.environ, "PYTHONPATH": here, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", SANDBOX], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env=env,
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    try:
        key, url = child.stdout.readline().split()
        conn = att.Connection.from_api_key(key, api_url=url)
        folder = os.getcwd()
        os.chdir(tempfile.mkdtemp())  # the ledger goes here, not into the repository
        try:
            started, cpu = time.perf_counter(), time.process_time()
            report = conn.sync_segment(df, "bench", wait=0, progress=False, confirm=True)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            os.chdir(folder)
        child.stdin.write("count\n")
        child.stdin.flush()
        statuses = json.loads(child.stdout.readline())
    finally:
        child.terminate()
        child.wait(timeout=30)
    answers = ", ".join(f"{n:,} answered {status}" for status, n in sorted(statuses.items()))
    return (
        f"{'sync (sandbox)':<20} {seconds:6.2f} s ({cpu:5.2f} s CPU)  "
        f"{sum(statuses.values()):>5,} requests  {len(df) / seconds:>10,.0f} people/s  "
        f"{report.counts['unknown']:,} rows unknown ({answers})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--sync", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    n = args.members
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} (1, 5, 15 min; 2 cores, shared); {n:,} members")
    print(f"baseline (email + client id): {BASELINES}")
    print(f"baseline (US phone): {PHONE_BASELINE}")
    lines = (
        ("email + client id", frame, planned),
        ("US phone", phones, planned),
        ("naive to_dict+dumps", frame, naive),
    )
    for name, make, run in lines:
        df = make(n)
        cpu = time.process_time()
        seconds, requests, checks = run(df)
        cpu = time.process_time() - cpu
        split = f"  (checks+merge {checks:.2f}, requests {cpu - checks:.2f})" if checks else ""
        print(
            f"{name:<20} {seconds:6.2f} s ({cpu:5.2f} s CPU)  {requests:>5,} requests  "
            f"{n / seconds:>10,.0f} people/s{split}"
        )
    if args.sync:
        print(f"baseline (sync): {SYNC_BASELINE}")
        print(synced(frame(n)))
    print(f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
