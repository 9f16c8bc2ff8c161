"""v2 bulk user attributes: the envelope, per-record results, job polling, the signed link."""

from __future__ import annotations

import json

import pytest
import requests

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


def test_bulk_job_runs_and_reports_each_record(sandbox, api):
    users = [GOOD, LISTED, MAPPED, BAD_PHONE, {"attributes": {"firstName": "NoId"}}]
    submitted = api.post("/v2/bulk/user/attributes", json={"users": users})
    assert submitted.status_code == 202
    job_id = submitted.json()["batchJobId"]
    first = poll(api, job_id)
    assert first["status"] == "IN_PROGRESS" and first["totalRecords"] == 5 and "url" not in first
    done = poll(api, job_id)
    assert done["status"] == "COMPLETED" and done["bulkJobId"] == job_id
    assert done["url"].startswith(f"{sandbox.url}/v2/bulk/job/{job_id}/results.jsonl")
    results = requests.get(done["url"], timeout=5)  # a signed link: no Authorization header
    assert results.status_code == 200 and results.headers["x-attentive-sandbox"] == "1"
    lines = [json.loads(line) for line in results.text.splitlines()]
    assert [line["request"] for line in lines] == users
    assert [line["response"]["status"] for line in lines] == [
        "SUCCESS",
        "FAILED",
        "FAILED",
        "FAILED",
        "FAILED",
    ]
    assert "attributes.custom.cities" in lines[1]["response"]["message"]
    assert "identifiers.phone" in lines[3]["response"]["message"]
    assert "identifiers" in lines[4]["response"]["message"]
    assert sandbox.attributes("+13115552368")["lucky number"] == 6
    assert sandbox.received("/v2/bulk/user/attributes") == [{"users": users}]
    assert len(sandbox.received(f"/v2/bulk/job/{job_id}")) == 2


def test_results_link_needs_its_signature(sandbox, api):
    job_id = api.post("/v2/bulk/user/attributes", json={"users": [GOOD]}).json()["batchJobId"]
    poll(api, job_id)
    url = poll(api, job_id)["url"]
    assert requests.get(url.split("?")[0], timeout=5).status_code == 403
    assert requests.get(url[:-3] + "abc", timeout=5).status_code == 403
    assert requests.get(url[:-3] + "\u00e9", timeout=5).status_code == 403


def test_polls_before_done_is_configurable(make_sandbox, make_api):
    api = make_api(make_sandbox(bulk_polls_before_done=0))
    job_id = api.post("/v2/bulk/user/attributes", json={"users": [GOOD]}).json()["batchJobId"]
    assert poll(api, job_id)["status"] == "COMPLETED"


def test_attribute_type_clash_fails_the_record(api):
    api.post(
        "/v1/attributes/custom",
        json={"properties": {"lucky number": 7}, "user": {"phone": "+13115552368"}},
    )
    clash = {
        "identifiers": {"phone": "+13115552368"},
        "attributes": {"custom": {"lucky number": "x"}},
    }
    job_id = api.post("/v2/bulk/user/attributes", json={"users": [clash]}).json()["batchJobId"]
    poll(api, job_id)
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


def test_256_users_are_fine_and_unknown_job_is_404(api):
    assert api.post("/v2/bulk/user/attributes", json={"users": [GOOD] * 256}).status_code == 202
    assert api.get("/v2/bulk/job/no-such-job").status_code == 404


def test_bulk_needs_both_scopes(sandbox, api):
    token = sandbox.token_for(["attributes:write"])
    answer = api.post("/v2/bulk/user/attributes", token=token, json={"users": [GOOD]})
    assert answer.status_code == 403 and "subscriptions:write" in answer.json()["error"]["message"]
