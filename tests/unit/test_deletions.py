"""Privacy deletions: the plan, the confirmation, the ledger's at-most-once rule, the follow-up.

HTTP is faked at the edge (``responses``); every body sent is checked against
Attentive's OpenAPI document when it is beside the project.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests
import responses
from attentive_spec import documents_present, validate_payload
from fakes import ME

from attentive_nb.errors import AttentiveError, ConfigError
from attentive_nb.plan.deletions import plan_deletions
from attentive_nb.send.ledger import Ledger

API = "https://api.attentivemobile.com"
DELETE = f"{API}/v1/privacy/delete-request"


def quiet(**options):
    return {"progress": False, **options}


def people() -> pd.DataFrame:
    return pd.DataFrame(
        {"phone": ["+12015550100", "(201) 555-0101"], "email": ["ann@example.com", None]}
    )


def posts() -> list[dict]:
    return [json.loads(c.request.body) for c in responses.calls if c.request.method == "POST"]


# Requests leave from several threads, so the order they arrive in is not the rows' order:
# each person's request id is chosen by the person, r1 for ...0100, r2 for ...0101.
REQUEST_IDS = {"+12015550100": "r1", "+12015550101": "r2"}


def accept() -> None:
    responses.get(f"{API}/v1/me", json=ME)

    def by_person(request):
        phone = json.loads(request.body)["subjectPhone"]
        return 200, {}, json.dumps({"id": REQUEST_IDS[phone]})

    responses.add_callback(responses.POST, DELETE, callback=by_person)


def nobody_can_answer(monkeypatch):
    def no_terminal(question):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)


def answers(monkeypatch, reply: str) -> list[str]:
    asked: list[str] = []

    def typed(question):
        asked.append(question)
        return reply

    monkeypatch.setattr("builtins.input", typed)
    return asked


def bodies(plan) -> list[dict]:
    return [unit.payload for chunk in plan.requests() for unit in chunk]


# -- the plan ---------------------------------------------------------------------------------


def test_one_request_per_person_in_the_documented_fields():
    plan = plan_deletions(people(), message="CCPA request 114")
    assert bodies(plan) == [
        {
            "subjectPhone": "+12015550100",
            "subjectEmail": "ann@example.com",
            "requestMsg": "CCPA request 114",
        },
        {"subjectPhone": "+12015550101", "requestMsg": "CCPA request 114"},
    ]
    if documents_present():
        for body in bodies(plan):
            validate_payload("POST", "/v1/privacy/delete-request", body)


def test_rows_naming_one_person_are_merged_only_when_nothing_is_lost():
    df = pd.DataFrame(
        {
            "phone": ["+12015550100", "+12015550100", "+12015550199", "+12015550199"],
            "email": ["ann@example.com", None, "bo@example.com", "other@example.com"],
        }
    )
    plan = plan_deletions(df)
    assert [unit.positions for chunk in plan.requests() for unit in chunk] == [(0, 1), (2,), (3,)]
    assert plan.duplicates == {1: 0}
    assert any("each is sent as written" in note for note in plan.notes)


def test_rows_sharing_a_client_user_id_are_one_person():
    df = pd.DataFrame({"client_user_id": ["u-1", "u-1", "u-2"]})
    plan = plan_deletions(df)
    assert bodies(plan) == [{"clientUserId": "u-1"}, {"clientUserId": "u-2"}]


def test_the_ledger_key_is_the_normalised_person_not_the_spelling_or_the_message():
    first = plan_deletions(pd.DataFrame({"phone": ["+12015550100"], "email": ["Ann@Example.com"]}))
    again = plan_deletions(
        pd.DataFrame({"phone": ["(201) 555-0100"], "email": ["ann@example.com"]}),
        message="asked again",
    )
    (one,), (two,) = (list(plan.requests())[0] for plan in (first, again))
    assert one.key == two.key
    other = plan_deletions(pd.DataFrame({"phone": ["+12015550101"]}))
    assert list(other.requests())[0][0].key != one.key


def test_a_frame_with_no_identifier_is_refused_before_anything():
    with pytest.raises(ConfigError, match="No column identifies the people for deletion requests"):
        plan_deletions(pd.DataFrame({"name": ["Ann"]}))


def test_a_person_whose_phone_is_invalid_is_not_requested_at_all():
    df = pd.DataFrame({"phone": ["555-01"], "email": ["ann@example.com"]})
    plan = plan_deletions(df)
    assert plan.n_requests == 0
    assert "phone" in plan.invalid[0][0]


def test_a_message_that_is_not_text_is_refused():
    with pytest.raises(ConfigError, match="message= must be text"):
        plan_deletions(people(), message=123)  # type: ignore[arg-type]


# -- the confirmation ---------------------------------------------------------------------------


@responses.activate
def test_nothing_is_sent_without_confirmation_where_nobody_can_answer(conn, monkeypatch):
    accept()
    nobody_can_answer(monkeypatch)
    with pytest.raises(AttentiveError, match="Nothing was sent: deleting 2 people cannot be"):
        conn.request_deletion(people(), **quiet())
    assert posts() == []


@responses.activate
def test_even_one_person_is_asked_for_and_a_wrong_answer_sends_nothing(conn, monkeypatch):
    accept()
    asked = answers(monkeypatch, "yes")
    with pytest.raises(ConfigError, match="Type DELETE 1 when asked"):
        conn.request_deletion(people().head(1), **quiet())
    assert asked == [
        "This asks Attentive to delete 1 person and cannot be undone. Type DELETE 1 to go ahead: "
    ]
    assert posts() == []


@responses.activate
def test_typing_delete_and_the_count_sends(conn, monkeypatch):
    accept()
    answers(monkeypatch, "DELETE 2")
    report = conn.request_deletion(people(), **quiet())
    assert len(posts()) == 2
    assert list(report.table["status"]) == ["submitted", "submitted"]
    assert "deletion request 'r1' accepted" in report.table["reason"].iloc[0]


@responses.activate
def test_confirm_true_sends_without_asking(conn, monkeypatch):
    accept()
    asked = answers(monkeypatch, "")
    conn.request_deletion(people(), **quiet(confirm=True))
    assert asked == [] and len(posts()) == 2


@responses.activate
def test_the_question_counts_only_the_people_the_ledger_would_not_skip(conn, monkeypatch):
    accept()
    conn.request_deletion(people().head(1), **quiet(confirm=True))
    dry = conn.request_deletion(people(), **quiet(dry_run=True))
    assert "delete 1 person" in " ".join(dry.notes) and "DELETE 1 first" in " ".join(dry.notes)
    asked = answers(monkeypatch, "DELETE 1")
    report = conn.request_deletion(people(), **quiet())
    assert asked == [
        "This asks Attentive to delete 1 person and cannot be undone (1 more is skipped: the "
        "ledger has them from earlier runs). Type DELETE 1 to go ahead: "
    ]
    assert list(report.table["status"]) == ["skipped", "submitted"]
    again = conn.request_deletion(people(), **quiet())  # nobody left to delete: not asked
    assert len(asked) == 1 and list(again.table["status"]) == ["skipped", "skipped"]


def test_the_dry_run_lists_who_would_be_requested_and_says_it_cannot_be_undone(conn):
    report = conn.request_deletion(people(), **quiet(dry_run=True))
    assert list(report.table["status"]) == ["would_send", "would_send"]
    assert list(report.table["phone"]) == ["+1201•••0100", "+1201•••0101"]
    assert any(note.startswith("This cannot be undone") for note in report.notes)
    assert "DELETE 2" in " ".join(report.notes)


# -- the ledger: at most once ----------------------------------------------------------------


@responses.activate
def test_a_rerun_skips_the_people_already_requested(conn):
    accept()
    conn.request_deletion(people(), **quiet(confirm=True))
    respelled = pd.DataFrame(
        {"phone": ["12015550100", "+1 201 555 0101"], "email": ["ANN@example.com", None]}
    )
    again = conn.request_deletion(respelled, **quiet(confirm=True, message="second try"))
    assert len(posts()) == 2
    assert list(again.table["status"]) == ["skipped", "skipped"]


@responses.activate
def test_a_person_named_by_fewer_identifiers_is_known_and_a_new_one_is_requested(conn):
    accept()
    conn.request_deletion(people().head(1), **quiet(confirm=True))  # ...0100 and ann@
    fewer = pd.DataFrame({"email": [" Ann@Example.com"]})
    again = conn.request_deletion(fewer, **quiet(confirm=True))
    assert len(posts()) == 1
    assert list(again.table["status"]) == ["skipped"]
    (reason,) = again.table["reason"]
    assert "this person's email was already deleted in an earlier run" in reason
    # A row with an identifier never requested goes: a deletion must reach each one.
    more = pd.DataFrame({"phone": ["+12015550101"], "email": ["ann@example.com"]})
    assert list(conn.request_deletion(more, **quiet(confirm=True)).table["status"]) == ["submitted"]
    assert len(posts()) == 2


@responses.activate
def test_a_lost_answer_is_unknown_and_resent_only_when_asked(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(DELETE, body=requests.exceptions.ReadTimeout("slow"))
    lost = conn.request_deletion(people().head(1), **quiet(confirm=True))
    assert list(lost.table["status"]) == ["unknown"] and len(posts()) == 1
    again = conn.request_deletion(people().head(1), **quiet(confirm=True))
    assert list(again.table["status"]) == ["unknown"] and len(posts()) == 1
    assert "resend='unknown'" in again.table["reason"].iloc[0]
    responses.post(DELETE, json={"id": "r9"})
    asked = conn.request_deletion(people().head(1), **quiet(confirm=True, resend="unknown"))
    assert list(asked.table["status"]) == ["submitted"] and len(posts()) == 2


@responses.activate
def test_a_400_whose_error_is_a_string_is_a_rejected_row_with_attentives_words(conn):
    responses.get(f"{API}/v1/me", json=ME)
    message = "Must either specify subscriberPhone or subscriberEmail"
    responses.post(DELETE, status=400, json={"error": message})
    report = conn.request_deletion(people().head(1), **quiet(confirm=True))
    assert list(report.table["status"]) == ["rejected"]
    assert report.table["reason"].iloc[0] == message
    assert len(report.to_retry) == 1


# -- the follow-up ----------------------------------------------------------------------------


def status(request_id: str, **answer) -> None:
    responses.get(f"{DELETE}/{request_id}", json={"id": request_id, "type": "DELETE", **answer})


@responses.activate
def test_refresh_reads_each_requests_status_until_processed(conn):
    accept()
    report = conn.request_deletion(people(), **quiet(confirm=True))
    status("r1", processed=False)
    status("r2", processed=False, processingStartDateTime="2026-01-01T00:00:00.000+0000")
    report.refresh()
    assert list(report.table["status"]) == ["submitted", "submitted"]
    assert "PROCESSING" in report.table["reason"].iloc[1]
    responses.replace(responses.GET, f"{DELETE}/r1", json={"id": "r1", "processed": True})
    responses.replace(responses.GET, f"{DELETE}/r2", json={"id": "r2", "processed": True})
    report.refresh()
    assert list(report.table["status"]) == ["sent", "sent"]
    assert report.table["reason"].iloc[0].startswith("deleted: Attentive processed")
    assert report.to_retry.empty


@responses.activate
def test_deletion_requests_lists_them_masked_and_refreshes(conn):
    accept()
    conn.request_deletion(people(), **quiet(confirm=True))
    listed = conn.deletion_requests()
    assert list(listed.columns) == [
        "person",
        "request_id",
        "requested_at",
        "status",
        "checked_at",
        "note",
    ]
    assert set(listed["request_id"]) == {"r1", "r2"}
    assert set(listed["person"]) == {"+1201•••0100, a•••@example.com", "+1201•••0101"}
    assert set(listed["status"]) == {"SUBMITTED"}
    assert not [c for c in responses.calls if "/delete-request/" in c.request.url]
    status("r1", processed=True)
    status("r2", processed=False)
    fresh = conn.deletion_requests(refresh=True).set_index("request_id")
    assert fresh.loc["r1", "status"] == "COMPLETED" and fresh.loc["r2", "status"] == "PENDING"
    assert conn.bulk_jobs().empty  # deletion requests are not bulk jobs


@responses.activate
def test_a_request_attentive_does_not_know_stays_never_resent(conn):
    accept()
    report = conn.request_deletion(people().head(1), **quiet(confirm=True))
    responses.get(f"{DELETE}/r1", status=404, json={"error": "not found"})
    report.refresh()
    assert list(report.table["status"]) == ["unknown"]
    with Ledger() as ledger:
        assert ledger.count(ME["companyId"], "privacy_delete", "sent") == 1
