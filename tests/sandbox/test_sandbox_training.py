"""What a walkthrough needs of the sandbox: a new company each start, a way to start over, and
a look at what arrived (for the exercises' checks, which run in another process)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.sandbox

SUBSCRIBE = {"user": {"phone": "+13115552368"}, "signUpSourceId": "123"}


def creation_status(response) -> str:
    (answer,) = response.json()["subscriptionResponses"]
    return answer["subscriptionCreationStatus"]


SEGMENT_MEMBER = {"phone": "+12015550110"}


def test_every_sandbox_start_is_a_company_of_its_own(make_sandbox, make_api):
    one, two = make_sandbox(), make_sandbox()
    ids = {sb.company["companyId"] for sb in (one, two)}
    assert len(ids) == 2
    for sb in (one, two):
        assert make_api(sb).get("/v1/me").json()["companyId"] == sb.company["companyId"]


def test_start_over_is_a_new_empty_company_with_the_same_keys(sandbox, api):
    before = sandbox.company["companyId"]
    assert creation_status(api.post("/v1/subscriptions", json=SUBSCRIBE)) == "NEWLY_CREATED"

    response = api.post("/sandbox/start-over")

    assert response.status_code == 200
    after = response.json()["company"]["companyId"]
    assert after != before and after == sandbox.company["companyId"]
    assert api.get("/v1/me").json()["companyId"] == after  # the same key still works
    assert sandbox.received("/v1/subscriptions") == []
    assert creation_status(api.post("/v1/subscriptions", json=SUBSCRIBE)) == "NEWLY_CREATED"


def test_start_over_from_python(sandbox):
    before = sandbox.company["companyId"]
    assert sandbox.start_over()["companyId"] == sandbox.company["companyId"] != before


def test_inspect_shows_the_company_what_arrived_and_who_asked(sandbox, api):
    api.post("/v1/subscriptions", json=SUBSCRIBE)
    api.post("/v1/subscriptions", json={"user": {}})  # refused: not in what arrived

    seen = api.get("/sandbox/inspect").json()

    assert seen["company"] == sandbox.company
    assert seen["received"] == {"/v1/subscriptions": [SUBSCRIBE]}
    assert [(e["path"], e["status"], e["app"]) for e in seen["history"]] == [
        ("/v1/subscriptions", 202, "Sandbox private app"),
        ("/v1/subscriptions", 400, "Sandbox private app"),
    ]
    assert seen["segments"] == []


def test_inspect_lists_each_segment_with_its_members_once_their_job_is_due(
    make_sandbox, make_api, clock
):
    sb = make_sandbox(clock=clock, bulk_delay_s=1.0)
    api = make_api(sb)
    api.post("/v2/segments", json={"name": "VIP", "externalId": "vip"})
    api.post("/v2/bulk/segments/members", json={"externalId": "vip", "members": [SEGMENT_MEMBER]})
    assert api.get("/sandbox/inspect").json()["segments"][0]["members"] == []  # not run yet

    clock.advance(1.0)
    (segment,) = api.get("/sandbox/inspect").json()["segments"]

    assert segment == {"externalId": "vip", "name": "VIP", "members": [SEGMENT_MEMBER]}


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/sandbox/inspect"), ("POST", "/sandbox/start-over")]
)
def test_the_training_pages_need_a_key_the_sandbox_gave(sandbox, api, method, path):
    company = sandbox.company
    for token in (None, "not-a-key"):
        response = api.call(method, path, token=token)
        assert response.status_code == 401
        assert "error" in response.json()
    assert sandbox.company == company
