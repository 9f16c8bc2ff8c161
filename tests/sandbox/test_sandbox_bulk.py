"""v2 bulk user attributes: the envelope, jobs that run later, per-record results, signed links."""

from __future__ import annotations

import json

import pytest
import requests

from attentive_nb.sandbox import validation
from attentive_nb.sandbox.bulk_jobs import RESULTS_LINK_S, envelope_problem

pytestmark = pytest.mark.sandbox

GOOD = {
    "identifiers": {"phone": "+13115552368"},
    "attributes": {"firstName": "Ada", "custom": {"lucky number": 6, "has pets": True}},
}
LISTED = {"identifiers": {"email": "b@example.com"}, "attributes": {"custom": {"cities": ["a"]}}}
MAPPED = {"identifiers": {"email": "c@example.com"}, "attributes": {"custom": {"m": {"a": 1}}}}
BAD_PHONE = {"identifiers": {"phone": "555"}, "attributes": {"firstName": "Bo"}}


def poll(api, job_id):
    answer = api.get(f"/v2/bulk/job/{job_id}")
    assert answer.status_code == 200
    return answer.json()


@pytest.fixture
def timed(make_sandbox, make_api, clock):
    """A sandbox whose jobs take 10 s on a clock the test moves, and its API caller."""
    sb = make_sandbox(clock=clock, bulk_delay_s=10)
    return sb, make_api(sb)


def submit(api, users) -> str:
    answer = api.post("/v2/bulk/user/attributes", json={"users": users})
    assert answer.status_code == 202, answer.text
    return answer.json()["batchJobId"]


def test_a_job_waits_runs_later_and_reports_each_record(timed, clock):
    sb, api = timed
    users = [GOOD, LISTED, MAPPED, BAD_PHONE, {"attributes": {"firstName": "NoId"}}]
    job_id = submit(api, users)  # bad records are accepted now and fail when the job runs
    assert poll(api, job_id) == {"bulkJobId": job_id, "status": "PENDING", "totalRecords": 5}
    assert sb.attributes("+13115552368") == {}  # nothing applied yet
    clock.advance(6)
    assert poll(api, job_id)["status"] == "IN_PROGRESS"
    clock.advance(4)
    done = poll(api, job_id)
    assert done["status"] == "COMPLETED" and done["totalRecords"] == 5
    assert done["url"].startswith(f"{sb.url}/v2/bulk/job/{job_id}/results.jsonl?expires=")
    results = requests.get(done["url"], timeout=5)  # a signed link: no Authorization header
    assert results.status_code == 200 and results.headers["x-attentive-sandbox"] == "1"
    lines = [json.loads(line) for line in results.text.splitlines()]
    assert [line["request"] for line in lines] == users
    statuses = [line["response"]["status"] for line in lines]
    assert statuses == ["SUCCESS", "FAILED", "FAILED", "FAILED", "FAILED"]
    assert "attributes.custom.cities" in lines[1]["response"]["message"]
    assert "identifiers.phone" in lines[3]["response"]["message"]
    assert "identifiers" in lines[4]["response"]["message"]
    assert sb.attributes("+13115552368")["lucky number"] == 6
    assert sb.received("/v2/bulk/user/attributes") == [{"users": users}]
    assert len(sb.received(f"GET /v2/bulk/job/{job_id}")) == 3


def test_looking_at_the_attributes_runs_the_jobs_that_are_due(timed, clock):
    sb, api = timed
    submit(api, [GOOD])
    clock.advance(10)
    assert sb.attributes("+13115552368")["lucky number"] == 6  # no poll needed


