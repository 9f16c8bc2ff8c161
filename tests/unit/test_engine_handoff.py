"""How the engine hands requests to its workers and takes their answers back, and what a
Ctrl-C does to the work handed over: queued requests dropped with their claims released,
those on the wire recorded (once) or, after a second Ctrl-C, unknown (no sockets)."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
import responses

from attentive_nb.http.auth import ApiKeyAuth
from attentive_nb.http.client import Client
from attentive_nb.plan.events import plan_events
from attentive_nb.send.engine import Engine, RunOptions
from attentive_nb.send.ledger import Ledger

API = "https://api.attentivemobile.com"
QUEUED = "not sent: the run was interrupted"
BEFORE_ITS_TURN = "not sent: the run was interrupted before its turn"


def events(n: int) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+1201{5550000 + i:07d}" for i in range(n)], "n": range(n)})


def engine(tmp_path, df: pd.DataFrame, **options) -> tuple[Engine, Ledger]:
    client = Client(ApiKeyAuth("test-key-0123456789"), sleep=lambda s: None)
    plan = plan_events(df, event_type="Viewed")
    ledger = Ledger(tmp_path / "ledger.sqlite")
    run = ledger.open_run("c1", plan.endpoint.name)
    return Engine(
        client, plan, run, RunOptions(progress=False, say=lambda s: None, **options)
    ), ledger


def keys_by_row(sender: Engine) -> dict[int, str]:
    return {p: r.key for chunk in sender.plan.requests(5000) for r in chunk for p in r.positions}


def states(sender: Engine, ledger: Ledger) -> dict[int, str]:
    """Each row's state in the ledger (a released claim: no entry)."""
    by_row = keys_by_row(sender)
    found = ledger.states("c1", sender.plan.endpoint.name, list(by_row.values()))
    return {p: found[key] for p, key in by_row.items() if key in found}


