"""The engine records the answers that came together in one ledger transaction, before
their rows go out; once it stops collecting, each worker records its own (no sockets)."""

from __future__ import annotations

import sqlite3
import threading

import pandas as pd
import responses

from attentive_nb.errors import LedgerError
from attentive_nb.http.auth import ApiKeyAuth
from attentive_nb.http.client import Client
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
