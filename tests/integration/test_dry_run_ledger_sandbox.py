"""A dry run and the confirmation count only what a real send would send (issue 27)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.http.client import RetryPolicy
from attentive_nb.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

FAST = RetryPolicy(attempts=4, base_delay=0.02, max_delay=0.1)
LEDGER = Path(".attentive_nb") / "ledger.sqlite"


def connect(sb: Sandbox) -> att.Connection:
    return att.Connection.from_api_key(sb.api_key, api_url=sb.url, retry=FAST, rate_scale=50)


def phones(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+1201400{start + i:04d}" for i in range(n)]})


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_dry_run_after_a_send_says_the_ledger_skips_them_and_writes_nothing():
    with Sandbox(port=0, rate_scale=50) as sb:
        conn = connect(sb)
        assert conn.send_subscribers(phones(5), sign_up_source_id="1", progress=False).ok
        before, calls = digest(LEDGER.parent), len(sb.history)
        respelled = pd.DataFrame({"phone": ["(201) 400-0000", "+1 201 400 0001", "+12014009999"]})
        report = conn.send_subscribers(
            respelled, sign_up_source_id="1", dry_run=True, progress=False
        )
        assert list(report.table["status"]) == ["skipped", "skipped", "would_send"]
        assert any("would skip 2 rows" in n and "sends 1 row" in n for n in report.notes)
        assert digest(LEDGER.parent) == before
        assert [e for e in sb.history[calls:] if e["method"] == "POST"] == []


def test_a_dry_run_with_no_ledger_yet_creates_none():
    with Sandbox(port=0, rate_scale=50) as sb:
        report = connect(sb).send_subscribers(
            phones(2), sign_up_source_id="1", dry_run=True, progress=False
        )
        assert list(report.table["status"]) == ["would_send"] * 2
        assert not LEDGER.parent.exists()


def test_the_confirmation_counts_only_the_rows_that_would_be_sent(monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or "no")
    monkeypatch.setattr("attentive_nb.send.runner.CONFIRM_ABOVE", 10)  # 1,000 in real use
    with Sandbox(port=0, rate_scale=50) as sb:
        conn = connect(sb)
        first = conn.send_subscribers(phones(10), sign_up_source_id="1", progress=False)
        assert first.ok
        # 10 sent before and 5 new: only 5 would be sent, so nothing to confirm
        rerun = conn.send_subscribers(phones(15), sign_up_source_id="1", progress=False)
        assert asked == []
        assert rerun.counts["sent"] == 5 and rerun.counts["skipped"] == 10
        with pytest.raises(att.ConfigError, match="11 rows"):
            conn.send_subscribers(phones(26), sign_up_source_id="1", progress=False)
        (question,) = asked
        assert "subscribe 11 people (15 more rows are skipped" in question