def held_on_the_wire(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """The first attempt waits on the wire until released; (started, release)."""
    started, release = threading.Event(), threading.Event()
    attempt = Client._attempt

    def held(client, *args, **kwargs):
        if not started.is_set():
            started.set()
            assert release.wait(timeout=10)
        return attempt(client, *args, **kwargs)

    monkeypatch.setattr(Client, "_attempt", held)
    return started, release


def interrupt_when(started: threading.Event, sender: Engine, times: int) -> threading.Thread:
    def ctrl_c() -> None:
        assert started.wait(timeout=10)
        for _ in range(times):
            sender._on_interrupt()

    thread = threading.Thread(target=ctrl_c)
    thread.start()
    return thread


@responses.activate
def test_one_ctrl_c_records_the_request_on_the_wire_and_releases_the_queued(tmp_path, monkeypatch):
    responses.post(f"{API}/v1/events/custom", json={})
    started, release = held_on_the_wire(monkeypatch)
    interrupted = Engine._interrupted

    def then_release(self: Engine) -> None:  # the queued are dropped while the first is out
        interrupted(self)
        release.set()

    monkeypatch.setattr(Engine, "_interrupted", then_release)
    sender, ledger = engine(tmp_path, events(6), workers=1)  # one on the wire, one queued
    interrupt_when(started, sender, 1)
    rows = {r.position: r for r in sender.outcomes()}
    assert sorted(rows) == list(range(6))
    assert rows[0].status == "sent"
    assert {p: (r.status, r.message) for p, r in rows.items() if p} == {
        p: ("not_sent", QUEUED) for p in range(1, 6)
    }
    assert states(sender, ledger) == {0: "sent"}  # every other claim released
    assert sender.stop_reason == "the run was interrupted"
    assert not sender.abandoned
    assert any(n.startswith("Interrupted: no new request was sent") for n in sender.notes)
    ledger.close()


@responses.activate
def test_a_queued_request_a_worker_took_after_the_ctrl_c_is_not_sent_and_released(
    tmp_path, monkeypatch
):
    responses.post(f"{API}/v1/events/custom", json={})
    started, release = held_on_the_wire(monkeypatch)
    sender, ledger = engine(tmp_path, events(2), workers=1)  # both handed over at once
    stop = sender.stop

    def ctrl_c() -> None:  # before the loop drops the queued: the worker takes it next
        assert started.wait(timeout=10)
        stop.set()
        release.set()

    threading.Thread(target=ctrl_c).start()
    rows = {r.position: r for r in sender.outcomes()}
    assert rows[0].status == "sent"
    assert (rows[1].status, rows[1].message) == ("not_sent", BEFORE_ITS_TURN)
    assert states(sender, ledger) == {0: "sent"}
    ledger.close()


@responses.activate
def test_two_ctrl_cs_leave_the_request_on_the_wire_unknown_and_its_answer_recorded_later(
    tmp_path, monkeypatch
):
    responses.post(f"{API}/v1/events/custom", json={})
    started, release = held_on_the_wire(monkeypatch)
    sender, ledger = engine(tmp_path, events(5), workers=1)
    interrupt_when(started, sender, 2)
    rows = {r.position: r for r in sender.outcomes()}
    assert sorted(rows) == list(range(5))
    assert rows[0].status == "unknown"
    assert "Attentive may or may not have it" in rows[0].message
    assert {p: (r.status, r.message) for p, r in rows.items() if p} == {
        p: ("not_sent", QUEUED) for p in range(1, 5)
    }
    assert sender.abandoned
    assert any(n.startswith("Interrupted twice: 1 requests") for n in sender.notes)
    assert states(sender, ledger) == {0: "unknown"}  # the queued released; the first:
    release.set()
    sender._pool.shutdown(wait=True)
    assert states(sender, ledger) == {0: "sent"}  # ... until its answer came
    ledger.close()


@responses.activate
def test_every_answer_is_taken_back_and_recorded_by_the_loop(tmp_path, monkeypatch):
    responses.post(f"{API}/v1/events/custom", json={})
    by_worker: list[int] = []
    record = Engine._record
    monkeypatch.setattr(
        Engine,
        "_record",
        lambda self, outcomes: (by_worker.append(len(outcomes)), record(self, outcomes))[1],
    )
    sender, ledger = engine(tmp_path, events(50), workers=4)
    rows = list(sender.outcomes())
    assert sorted(r.position for r in rows) == list(range(50))
    assert {r.status for r in rows} == {"sent"}
    assert sum(by_worker) == 50  # each outcome once, all by the loop
    assert not sender._in_flight and not sender._unrecorded
    assert set(states(sender, ledger).values()) == {"sent"} and len(states(sender, ledger)) == 50
    ledger.close()


@responses.activate
def test_no_more_requests_at_once_than_workers_and_the_workers_end(tmp_path, monkeypatch):
    responses.post(f"{API}/v1/events/custom", json={})
    lock, now, most = threading.Lock(), [0], [0]
    send = Client.request

    def counted(client, *args, **kwargs):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        try:
            return send(client, *args, **kwargs)
        finally:
            with lock:
                now[0] -= 1

    monkeypatch.setattr(Client, "request", counted)
    before = set(threading.enumerate())
    sender, ledger = engine(tmp_path, events(40), workers=3)
    assert [r.status for r in sender.outcomes()].count("sent") == 40
    assert 1 <= most[0] <= 3
    sender._pool.shutdown(wait=True)
    left = [t for t in set(threading.enumerate()) - before if t.name.startswith("attentive-send")]
    assert not [t for t in left if t.is_alive()]
    ledger.close()


@responses.activate
def test_a_bug_in_a_worker_is_raised_by_the_loop(tmp_path, monkeypatch):
    responses.post(f"{API}/v1/events/custom", json={})
    sender, ledger = engine(tmp_path, events(3), workers=1)

    def broken(units):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sender.plan, "wire", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        list(sender.outcomes())
    ledger.close()
