"""Client CPU time per request: custom events and subscribes, at the limit and saturated.

Run: ``.venv/bin/python benchmarks/bench_cpu.py [--rows 1500] [--profile FILE]``

The sandbox runs in its own process on 127.0.0.1 (20 ms of latency), so the
figure is this process's CPU alone (``time.process_time``: user and system, all
its threads) over the answers it got. Two settings:

- **at the limit**: Attentive's documented rates (custom events 150/s,
  subscribe 10/s), the case issue #24 measures (baseline 2.2-2.3 ms/request);
- **saturated**: the client's and the sandbox's limits raised 100 times, so the
  client sends as fast as its CPU allows (baseline 0.83 ms/request, ~1,000/s in
  total on this 2-core machine, the sandbox's process sharing it).

The goal (issue #24) is 0.5 ms/request at the limit: one core then drives 13
companies at 150/s. ``--profile FILE`` writes a cProfile of the events run at
the limit (all threads, if yappi is installed: ``--profile`` uses it then).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from bench_sandbox import Server  # a sibling script, not a package

import attentive_nb as att

SANDBOX = r"""
import sys, threading
from attentive_nb.sandbox import Sandbox
sb = Sandbox(port=0, latency_ms=20, rate_scale=float(sys.argv[1]), seed=7).start()
print(f"demo API key: {sb.api_key}", flush=True)
print(f"ATTENTIVE_API_URL={sb.url}", flush=True)
threading.Event().wait()
"""
BASELINE = {"at the limit": "2.2-2.3 ms", "saturated": "0.83 ms"}
SCALES = {"at the limit": 1.0, "saturated": 100.0}


def frame(rows: int, offset: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [f"+1201{5550000 + offset + i:07d}" for i in range(rows)],
            "email": [f"p{offset + i}@example.com" for i in range(rows)],
        }
    )


def send(conn: att.Connection, kind: str, df: pd.DataFrame) -> att.SendReport:
    with contextlib.redirect_stdout(io.StringIO()):  # the estimate line, said before sending
        if kind == "events":
            return conn.send_events(df.assign(n=range(len(df))), event_type="Bench", progress=False)
        return conn.send_subscribers(df, sign_up_source_id="1", confirm=True, progress=False)


def measure(server: Server, scale: float, kind: str, rows: int, offset: int) -> tuple[float, float]:
    """(client CPU ms per request, requests per second) of one send of ``rows`` rows."""
    conn = att.Connection.from_api_key(server.key, api_url=server.url, rate_scale=scale)
    conn.me()
    df = frame(rows, offset)
    cpu, wall = time.process_time(), time.perf_counter()
    report = send(conn, kind, df)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert report.counts["sent"] == rows, report.summary
    attempts = int(report.table["attempts"].sum())
    return cpu * 1000 / attempts, attempts / wall


def profile(server: Server, rows: int, path: str) -> None:
    """A profile of one events send at the limit: yappi (every thread) or cProfile."""
    conn = att.Connection.from_api_key(server.key, api_url=server.url)
    conn.me()
    df = frame(rows, 4_000_000)  # 5550000 + offset keeps 7 digits: a valid number
    try:
        import yappi
    except ImportError:
        import cProfile

        cProfile.runctx("send(conn, 'events', df)", globals(), locals(), path)
        return
    yappi.set_clock_type("cpu")
    yappi.start()
    send(conn, "events", df)
    yappi.stop()
    yappi.get_func_stats().save(path, type="pstat")
    yappi.get_thread_stats().print_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1500, help="events per run (subscribes: /10)")
    parser.add_argument("--profile", help="write a profile of the events run at the limit here")
    args = parser.parse_args()
    os.chdir(tempfile.mkdtemp())  # a fresh ledger
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load: {load}")
    print(f"{'endpoint':<10}{'setting':<14}{'req/s':>8}{'client CPU/request':>20}{'baseline':>12}")
    for n, (setting, scale) in enumerate(SCALES.items()):
        server = Server([sys.executable, "-c", SANDBOX, str(scale)])
        try:
            if args.profile and scale == 1.0:
                profile(server, args.rows, args.profile)
            jobs = (("events", args.rows), ("subscribe", max(args.rows // 10, 20)))
            for m, (kind, rows) in enumerate(jobs):
                ms, rate = measure(server, scale, kind, rows, (2 * n + m) * 1_000_000)
                base = BASELINE[setting] if kind == "events" else ""
                print(f"{kind:<10}{setting:<14}{rate:>8.0f}{ms:>17.3f} ms{base:>12}")
        finally:
            server.stop()
    print("goal: <= 0.5 ms/request at the limit (one core: >= 13 companies at 150/s)")


if __name__ == "__main__":
    main()
