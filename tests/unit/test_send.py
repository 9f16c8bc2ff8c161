"""The send engine with HTTP faked at the edge (responses): no sockets, no sleeps."""

from __future__ import annotations

import json
import sqlite3
import threading

import pandas as pd
import pytest
import requests
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.plan import plan_subscribers
from attentive_nb.send.engine import estimate_line
from attentive_nb.send.ledger import Ledger

API = "https://api.attentivemobile.com"
SUBSCRIBED = {
    "subscriptionResponses": [
        {
            "subscription": {"type": "MARKETING", "channel": "TEXT"},
            "subscriptionCreationStatus": "NEWLY_CREATED",
        }
    ]
}


@pytest.fixture
def slept():
    return []


@pytest.fixture
def conn(slept):
    return att.Connection.from_api_key("test-key-0123456789", sleep=slept.append)


def people(n: int) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+1201{5550000 + i:07d}" for i in range(n)]})


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {status: n for status, n in counts.items() if n}


def quiet(**options):
    return {"progress": False, **options}


@responses.activate
def test_dry_run_of_a_thousand_rows_makes_no_request(conn):
    report = conn.send_subscribers(people(1000), sign_up_source_id="42", **quiet(dry_run=True))
    assert len(responses.calls) == 0
    assert nonzero(report.counts) == {"would_send": 1000}


@responses.activate
def test_subscribe_sends_each_row_once_and_reports_it(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/subscriptions", json=SUBSCRIBED, status=202)
    df = people(3)
    report = conn.send_subscribers(df, sign_up_source_id="42", **quiet())
    posted = [json.loads(c.request.body) for c in responses.calls if c.request.method == "POST"]
    assert sorted(p["user"]["phone"] for p in posted) == sorted(df["phone"])
    assert all(p["signUpSourceId"] == "42" for p in posted)
    assert nonzero(report.counts) == {"sent": 3}
    assert list(report.table["http_status"]) == [202, 202, 202]
    assert "NEWLY_CREATED" in report.table["reason"].iloc[0]
    assert report.company == ME["companyName"]


@responses.activate
def test_rerun_skips_rows_the_ledger_shows_accepted(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/subscriptions", json=SUBSCRIBED, status=202)
    conn.send_subscribers(people(2), sign_up_source_id="42", **quiet())
    again = conn.send_subscribers(people(3), sign_up_source_id="42", **quiet())
    posts = [c for c in responses.calls if c.request.method == "POST"]
    assert len(posts) == 3
    assert list(again.table["status"]) == ["skipped", "skipped", "sent"]
    assert "2 rows accepted in an earlier run were skipped (resend=True sends them again)." in (
        again.notes
    )
    forced = conn.send_subscribers(people(1), sign_up_source_id="42", **quiet(resend=True))
    assert nonzero(forced.counts) == {"sent": 1}


@responses.activate
def test_lost_answer_on_subscribe_is_unknown_and_never_resent(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/subscriptions", body=requests.exceptions.ReadTimeout("slow"))
    report = conn.send_subscribers(people(1), sign_up_source_id="42", **quiet())
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1
    assert nonzero(report.counts) == {"unknown": 1}
    assert "not resent" in report.table["reason"].iloc[0]
    with Ledger() as ledger:
        assert ledger.count(ME["companyId"], "subscribe", "unknown") == 1
        assert ledger.count(ME["companyId"]) == 1


@responses.activate
def test_rate_limited_then_accepted_row_is_sent_after_a_retry(conn, slept):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/events/custom", status=429, json={"error": "slow down"})
    responses.post(f"{API}/v1/events/custom", status=200)
    df = pd.DataFrame({"email": ["a@example.com"], "plan": ["gold"]})
    report = conn.send_events(df, event_type="Upgraded", **quiet())
    assert nonzero(report.counts) == {"sent": 1}
    assert report.table["attempts"].iloc[0] == 2
    assert slept, "the engine waited before retrying"


@responses.activate
def test_rejected_row_keeps_the_api_message(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(
        f"{API}/v1/events/custom",
        status=400,
        json={"error": {"id": 7, "message": "Invalid parameter: type"}},
    )
    df = pd.DataFrame({"email": ["a@example.com"]})
    report = conn.send_events(df, event_type="Upgraded", **quiet())
    assert nonzero(report.counts) == {"rejected": 1}
    assert report.table["reason"].iloc[0] == "Invalid parameter: type"
    assert report.table["http_status"].iloc[0] == 400


@responses.activate
def test_a_rejected_key_stops_the_run_and_leaves_the_rest_not_sent(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/events/custom", status=401, json={"error": "bad token"})
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(50)]})
    report = conn.send_events(df, event_type="Upgraded", **quiet(workers=1))
    assert report.counts["rejected"] >= 1
    assert report.counts["rejected"] + report.counts["not_sent"] == 50
    assert report.counts["not_sent"] > 0
    assert any("Stopped early" in note for note in report.notes)


@responses.activate
def test_rows_stopped_by_a_rejected_key_say_so_not_that_the_run_was_interrupted(conn):
    # Requests already waiting for their turn when the 401 came are cancelled: their rows
    # must name the refusal, not read like a Ctrl-C.
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/events/custom", status=401, json={"error": "bad token"})
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(50)]})
    report = conn.send_events(df, event_type="Upgraded", **quiet(workers=8))
    stopped = report.table[report.table["status"] == "not_sent"]["reason"]
    assert len(stopped) > 0
    assert not stopped.str.contains("interrupted").any(), set(stopped)
    assert stopped.str.contains("401|key|token", case=False).all(), set(stopped)


