"""The engine records the answers that came together in one ledger transaction, before
their rows go out; once it stops collecting, each worker records its own (no sockets)."""

from __future__ import annotations

import json
import sqlite3
import threading

import pandas as pd
import responses

from attentive_nb.errors import LedgerError
from attentive_nb.http.auth import ApiKeyAuth
from attentive_nb.http.client import Client
from attentive_nb.plan.attributes import plan_attributes
from attentive_nb.plan.deletions import plan_deletions
from attentive_nb.plan.events import plan_events
from attentive_nb.send.engine import Engine, RunOptions
from attentive_nb.send.ledger import Ledger, LedgerRun, Verdict

API = "https://api.attentivemobile.com"


def events(n: int) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+1201{5550000 + i:07d}" for i in range(n)], "n": range(n)})


def on_disk(path, keys) -> dict[str, str]:
    """What another connection reading the file sees: only what is committed."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT key, state FROM requests").fetchall()
    return {key: state for key, state in rows if key in keys}


def engine(tmp_path, df: pd.DataFrame, **options) -> tuple[Engine, Ledger]:
    client = Client(ApiKeyAuth("test-key-0123456789"), sleep=lambda s: None)
    plan = plan_events(df, event_type="Viewed")
    ledger = Ledger(tmp_path / "ledger.sqlite")
    run = ledger.open_run("c1", plan.endpoint.name)
    return Engine(
        client, plan, run, RunOptions(progress=False, say=lambda s: None, **options)
    ), ledger


@responses.activate
def test_every_row_is_on_disk_before_it_is_reported(tmp_path):
    responses.post(f"{API}/v1/events/custom", json={})
    df = events(40)
    sender, ledger = engine(tmp_path, df, workers=4)
    keys = {r.key: r.positions for chunk in sender.plan.requests(5000) for r in chunk}
    by_row = {p: key for key, positions in keys.items() for p in positions}
    for row in sender.outcomes():
        assert row.status == "sent"
        assert on_disk(ledger.path, {by_row[row.position]}) == {by_row[row.position]: "sent"}
    ledger.close()


@responses.activate
def test_answers_that_come_together_share_one_commit(tmp_path, monkeypatch):
    responses.post(f"{API}/v1/events/custom", json={})
    commits: list[int] = []
    record = LedgerRun.record
    monkeypatch.setattr(
        LedgerRun,
        "record",
        lambda run, outcomes: (commits.append(len(outcomes)), record(run, outcomes)),
    )
    gate = threading.Barrier(8)
    send = Client.request

    def together(client, *args, **kwargs):
        gate.wait(timeout=10)  # the eight answers come at once
        return send(client, *args, **kwargs)

    monkeypatch.setattr(Client, "request", together)
    sender, ledger = engine(tmp_path, events(8), workers=8)
    rows = list(sender.outcomes())
    assert [r.status for r in rows] == ["sent"] * 8
    assert sum(commits) == 8 and len([n for n in commits if n]) < 8
    ledger.close()


@responses.activate
def test_a_ledger_that_cannot_record_the_answers_says_so_on_their_rows(tmp_path, monkeypatch):
    responses.post(f"{API}/v1/events/custom", json={})

    def broken(run, outcomes):
        if outcomes:
            raise LedgerError("the disk is full", path=tmp_path)

    monkeypatch.setattr(LedgerRun, "record", broken)
    sender, ledger = engine(tmp_path, events(3), workers=1)
    rows = list(sender.outcomes())
    assert rows[0].status == "sent"
    assert rows[0].message.endswith("its outcome could not be recorded in the ledger")
    assert sender.stop_reason == "the send ledger could not be written"
    ledger.close()


@responses.activate
def test_a_worker_answered_after_the_loop_stopped_collecting_records_its_own(tmp_path, monkeypatch):
    responses.post(f"{API}/v1/events/custom", json={})
    release, started = threading.Event(), threading.Event()
    attempt = Client._attempt

    def late(client, *args, **kwargs):  # on the wire: a stop no longer holds it back
        started.set()
        assert release.wait(timeout=10)
        return attempt(client, *args, **kwargs)

    monkeypatch.setattr(Client, "_attempt", late)
    sender, ledger = engine(tmp_path, events(1), workers=1)

    def ctrl_c_twice() -> None:  # once the request is on its way: stop waiting for it
        assert started.wait(timeout=10)
        sender._on_interrupt()
        sender._on_interrupt()

    threading.Thread(target=ctrl_c_twice).start()
    assert [r.status for r in sender.outcomes()] == ["unknown"]
    release.set()
    sender._pool.shutdown(wait=True)
    key = next(iter(sender.plan.requests(5000)))[0].key
    assert on_disk(ledger.path, {key}) == {key: "sent"}  # the answer came after: recorded
    ledger.close()


def test_record_settles_and_releases_in_one_transaction(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    run = ledger.open_run("c1", "events")
    a, b, c = ("a" * 64, "b" * 64, "c" * 64)
    run.claim([a, b, c], lambda seen: Verdict(True), max_claims=10)
    run.record([([a], "sent"), ([b], None), ([c], "failed")])
    assert ledger.states("c1", "events", [a, b, c]) == {a: "sent", c: "failed"}
    run.record([])
    ledger.close()


def writers(monkeypatch) -> list[str]:
    """The name of each thread that opens a ledger write transaction, as it opens it."""
    opened: list[str] = []
    write = Ledger._write

    def spied(ledger, *args, **kwargs):
        opened.append(threading.current_thread().name)
        return write(ledger, *args, **kwargs)

    monkeypatch.setattr(Ledger, "_write", spied)
    return opened


def jobs_on_disk(path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT job_id, COUNT(*) FROM job_records GROUP BY job_id"))


@responses.activate
def test_bulk_jobs_are_written_by_the_loop_before_their_rows_are_reported(tmp_path, monkeypatch):
    # A worker writing its job would hold the ledger's lock while the loop waits to claim.
    ids = iter(range(100))
    responses.add_callback(
        responses.POST,
        f"{API}/v2/bulk/user/attributes",
        callback=lambda request: (202, {}, json.dumps({"batchJobId": f"job-{next(ids)}"})),
    )
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(600)], "points": range(600)})
    plan = plan_attributes(df, bulk=True)
    ledger = Ledger(tmp_path / "ledger.sqlite")
    opened = writers(monkeypatch)
    run = ledger.open_run("c1", plan.endpoint.name)
    client = Client(ApiKeyAuth("test-key-0123456789"), sleep=lambda s: None)
    sender = Engine(client, plan, run, RunOptions(progress=False, say=lambda s: None, workers=3))
    for row in sender.outcomes():
        assert row.status == "submitted"
        job_id = row.message.removeprefix("in bulk job ").split(",")[0]
        assert jobs_on_disk(ledger.path).get(job_id) in (88, 256)  # with its records
    assert sorted(len(job.rows) for job in sender.submitted) == [88, 256, 256]
    assert not [name for name in opened if name.startswith("attentive-send")]
    assert ledger.count("c1", plan.endpoint.name, "submitted") == 600
    ledger.close()


@responses.activate
def test_a_deletion_request_is_recorded_by_the_loop_too(tmp_path, monkeypatch):
    ids = iter(range(100))
    responses.add_callback(
        responses.POST,
        f"{API}/v1/privacy/delete-request",
        callback=lambda request: (200, {}, json.dumps({"id": f"r{next(ids)}"})),
    )
    plan = plan_deletions(pd.DataFrame({"phone": ["+12015550100", "+12015550101"]}))
    ledger = Ledger(tmp_path / "ledger.sqlite")
    opened = writers(monkeypatch)
    run = ledger.open_run("c1", plan.endpoint.name)
    client = Client(ApiKeyAuth("test-key-0123456789"), sleep=lambda s: None)
    sender = Engine(client, plan, run, RunOptions(progress=False, say=lambda s: None, workers=2))
    assert [r.status for r in sender.outcomes()] == ["submitted"] * 2
    assert sorted(job.job_id for job in sender.submitted) == ["r0", "r1"]
    assert jobs_on_disk(ledger.path) == {"r0": 1, "r1": 1}
    assert ledger.count("c1", plan.endpoint.name, "sent") == 2
    assert not [name for name in opened if name.startswith("attentive-send")]
    ledger.close()
