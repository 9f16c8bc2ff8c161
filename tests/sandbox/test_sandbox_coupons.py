"""The sandbox's coupon upload: Attentive's validation rules, each a 400 in the documented form."""

from __future__ import annotations

import pytest
from attentive_spec import V1, load, resolve
from jsonschema import Draft202012Validator

pytestmark = pytest.mark.sandbox

JAN = {"distributionStart": "2030-01-01T00:00:00Z", "distributionStop": "2030-02-01T00:00:00Z"}


def create(api, pool, token="key", **body):
    return api.post(f"/v1/coupons/coupon-pool/{pool}/create", json=body, token=token)


def assert_refused(answer, words: str) -> None:
    assert answer.status_code == 400
    doc = load(V1)
    Draft202012Validator(resolve(doc["components"]["schemas"]["ErrorResponseDto"], doc)).validate(
        answer.json()
    )
    assert words in answer.json()["error"]["message"]


def test_codes_are_accepted_with_no_body_and_kept_in_the_pool_in_order(sandbox, api):
    answer = create(api, 42, codes=["000123", "A1"])
    assert answer.status_code == 202 and answer.content == b""
    assert create(api, 42, codes=["B2"]).status_code == 202
    assert sandbox.coupons(42) == ["000123", "A1", "B2"] and sandbox.coupons("7") == []


def test_a_window_overlapping_an_earlier_upload_is_refused_and_the_same_window_is_not(sandbox, api):
    assert create(api, 9, codes=["A1"], **JAN).status_code == 202
    overlap = {
        "distributionStart": "2030-01-15T00:00:00Z",
        "distributionStop": "2030-03-01T00:00:00Z",
    }
    assert_refused(create(api, 9, codes=["A2"], **overlap), "overlaps the range")
    assert create(api, 9, codes=["A3"], **JAN).status_code == 202  # "an existing range is allowed"
    after = {
        "distributionStart": "2030-02-01T00:00:00Z",
        "distributionStop": "2030-03-01T00:00:00Z",
    }
    assert create(api, 9, codes=["A4"], **after).status_code == 202  # touching is no overlap
    assert sandbox.coupons(9) == ["A1", "A3", "A4"]


def test_an_offer_keeps_one_distribution_type(api):
    assert create(api, 10, codes=["A1"]).status_code == 202
    assert_refused(create(api, 10, codes=["A2"], **JAN), "'Never expire'")
    assert create(api, 11, codes=["B1"], **JAN).status_code == 202
    assert_refused(create(api, 11, codes=["B2"]), "'Custom time period'")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "codes is required"),
        ({"codes": "A1"}, "codes must be of type array"),
        ({"codes": ["A1", 2]}, "codes[1] must be of type string"),
        ({"codes": ["A"] * 200_001}, "at most 200000"),
        ({"codes": ["A1"], "distributionStart": "2030-01-01"}, "UTC time in ISO format"),
        (
            {"codes": ["A1"], "distributionStart": JAN["distributionStop"]},
            "both distributionStart and distributionStop",
        ),
        (
            {
                "codes": ["A1"],
                "distributionStart": JAN["distributionStop"],
                "distributionStop": JAN["distributionStart"],
            },
            "must be before distributionStop",
        ),
    ],
    ids=["no codes", "not a list", "not text", "200001", "not utc", "start alone", "reversed"],
)
def test_bodies_breaking_the_documented_rules_are_refused(sandbox, api, body, words):
    assert_refused(create(api, 12, **body), words)
    assert sandbox.coupons(12) == []


def test_a_pool_id_that_is_not_a_number_is_refused(api):
    assert_refused(create(api, "abc", codes=["A1"]), "coupon-pool-id is an integer")


def test_the_upload_needs_the_offers_scope(sandbox, api):
    assert (
        create(api, 13, codes=["A1"], token=sandbox.token_for(["events:write"])).status_code == 403
    )
    assert (
        create(api, 13, codes=["A1"], token=sandbox.token_for(["offers:write"])).status_code == 202
    )
