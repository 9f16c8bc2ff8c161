"""The send ledger against the sandbox: the seven ways the first engine lost or repeated a send.

Each test counts on the server side what Attentive (the sandbox) actually
processed, not what the report says.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.http.client import RetryPolicy
from attentive_nb.sandbox import Sandbox
from attentive_nb.send.ledger import Ledger

pytestmark = pytest.mark.sandbox

FAST_RETRIES = RetryPolicy(attempts=6, base_delay=0.02, max_delay=0.1)


def quiet(**options):
    return {"progress": False, **options}


def connect(sb: Sandbox, **client_options) -> att.Connection:
    client_options.setdefault("retry", FAST_RETRIES)
    client_options.setdefault("rate_scale", 10)
    return att.Connection.from_api_key(sb.api_key, api_url=sb.url, **client_options)


def phones(n: int, start: int = 0) -> list[str]:
    return [f"+1201{5550100 + start + i:07d}" for i in range(n)]


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def orders(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [f"A{i}" for i in range(n)],
            "email": [f"buyer{i}@example.com" for i in range(n)],
            "product_id": ["p1"] * n,
            "product_variant_id": ["v1"] * n,
            "price": [10.0] * n,
        }
    )


# 1. -- an unsubscribe reaches every phone and email; a subscribe every identifier ------------


def test_a_household_email_shared_by_two_phones_unsubscribes_both_phones():
    p0, p1 = phones(2)
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        solo = pd.DataFrame({"phone": [p0, p1, None], "email": [None, None, "family@example.com"]})
        assert conn.send_subscribers(solo, sign_up_source_id="1", **quiet()).ok
        household = pd.DataFrame({"phone": [p0, p1], "email": ["family@example.com"] * 2})
        report = conn.unsubscribe(household, **quiet())
        assert list(report.table["status"]) == ["sent", "sent"]
        assert not sb.subscribed(p0) and not sb.subscribed(p1)
        assert not sb.subscribed("family@example.com", "EMAIL")


def test_a_row_without_an_email_does_not_hide_the_email_of_the_same_phone():
    (p,) = phones(1)
    with Sandbox(port=0, rate_scale=10) as sb:
        df = pd.DataFrame({"phone": [p, p], "email": [None, "jane@example.com"]})
        report = connect(sb).send_subscribers(df, sign_up_source_id="1", **quiet())
        assert list(report.table["status"]) == ["sent", "sent"]
        assert sb.subscribed(p) and sb.subscribed("jane@example.com", "EMAIL")
        assert sb.subscribe_count(p) == 1


# 2. -- a re-run does not resend rows whose answer was lost ---------------------------------------


def test_rows_unknown_in_one_run_are_not_resent_by_the_next_unless_asked():
    df = pd.DataFrame({"phone": phones(40)})
    with Sandbox(port=0, rate_scale=10, reset_rate=0.3, seed=11) as sb:
        sb.faults.endpoints = frozenset({"subscribe"})
        conn = connect(sb)
        first = conn.send_subscribers(df, sign_up_source_id="1", **quiet())
        unknown = first.table["status"] == "unknown"
        assert unknown.sum() > 0 and (first.table["status"] == "sent").sum() > 0

        sb.faults.reset_rate = 0.0
        second = conn.send_subscribers(df, sign_up_source_id="1", **quiet())
        assert max(sb.processed("/v1/subscriptions").values()) == 1, "someone was sent twice"
        assert list(second.table["status"][unknown]) == ["unknown"] * unknown.sum()
        assert all("earlier run" in r for r in second.table["reason"][unknown])
        assert (second.table["status"][~unknown] == "skipped").all()
        assert any(
            f"{unknown.sum()} rows got no answer in an earlier run" in n for n in second.notes
        )

        third = conn.send_subscribers(df, sign_up_source_id="1", **quiet(resend="unknown"))
        assert (third.table["status"][unknown] == "sent").all()
        assert (third.table["status"][~unknown] == "skipped").all()
        assert any("sent again, as resend asked" in n for n in third.notes)
        assert [sb.subscribe_count(p) for p in df["phone"][unknown]] == [2] * unknown.sum()


# 3. -- Ctrl-C: quick the first time, and nothing lost the second time ----------------------------


def test_one_ctrl_c_cuts_retry_waits_short():
    # Every answer is a 503, and the client would wait 30 s before each retry.
    patient = RetryPolicy(attempts=5, base_delay=30, max_delay=30)
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(20)], "n": range(20)})
    with Sandbox(port=0, error_rate=1.0, seed=1) as sb:
        sb.faults.endpoints = frozenset({"events"})
        conn = connect(sb, retry=patient)
        conn.me()
        sb.when_requests(3, ctrl_c)
        started = time.monotonic()
        report = conn.send_events(df, event_type="Clicked", **quiet(workers=4))
        took = time.monotonic() - started
    assert took < 10, f"the interrupt took {took:.1f} s to take effect"  # not 30 s and more
    assert report.counts["not_sent"] == 20
    assert any("Interrupted" in note for note in report.notes)


def test_two_ctrl_c_still_return_a_report_and_leave_nothing_unrecorded(tmp_path):
    df = pd.DataFrame({"phone": phones(30)})
    with Sandbox(port=0, rate_scale=10, latency_ms=400) as sb:
        conn = connect(sb)
        conn.me()

        def twice():
            ctrl_c()
            threading.Timer(0.1, ctrl_c).start()

        sb.when_requests(4, twice)
        report = conn.send_subscribers(df, sign_up_source_id="1", **quiet(workers=4))
        assert sum(report.counts.values()) == 30
        assert any("Interrupted twice" in note for note in report.notes)
        time.sleep(1.0)  # the abandoned requests come back and are recorded by their workers
        again = conn.send_subscribers(df, sign_up_source_id="1", **quiet())
        assert max(sb.processed("/v1/subscriptions").values()) == 1, "someone was sent twice"
        assert again.counts["sent"] + report.counts["sent"] <= 30


# 4. -- two runs at once (two kernels, or a kernel and a cron job) --------------------------------


def test_two_runs_at_once_send_each_person_once(tmp_path):
    people = tmp_path / "people.csv"
    pd.DataFrame({"phone": phones(30)}).to_csv(people, index=False)
    with Sandbox(port=0, latency_ms=60) as sb:
        env = {**os.environ, **sb.environment(), "PYTHONUNBUFFERED": "1"}
        command = [
            Path(sys.executable).with_name("attentive-nb"),
            "send",
            "subscribers",
            str(people),
            "--sign-up-source-id",
            "1",
            "--yes",
        ]
        runs = [
            subprocess.Popen(
                [*command, "--out", str(tmp_path / f"run{i}.csv")],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for i in range(2)
        ]
        for run in runs:
            run.communicate(timeout=120)
        assert [sb.subscribe_count(p) for p in phones(30)] == [1] * 30
        results = [pd.read_csv(tmp_path / f"run{i}.csv") for i in range(2)]
        statuses = pd.concat([r["status"] for r in results])
        assert (statuses == "sent").sum() == 30
        skipped = pd.concat([r["reason"] for r in results])[statuses.to_numpy() == "skipped"]
        assert skipped.str.contains("another run in progress|accepted in an earlier run").all()


# 5. -- a ledger that cannot be written: nothing sent, or the run stops with its report -----------


def fresh_ledger_pages() -> int:
    """How many pages an empty ledger file takes (its tables), whatever the schema holds."""
    with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "l.sqlite") as ledger:
        db = sqlite3.connect(ledger.path)
        try:
            return db.execute("PRAGMA page_count").fetchone()[0]
        finally:
            db.close()


class FillingDisk(Ledger):
    """A ledger whose file may grow only a page or two: SQLite's own 'disk is full'."""

    def _connect(self):
        db = super()._connect()
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {max(pages, fresh_ledger_pages()) + 1}")
        return db


