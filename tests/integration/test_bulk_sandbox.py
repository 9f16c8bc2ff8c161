"""Bulk jobs against the sandbox, as Attentive runs them: later than the send, followed up.

Each test counts on the server side what the sandbox applied, not only what
the report says.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.http.client import RetryPolicy
from attentive_nb.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

FAST_RETRIES = RetryPolicy(attempts=4, base_delay=0.02, max_delay=0.1)


def connect(sb: Sandbox) -> att.Connection:
    return att.Connection.from_api_key(sb.api_key, api_url=sb.url, retry=FAST_RETRIES)


def quiet(**options):
    return {"progress": False, **options}


def people(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": [f"p{start + i}@example.com" for i in range(n)],
            "points": [start + i for i in range(n)],
        }
    )


def with_text_points(df: pd.DataFrame, *positions: int) -> pd.DataFrame:
    """``points`` as text on those rows: Attentive typed it a number, so their records fail."""
    out = df.copy()
    out["points"] = out["points"].astype(object)
    for p in positions:
        out.loc[p, "points"] = f"lots ({p})"
    return out


def typed_points(conn: att.Connection) -> None:
    """Fix ``points`` as a number at the sandbox, as an earlier upload would have."""
    seed = pd.DataFrame({"email": ["seed@example.com"], "points": [1]})
    assert conn.send_attributes(seed, **quiet()).counts["sent"] == 1


def submitted_users(sb: Sandbox) -> list[str]:
    return [
        u["identifiers"]["email"]
        for b in sb.received("/v2/bulk/user/attributes")
        for u in b["users"]
    ]


@pytest.fixture
def slow_jobs():
    """A sandbox whose jobs run a second after they are submitted."""
    with Sandbox(port=0, bulk_delay_s=1.0) as sb:
        yield sb


def test_a_job_completing_after_the_send_returns_is_followed_up(slow_jobs):
    report = connect(slow_jobs).send_attributes(people(3), bulk=True, wait=0, **quiet())
    assert report.counts["submitted"] == 3
    assert slow_jobs.attributes("p0@example.com") == {}  # not run yet
    report.refresh(wait=10)
    assert report.table["status"].tolist() == ["sent"] * 3
    assert slow_jobs.attributes("p2@example.com") == {"points": 2}


def test_the_command_line_follows_jobs_up_and_a_re_run_sends_nothing_again(slow_jobs):
    env = {**os.environ, "ATTENTIVE_API_URL": slow_jobs.url, "ATTENTIVE_API_KEY": slow_jobs.api_key}
    people(3).to_csv("people.csv", index=False)
    cli = [sys.executable, "-m", "attentive_nb.cli"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=90)

    slow_jobs.bulk_delay_s = 60
    sent = run("send", "attributes", "people.csv", "--bulk", "--wait", "0")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "submitted 3" in sent.stdout and "attentive-nb jobs --refresh" in sent.stdout
    listed = run("jobs")
    assert listed.returncode == 0 and "PENDING" in listed.stdout, listed.stdout + listed.stderr
    slow_jobs.bulk_delay_s = 0
    refreshed = run("jobs", "--refresh")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert "COMPLETED" in refreshed.stdout
    again = run("send", "attributes", "people.csv", "--bulk")
    assert "skipped 3" in again.stdout, again.stdout
    assert len(slow_jobs.received("/v2/bulk/user/attributes")) == 1


def test_a_job_that_fails_leaves_every_row_failed_and_nothing_applied(sandbox):
    sandbox.faults.fail_bulk_jobs = True
    report = connect(sandbox).send_attributes(people(3), bulk=True, **quiet())
    assert report.table["status"].tolist() == ["failed"] * 3
    assert "ended FAILED" in report.table["reason"].iloc[0]
    assert sandbox.attributes("p0@example.com") == {}


def test_records_attentive_refuses_are_rejected_rows_with_its_message(sandbox):
    conn = connect(sandbox)
    typed_points(conn)
    report = conn.send_attributes(with_text_points(people(4), 1), bulk=True, **quiet())
    assert report.table["status"].tolist() == ["sent", "rejected", "sent", "sent"]
    assert "attributes.custom.points was first sent as number" in report.table["reason"].iloc[1]
    assert list(report.to_retry.index) == [1]


def test_results_in_a_shuffled_order_land_on_the_right_rows(sandbox):
    conn = connect(sandbox)
    typed_points(conn)
    sandbox.faults.shuffle_bulk_results = True
    df = with_text_points(people(40), 3, 17, 38)
    report = conn.send_attributes(df, bulk=True, **quiet())
    rejected = report.table.index[report.table["status"] == "rejected"].tolist()
    assert rejected == [3, 17, 38]
    assert report.counts["sent"] == 37


def test_a_re_run_after_a_partly_failed_job_sends_only_the_failed_rows(sandbox):
    conn = connect(sandbox)
    typed_points(conn)
    first = conn.send_attributes(with_text_points(people(6), 2, 4), bulk=True, **quiet())
    assert first.counts["rejected"] == 2
    fixed = people(6)  # the analyst fixed the two rows
    again = conn.send_attributes(fixed, bulk=True, **quiet())
    assert submitted_users(sandbox)[6:] == ["p2@example.com", "p4@example.com"]
    assert again.table["status"].tolist() == [
        "skipped",
        "skipped",
        "sent",
        "skipped",
        "sent",
        "skipped",
    ]
    assert sandbox.attributes("p4@example.com") == {"points": 4}


def test_ctrl_c_while_waiting_returns_the_rows_submitted(slow_jobs):
    def ctrl_c() -> None:
        os.kill(os.getpid(), signal.SIGINT)

    slow_jobs.bulk_delay_s = 60
    polls = lambda entry: entry["endpoint"] == "bulk_job"  # noqa: E731
    slow_jobs.when_requests(1, ctrl_c, where=polls)
    report = connect(slow_jobs).send_attributes(people(2), bulk=True, wait=30, **quiet())
    assert report.table["status"].tolist() == ["submitted"] * 2
    assert any("interrupted" in note for note in report.notes)
