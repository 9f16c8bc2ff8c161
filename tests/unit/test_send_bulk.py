"""Bulk sends with HTTP faked at the edge: submit, wait or not, refresh, re-run what failed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import requests
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.send.ledger import Ledger

API = "https://api.attentivemobile.com"
FILES = "https://files.example.com"


def quiet(**options):
    return {"progress": False, **options}


def people(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {"email": [f"p{i}@example.com" for i in range(n)], "points": [10 * i for i in range(n)]}
    )


def record(i: int) -> dict:
    return {
        "identifiers": {"email": f"p{i}@example.com"},
        "attributes": {"custom": {"points": 10 * i}},
    }


def accept(job_id: str = "job-1") -> None:
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(
        f"{API}/v2/bulk/user/attributes",
        status=202,
        json={"message": "Bulk user attributes job successfully submitted", "batchJobId": job_id},
    )


def job(job_id: str, status: str, **extra) -> None:
    responses.get(
        f"{API}/v2/bulk/job/{job_id}", json={"bulkJobId": job_id, "status": status, **extra}
    )


def results(job_id: str, *lines: dict, status: int = 200) -> None:
    job(job_id, "COMPLETED", totalRecords=len(lines), url=f"{FILES}/{job_id}.jsonl?sig=abc")
    body = "".join(json.dumps(line) + "\n" for line in lines)
    responses.get(f"{FILES}/{job_id}.jsonl", body=body, status=status)


def ok(i: int) -> dict:
    return {"request": record(i), "response": {"status": "SUCCESS", "message": "Record processed"}}


def refused(i: int, why: str) -> dict:
    return {"request": record(i), "response": {"status": "FAILED", "message": why}}


def posted_users() -> list[list[dict]]:
    return [json.loads(c.request.body)["users"] for c in posted()]


def ledger_states() -> dict[str, int]:
    with Ledger() as ledger:
        return {
            state: ledger.count(ME["companyId"], "attributes_bulk", state)
            for state in ("submitted", "sent", "rejected", "failed", "unknown")
        }


@responses.activate
def test_wait_0_returns_submitted_rows_naming_their_job(conn):
    accept()
    report = conn.send_attributes(people(), bulk=True, wait=0, **quiet())
    assert report.table["status"].tolist() == ["submitted"] * 3
    assert "bulk job job-1" in report.table["reason"].iloc[0]
    assert report.table["http_status"].tolist() == [202] * 3
    assert not [c for c in responses.calls if "/v2/bulk/job/" in c.request.url]
    assert ledger_states()["submitted"] == 3
    assert posted_users() == [[record(0), record(1), record(2)]]


@responses.activate
def test_refresh_lands_each_line_on_its_person_whatever_the_order(conn):
    accept()
    report = conn.send_attributes(people(), bulk=True, wait=0, **quiet())
    job("job-1", "IN_PROGRESS", totalRecords=3)
    report.refresh()
    assert report.table["status"].tolist() == ["submitted"] * 3
    assert "IN_PROGRESS" in report.table["reason"].iloc[0]
    responses.reset()
    results("job-1", refused(2, "custom.points clashes with its type"), ok(0), ok(1))
    report.refresh()
    assert report.table["status"].tolist() == ["sent", "sent", "rejected"]
    assert report.table["reason"].iloc[2] == "custom.points clashes with its type"
    assert "job-1" in report.table["reason"].iloc[0]
    assert ledger_states() == {"submitted": 0, "sent": 2, "rejected": 1, "failed": 0, "unknown": 0}
    download = [c for c in responses.calls if c.request.url.startswith(FILES)][0]
    assert "Authorization" not in download.request.headers


@responses.activate
def test_the_default_wait_covers_a_job_that_runs_at_once(conn):
    accept()
    job("job-1", "PENDING")
    results("job-1", ok(0), ok(1), refused(2, "no"))
    report = conn.send_attributes(people(), bulk=True, **quiet())
    assert report.table["status"].tolist() == ["sent", "sent", "rejected"]


@responses.activate
def test_a_re_run_after_a_partly_failed_job_sends_only_the_failed_rows(conn):
    accept()
    results("job-1", ok(0), refused(1, "no"), ok(2))
    conn.send_attributes(people(), bulk=True, **quiet())
    responses.reset()
    accept("job-2")
    results("job-2", ok(1))
    again = conn.send_attributes(people(), bulk=True, **quiet())
    assert posted_users() == [[record(1)]]
    assert again.table["status"].tolist() == ["skipped", "sent", "skipped"]


@responses.activate
def test_a_failed_job_fails_its_rows_and_leaves_them_to_send_again(conn):
    accept()
    job("job-1", "FAILED", totalRecords=3)
    report = conn.send_attributes(people(), bulk=True, **quiet())
    assert report.table["status"].tolist() == ["failed"] * 3
    assert "ended FAILED" in report.table["reason"].iloc[0]
    assert ledger_states()["failed"] == 3


@responses.activate
def test_unmatched_lines_and_rows_without_a_line_are_said(conn):
    accept()
    stranger = {"request": {"identifiers": {"email": "x@example.com"}}, "response": {}}
    results("job-1", ok(0), ok(1), stranger)
    report = conn.send_attributes(people(), bulk=True, **quiet())
    assert report.table["status"].tolist() == ["sent", "sent", "unknown"]
    assert "no line for this person" in report.table["reason"].iloc[2]
    (note,) = [note for note in report.notes if "job-1" in note]
    assert "1 result line named nobody" in note and "1 of its people had no line" in note


@responses.activate
def test_results_that_cannot_be_read_leave_the_rows_submitted(conn):
    accept()
    results("job-1", ok(0), status=500)
    report = conn.send_attributes(people(1), bulk=True, **quiet())
    assert report.table["status"].tolist() == ["submitted"]
    assert "could not be read" in report.table["reason"].iloc[0]
    assert ledger_states()["submitted"] == 1


@responses.activate
def test_an_expired_results_link_is_asked_for_again(conn):
    accept()
    job("job-1", "COMPLETED", url=f"{FILES}/old.jsonl?sig=old")
    responses.get(f"{FILES}/old.jsonl", status=403, body="Request has expired")
    results("job-1", ok(0))
    report = conn.send_attributes(people(1), bulk=True, **quiet())
    assert report.table["status"].tolist() == ["sent"]


@responses.activate
def test_jobs_past_the_two_week_window_say_so(conn, tmp_path):
    now = [1_700_000_000.0]
    ledger = Ledger(tmp_path / "ledger.sqlite", clock=lambda: now[0])
    accept()
    report = conn.send_attributes(people(1), bulk=True, wait=0, ledger=ledger, **quiet())
    now[0] += 15 * 24 * 3600
    report.refresh()
    assert report.table["status"].tolist() == ["unknown"]
    assert "two weeks" in report.table["reason"].iloc[0]
    (listed,) = conn.bulk_jobs(ledger=ledger).itertuples()
    assert listed.status == "EXPIRED" and "two weeks" in listed.note
    ledger.close()


@responses.activate
def test_bulk_jobs_lists_the_ledger_with_attentive_status(conn):
    accept()
    conn.send_attributes(people(), bulk=True, wait=0, **quiet())
    job("job-1", "IN_PROGRESS", totalRecords=3)
    frame = conn.bulk_jobs()
    assert frame.columns.tolist()[:4] == ["job_id", "submitted_at", "rows", "status"]
    (row,) = frame.itertuples()
    assert (row.job_id, row.rows, row.status, row.total_records, row.submitted) == (
        "job-1",
        3,
        "IN_PROGRESS",
        3,
        3,
    )
    responses.reset()
    results("job-1", ok(0), ok(1), refused(2, "no"))
    (row,) = conn.bulk_jobs(refresh=True).itertuples()
    assert (row.status, row.sent, row.rejected, row.submitted) == ("COMPLETED", 2, 1, 0)


@responses.activate
def test_a_plan_that_subscribes_is_at_most_once(conn):
    accept()
    lost = requests.exceptions.ConnectionError("connection reset after sending")
    responses.replace(responses.POST, f"{API}/v2/bulk/user/attributes", body=lost)
    conn.send_attributes(people(1), bulk=True, **quiet())
    assert len(posted()) == 5  # attributes alone: a lost answer is retried, a copy is harmless
    responses.calls.reset()
    report = conn.send_attributes(people(1).assign(sign_up_source_id="77"), bulk=True, **quiet())
    assert report.table["status"].tolist() == ["unknown"]
    assert len(posted()) == 1  # it subscribes: never sent twice


def posted() -> list:
    return [c for c in responses.calls if c.request.method == "POST"]


@responses.activate
def test_att_bulk_jobs_signs_in_from_the_environment(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", "test-key-0123456789")
    responses.get(f"{API}/v1/me", json=ME)
    frame = att.bulk_jobs()
    assert frame.empty and "job_id" in frame.columns


@responses.activate
def test_subscribing_more_than_a_thousand_people_in_bulk_needs_a_confirmation(conn):
    df = people(1001).assign(sign_up_source_id="77")
    with pytest.raises(att.ConfigError, match="confirm=True"):
        conn.send_attributes(df, bulk=True, **quiet())
    assert len(responses.calls) == 0


@responses.activate
def test_a_ledger_that_cannot_be_read_leaves_the_rows_submitted_and_says_why(conn, tmp_path):
    accept()
    path = tmp_path / "ledger.sqlite"
    report = conn.send_attributes(people(1), bulk=True, wait=0, ledger=path, **quiet())
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    path.write_bytes(b"\x00damaged" * 100)
    report.refresh()
    assert report.table["status"].tolist() == ["submitted"]
    assert "could not be followed up" in report.notes[-1] and "damaged" in report.notes[-1]


@responses.activate
def test_a_report_refreshed_after_the_ledger_was_followed_up_elsewhere_reads_the_ledger(conn):
    accept()
    report = conn.send_attributes(people(2), bulk=True, wait=0, **quiet())
    results("job-1", ok(0), refused(1, "no"))
    conn.bulk_jobs(refresh=True)  # e.g. attentive-nb jobs --refresh, in another process
    report.refresh()
    assert report.table["status"].tolist() == ["sent", "rejected"]
    assert "read earlier" in report.table["reason"].iloc[1]


@responses.activate
def test_a_refresh_hands_the_report_columns_not_an_object_a_row(conn):
    from attentive_nb.report.rows import Moved

    accept()
    report = conn.send_attributes(people(), bulk=True, wait=0, **quiet())
    results("job-1", ok(0), refused(1, "no such attribute"), ok(2))
    moved, _ = report._follow_up(0)
    assert isinstance(moved, Moved) and moved.outcomes.codes.dtype == np.uint8
    assert sorted(moved.positions.tolist()) == [0, 1, 2]
    report._replace(moved)
    assert report.table["status"].tolist() == ["sent", "rejected", "sent"]
    assert report.table["http_status"].tolist() == [202, 202, 202]
