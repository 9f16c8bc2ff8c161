"""The sandbox's privacy deletion endpoints, against Attentive's OpenAPI document."""

from __future__ import annotations

import pytest
from attentive_spec import V1, load, resolve
from jsonschema import Draft202012Validator

pytestmark = pytest.mark.sandbox

DELETE = "/v1/privacy/delete-request"


@pytest.fixture
def sb(make_sandbox, clock):
    return make_sandbox(clock=clock, deletion_delay_s=60)


@pytest.fixture
def call(sb, make_api):
    return make_api(sb)


def spec_schema(name: str) -> dict:
    doc = load(V1)
    schema = resolve(doc["components"]["schemas"][name], doc)
    return {**schema, "additionalProperties": False}


def test_a_request_is_accepted_with_an_id_and_kept_as_sent(sb, call):
    body = {"subjectPhone": "+13115552368", "requestMsg": "CCPA #1"}
    answer = call.post(DELETE, json=body)
    assert answer.status_code == 200
    Draft202012Validator(spec_schema("PrivacyRequestDto")).validate(answer.json())
    (kept,) = sb.deletion_requests()
    assert kept["id"] == answer.json()["id"] and kept["id"].isalnum()
    assert kept["subjectPhone"] == "+13115552368" and kept["requestMsg"] == "CCPA #1"
    assert kept["status"] == "PENDING"
    assert sb.received(DELETE) == [body]


@pytest.mark.parametrize(
    "body",
    [{}, {"requestMsg": "nobody named"}, {"clientUserId": "  "}],
    ids=["empty", "message only", "blank client user id"],
)
def test_a_request_naming_nobody_is_a_400_whose_error_is_a_string(sb, call, body):
    answer = call.post(DELETE, json=body)
    assert answer.status_code == 400
    Draft202012Validator(spec_schema("PrivacyRequestErrorDto")).validate(answer.json())
    assert answer.json() == {"error": "Must either specify subscriberPhone or subscriberEmail"}
    assert sb.deletion_requests() == []


def test_a_phone_that_is_not_e164_is_refused_in_the_same_string_form(sb, call):
    answer = call.post(DELETE, json={"subjectPhone": "2015550123"})
    assert answer.status_code == 400 and isinstance(answer.json()["error"], str)
    assert "subjectPhone" in answer.json()["error"]


def test_a_request_moves_from_pending_to_completed_over_the_delay(sb, call, clock):
    made = call.post(DELETE, json={"subjectEmail": "ann@example.com"}).json()
    path = f"{DELETE}/{made['id']}"
    first = call.get(path).json()
    Draft202012Validator(spec_schema("PrivacyRequestDto")).validate(first)
    assert first["processed"] is False and first["subjectEmail"] == "a**@example.com"
    assert "processingStartDateTime" not in first
    clock.advance(30)
    assert "processingStartDateTime" in call.get(path).json()
    clock.advance(30)
    done = call.get(path).json()
    assert done["processed"] is True and done["processingEndDateTime"].endswith("+0000")
    assert [r["status"] for r in sb.deletion_requests()] == ["COMPLETED"]


def test_an_unknown_request_is_a_404(call):
    assert call.get(f"{DELETE}/abc123").status_code == 404


def test_the_scopes_are_the_documented_ones(sb, call):
    reader = sb.token_for(["privacy_requests:read"])
    assert call.post(DELETE, json={"subjectEmail": "a@b.co"}, token=reader).status_code == 403
    writer = sb.token_for(["privacy_requests:write"])
    made = call.post(DELETE, json={"subjectEmail": "a@b.co"}, token=writer)
    assert made.status_code == 200
    assert call.get(f"{DELETE}/{made.json()['id']}", token=writer).status_code == 403
    assert call.get(f"{DELETE}/{made.json()['id']}", token=reader).status_code == 200
