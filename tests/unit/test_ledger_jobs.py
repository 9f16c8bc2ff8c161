"""Bulk jobs in the ledger: each job with the people it carries, their outcomes once it ran."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from attentive_nb.send import ledger_jobs
from attentive_nb.send.bulk import Record
from attentive_nb.send.ledger import Ledger, Verdict
from attentive_nb.send.processes import Process
from attentive_nb.send.resend import policy

HERE = Process(os.getpid(), "this-host", None)
SEND = Verdict(True)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


K1, K2, K3 = _key("a"), _key("b"), _key("c")
W1, W2, W3 = "w1" * 16, "w2" * 16, "w3" * 16


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ledger(tmp_path, clock):
    with Ledger(tmp_path / "ledger.sqlite", process=HERE, clock=clock) as opened:
        yield opened


def submitted(ledger, job_id="job-1", keys=(K1, K2, K3), whos=(W1, W2, W3)):
    run = ledger.open_run("co", "attributes_bulk")
    run.claim(list(keys), lambda seen: SEND, max_claims=len(keys))
    ledger_jobs.record(run, [], [(job_id, list(zip(keys, whos)))])
    assert set(states(ledger, keys).values()) == {"claimed"}  # the run still holds them
    run.finish()
    return run


def states(ledger, keys=(K1, K2, K3)):
    return ledger.states("co", "attributes_bulk", list(keys))


def test_a_submitted_job_holds_its_people_and_they_are_submitted(ledger, clock):
    submitted(ledger)
    assert states(ledger) == dict.fromkeys((K1, K2, K3), "submitted")  # once the run ended
    (job,) = ledger_jobs.jobs(ledger, "co")
    assert (job.job_id, job.records, job.status, job.submitted_at) == (
        "job-1",
        3,
        "SUBMITTED",
        clock.now,
    )
    assert ledger_jobs.records(ledger, "co", "job-1") == [
        Record(0, K1, W1),
        Record(1, K2, W2),
        Record(2, K3, W3),
    ]


def test_nothing_but_digests_and_the_job_id_is_written(ledger):
    submitted(ledger)
    db = sqlite3.connect(ledger.path)
    try:
        rows = db.execute("SELECT * FROM job_records").fetchall()
    finally:
        db.close()
    assert {len(text) for _, _, _, *texts in rows for text in texts} == {64, 32}


def test_a_re_run_skips_submitted_people_and_says_where_they_are(ledger):
    submitted(ledger)
    run = ledger.open_run("co", "attributes_bulk")
    verdicts = run.claim([K1], policy(False, True), max_claims=1)
    assert verdicts[0].status == "skipped" and verdicts[0].tally == "in_job"
    assert "submitted in a bulk job" in verdicts[0].reason


def test_settling_a_job_records_each_person_and_the_job_totals(ledger, clock):
    submitted(ledger)
    (job,) = ledger_jobs.jobs(ledger, "co")
    clock.now += 60
    done = ledger_jobs.settle(
        ledger, job, "COMPLETED", {K1: "sent", K2: "rejected", K3: "unknown"}, total_records=3
    )
    assert states(ledger) == {K1: "sent", K2: "rejected", K3: "unknown"}
    assert done.outcome == {"sent": 1, "rejected": 1, "unknown": 1}
    assert (done.status, done.checked_at, done.total_records) == ("COMPLETED", clock.now, 3)
    assert ledger_jobs.jobs(ledger, "co") == [done]
    run = ledger.open_run("co", "attributes_bulk")
    sends = run.claim([K1, K2, K3], policy(False, True), max_claims=3)
    assert [v.send for v in sends] == [False, True, True]  # the applied one is skipped


def test_a_poll_that_is_not_the_end_is_noted(ledger, clock):
    submitted(ledger)
    (job,) = ledger_jobs.jobs(ledger, "co")
    clock.now += 5
    polled = ledger_jobs.note(ledger, job, "IN_PROGRESS", total_records=3)
    assert (polled.status, polled.checked_at, polled.outcome) == ("IN_PROGRESS", clock.now, {})
    assert states(ledger) == dict.fromkeys((K1, K2, K3), "submitted")


def test_a_later_resend_is_not_overwritten_by_the_earlier_job(ledger):
    submitted(ledger, "job-1")
    resend = ledger.open_run("co", "attributes_bulk")
    resend.claim([K1], policy(True, True), max_claims=1)
    ledger_jobs.record(resend, [], [("job-2", [(K1, W1)])])
    resend.finish()
    first = next(j for j in ledger_jobs.jobs(ledger, "co") if j.job_id == "job-1")
    ledger_jobs.settle(ledger, first, "COMPLETED", {K1: "rejected"})
    assert states(ledger, [K1]) == {K1: "submitted"}  # job-2 still has the say


def test_jobs_come_newest_first_and_can_be_picked(ledger, clock):
    submitted(ledger, "job-1", [K1], [W1])
    clock.now += 10
    submitted(ledger, "job-2", [K2], [W2])
    assert [j.job_id for j in ledger_jobs.jobs(ledger, "co")] == ["job-2", "job-1"]
    assert [j.job_id for j in ledger_jobs.jobs(ledger, "co", ["job-1"])] == ["job-1"]
    assert ledger_jobs.jobs(ledger, "another company") == []


def test_a_job_of_a_run_that_died_before_ending_is_still_settled(ledger):
    run = ledger.open_run("co", "attributes_bulk")
    run.claim([K1], lambda seen: SEND, max_claims=1)
    ledger_jobs.record(run, [], [("job-1", [(K1, W1)])])  # and then the kernel died
    (job,) = ledger_jobs.jobs(ledger, "co")
    ledger_jobs.settle(ledger, job, "COMPLETED", {K1: "sent"})
    assert states(ledger, [K1]) == {K1: "sent"}


def test_forgetting_a_company_forgets_its_jobs(ledger):
    submitted(ledger)
    ledger.forget("co")
    assert ledger_jobs.jobs(ledger, "co") == []
    assert ledger_jobs.records(ledger, "co", "job-1") == []
