"""How long a SendReport of many rows takes to build and show, beside a plain DataFrame.

Run: ``.venv/bin/python benchmarks/bench_report.py [--rows 1000000] [--repeat 3]``

The baseline is ``pd.DataFrame`` built from the same outcomes as column lists
plus the identifier columns: the least any report of that size can cost.
SendReport's figure covers building it from the outcome records; the views
(masked ``table``, ``summary``, the notebook HTML) are timed apart.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from attentive_nb.report import RowOutcome, SendReport

BAD_PHONE = "phone '555-0100' is not a valid number for region US"
CYCLE = [("sent", 202, "")] * 10 + [("invalid", None, BAD_PHONE), ("rejected", 400, "nope")]


def identifiers(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [f"+1201555{i % 10000:04d}" for i in range(rows)],
            "email": [f"user{i}@example.com" for i in range(rows)],
        }
    )


def outcomes(rows: int) -> list[RowOutcome]:
    return [RowOutcome(i, *CYCLE[i % 12], attempts=1) for i in range(rows)]


def baseline(ids: pd.DataFrame, records: list[RowOutcome]) -> float:
    """Seconds for a plain DataFrame of the same columns, from the same records."""
    started = time.perf_counter()
    columns = {
        "status": [r.status for r in records],
        "http_status": [r.http_status for r in records],
        "reason": [r.message for r in records],
        "attempts": [r.attempts for r in records],
        "latency_ms": [r.latency_ms for r in records],
    }
    pd.DataFrame(columns).join(ids)
    return time.perf_counter() - started


def report(ids: pd.DataFrame, records: list[RowOutcome]) -> tuple[float, float]:
    """Seconds to build a SendReport, then to produce its table, summary and HTML."""
    started = time.perf_counter()
    built = SendReport(ids, ids, records, kind="subscribe")
    middle = time.perf_counter()
    built.table, built.summary, built._repr_html_()
    return middle - started, time.perf_counter() - middle


def _arrow_bytes() -> int:
    """What pyarrow's own memory pool holds (pandas' str columns live there; tracemalloc
    does not see it)."""
    try:
        import pyarrow as pa
    except ImportError:
        return 0
    return int(pa.total_allocated_bytes())


def held_bytes(rows: int) -> tuple[float, float]:
    """Bytes per row a report of ``rows`` holds (tracemalloc), without and with a phone column.

    The outcomes are set as the runner sets them (many rows at a time, and row by row
    for the first 1,000). The input frame is the caller's and is not counted; the
    identifier frame (the plan's normalised phones) is held by the report, so it is counted.
    """
    import tracemalloc

    import numpy as np

    from attentive_nb.report import Outcomes

    figures = []
    for with_phones in (False, True):
        data = pd.DataFrame(index=pd.RangeIndex(rows))
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0] + _arrow_bytes()
        ids = None  # the plan's identifiers, made while tracing: the report holds them
        if with_phones:
            ids = pd.DataFrame({"phone": [f"+1201555{i % 10000:04d}" for i in range(rows)]})
        outcomes = Outcomes(rows)
        for i in range(1000):
            outcomes.add(RowOutcome(i, *CYCLE[i % 12], attempts=1, latency_ms=12.5))
        rest = np.arange(1000, rows)
        bad = rest[rest % 12 == 10]
        outcomes.add_many(bad, "invalid", [BAD_PHONE] * len(bad))
        outcomes.add_many(rest[rest % 12 == 11], "rejected", ())
        outcomes.add_many(rest[rest % 12 < 10], "sent", ())
        del rest, bad  # the positions made here (8 bytes a row) are not the report's
        built = SendReport(data, ids, outcomes, kind="subscribe")
        del outcomes
        _ = built.counts, built.summary  # the views a notebook shows first
        held = tracemalloc.get_traced_memory()[0] + _arrow_bytes() - before
        figures.append(held / rows)
        tracemalloc.stop()
        del built, ids
    return figures[0], figures[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--held", type=int, default=0, help="rows: bytes per row held only")
    args = parser.parse_args()
    if args.held:
        bare, phone = held_bytes(args.held)
        print(f"{args.held:,} rows held: {bare:.1f} bytes/row; with a phone column {phone:.1f}")
        return

    ids, records = identifiers(args.rows), outcomes(args.rows)
    plain = min(baseline(ids, records) for _ in range(args.repeat))
    timings = [report(ids, records) for _ in range(args.repeat)]
    build = min(t[0] for t in timings)
    views = min(t[1] for t in timings)
    print(f"{args.rows:,} rows, best of {args.repeat}:")
    print(f"  plain DataFrame (baseline)        {plain:6.2f} s")
    print(f"  SendReport built                  {build:6.2f} s  ({build / plain:.1f}x baseline)")
    print(f"  + table, summary and HTML         {views:6.2f} s")


if __name__ == "__main__":
    main()
