"""The v2 bulk body in full: person fields by column name, checked, one ledger key per person."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from plan_helpers import sent

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.plan import plan_attributes, request_key


def records(plan) -> list[dict]:
    """Every person's record, in input order, from the bodies the plan sends."""
    return [user for _, body in sent(plan) for user in body["users"]]


def test_person_fields_are_recognised_by_their_usual_column_names():
    df = pd.DataFrame(
        {
            "Phone": ["+12015550123"],
            "First Name": ["Ada"],
            "last_name": ["Lovelace"],
            "DOB": ["1990-11-16"],
            "Age": [33],
            "language": ["English/American"],
            "Organization": ["Acme Sports"],
            "title": ["Dr"],
            "website": ["https://ada.example.com"],
            "Address 1": ["456 Elm Avenue"],
            "address2": ["Suite 300"],
            "City": ["Brooklyn"],
            "State": ["NY"],
            "Zip Code": ["11222"],
            "Country": ["US"],
            "region": ["US-NY"],
            "lat": [40.73061],
            "lng": ["-73.935242"],
            "time_zone": ["EST"],
            "locale": ["en-US"],
            "tier": ["gold"],
        }
    )
    plan = plan_attributes(df, bulk=True)
    assert plan.invalid == {}
    assert records(plan) == [
        {
            "identifiers": {"phone": "+12015550123"},
            "attributes": {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "demographic": {
                    "dateOfBirth": "1990-11-16",
                    "age": 33,
                    "language": "English/American",
                    "organization": "Acme Sports",
                    "title": "Dr",
                    "website": "https://ada.example.com",
                },
                "location": {
                    "address1": "456 Elm Avenue",
                    "address2": "Suite 300",
                    "city": "Brooklyn",
                    "state": "NY",
                    "zip": "11222",
                    "country": "US",
                    "region": "US-NY",
                    "latitude": "40.73061",
                    "longitude": "-73.935242",
                    "timezone": "EST",
                },
                "locale": {"language": "en", "country": "US"},
                "custom": {"tier": "gold"},
            },
        }
    ]
    assert plan.column_map["City"] == "attributes.location.city"
    assert plan.column_map["tier"] == "attributes.custom.tier"


def test_columns_override_names_a_person_field():
    df = pd.DataFrame({"email": ["a@x.com"], "Vorname": ["Ada"], "Stadt": ["Berlin"]})
    plan = plan_attributes(df, bulk=True, columns={"Vorname": "firstName", "Stadt": "city"})
    assert records(plan)[0]["attributes"] == {"firstName": "Ada", "location": {"city": "Berlin"}}


def test_dates_of_birth_from_dates_and_timestamps_at_midnight():
    df = pd.DataFrame(
        {
            "email": ["a@x.com", "b@x.com", "c@x.com"],
            "birthday": [
                dt.date(1990, 11, 16),
                pd.Timestamp("1985-01-02"),
                pd.Timestamp("1985-01-02 10:30"),
            ],
        }
    )
    plan = plan_attributes(df, bulk=True)
    assert [r["attributes"]["demographic"]["dateOfBirth"] for r in records(plan)] == [
        "1990-11-16",
        "1985-01-02",
    ]
    assert plan.invalid == {
        2: ["birthday '1985-01-02 10:30:00' is not a date written YYYY-MM-DD, such as 1990-11-16"]
    }


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("dob", "11/16/1990", "dob '11/16/1990' is not a date written YYYY-MM-DD"),
        ("dob", "1990-02-30", "dob '1990-02-30' is not a real date"),
        ("age", "thirty", "age 'thirty' is not a whole number of years"),
        ("age", 29.5, "age '29.5' is not a whole number of years"),
        ("age", 151, "age '151' is not an age (0 to 150)"),
        ("country", "USA", "country 'USA' is not an ISO-3166-1 country code such as US"),
        ("country", "us", "country 'us' is not an ISO-3166-1 country code such as US: write US"),
        ("region", "NY", "region 'NY' is not an ISO-3166-2 region code such as US-NY"),
        ("latitude", 91, "latitude '91' is not a latitude (-90 to 90)"),
        ("longitude", "east", "longitude 'east' is not a longitude (-180 to 180)"),
        ("website", "my site", "website 'my site' is not a web address"),
        ("locale", "english", "locale 'english' is not a locale such as en-US"),
        ("channel", "POST", "channel 'POST' is not TEXT or EMAIL"),
        ("single_opt_in", "maybe", "single_opt_in 'maybe' is not true or false"),
    ],
)
def test_each_field_is_checked_before_sending(column, value, reason):
    df = pd.DataFrame({"phone": ["+12015550123"], "email": ["a@x.com"], column: [value]})
    if column in ("channel", "single_opt_in"):
        df["sign_up_source_id"] = "123"
    plan = plan_attributes(df, bulk=True)
    (found,) = plan.invalid[0]
    assert found.startswith(reason)
    assert plan.n_requests == 0


def test_a_region_must_lie_in_the_country_given():
    df = pd.DataFrame({"email": ["a@x.com"], "country": ["CA"], "region": ["US-NY"]})
    plan = plan_attributes(df, bulk=True)
    assert plan.invalid == {0: ["region 'US-NY' is not in country 'CA'"]}


