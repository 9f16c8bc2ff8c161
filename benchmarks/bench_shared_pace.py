"""One pace per token: one process alone, and 2 or 4 processes on one token, side by side.

Run: ``.venv/bin/python benchmarks/bench_shared_pace.py [--quick]``

The sandbox runs in its own process on 127.0.0.1 with Attentive's documented
limits, latency drawn uniformly from 50-300 ms (seeded) and its one-second
windows starting 0.37 s off the clock's whole seconds. Each sender is a fresh
Python process calling ``send_events`` (or ``send_subscribers``); all of a
line's senders start together and share one API key and one
``ATTENTIVE_NB_HOME``. Each line prints, for the whole call (first request of
any sender to the last answer of all, start and tail included): rows/s
together, that as a share of the limit, the share of answers that were 429,
and each sender's share of the rows/s; beside it, the same senders pacing each
on its own (``shared_pace=False``, the 0.1 behaviour, issue 23's baseline:
2 x 1,500 events reached 142 rows/s with 26 % of answers 429).

Then the cost of sharing: a governor's ``reserve`` + ``observe`` (one
request's bookkeeping) with the shared record and without.
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

sys.path.insert(0, os.path.dirname(__file__))
from bench_sandbox import Server  # a sibling script, not a package

from attentive_nb.http.ratelimit import RateGovernor
from attentive_nb.http.shared_pace import SharedPace

SANDBOX = r"""
import threading
from attentive_nb.sandbox import Sandbox
sb = Sandbox(port=0, latency_ms=50, jitter_ms=250, window_offset_s=0.37, seed=7).start()
print(f"demo API key: {sb.api_key}", flush=True)
print(f"ATTENTIVE_API_URL={sb.url}", flush=True)
threading.Event().wait()
"""
SENDER = r"""
import contextlib, io, json, os, sys, time
import pandas as pd
import attentive_nb as att
url, key, kind, first, rows, go, shared = sys.argv[1:8]
first, rows = int(first), int(rows)
conn = att.Connection.from_api_key(key, api_url=url, shared_pace=shared == "1")
conn.me()
df = pd.DataFrame({"phone": [f"+1201{5550000 + first + i:07d}" for i in range(rows)]})
while not os.path.exists(go):
    time.sleep(0.002)
started = time.time()
with contextlib.redirect_stdout(io.StringIO()):
    if kind == "events":
        report = conn.send_events(df.assign(n=range(rows)), event_type="Bench", progress=False)
    else:
        report = conn.send_subscribers(df, sign_up_source_id="1", progress=False)
ended = time.time()
print(json.dumps({"started": started, "ended": ended, "rows": report.counts["sent"],
                  "failed": report.counts["failed"],
                  "attempts": int(report.table["attempts"].sum())}))
"""
LIMITS = {"events": 150, "subscribers": 10}
BASELINE = {  # issue 23's figures, measured on this machine before sharing
    ("events", 1): "95.1-95.2% of the limit",
    ("events", 2): "142 rows/s, 95%, 26% 429s",
    ("subscribers", 1): "8.8-9.0 rows/s",
}


def together(server: Server, kind: str, senders: int, rows: int, shared: bool, first: int) -> dict:
    """Run ``senders`` processes at once; their combined whole-call figures."""
    folder = Path(tempfile.mkdtemp())
    go = folder / "go"
    env = {**os.environ, "ATTENTIVE_NB_HOME": str(folder / "home")}
    procs = []
    for n in range(senders):
        work = folder / f"run{n}"
        work.mkdir()
        argv = [server.url, server.key, kind, str(first + n * rows), str(rows), str(go)]
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", SENDER, *argv, "1" if shared else "0"],
                cwd=work,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    time.sleep(2.0 + 0.5 * senders)  # the imports, so that all start together
    go.write_text("")
    runs = [json.loads(p.communicate(timeout=600)[0].splitlines()[-1]) for p in procs]
    span = max(r["ended"] for r in runs) - min(r["started"] for r in runs)
    total = sum(r["rows"] for r in runs)  # accepted
    failed = sum(r["failed"] for r in runs)
    attempts = sum(r["attempts"] for r in runs)
    each = [r["rows"] / (r["ended"] - r["started"]) for r in runs]
    return {
        "rate": total / span,
        "share": total / span / LIMITS[kind],
        "429": (attempts - total) / attempts,  # every attempt not accepted was a 429
        "failed": failed,
        "fair": min(each) / max(each),
    }


def send_lines(quick: bool) -> None:
    print(f"load: {os.getloadavg()[0]:.2f} (uptime's 1-minute load average) at the start")
    print(
        f"{'endpoint':<12}{'runs':>5}{'rows':>7}  {'shared: rows/s':>14}{'of limit':>9}"
        f"{'429s':>7}{'fair':>6}  {'alone: rows/s':>13}{'of limit':>9}{'429s':>7}"
        f"   issue 23 baseline"
    )
    server = Server([sys.executable, "-c", SANDBOX])
    first, failures = 0, 0
    try:
        for kind, total in (("events", 3000), ("subscribers", 100)):
            total = total // 5 if quick else total
            for senders in (1, 2, 4):
                rows = total // senders
                shared = together(server, kind, senders, rows, True, first)
                failures += shared["failed"]
                first += 100_000
                alone = together(server, kind, senders, rows, False, first)
                first += 100_000
                print(
                    f"{kind:<12}{senders:>5}{rows * senders:>7,}  {shared['rate']:>14.1f}"
                    f"{shared['share']:>9.1%}{shared['429']:>7.2%}{shared['fair']:>6.2f}"
                    f"  {alone['rate']:>13.1f}{alone['share']:>9.1%}{alone['429']:>7.2%}"
                    f"{alone['failed']:>7}"
                    f"   {BASELINE.get((kind, senders), '')}"
                )
    finally:
        server.stop()
    print(f"load: {os.getloadavg()[0]:.2f} at the end")
    print(
        "(fair: the slowest sender's rows/s over the fastest's; failed: rows whose retries "
        "ran out on 429s; a shared line's failed rows: "
        f"{failures}; 1 process: shared and alone pace the same way)"
    )


def cost_lines(n: int = 20_000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        record = SharedPace(Path(folder) / "record")
        for label, shared in (("alone", None), ("shared record", record)):
            gov = RateGovernor(1e9, shared=shared)  # a limit never reached: no waits
            started = time.perf_counter()
            for _ in range(n):
                gov.reserve()
                gov.observe(None, None, latency=0.1)
            micro = (time.perf_counter() - started) / n * 1e6
            print(f"{'bookkeeping per request, ' + label:<42}{micro:>8.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the rows, to try it out")
    args = parser.parse_args()
    cost_lines()
    send_lines(args.quick)


if __name__ == "__main__":
    main()