@responses.activate
def test_many_subscribers_need_a_confirmation(conn):
    with pytest.raises(att.ConfigError, match="confirm=True"):
        conn.send_subscribers(people(1001), sign_up_source_id="42", **quiet())
    assert len(responses.calls) == 0


def test_missing_sign_up_source_is_refused_before_sending(conn):
    with pytest.raises(att.ConfigError):
        conn.send_subscribers(people(1), **quiet())


def test_a_misspelt_option_is_named(conn):
    with pytest.raises(TypeError, match="dryrun"):
        conn.send_subscribers(people(1), sign_up_source_id="42", dryrun=True)


@pytest.mark.parametrize("resend", ["yes", 1, "all", None])
def test_resend_takes_false_unknown_or_true(conn, resend):
    with pytest.raises(att.ConfigError, match="resend="):
        conn.send_subscribers(people(1), sign_up_source_id="42", dry_run=True, resend=resend)


def test_estimate_line_names_rows_rate_and_time():
    plan = plan_subscribers(people(12_000), sign_up_source_id="42")
    assert estimate_line(plan) == (
        "12,000 rows in 12,000 requests to POST /v1/subscriptions at 10/s ≈ 20 min"
    )


def test_a_repeated_event_is_flagged_and_carried_by_the_first_rows_request(conn):
    df = pd.DataFrame({"email": ["a@example.com", "b@example.com", "a@example.com"]})
    report = conn.send_events(df, event_type="Visited", **quiet(dry_run=True))
    assert list(report.table["status"]) == ["would_send"] * 3
    assert report.table["reason"].iloc[2] == (
        "same event as row 0 (same externalEventId): one request carries both"
    )