def test_zip_codes_read_as_numbers_get_a_note():
    df = pd.DataFrame({"email": ["a@x.com"], "zip": [2138]})
    plan = plan_attributes(df, bulk=True)
    assert records(plan)[0]["attributes"] == {"location": {"zip": "2138"}}
    assert any("leading 0" in note for note in plan.notes)


def test_person_fields_alone_are_enough_and_custom_is_left_out():
    df = pd.DataFrame({"email": ["a@x.com", "b@x.com"], "first_name": ["Ada", None]})
    plan = plan_attributes(df, bulk=True)
    assert records(plan) == [
        {"identifiers": {"email": "a@x.com"}, "attributes": {"firstName": "Ada"}}
    ]
    assert plan.invalid == {}
    assert plan.skipped == {1: "nothing to send: every attribute is blank"}


def test_a_bulk_row_that_only_subscribes_has_something_to_send():
    df = pd.DataFrame(
        {
            "phone": ["+12015550123", "+12015550124"],
            "sign_up_source_id": ["456", None],
            "tier": [None, None],
        }
    )
    plan = plan_attributes(df, bulk=True)
    assert [r["identifiers"] for r in records(plan)] == [{"phone": "+12015550123"}]
    assert plan.skipped == {1: "nothing to send: every attribute is blank"}
    assert plan.n_requests == 1


# -- subscriptions[] -----------------------------------------------------------------------------


def subscribers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": ["+12015550123", None, "+12015550125"],
            "email": ["a@x.com", "b@x.com", None],
            "sign_up_source_id": [123, "456", None],
            "tier": ["gold", "silver", "bronze"],
        }
    )


def test_a_sign_up_source_subscribes_the_channels_of_the_row():
    plan = plan_attributes(subscribers(), bulk=True)
    users = records(plan)
    assert users[0]["subscriptions"] == [
        {"signUpSourceId": "123", "channel": "TEXT"},
        {"signUpSourceId": "123", "channel": "EMAIL"},
    ]
    assert users[1]["subscriptions"] == [{"signUpSourceId": "456", "channel": "EMAIL"}]
    assert "subscriptions" not in users[2]


def test_channel_and_single_opt_in_columns():
    df = subscribers().assign(channel=["text", "EMAIL", None], single_opt_in=[True, "no", None])
    users = records(plan_attributes(df, bulk=True))
    assert users[0]["subscriptions"] == [
        {"signUpSourceId": "123", "channel": "TEXT", "singleOptIn": True}
    ]
    assert users[1]["subscriptions"] == [
        {"signUpSourceId": "456", "channel": "EMAIL", "singleOptIn": False}
    ]


def test_a_subscription_needs_its_source_and_its_channel_identifier():
    df = pd.DataFrame(
        {
            "phone": ["+12015550123", None],
            "email": [None, "b@x.com"],
            "sign_up_source_id": [None, "456"],
            "channel": ["TEXT", "TEXT"],
            "tier": ["gold", "silver"],
        }
    )
    plan = plan_attributes(df, bulk=True)
    assert plan.invalid == {
        0: ["channel 'TEXT' needs a sign_up_source_id to subscribe"],
        1: ["channel TEXT needs a phone to subscribe"],
    }


def test_subscribing_makes_the_plan_at_most_once_and_asks_before_many():
    plain = plan_attributes(subscribers().drop(columns="sign_up_source_id"), bulk=True)
    assert plain.endpoint == ENDPOINTS["attributes_bulk"] and plain.endpoint.resend_safe
    subscribing = plan_attributes(subscribers(), bulk=True)
    assert subscribing.endpoint.name == "attributes_bulk"
    assert not subscribing.endpoint.resend_safe and subscribing.endpoint.messages_people
    assert any("subscribe" in note and "at most once" in note for note in subscribing.notes)


# -- one ledger key per person ---------------------------------------------------------------------


def test_each_person_is_one_unit_with_its_own_key_and_256_travel_together():
    df = pd.DataFrame({"email": [f"u{i}@x.com" for i in range(300)], "n": range(300)})
    plan = plan_attributes(df, bulk=True)
    units = [unit for batch in plan.requests() for unit in batch]
    assert [unit.positions for unit in units] == [(p,) for p in range(300)]
    record = {"identifiers": {"email": "u7@x.com"}, "attributes": {"custom": {"n": 7}}}
    assert units[7].payload == record
    assert units[7].key == request_key("attributes_bulk", units[7].payload)
    assert plan.batch == 256 and plan.n_requests == 2
    assert plan.body(units[:2]) == {"users": [units[0].payload, units[1].payload]}


def test_v1_attributes_keep_such_columns_as_custom_attributes_and_say_so():
    df = pd.DataFrame({"email": ["a@x.com"], "first_name": ["Ada"], "city": ["Paris"]})
    plan = plan_attributes(df)
    assert sent(plan)[0][1]["properties"] == {"first_name": "Ada", "city": "Paris"}
    assert any("bulk=True" in note and "'first_name'" in note for note in plan.notes)