def test_a_full_disk_mid_run_stops_sending_and_returns_the_report(clean_environment):
    df = pd.DataFrame({"phone": phones(120)})
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        with FillingDisk(clean_environment / "ledger.sqlite") as small:
            report = conn.send_subscribers(df, sign_up_source_id="1", **quiet(ledger=small))
        assert report.counts["not_sent"] > 0 and report.counts["sent"] > 0
        assert any("disk is full" in note for note in report.notes)
        processed = len(sb.received("/v1/subscriptions"))
        assert processed == report.counts["sent"] + report.counts["unknown"]

        again = conn.send_subscribers(
            df, sign_up_source_id="1", **quiet(ledger=clean_environment / "ledger.sqlite")
        )
        assert max(sb.processed("/v1/subscriptions").values()) == 1, "someone was sent twice"
        assert again.counts["sent"] == 120 - processed


def test_a_damaged_ledger_stops_before_the_first_request(sandbox, clean_environment):
    broken = clean_environment / ".attentive_nb" / "ledger.sqlite"
    broken.parent.mkdir()
    broken.write_bytes(b"\x00garbage" * 100)
    conn = connect(sandbox)
    with pytest.raises(att.LedgerError, match="damaged") as caught:
        conn.send_subscribers(pd.DataFrame({"phone": phones(3)}), sign_up_source_id="1", **quiet())
    assert str(broken) in str(caught.value)
    assert not [h for h in sandbox.history if h["endpoint"] == "subscribe"]


