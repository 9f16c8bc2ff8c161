"""The ledger's people: a request naming a person another run reached is decided as that one."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from attentive_nb.endpoints import ENDPOINTS, SUBSCRIBES, UNSUBSCRIBES
from attentive_nb.plan.people import normalised, people_of, person_key
from attentive_nb.send.ledger import Ledger, Verdict
from attentive_nb.send.processes import Process
from attentive_nb.send.resend import policy

HERE = Process(os.getpid(), "this-host", None)
SEND = Verdict(True)
SUBSCRIBE = policy(False, resend_safe=False, reach=SUBSCRIBES)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def body(phone=None, email=None, source="1"):
    user = {k: v for k, v in (("phone", phone), ("email", email)) if v}
    return {"user": user, "signUpSourceId": source}


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite", process=HERE) as opened:
        yield opened


def send(ledger, payloads, state="sent", decide=None, resend=False, endpoint="subscribe"):
    """One run: claim each payload (as its own key), settle those sent; the verdicts."""
    reach = ENDPOINTS[endpoint].reaches
    decide = decide or policy(resend, resend_safe=False, reach=reach)
    keys = [_key(repr(p)) for p in payloads]
    run = ledger.open_run("c1", endpoint)
    verdicts = run.claim(
        keys, decide, len(keys), people=[people_of(reach, p) for p in payloads], every=reach.every
    )
    run.settle([k for k, v in zip(keys, verdicts) if v.send], state)
    run.finish()
    return verdicts


def test_emails_are_compared_trimmed_and_without_case_and_hashed():
    assert normalised("EMAIL", "  Jane.Doe@Example.COM ") == "jane.doe@example.com"
    assert normalised("TEXT", "+12015550100 ") == "+12015550100"
    a = people_of(SUBSCRIBES, body(email="Jane@Example.com "))
    b = people_of(SUBSCRIBES, body(email="jane@example.com"))
    assert a == b and a[0][1] == "EMAIL" and len(a[0][0]) == 64
    assert "jane" not in a[0][0]


def test_the_sign_up_source_is_part_of_the_person_record():
    one = people_of(SUBSCRIBES, body(phone="+12015550100", source="1"))
    two = people_of(SUBSCRIBES, body(phone="+12015550100", source="2"))
    assert one != two


def test_a_bulk_subscription_and_a_v1_subscribe_are_one_record():
    bulk = ENDPOINTS["attributes_bulk"].with_subscriptions().reaches
    record = {
        "identifiers": {"phone": "+12015550100"},
        "subscriptions": [{"signUpSourceId": "1", "channel": "TEXT"}],
    }
    assert people_of(bulk, record) == people_of(SUBSCRIBES, body(phone="+12015550100"))


def test_a_respelled_person_is_skipped_naming_the_earlier_run(ledger):
    assert send(ledger, [body("+12015550100", "Jane@Example.com")]) == [SEND]
    (again,) = send(ledger, [body("+12015550100", "jane@example.com ")])
    assert (again.send, again.status, again.tally) == (False, "skipped", "person_before")
    assert "phone and email was already subscribed" in again.reason
    assert f"process {os.getpid()}" in again.reason


def test_a_new_identifier_beside_a_reached_one_is_named_in_the_reason(ledger):
    send(ledger, [body("+12015550100")])
    (again,) = send(ledger, [body("+12015550100", "new@example.com")])
    assert not again.send and "its email was not" in again.reason


def test_resend_true_sends_the_person_again(ledger):
    send(ledger, [body(email="kim@example.com")])
    assert [v.send for v in send(ledger, [body(email="KIM@example.com")], resend=True)] == [True]


def test_a_lost_answer_on_the_person_stays_unknown(ledger):
    send(ledger, [body(email="kim@example.com")], state="unknown")
    (again,) = send(ledger, [body(email="Kim@example.com")])
    assert (again.send, again.status) == (False, "unknown")
    assert [v.send for v in send(ledger, [body(email="KIM@example.com")], resend="unknown")] == [
        True
    ]


def test_a_refused_request_reached_nobody(ledger):
    send(ledger, [body(email="kim@example.com")], state="rejected")
    assert send(ledger, [body(email="Kim@example.com")]) == [SEND]


def test_a_person_another_live_run_is_sending_to_is_held(ledger):
    holder = ledger.open_run("c1", "subscribe")
    first = body(email="kim@example.com")
    holder.claim([_key("first")], SUBSCRIBE, 1, people=[people_of(SUBSCRIBES, first)])
    (again,) = send(ledger, [body(email="KIM@example.com")])
    assert (again.send, again.status, again.tally) == (False, "skipped", "held")


def test_people_of_one_run_do_not_hold_each_other(ledger):
    # an unsubscribe sends every row of a household: each reaches the shared email
    rows = [
        {"user": {"phone": "+12015550100", "email": "home@example.com"}},
        {"user": {"phone": "+12015550101", "email": "home@example.com"}},
    ]
    assert send(ledger, rows, endpoint="unsubscribe") == [SEND, SEND]


def test_an_unsubscribe_is_skipped_only_when_every_identifier_was_reached(ledger):
    send(ledger, [{"user": {"email": "ann@example.com"}}], endpoint="unsubscribe")
    both = {"user": {"phone": "+12015550100", "email": "ANN@example.com"}}
    assert UNSUBSCRIBES.every
    assert send(ledger, [both], endpoint="unsubscribe") == [SEND]
    (again,) = send(ledger, [{"user": {"email": "Ann@Example.com"}}], endpoint="unsubscribe")
    assert not again.send and "email was already unsubscribed" in again.reason


def test_no_identifier_is_stored_in_clear(ledger, tmp_path):
    send(ledger, [body("+12015550100", "Jane@Example.com")])
    ledger.close()
    raw = (tmp_path / "ledger.sqlite").read_bytes()
    assert b"12015550100" not in raw and b"jane" not in raw.lower()


def test_forgetting_a_company_forgets_its_people(ledger, tmp_path):
    send(ledger, [body(email="kim@example.com")])
    ledger.forget("c1")
    assert send(ledger, [body(email="kim@example.com")]) == [SEND]
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    assert db.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 1
    db.close()


def test_the_digest_covers_action_channel_and_scope():
    k = person_key("subscribe", "EMAIL", "a@b.co", {"signUpSourceId": "1"})
    assert k != person_key("unsubscribe", "EMAIL", "a@b.co", {"signUpSourceId": "1"})
    assert k != person_key("subscribe", "EMAIL", "a@b.co", {"signUpSourceId": "2"})
    assert k == person_key("subscribe", "EMAIL", " A@B.co", {"signUpSourceId": "1"})
