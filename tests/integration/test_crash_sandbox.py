"""A process SIGKILLed mid-send, then the same call again: nothing twice, nothing lost.

The send runs in a real child process against the sandbox; the sandbox kills
it (SIGKILL: no handler runs, as at a power cut) once a given number of
requests have come in. The same call, run again with the same ledger, must
subscribe nobody twice, report the requests that were on the wire
``unknown``, lose no opt-out, and find the ledger usable.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.http.client import RetryPolicy
from attentive_nb.sandbox import Sandbox
from attentive_nb.send.ledger import Ledger

pytestmark = pytest.mark.sandbox

N = 60
PHONES = [f"+1201{5550100 + i:07d}" for i in range(N)]
CALLS = {
    "subscribe": ("send_subscribers", {"sign_up_source_id": "1"}, "/v1/subscriptions"),
    "unsubscribe": ("unsubscribe", {}, "/v1/subscriptions/unsubscribe"),
    "events": ("send_events", {"event_type": "Shipped"}, "/v1/events/custom"),
}
CHILD = """
import json, sys
import pandas as pd
import attentive_nb as att
key, url, ledger, method, options, frame = sys.argv[1:]
conn = att.Connection.from_api_key(key, api_url=url, rate_scale=10)
getattr(conn, method)(pd.DataFrame(json.loads(frame)), ledger=ledger, progress=False,
                      **json.loads(options))
"""


def frame(kind: str) -> pd.DataFrame:
    columns = {"phone": PHONES}
    if kind == "events":
        columns["order"] = [f"A{i}" for i in range(N)]
    return pd.DataFrame(columns)


def killed_mid_send(sb: Sandbox, kind: str, ledger, after: int) -> int:
    """Run the call in a child and SIGKILL it at the ``after``-th request; its exit code."""
    method, options, path = CALLS[kind]
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            sb.api_key,
            sb.url,
            str(ledger),
            method,
            json.dumps(options),
            json.dumps(frame(kind).to_dict("list")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    sb.when_requests(
        after,
        lambda: os.kill(child.pid, signal.SIGKILL),
        where=lambda entry: entry.get("path") == path,
    )
    try:
        _, errors = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL, errors.decode()[-2000:]
    return child.returncode


def again(sb: Sandbox, kind: str, ledger, **extra):
    method, options, _ = CALLS[kind]
    conn = att.Connection.from_api_key(
        sb.api_key, api_url=sb.url, rate_scale=10, retry=RetryPolicy(attempts=3, base_delay=0.01)
    )
    return getattr(conn, method)(frame(kind), ledger=ledger, progress=False, **options, **extra)


@pytest.mark.parametrize("kind", ["subscribe", "events"])
def test_a_send_killed_mid_way_then_run_again_sends_nobody_twice(tmp_path, kind):
    ledger = tmp_path / "ledger.sqlite"
    path = CALLS[kind][2]
    with Sandbox(port=0, rate_scale=10) as sb:
        assert killed_mid_send(sb, kind, ledger, after=20) == -signal.SIGKILL
        first = len(sb.received(path))
        assert 0 < first < N

        report = again(sb, kind, ledger)
        statuses = report.table["status"]
        assert set(statuses) <= {"sent", "skipped", "unknown"}
        if kind == "subscribe":  # at most once: what was on the wire is unknown, not resent
            assert max(sb.processed(path).values()) == 1, "someone was subscribed twice"
            assert (statuses == "unknown").sum() >= 1
            assert (statuses == "skipped").sum() + (statuses == "unknown").sum() >= first
        else:  # retry-safe: sent again, each event once more at most
            assert max(sb.processed(path).values()) <= 2
        # Every row not unknown reached Attentive (once, for subscribe); unknown ones may have.
        reached = {json.loads(body)["user"]["phone"] for body in sb.processed(path)}
        assert {PHONES[i] for i in range(N) if statuses.iloc[i] != "unknown"} <= reached
        with Ledger(ledger) as opened, opened.reading() as db:  # usable; no claim of the dead left
            states = dict(db.execute("SELECT state, COUNT(*) FROM requests GROUP BY state"))
        assert "claimed" not in states and sum(states.values()) == N


def test_an_unsubscribe_killed_mid_way_loses_no_opt_out(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    with Sandbox(port=0, rate_scale=10) as sb:
        again(sb, "subscribe", tmp_path / "subscribe.sqlite")
        assert all(sb.subscribed(p) for p in PHONES)
        assert killed_mid_send(sb, "unsubscribe", ledger, after=20) == -signal.SIGKILL

        report = again(sb, "unsubscribe", ledger)
        still = [p for p in PHONES if sb.subscribed(p)]
        unknown = [PHONES[i] for i in range(N) if report.table["status"].iloc[i] == "unknown"]
        # Nobody still subscribed is reported done: each is unknown, named for a resend.
        assert set(still) <= set(unknown)
        assert not any("\n" in r for r in report.table["reason"])

        again(sb, "unsubscribe", ledger, resend="unknown")
        assert not any(sb.subscribed(p) for p in PHONES), "an opt-out was lost"