# 6. -- purchases are at most once --------------------------------------------------------------


def test_purchases_whose_answers_were_lost_are_never_recorded_twice():
    with Sandbox(port=0, rate_scale=10, reset_rate=0.3, seed=5) as sb:
        sb.faults.endpoints = frozenset({"purchase"})
        conn = connect(sb)
        first = conn.send_ecommerce(orders(40), event="purchase", **quiet())
        assert set(first.table["status"]) == {"sent", "unknown"}
        sb.faults.reset_rate = 0
        conn.send_ecommerce(orders(40), event="purchase", **quiet())
        counts = sb.processed("/v1/events/ecommerce/purchase")
        # Lost answers came after the sandbox recorded the order: every order is there, once.
        assert len(counts) == 40
        assert max(counts.values()) == 1, "a purchase was recorded twice"


# 7. -- a failed bulk job is not 'sent'; unreadable results are not 'failed' either -------------


def test_a_bulk_job_that_ends_failed_leaves_its_rows_to_send_again(sandbox):
    df = pd.DataFrame({"email": ["a@example.com", "b@example.com"], "tier": ["gold", "silver"]})
    conn = connect(sandbox)
    sandbox.faults.fail_bulk_jobs = True
    first = conn.send_attributes(df, bulk=True, **quiet())
    assert list(first.table["status"]) == ["failed", "failed"]
    assert "ended FAILED" in first.table["reason"].iloc[0]
    assert sandbox.attributes("a@example.com") == {}

    sandbox.faults.fail_bulk_jobs = False
    second = conn.send_attributes(df, bulk=True, **quiet())
    assert list(second.table["status"]) == ["sent", "sent"]
    assert sandbox.attributes("a@example.com") == {"tier": "gold"}


def test_results_that_cannot_be_downloaded_leave_accepted_rows_submitted(sandbox):
    df = pd.DataFrame({"email": ["a@example.com"], "tier": ["gold"]})
    sandbox.faults.bulk_results_status = 500
    report = connect(sandbox).send_attributes(df, bulk=True, **quiet())
    assert list(report.table["status"]) == ["submitted"]
    assert "could not be read" in report.table["reason"].iloc[0]
    sandbox.faults.bulk_results_status = None
    assert list(report.refresh().table["status"]) == ["sent"]