@responses.activate
def test_a_repeated_person_in_subscribe_shares_one_request(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/subscriptions", json=SUBSCRIBED, status=202)
    df = pd.DataFrame({"phone": ["+12015550123", "+12015550124", "(201) 555-0123"]})
    report = conn.send_subscribers(df, sign_up_source_id="42", **quiet())
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 2
    assert list(report.table["status"]) == ["sent", "sent", "sent"]
    assert report.table["reason"].iloc[2].endswith("same person as row 0: one request carries both")


def test_estimate_line_says_one_row_and_one_request():
    plan = plan_subscribers(people(1), sign_up_source_id="42")
    assert estimate_line(plan).startswith("1 row in 1 request to POST /v1/subscriptions")


@responses.activate
def test_a_rerun_with_nothing_to_send_says_so_and_draws_no_bar(conn, capsys):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/subscriptions", json=SUBSCRIBED, status=202)
    conn.send_subscribers(people(3), sign_up_source_id="42", progress=True)
    first = capsys.readouterr()
    assert "3 rows in 3 requests" in first.out and "Sending: subscribers" in first.err
    again = conn.send_subscribers(people(3), sign_up_source_id="42", progress=True)
    second = capsys.readouterr()
    assert second.out == "Nothing to send: 3 rows skipped (see the notes).\n"
    assert second.err == ""  # no progress bar
    assert again.counts["skipped"] == 3


def test_estimate_counts_rows_and_requests_apart():
    df = pd.DataFrame({"phone": ["+12015550123", "+12015550124", "+12015550123"]})
    plan = plan_subscribers(df, sign_up_source_id="42")
    assert plan.n_valid == 3 and plan.n_requests == 2
    assert estimate_line(plan).startswith("3 rows in 2 requests")


@responses.activate
def test_every_claim_is_committed_before_its_request_leaves(conn, tmp_path):
    """At each request, another connection opening the ledger file read-only (it sees only
    what is committed) finds the claims of the whole batch it belongs to."""
    path = tmp_path / "ledger.sqlite"
    seen: list[tuple[int, set[str]]] = []
    one_at_a_time = threading.Lock()  # two workers: the n-th entry is the n-th look

    def on_disk(request):
        with one_at_a_time, sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT state FROM requests WHERE endpoint = 'events'").fetchall()
            seen.append((len(rows), {state for (state,) in rows}))
        return 200, {}, ""

    responses.get(f"{API}/v1/me", json=ME)
    responses.add_callback(responses.POST, f"{API}/v1/events/custom", callback=on_disk)
    frame = people(30).assign(n=range(30))
    report = conn.send_events(frame, event_type="Viewed", ledger=path, workers=2, **quiet())
    assert report.counts["sent"] == 30 and len(seen) == 30
    # The first request leaves after its batch (two workers: four requests) is on disk.
    assert seen[0][0] >= 4 and "claimed" in seen[0][1]
    assert all(rows >= n for n, (rows, _) in enumerate(seen, start=1))


# -- blank attribute values: nothing to send, not an error -------------------------------------

BLANK = "nothing to send: every attribute is blank"


def tiers() -> pd.DataFrame:
    return pd.DataFrame(
        {"email": ["a@example.com", "b@example.com", "c@example.com"], "tier": ["gold", "", None]}
    )


@responses.activate
def test_a_row_of_blank_attributes_is_skipped_sent_nowhere_and_not_to_retry(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/attributes/custom", status=200, json={})
    report = conn.send_attributes(tiers(), **quiet())
    posted = [json.loads(c.request.body) for c in responses.calls if c.request.method == "POST"]
    assert [p["user"]["email"] for p in posted] == ["a@example.com"]
    assert list(report.table["status"]) == ["sent", "skipped", "skipped"]
    assert list(report.table["reason"])[1:] == [BLANK, BLANK]
    assert report.ok and len(report.to_retry) == 0
    assert report.reasons.to_dict("records") == [{"status": "skipped", "reason": BLANK, "rows": 2}]


def test_a_dry_run_shows_blank_rows_skipped_not_would_send(conn):
    report = conn.send_attributes(tiers(), **quiet(dry_run=True))
    assert list(report.table["status"]) == ["would_send", "skipped", "skipped"]
    assert report.table["reason"].iloc[2] == BLANK
    assert report.ok


@responses.activate
def test_a_run_of_blank_rows_alone_sends_nothing_and_says_so(conn, capsys):
    responses.get(f"{API}/v1/me", json=ME)
    report = conn.send_attributes(tiers().iloc[1:], progress=True)
    assert [c for c in responses.calls if c.request.method == "POST"] == []
    assert nonzero(report.counts) == {"skipped": 2}
    assert (
        capsys.readouterr().out == "Nothing to send: 2 rows skipped (every attribute is blank).\n"
    )


@responses.activate
def test_a_stopped_run_leaves_blank_rows_skipped(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/attributes/custom", status=401, json={"error": "bad token"})
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(6)], "tier": ["x", None] * 3})
    report = conn.send_attributes(df, **quiet(workers=1))
    assert report.counts["skipped"] == 3
    assert report.counts["rejected"] + report.counts["not_sent"] == 3


@responses.activate
def test_the_collector_runs_less_often_during_a_send_and_as_before_after_it(conn, tmp_path):
    import gc

    during = []

    def accepted(_request):
        during.append(gc.get_threshold())
        return 200, {}, ""

    responses.get(f"{API}/v1/me", json=ME)
    responses.add_callback(responses.POST, f"{API}/v1/events/custom", callback=accepted)
    before = gc.get_threshold()
    report = conn.send_events(
        people(3), event_type="Viewed", ledger=tmp_path / "l.sqlite", **quiet()
    )
    assert report.counts["sent"] == 3
    assert all(t[0] >= 20_000 for t in during) and len(during) == 3
    assert gc.get_threshold() == before
