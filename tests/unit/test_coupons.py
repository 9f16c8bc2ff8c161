"""Coupon uploads: codes as written, per-row reasons, the window, the pool id, the ledger.

HTTP is faked at the edge (``responses``); every body is checked against
Attentive's OpenAPI document when it is beside the project.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import requests
import responses
from attentive_spec import documents_present, validate_payload
from fakes import ME

from attentive_nb.errors import ConfigError
from attentive_nb.plan.coupons import MAX_CODES, coupon_frame, plan_coupons

API = "https://api.attentivemobile.com"
NOW = pd.Timestamp("2026-06-01T00:00:00Z")
PATH = "/v1/coupons/coupon-pool/{coupon-pool-id}/create"


def plan(codes, **options):
    options.setdefault("pool", 123456)
    return plan_coupons(coupon_frame(codes), now=NOW, **options)


def bodies(made) -> list[dict]:
    out = [unit.payload for chunk in made.requests() for unit in chunk]
    if documents_present():
        for body in out:
            validate_payload("POST", PATH, body)
    return out


def posts() -> list[tuple[str, dict]]:
    return [
        (c.request.url, json.loads(c.request.body))
        for c in responses.calls
        if c.request.method == "POST"
    ]


# -- the codes --------------------------------------------------------------------------------


def test_codes_are_sent_exactly_as_written():
    made = plan(pd.Series(["000123", "NA", "SPRING-10", "ÉTÉ25"], dtype=object))
    assert bodies(made) == [{"codes": ["000123", "NA", "SPRING-10", "ÉTÉ25"]}]
    assert made.path_args == {"coupon-pool-id": "123456"}


def test_a_column_read_as_numbers_is_refused_with_the_reason():
    with pytest.raises(ConfigError, match=r"read as int64 values, not text.*000123 became 123"):
        plan(pd.DataFrame({"code": [123, 456]}))
    with pytest.raises(ConfigError, match="float64"):
        plan(pd.Series([1.0, None]))


def test_blank_repeated_spaced_and_non_text_codes_are_reported_per_row():
    made = plan(["A1", "", None, "A1", " A2", "A\x003", "B\tC", 42, "Z9"])
    assert made.invalid == {
        1: ["blank code"],
        2: ["blank code"],
        4: ["code ' A2' has a space: Attentive codes have none"],
        5: ["code 'A\\x003' has a space or control character, U+0000: Attentive codes have none"],
        6: ["code 'B\\tC' has a space or control character, U+0009: Attentive codes have none"],
        7: [
            "code '42' is a number or other value (int), not text: codes are sent exactly as "
            "written, so read them as text (dtype=str)"
        ],
    }
    assert made.duplicates == {3: 0}
    (unit,) = [u for chunk in made.requests() for u in chunk]
    assert unit.positions == (0, 3, 8) and unit.payload == {"codes": ["A1", "Z9"]}


def test_a_frame_names_its_code_column_or_says_which_it_is():
    frame = pd.DataFrame({"Voucher": ["V1"], "campaign": ["spring"]})
    assert bodies(plan(frame, columns={"Voucher": "code"})) == [{"codes": ["V1"]}]
    with pytest.raises(ConfigError, match="No column holds the codes"):
        plan(frame)
    with pytest.raises(ConfigError, match="codes must be a Series, a list, or a DataFrame"):
        plan("V1")


def test_more_than_200000_codes_are_split_not_refused():
    codes = [f"C{i:07d}" for i in range(MAX_CODES + 1)]
    made = plan(codes)
    sizes = [len(unit.payload["codes"]) for chunk in made.requests() for unit in chunk]
    assert sizes == [MAX_CODES, 1] and made.n_requests == 2
    assert made.invalid == {}


# -- the pool and the window ------------------------------------------------------------------


@pytest.mark.parametrize("pool", ["12/34", "../12", "..", "12a", "", " ", -5, 1.5, True, None])
def test_a_pool_id_that_is_not_the_documented_digits_is_refused(pool):
    with pytest.raises(ConfigError, match="numeric coupon pool id"):
        plan(["A1"], pool=pool)


def test_timestamps_of_every_kind_are_sent_in_utc_with_z():
    window = {
        "distribution_start": pd.Timestamp("2026-07-01 09:00"),  # naive: in timezone=
        "distribution_stop": "2026-07-31T18:00:00-04:00",
        "timezone": "America/New_York",
    }
    assert bodies(plan(["A1"], **window)) == [
        {
            "codes": ["A1"],
            "distributionStart": "2026-07-01T13:00:00Z",
            "distributionStop": "2026-07-31T22:00:00Z",
        }
    ]
    aware = dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc)
    made = plan(["A1"], distribution_start=aware, distribution_stop="2026-08-01")
    assert bodies(made)[0]["distributionStop"] == "2026-08-01T00:00:00Z"


@pytest.mark.parametrize(
    ("start", "stop", "message"),
    [
        ("2026-08-01", "2026-07-01", "must be before distribution_stop"),
        ("2026-08-01", "2026-08-01", "must be before distribution_stop"),
        ("2026-01-01", "2026-05-31", "is in the past"),
        ("2026-07-01", None, "distribution_start= is given alone"),
        (None, "2026-07-01", "distribution_stop= is given alone"),
        ("now", "2026-08-01", "is not a date and time"),
        (20260701, "2026-08-01", "is not a date and time"),
    ],
)
def test_a_window_that_cannot_be_right_is_refused_before_sending(start, stop, message):
    with pytest.raises(ConfigError, match=message):
        plan(["A1"], distribution_start=start, distribution_stop=stop)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ConfigError, match="is not a time zone name"):
        plan(["A1"], distribution_start="2026-07-01", distribution_stop="2026-08-01", timezone="X")


# -- sending ----------------------------------------------------------------------------------


@responses.activate
def test_each_request_goes_to_the_pool_and_a_rerun_skips_what_was_accepted(conn):
    responses.get(f"{API}/v1/me", json=ME)
    url = f"{API}/v1/coupons/coupon-pool/77/create"
    responses.post(url, status=202)
    report = conn.upload_coupons(["A1", "A2", ""], pool="77", progress=False)
    assert list(report.table["status"]) == ["sent", "sent", "invalid"]
    assert "asynchronously" in report.table["reason"].iloc[0]
    assert posts() == [(url, {"codes": ["A1", "A2"]})]
    again = conn.upload_coupons(["A1", "A2", ""], pool="77", progress=False)
    assert list(again.table["status"]) == ["skipped", "skipped", "invalid"] and len(posts()) == 1
    other = f"{API}/v1/coupons/coupon-pool/78/create"
    responses.post(other, status=202)
    conn.upload_coupons(["A1", "A2"], pool=78, progress=False)  # another pool is another request
    assert [u for u, _ in posts()] == [url, other]


@responses.activate
def test_a_lost_answer_is_unknown_and_not_resent_blindly(conn):
    responses.get(f"{API}/v1/me", json=ME)
    url = f"{API}/v1/coupons/coupon-pool/77/create"
    responses.post(url, body=requests.exceptions.ReadTimeout("slow"))
    lost = conn.upload_coupons(["A1"], pool=77, progress=False)
    assert list(lost.table["status"]) == ["unknown"] and len(posts()) == 1
    again = conn.upload_coupons(["A1"], pool=77, progress=False)
    assert list(again.table["status"]) == ["unknown"] and len(posts()) == 1
    responses.post(url, status=202)
    asked = conn.upload_coupons(["A1"], pool=77, progress=False, resend="unknown")
    assert list(asked.table["status"]) == ["sent"] and len(posts()) == 2


@responses.activate
def test_a_refused_request_is_rejected_per_row_with_attentives_message(conn, tmp_path):
    responses.get(f"{API}/v1/me", json=ME)
    message = "Bad Request: the range overlaps an earlier upload to this offer"
    responses.post(
        f"{API}/v1/coupons/coupon-pool/77/create",
        status=400,
        json={"error": {"id": 1, "message": message}},
    )
    report = conn.upload_coupons(
        pd.Series(["SECRET01", "SECRET02"]),
        pool=77,
        distribution_start="2030-01-01",
        distribution_stop="2030-02-01",
        progress=False,
    )
    assert list(report.table["status"]) == ["rejected", "rejected"]
    assert set(report.table["reason"]) == {message}
    assert list(report.table["code"]) == ["SE•••", "SE•••"]  # codes are masked like ids
    assert len(report.to_retry) == 2
    saved = report.to_csv(tmp_path / "report.csv")
    assert "SECRET01" not in (tmp_path / "report.csv").read_text() and saved


def test_the_dry_run_sends_nothing_and_says_how_it_would_go(conn):
    report = conn.upload_coupons(["A1", "A1"], pool=5, dry_run=True, progress=False)
    assert list(report.table["status"]) == ["would_send", "would_send"]
    assert "same code as row 0" in report.table["reason"].iloc[1]
    assert "No distribution window: the codes never expire." in report.notes


NEW_YORK = {"timezone": "America/New_York"}


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        ("2027-03-14 02:30", "does not exist in America/New_York: on 2027-03-14"),
        ("2027-11-07 01:30", "happens twice in America/New_York: on 2027-11-07"),
    ],
)
def test_a_window_time_a_clock_change_skips_or_repeats_is_refused_with_the_reason(start, reason):
    with pytest.raises(ConfigError, match=f"distribution_start='{start}' {reason}"):
        plan(["A1"], distribution_start=start, distribution_stop="2027-12-01", **NEW_YORK)
