"""Two and four processes on one sandbox token share one pace (issue 28's two notebooks).

Each process is a fresh Python sending custom events through ``send_events``,
all started at once, against one sandbox with jittered latency (50-300 ms) and
its rate windows off the clock's whole seconds. The limit is scaled to 30/s so
the test stays short. Asserted as shares, never times: the answers that were
429, and the requests accepted per full window as a share of the limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from attentive_nb.sandbox import Sandbox

SCALE = 0.2  # custom events: 150/s -> 30/s
LIMIT = 30
SENDER = r"""
import json, os, sys, time
import pandas as pd
import attentive_nb as att
url, key, first, rows, go, scale = sys.argv[1:7]
first, rows = int(first), int(rows)
conn = att.Connection.from_api_key(key, api_url=url, rate_scale=float(scale))
df = pd.DataFrame({"phone": [f"+1201555{first + i:04d}" for i in range(rows)], "n": range(rows)})
while not os.path.exists(go):
    time.sleep(0.005)
report = conn.send_events(df, event_type="Shared Pace", progress=False)
print(json.dumps({"counts": report.counts, "attempts": int(report.table["attempts"].sum()),
                  "notes": list(report.notes)}))
"""


def run_together(sb: Sandbox, tmp_path: Path, processes: int, rows: int) -> list[dict]:
    """Start ``processes`` senders, let them go at once, and return what each reported."""
    go = tmp_path / "go"
    env = {**os.environ, "ATTENTIVE_NB_HOME": str(tmp_path / "home")}
    senders = []
    for n in range(processes):
        work = tmp_path / f"run{n}"
        work.mkdir()
        args = [sb.url, sb.api_key, str(n * rows), str(rows), str(go), str(SCALE)]
        senders.append(
            subprocess.Popen(
                [sys.executable, "-c", SENDER, *args],
                cwd=work,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    time.sleep(0.1 * processes)  # not a measurement: give the imports a head start
    go.write_text("")
    results = []
    for sender in senders:
        out, err = sender.communicate(timeout=120)
        assert sender.returncode == 0, err[-2000:]
        results.append(json.loads(out.splitlines()[-1]))
    return results


def events(sb: Sandbox) -> list[dict]:
    return [h for h in sb.history if h["endpoint"] == "events"]


def accepted_share_of_limit(sb: Sandbox) -> float:
    """Accepted requests per full sandbox window, between the first and the last, / limit."""
    offset = 0.37
    accepted = [h["at"] for h in events(sb) if h["status"] == 200]
    windows = Counter(int((at - offset) // 1) for at in accepted)
    full = sorted(windows)[1:-1]  # the first and last windows are partial
    return sum(windows[w] for w in full) / (len(full) * LIMIT)


@pytest.mark.parametrize("processes, rows", [(2, 120), (4, 60)])
def test_runs_on_one_token_together_stay_at_the_limit_with_rare_429s(tmp_path, processes, rows):
    with Sandbox(
        port=0, latency_ms=50, jitter_ms=250, window_offset_s=0.37, rate_scale=SCALE, seed=3
    ) as sb:
        results = run_together(sb, tmp_path, processes, rows)
        share = accepted_share_of_limit(sb)
        statuses = Counter(h["status"] for h in events(sb))
    assert all(r["counts"]["sent"] == rows for r in results), results
    assert all(not any("on its own" in n for n in r["notes"]) for r in results)
    answers = sum(r["attempts"] for r in results)
    assert answers == statuses[200] + statuses[429]
    assert statuses[429] / answers <= 0.02  # unshared: a quarter of the answers
    assert share >= 0.85, (share, statuses)
