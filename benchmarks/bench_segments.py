"""Planning a segment sync of a million members, beside a naive loop.

Run: ``.venv/bin/python benchmarks/bench_segments.py [--members 1000000]``

Times what a sync does on this machine before its first request leaves:
every phone and email checked, people merged, each member's ledger key and
JSON text written, and the request bodies (10,000 members each) assembled.
The baseline is the naive loop an analyst might write: ``df.to_dict("records")``
and ``json.dumps`` per 10,000, with no checks and no keys. The issue's goal:
a million members planned in 3 s or less, in 100 requests or fewer. The
machine's load average is printed: figures are only as quiet as it.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import pandas as pd

from attentive_nb.plan.segments import MEMBERS_PER_REQUEST, plan_members


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": [f"member{i}@example.com" for i in range(n)],
            "client_user_id": [f"u{i}" for i in range(n)],
        }
    )


def planned(df: pd.DataFrame) -> tuple[float, int]:
    """Seconds to plan and write every request body; how many requests."""
    started = time.perf_counter()
    plan = plan_members(df, "bench")
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
    return time.perf_counter() - started, bodies


def naive(df: pd.DataFrame) -> tuple[float, int]:
    started = time.perf_counter()
    records = df.rename(columns={"client_user_id": "clientUserId"}).to_dict("records")
    bodies = 0
    for start in range(0, len(records), MEMBERS_PER_REQUEST):
        json.dumps({"externalId": "bench", "members": records[start : start + MEMBERS_PER_REQUEST]})
        bodies += 1
    return time.perf_counter() - started, bodies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    n = parser.parse_args().members
    df = frame(n)
    print(f"load average {os.getloadavg()[0]:.2f}; {n:,} members (email + client_user_id)")
    for name, run in (("sync_segment plan", planned), ("naive to_dict+dumps", naive)):
        seconds, requests = run(df)
        print(
            f"{name:<22} {seconds:6.2f} s  {requests:>5,} requests  {n / seconds:>12,.0f} people/s"
        )


if __name__ == "__main__":
    main()
