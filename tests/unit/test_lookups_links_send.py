"""Look-ups and identity links through the engine, HTTP faked at the edge (no sockets, no sleeps).

Look-ups answer one row per input row with what Attentive knows as columns,
through the same governor, statuses, masking and report as sends; they are
never written to the ledger. Links are sends: claimed in the ledger, retry-safe.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import requests
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.plan import plan_events
from attentive_nb.report.lookups import eligibility_columns
from attentive_nb.send import runner
from attentive_nb.send.engine import RunOptions

API = "https://api.attentivemobile.com"
PHONE, OTHER = "+12015550123", "+12015550124"


def eligibility(*entries: tuple[str, str, bool]) -> dict:
    return {
        "subscriptionEligibilities": [
            {"subscription": {"type": t, "channel": c}, "eligibility": {"isEligible": ok}}
            for t, c, ok in entries
        ]
    }


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def conn(slept: list[float]) -> att.Connection:
    return att.Connection.from_api_key("test-key-0123456789", sleep=slept.append)


def asked() -> pd.DataFrame:
    return pd.DataFrame(
        {"phone": [PHONE, OTHER, None, PHONE], "email": [None, None, None, None]},
        index=["a", "b", "c", "d"],
    )


def gets() -> list[requests.PreparedRequest]:
    return [
        c.request
        for c in responses.calls
        if c.request.method == "GET" and "/me" not in c.request.url
    ]


@responses.activate
def test_subscription_lookup_gives_eligibility_columns_row_by_row(conn):
    responses.get(f"{API}/v1/me", json=ME)
    answers = {
        PHONE: eligibility(("MARKETING", "TEXT", True), ("TRANSACTIONAL", "TEXT", False)),
        OTHER: eligibility(("MARKETING", "TEXT", False)),
    }
    responses.add_callback(
        "GET",
        f"{API}/v1/subscriptions",
        callback=lambda request: (200, {}, json.dumps(answers[request.params["phone"]])),
    )
    report = conn.lookup_subscriptions(asked(), progress=False)

    assert sorted(r.url.split("?")[1] for r in gets()) == [
        "phone=%2B12015550123",  # + encoded as %2B, as Attentive asks
        "phone=%2B12015550124",
    ]
    assert report.kind == "lookup_subscriptions"
    assert list(report.table["status"]) == ["sent", "sent", "invalid", "sent"]
    table = report.table
    assert list(table.columns[-2:]) == ["text_marketing", "text_transactional"]
    assert table["text_marketing"].tolist() == [True, False, pd.NA, True]
    # answered without that subscription: not eligible; never asked: unknown
    assert table["text_transactional"].tolist() == [False, False, pd.NA, False]
    assert str(table["text_marketing"].dtype) == "boolean"
    assert table.loc["a", "reason"] == "eligible: TEXT MARKETING"
    assert (
        table.loc["d", "reason"]
        == "eligible: TEXT MARKETING; same person as row 'a': one look-up answers both"
    )
    assert table.loc["a", "phone"] == "+1201•••0123"  # masked like every report
    assert report.results.index.tolist() == ["a", "b", "c", "d"]
    assert not Path(".attentive_nb").exists()  # a look-up is never written to the ledger


@responses.activate
def test_attribute_lookup_gives_one_column_per_attribute(conn, tmp_path):
    responses.get(f"{API}/v1/me", json=ME)
    answers = {
        PHONE: [{"name": "tier", "value": "gold"}, {"name": "points", "value": "10"}],
        OTHER: [],
    }
    responses.add_callback(
        "GET",
        f"{API}/v1/attributes/custom",
        callback=lambda request: (200, {}, json.dumps(answers[request.params["phone"]])),
    )
    report = conn.lookup_attributes(asked().iloc[:2], progress=False)
    found = report.results.fillna("(none)").to_dict("list")
    assert found == {"tier": ["gold", "(none)"], "points": ["10", "(none)"]}
    assert list(report.table["reason"]) == ["2 custom attributes found", "no custom attributes"]
    written = pd.read_csv(report.to_csv(tmp_path / "found.csv"), index_col=0)
    assert written["tier"].tolist()[0] == "gold"


@responses.activate
def test_a_lookup_whose_answer_was_lost_is_asked_again(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.get(f"{API}/v1/attributes/custom", body=requests.exceptions.ReadTimeout("slow"))
    responses.get(f"{API}/v1/attributes/custom", json=[{"name": "tier", "value": "gold"}])
    report = conn.lookup_attributes(pd.DataFrame({"email": ["a@x.com"]}), progress=False)
    assert report.table["status"].tolist() == ["sent"]
    assert report.table["attempts"].tolist() == [2]


@responses.activate
def test_a_lookup_paces_after_429_like_a_send(conn, slept):
    responses.get(f"{API}/v1/me", json=ME)
    responses.get(f"{API}/v1/subscriptions", status=429, json={"error": "slow down"})
    responses.get(f"{API}/v1/subscriptions", json=eligibility())
    report = conn.lookup_subscriptions(pd.DataFrame({"phone": [PHONE]}), progress=False)
    assert report.table["status"].tolist() == ["sent"]
    assert report.table["attempts"].tolist() == [2]
    assert slept and max(slept) >= 0.25  # the retry's backoff after a 429
    assert conn.client.governors.for_endpoint("subscriptions", 150).throttled == 1


@responses.activate
def test_a_lookup_without_the_scope_stops_and_says_which(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.get(f"{API}/v1/subscriptions", status=403, json={"error": "Forbidden"})
    report = conn.lookup_subscriptions(pd.DataFrame({"phone": [PHONE, OTHER]}), progress=False)
    assert report.counts["rejected"] >= 1
    assert any("subscriptions:read" in note for note in report.notes)


@responses.activate
def test_a_lookup_dry_run_asks_nothing(conn):
    report = conn.lookup_attributes(asked(), dry_run=True, progress=False)
    assert len(responses.calls) == 0
    assert report.counts["would_send"] == 3 and report.results.empty


@responses.activate
def test_link_identifiers_posts_each_link_once_and_the_ledger_remembers(conn):
    responses.get(f"{API}/v1/me", json=ME)
    url = f"{API}/v1/identity-resolution/user-identifiers"
    responses.post(url, status=202)
    df = pd.DataFrame({"email": ["a@x.com", "b@x.com"], "client_user_id": ["u1", "u2"]})
    first = conn.link_identifiers(df, progress=False)
    assert first.kind == "link_identifiers" and first.counts["sent"] == 2
    posted = [json.loads(c.request.body) for c in responses.calls if c.request.method == "POST"]
    # Requests leave from several worker threads: each link once, in any order.
    assert sorted(posted, key=lambda body: body["email"]) == [
        {"email": "a@x.com", "clientUserId": "u1"},
        {"email": "b@x.com", "clientUserId": "u2"},
    ]
    again = conn.link_identifiers(df, progress=False)
    assert again.counts["skipped"] == 2
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 2


@responses.activate
def test_a_link_whose_answer_was_lost_is_sent_again_it_is_retry_safe(conn):
    responses.get(f"{API}/v1/me", json=ME)
    url = f"{API}/v1/identity-resolution/user-identifiers"
    responses.post(url, body=requests.exceptions.ConnectionError("reset"))
    responses.post(url, status=202)
    df = pd.DataFrame({"phone": [PHONE], "client_user_id": ["u1"]})
    report = conn.link_identifiers(df, progress=False)
    assert report.table["status"].tolist() == ["sent"]
    assert report.table["attempts"].tolist() == [2]


@responses.activate
def test_a_send_says_its_caveats_before_sending(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/events/custom", status=200)
    said: list[str] = []
    df = pd.DataFrame({"client_user_id": ["u1"]})
    plan = plan_events(df, event_type="T")
    report = runner.run(conn, df, plan, RunOptions(progress=False, say=said.append))
    assert said[0].startswith("1 row in 1 request to POST /v1/events/custom")
    assert said[1] == "Note: " + plan.warnings[0]
    assert plan.warnings[0] in report.notes


def test_eligibility_columns_come_in_channel_then_type_order():
    answers = {
        1: eligibility(("CHECKOUT_ABANDONED", "TEXT", True), ("MARKETING", "EMAIL", True)),
        0: eligibility(("TRANSACTIONAL", "TEXT", True), ("MARKETING", "TEXT", False)),
    }
    columns = eligibility_columns(answers, 3)
    assert list(columns) == [
        "text_marketing",
        "text_transactional",
        "text_checkout_abandoned",
        "email_marketing",
    ]
    assert columns["email_marketing"].tolist() == [False, True, pd.NA]
