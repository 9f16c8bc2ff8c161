"""v2 segments at the sandbox: the OpenAPI's lengths after trimming, 404s, members applied by jobs.

Issue 20's sandbox bullet, endpoint by endpoint, with raw requests (the
client refuses most of these before sending, so only here does the sandbox's
own validation show).
"""

from __future__ import annotations

import json

import pytest
import requests

pytestmark = pytest.mark.sandbox

MEMBERS = "/v2/bulk/segments/members"


@pytest.fixture
def timed(make_sandbox, make_api, clock):
    sb = make_sandbox(clock=clock, bulk_delay_s=10)
    return sb, make_api(sb)


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "   "},  # blank once trimmed
        {"name": "x" * 241},
        {"name": "ok", "description": " d "},  # one character once trimmed: 2 at least
        {"name": "ok", "description": "d" * 501},
        {"name": "ok", "externalId": "e" * 256},
        {"name": "ok", "externalId": "  "},
        {},
    ],
)
def test_a_segment_outside_the_documented_lengths_is_400(api, body):
    answer = api.post("/v2/segments", json=body)
    assert answer.status_code == 400, answer.text


def test_fields_are_trimmed_and_an_unknown_external_id_is_404(api):
    made = api.post(
        "/v2/segments", json={"name": " VIP ", "description": " big ", "externalId": " v "}
    )
    assert made.status_code == 201, made.text
    assert {k: made.json()[k] for k in ("name", "description", "externalId")} == {
        "name": "VIP",
        "description": "big",
        "externalId": "v",
    }
    assert api.get("/v2/segments/external/v").json()["name"] == "VIP"
    renamed = api.call("PATCH", "/v2/segments/external/v", json={"name": " Top "})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Top"
    assert (
        api.get("/v2/segments", params={"name": "Top"}).json()["segments"][0]["externalId"] == "v"
    )
    for method in ("GET", "PATCH", "DELETE"):
        body = {"name": "x"} if method == "PATCH" else None
        assert api.call(method, "/v2/segments/external/nope", json=body).status_code == 404
    members = {"externalId": "nope", "members": [{"email": "a@example.com"}]}
    assert api.post(MEMBERS, json=members).status_code == 404
    assert api.call("DELETE", "/v2/segments/external/v").status_code in (200, 204)
    assert api.get("/v2/segments/external/v").status_code == 404


@pytest.mark.parametrize(
    "members",
    [[], [{}], [{"email": "a@example.com"}] * 10_001],
)
def test_members_outside_1_to_10000_or_without_an_identifier_are_400(api, members):
    api.post("/v2/segments", json={"name": "VIP", "externalId": "vip"})
    answer = api.post(MEMBERS, json={"externalId": "vip", "members": members})
    assert answer.status_code == 400, answer.text


def test_members_apply_when_the_job_runs_and_results_sit_behind_the_signed_link(timed, clock):
    sb, api = timed
    api.post("/v2/segments", json={"name": "VIP", "externalId": "vip"})
    members = [{"email": "a@example.com"}, {"phone": "+13115552368", "clientUserId": "u1"}]
    answer = api.post(MEMBERS, json={"externalId": "vip", "members": members})
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["batchJobId"]
    assert sb.segment_members("vip") == []  # not yet: the job has not run
    clock.advance(10)
    done = api.get(f"/v2/bulk/job/{job_id}").json()
    assert done["status"] == "COMPLETED"
    assert sorted(map(json.dumps, sb.segment_members("vip"))) == sorted(map(json.dumps, members))
    assert requests.get(done["url"], timeout=5).status_code == 200  # signed: no token
    tampered = done["url"].replace("expires=", "expires=9")
    assert requests.get(tampered, timeout=5).status_code == 403
    clock.advance(10)
    gone = api.call("DELETE", MEMBERS, json={"externalId": "vip", "members": members[:1]})
    assert gone.status_code == 202
    clock.advance(10)
    api.get(f"/v2/bulk/job/{gone.json()['batchJobId']}")
    assert sb.segment_members("vip") == members[1:]


def test_members_named_in_reject_members_fail_their_line_and_removals_are_kept_apart(timed, clock):
    from attentive_nb.sandbox.faults import REJECTED_MEMBER

    sb, api = timed
    api.post("/v2/segments", json={"name": "VIP", "externalId": "vip"})
    members = [{"email": "a@example.com"}, {"phone": "+13115552368", "clientUserId": "u1"}]
    sb.faults.reject_members = frozenset({"u1"})
    job_id = api.post(MEMBERS, json={"externalId": "vip", "members": members}).json()
    sb.faults.reject_members = frozenset()  # read when the job was submitted
    clock.advance(10)
    done = api.get(f"/v2/bulk/job/{job_id['batchJobId']}").json()
    lines = [json.loads(line) for line in requests.get(done["url"], timeout=5).text.splitlines()]
    assert [line["response"]["status"] for line in lines] == ["SUCCESS", "FAILED"]
    assert lines[1]["response"]["message"] == REJECTED_MEMBER
    assert sb.segment_members("vip") == members[:1]
    api.call("DELETE", MEMBERS, json={"externalId": "vip", "members": members[:1]})
    assert sb.received(MEMBERS) == [{"externalId": "vip", "members": members}]
    assert sb.received("DELETE " + MEMBERS) == [{"externalId": "vip", "members": members[:1]}]