def test_results_link_needs_its_signature_and_expires(timed, clock):
    sb, api = timed
    job_id = submit(api, [GOOD])
    clock.advance(10)
    url = poll(api, job_id)["url"]
    assert requests.get(url.split("?")[0], timeout=5).status_code == 403
    assert requests.get(url[:-3] + "abc", timeout=5).status_code == 403
    assert requests.get(url[:-3] + "\u00e9", timeout=5).status_code == 403
    later = url.replace("expires=", "expires=9")  # a later expiry is not what was signed
    assert requests.get(later, timeout=5).status_code == 403
    clock.advance(RESULTS_LINK_S + 1)
    expired = requests.get(url, timeout=5)
    assert expired.status_code == 403 and "expired" in expired.json()["error"]["message"]
    fresh = poll(api, job_id)["url"]
    assert fresh != url and requests.get(fresh, timeout=5).status_code == 200


def test_without_delay_a_job_is_done_at_the_first_poll(make_sandbox, make_api):
    api = make_api(make_sandbox(bulk_delay_s=0))
    assert poll(api, submit(api, [GOOD]))["status"] == "COMPLETED"


def test_a_job_told_to_fail_applies_nothing(timed, clock):
    sb, api = timed
    sb.faults.fail_bulk_jobs = True
    job_id = submit(api, [GOOD])
    sb.faults.fail_bulk_jobs = False  # decided when it was submitted
    clock.advance(10)
    answer = poll(api, job_id)
    assert answer["status"] == "FAILED" and "url" not in answer
    assert sb.attributes("+13115552368") == {}


def test_results_can_come_in_a_shuffled_order(timed, clock):
    sb, api = timed
    sb.faults.shuffle_bulk_results = True
    users = [{"identifiers": {"email": f"p{i}@example.com"}} for i in range(12)]
    job_id = submit(api, users)
    clock.advance(10)
    lines = requests.get(poll(api, job_id)["url"], timeout=5).text.splitlines()
    echoed = [json.loads(line)["request"] for line in lines]
    assert echoed != users and sorted(map(json.dumps, echoed)) == sorted(map(json.dumps, users))


def test_attribute_type_clash_fails_the_record(make_sandbox, make_api):
    api = make_api(make_sandbox(bulk_delay_s=0))
    api.post(
        "/v1/attributes/custom",
        json={"properties": {"lucky number": 7}, "user": {"phone": "+13115552368"}},
    )
    clash = {
        "identifiers": {"phone": "+13115552368"},
        "attributes": {"custom": {"lucky number": "x"}},
    }
    job_id = submit(api, [clash])
    lines = requests.get(poll(api, job_id)["url"], timeout=5).text.splitlines()
    assert json.loads(lines[0])["response"]["status"] == "FAILED"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"users": []}, "at least 1"),
        ({"users": [GOOD] * 257}, "at most 256"),
        ({}, "users"),
        ({"users": ["x"]}, "users[0]"),
    ],
)
def test_envelope_problems_are_400(sandbox, api, body, words):
    answer = api.post("/v2/bulk/user/attributes", json=body)
    assert answer.status_code == 400 and words in answer.json()["error"]["message"]
    assert sandbox.received("/v2/bulk/user/attributes") == []


ENVELOPES = [
    {"users": [GOOD]},
    {"users": [GOOD] * 256},
    {"users": []},
    {"users": [GOOD] * 257},
    {},
    [],
    "users",
    {"users": "all"},
    {"users": ["x"]},
    {"users": [GOOD, None]},
    {"users": [GOOD], "extra": 1},
]


@pytest.mark.parametrize("body", ENVELOPES)
def test_the_quick_envelope_check_agrees_with_the_schema(body):
    assert (envelope_problem(body) is None) == (validation.problem("attributes_bulk", body) is None)


def test_256_users_are_fine_and_unknown_job_is_404(api):
    assert api.post("/v2/bulk/user/attributes", json={"users": [GOOD] * 256}).status_code == 202
    assert api.get("/v2/bulk/job/no-such-job").status_code == 404


def test_bulk_needs_both_scopes(sandbox, api):
    token = sandbox.token_for(["attributes:write"])
    answer = api.post("/v2/bulk/user/attributes", token=token, json={"users": [GOOD]})
    assert answer.status_code == 403 and "subscriptions:write" in answer.json()["error"]["message"]
