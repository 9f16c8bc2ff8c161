"""Issue 23 side by side: one process alone, even pace vs filling windows; 2 and 4 on one token.

Run: ``.venv/bin/python benchmarks/bench_shared_pace.py [--quick] [--repeat N]``

The sandbox runs in its own process on 127.0.0.1 with Attentive's documented
limits, latency drawn uniformly from 50-300 ms (seeded) and its one-second
windows starting 0.37 s off the clock's whole seconds. Each sender is a fresh
Python process calling ``send_events`` (or ``send_subscribers``); all of a
line's senders start together and share one API key and one
``ATTENTIVE_NB_HOME``. Each line prints, for the whole call (first request of
any sender to the last answer of all, start and tail included): rows/s
together, that as a share of the limit, the share of answers that were 429,
and each sender's share of the rows/s (fair), for two ways of pacing:

- 1 process: filling the windows (today) beside the even pace under the limit
  (the governor with filling switched off in the sender: the pace of before);
- 2 and 4 processes: the shared pace (filling) beside each pacing on its own
  (``shared_pace=False``, even: the 0.1 behaviour, issue 23's baseline: 2 x
  1,500 events reached 142 rows/s with 26 % of answers 429).

``--windows`` adds, under each line, the filling run's accepted requests per
sandbox window (from ``GET /sandbox/inspect``): the first few and the last few,
where a whole call loses to its start and its tail, and the seconds from the
call's start to the first request counted and from the last counted to the
call's end. ``--only events`` (or ``subscribers``) and ``--processes 1,4`` pick
lines.

Then the cost of sharing: a governor's ``reserve`` + ``observe`` (one
request's bookkeeping) with the shared record and without. ``uptime`` is
printed before and after each round: the machine is shared, the figures noisy.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

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
url, key, kind, first, rows, go, shared, even = sys.argv[1:9]
first, rows = int(first), int(rows)
if even == "1":  # the pace of before: never leave the even pace
    from attentive_nb.http.ratelimit import RateGovernor
    RateGovernor._zone = lambda self, at: None
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
OFFSET = 0.37  # the sandbox's windows begin this long after the clock's whole seconds
ENDPOINTS = {"events": "events", "subscribers": "subscribe"}
BASELINE = {  # issue 23's figures, measured on this machine before sharing; its goals
    ("events", 1): "95.1-95.2% (goal >= 97%)",
    ("events", 2): "142 rows/s, 95%, 26% 429s",
    ("subscribers", 1): "8.8-9.0 rows/s (goal >= 9.5)",
}


def together(
    server: Server, kind: str, senders: int, rows: int, shared: bool, first: int, even: bool
) -> dict:
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
                [sys.executable, "-c", SENDER, *argv, str(int(shared)), str(int(even))],
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
    started, ended = min(r["started"] for r in runs), max(r["ended"] for r in runs)
    return {
        "started": started,
        "ended": ended,
        "rate": total / span,
        "share": total / span / LIMITS[kind],
        "429": (attempts - total) / attempts,  # every attempt not accepted was a 429
        "failed": failed,
        "fair": min(each) / max(each),
    }


def windows(server: Server, kind: str, run: dict) -> str:
    """The accepted requests per sandbox window of one run: its start and its tail."""
    answer = requests.get(
        f"{server.url}/sandbox/inspect",
        headers={"Authorization": f"Bearer {server.key}"},
        timeout=30,
    )
    at = [
        h["at"]
        for h in answer.json()["history"]
        if h["endpoint"] == ENDPOINTS[kind]
        and 200 <= (h["status"] or 0) < 300
        and run["started"] <= h["at"] <= run["ended"]
    ]
    if not at:
        return "    windows: none counted"
    counts: dict[int, int] = {}
    for t in at:
        counts[math.floor(t - OFFSET)] = counts.get(math.floor(t - OFFSET), 0) + 1
    row = [counts.get(w, 0) for w in range(min(counts), max(counts) + 1)]
    low = sum(1 for n in row[1:-1] if n < LIMITS[kind])
    shown = row if len(row) <= 30 else f"start {row[:5]} ... tail {row[-3:]}"
    return (
        f"    windows: {shown} ({len(row)} windows, "
        f"{low} between them under the limit); call start -> first counted "
        f"{min(at) - run['started']:.2f} s, last counted -> call end "
        f"{run['ended'] - max(at):.2f} s"
    )


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def cells(run: dict) -> str:
    return f"{run['rate']:>8.1f}{run['share']:>8.1%}{run['429']:>7.2%}{run['fair']:>6.2f}"


def send_lines(
    quick: bool, kinds: tuple[str, ...], counts: tuple[int, ...], per_window: bool
) -> None:
    print(f"uptime: {uptime()}")
    print(
        f"{'endpoint':<12}{'runs':>5}{'rows':>7}  {'filling: rows/s':>15}{'limit':>8}{'429s':>7}"
        f"{'fair':>6}  {'even: rows/s':>12}{'limit':>8}{'429s':>7}{'fair':>6}"
        "   issue 23 baseline"
    )
    server = Server([sys.executable, "-c", SANDBOX])
    first, failures = 0, 0
    try:
        for kind, total in (("events", 3000), ("subscribers", 100)):
            if kind not in kinds:
                continue
            total = total // 5 if quick else total
            for senders in counts:
                rows = total // senders
                # 1 process: both alone, filling vs even; more: shared (filling) vs each alone.
                filling = together(server, kind, senders, rows, senders > 1, first, False)
                filled = windows(server, kind, filling) if per_window else ""
                first += 100_000
                even = together(server, kind, senders, rows, False, first, True)
                first += 100_000
                failures += filling["failed"] + even["failed"]
                label = f"{kind:<12}{senders:>5}{rows * senders:>7,}"
                mode = "alone" if senders == 1 else "shared / each alone"
                print(
                    f"{label}  {cells(filling):>36}  {cells(even):>33}"
                    f"   {BASELINE.get((kind, senders), mode)}",
                    flush=True,
                )
                if filled:
                    print(filled, flush=True)
    finally:
        server.stop()
    print(f"uptime: {uptime()}")
    print(
        "(fair: the slowest sender's rows/s over the fastest's; rows whose retries ran out "
        f"on 429s: {failures}; 2 and 4 processes: 'filling' is the shared pace, 'even' each "
        "process pacing on its own as in 0.1)"
    )


def cost_lines(n: int = 20_000) -> None:
    """One request's bookkeeping (process CPU): alone, with the record, and with the record
    while callers wait for their slots (a run at the limit: slots claimed a few at a time;
    here on a clock that stands still, so that each slot lies ahead of the last)."""
    with tempfile.TemporaryDirectory() as folder:
        still = 1000.0
        lines = (
            ("alone", None, 1e9, 0, time.monotonic),  # a limit never reached: no waits
            ("shared record", SharedPace(Path(folder) / "a"), 1e9, 0, time.monotonic),
        )
        waiting = SharedPace(Path(folder) / "b", clock=lambda: still, wall=lambda: still)
        lines += (("shared, 8 callers waiting", waiting, 150.0, 8, lambda: still),)
        for label, shared, rate, callers, clock in lines:
            gov = RateGovernor(rate, shared=shared, clock=clock)
            gov._waiting = callers  # as if so many threads waited in acquire
            started = time.process_time()
            for _ in range(n):
                gov.reserve()
                gov.observe(None, None, latency=0.1)
            micro = (time.process_time() - started) / n * 1e6
            print(f"{'bookkeeping per request, ' + label:<50}{micro:>8.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the rows, to try it out")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the send lines")
    parser.add_argument("--windows", action="store_true", help="per-window counts, each line")
    parser.add_argument("--only", choices=sorted(LIMITS), help="one endpoint's lines")
    parser.add_argument("--processes", default="1,2,4", help="the lines' process counts")
    args = parser.parse_args()
    kinds = (args.only,) if args.only else tuple(LIMITS)
    counts = tuple(int(n) for n in args.processes.split(","))
    cost_lines()
    for _ in range(args.repeat):
        send_lines(args.quick, kinds, counts, args.windows)


if __name__ == "__main__":
    main()
