"""Subscribe, unsubscribe and attribute plans: literal frames in, literal JSON out."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from plan_helpers import sent

from attentive_nb.errors import ConfigError
from attentive_nb.plan import (
    Plan,
    Request,
    plan_attributes,
    plan_subscribers,
    plan_unsubscribe,
    request_key,
)


def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Phone": ["+12015550123", "(201) 555-0124", "555-0100", None, "+1 201 555 0123"],
            "email": ["a@x.com", None, "bob@", "C@y.org", None],
            "client_user_id": [11.0, np.nan, 13.0, 14.0, 11],
            "custom_id:loyalty": ["L1", "L2", None, None, None],
            "first_name": ["Ann", "Bo", "Cy", "Di", "Ed"],
        }
    )


# -- subscribe ---------------------------------------------------------------------------------


def test_subscribe_payloads_and_reasons():
    plan = plan_subscribers(people(), sign_up_source_id="123", single_opt_in=True)
    assert sent(plan) == [
        (
            (0, 4),
            {
                "user": {"phone": "+12015550123", "email": "a@x.com"},
                "signUpSourceId": "123",
                "singleOptIn": True,
                "externalIdentifiers": {
                    "clientUserId": "11",
                    "customIdentifiers": [{"name": "loyalty", "value": "L1"}],
                },
            },
        ),
        (
            (1,),
            {
                "user": {"phone": "+12015550124"},
                "signUpSourceId": "123",
                "singleOptIn": True,
                "externalIdentifiers": {"customIdentifiers": [{"name": "loyalty", "value": "L2"}]},
            },
        ),
        (
            (3,),
            {
                "user": {"email": "C@y.org"},
                "signUpSourceId": "123",
                "singleOptIn": True,
                "externalIdentifiers": {"clientUserId": "14"},
            },
        ),
    ]
    assert plan.invalid == {
        2: [
            "phone '555-0100' is not a valid number for region US",
            "email 'bob@' is not a valid address",
        ]
    }
    assert plan.duplicates == {4: 0}
    assert plan.notes == [
        "column 'first_name' is not used by subscribe.",
        "1 row names a person named earlier in the data with nothing new or different; "
        "each person is sent once, with every identifier their rows give.",
    ]
    assert (plan.kind, plan.n_rows, plan.n_valid, plan.n_requests) == ("subscribers", 5, 4, 3)
    assert plan.endpoint.path == "/v1/subscriptions"
    assert plan.column_map == {
        "Phone": "phone",
        "email": "email",
        "client_user_id": "clientUserId",
        "custom_id:loyalty": "custom_id:loyalty",
    }


def test_subscribe_identifiers_frame_for_the_report():
    df = people().set_index(pd.Index(list("abcde")))
    plan = plan_subscribers(df, sign_up_source_id="1")
    ids = plan.identifiers
    assert list(ids.index) == list("abcde")
    assert list(ids.columns) == ["phone", "email", "clientUserId", "custom_id:loyalty"]
    assert ids["phone"].tolist()[:3] == ["+12015550123", "+12015550124", "555-0100"]
    assert pd.isna(ids.loc["d", "phone"]) and ids.loc["c", "email"] == "bob@"


def test_subscribe_with_locale_and_type():
    df = pd.DataFrame({"email": ["a@x.com"]})
    plan = plan_subscribers(df, locale="en-us", subscription_type="marketing")
    assert sent(plan) == [
        (
            (0,),
            {
                "user": {"email": "a@x.com"},
                "locale": {"language": "en", "country": "US"},
                "subscriptionType": "MARKETING",
            },
        )
    ]
    plan = plan_subscribers(
        df, locale={"language": "fr", "country": "CA"}, subscription_type="TRANSACTIONAL"
    )
    assert sent(plan)[0][1]["locale"] == {"language": "fr", "country": "CA"}


@pytest.mark.parametrize(
    "given", [123, 123.0, np.float64(123.0), np.int64(123), " 123 ", Decimal("123"), "123"]
)
def test_sign_up_source_id_is_sent_as_the_id_text(given):
    # A whole float is how a spreadsheet or a NaN-holding column carries an integer id;
    # identifier columns send 123.0 as "123" too, and Attentive's ids are whole numbers.
    plan = plan_subscribers(pd.DataFrame({"email": ["a@x.com"]}), sign_up_source_id=given)
    assert sent(plan)[0][1]["signUpSourceId"] == "123"


@pytest.mark.parametrize(
    "given, words",
    [
        (123.5, "is not an id"),
        (np.inf, "is not an id"),
        (True, "is not an id"),
        ([123], "is not an id"),
        (2.0**60, "too large to be exact as a float"),
        (float("nan"), "needs sign_up_source_id="),
    ],
)
def test_sign_up_source_id_that_is_no_id_is_refused(given, words):
    with pytest.raises(ConfigError, match=words) as info:
        plan_subscribers(pd.DataFrame({"email": ["a@x.com"]}), sign_up_source_id=given)
    assert "Sign-up Units" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs sign_up_source_id="),
        ({"locale": "en-US"}, "needs sign_up_source_id="),
        ({"subscription_type": "MARKETING"}, "needs sign_up_source_id="),
        ({"sign_up_source_id": "  "}, "needs sign_up_source_id="),
        ({"locale": "english", "subscription_type": "MARKETING"}, "not a locale"),
        ({"locale": "en-US", "subscription_type": "PROMO"}, "use 'MARKETING' or 'TRANSACTIONAL'"),
        ({"sign_up_source_id": "1", "single_opt_in": "yes"}, "single_opt_in= must be True"),
    ],
)
def test_subscribe_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        plan_subscribers(pd.DataFrame({"email": ["a@x.com"]}), **kwargs)


def test_subscribe_needs_phone_or_email_per_row():
    df = pd.DataFrame({"email": [None, "a@x.com"], "client_user_id": ["c1", "c2"]})
    plan = plan_subscribers(df, sign_up_source_id="1")
    assert plan.invalid == {0: ["no phone or email to identify the person"]}


def test_not_a_dataframe_and_no_identifier_column():
    with pytest.raises(ConfigError, match="Expected a pandas DataFrame, got list"):
        plan_subscribers([{"phone": "+12015550123"}], sign_up_source_id="1")
    with pytest.raises(ConfigError, match=r"No column identifies the people for subscribe"):
        plan_subscribers(pd.DataFrame({"name": ["Ann"]}), sign_up_source_id="1")


def test_repeated_column_names_are_a_config_error():
    df = pd.DataFrame([["a@x.com", "b@x.com"]], columns=["email", "email"])
    with pytest.raises(ConfigError, match="repeated column names"):
        plan_subscribers(df, sign_up_source_id="1")


def test_columns_override_in_plan():
    df = pd.DataFrame({"Mobile Number": ["2015550123"], "Loyalty ID": [77]})
    plan = plan_subscribers(
        df,
        sign_up_source_id="1",
        columns={"Mobile Number": "phone", "Loyalty ID": "custom_id:loyalty"},
    )
    assert sent(plan) == [
        (
            (0,),
            {
                "user": {"phone": "+12015550123"},
                "signUpSourceId": "1",
                "externalIdentifiers": {"customIdentifiers": [{"name": "loyalty", "value": "77"}]},
            },
        )
    ]


def test_default_region():
    df = pd.DataFrame({"phone": ["020 7183 8750"]})
    assert sent(plan_subscribers(df, sign_up_source_id="1", default_region="GB"))[0][1]["user"] == {
        "phone": "+442071838750"
    }


def test_duplicates_count_only_valid_rows_and_emails_ignore_case():
    df = pd.DataFrame({"email": ["bad@", "A@x.com", "a@X.com", "bad@"]})
    plan = plan_subscribers(df, sign_up_source_id="1")
    assert plan.duplicates == {2: 1}
    assert [p for p, _ in sent(plan)] == [(1, 2)]  # one request carries both rows


# -- unsubscribe -------------------------------------------------------------------------------


def test_unsubscribe_payloads():
    df = pd.DataFrame(
        {
            "phone": ["+12015550123", None, "+12015550123"],
            "email": [None, "b@x.com", None],
            "shopify_id": ["s1", "s2", "s3"],
        }
    )
    plan = plan_unsubscribe(
        df,
        subscriptions=[("marketing", "text"), {"type": "TRANSACTIONAL", "channel": "EMAIL"}],
        notify=False,
    )
    fixed = {
        "subscriptions": [
            {"type": "MARKETING", "channel": "TEXT"},
            {"type": "TRANSACTIONAL", "channel": "EMAIL"},
        ],
        "notification": {"disabled": True},
    }
    assert sent(plan) == [
        ((0, 2), {"user": {"phone": "+12015550123"}, **fixed}),
        ((1,), {"user": {"email": "b@x.com"}, **fixed}),
    ]
    assert plan.duplicates == {2: 0}
    assert "column 'shopify_id' (shopifyId) is not used by unsubscribe." in plan.notes


def test_unsubscribe_defaults_send_user_only():
    plan = plan_unsubscribe(pd.DataFrame({"email": ["a@x.com"]}))
    assert sent(plan) == [((0,), {"user": {"email": "a@x.com"}})]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"subscriptions": []}, "subscriptions= is empty"),
        ({"subscriptions": [("MARKETING", "PIGEON")]}, "is not a subscription"),
        ({"notify": "no"}, "notify= must be True or False"),
    ],
)
def test_unsubscribe_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        plan_unsubscribe(pd.DataFrame({"email": ["a@x.com"]}), **kwargs)


# -- attributes v1 -----------------------------------------------------------------------------

NOTHING_TO_SEND = "nothing to send: every attribute is blank"


def test_attributes_v1_payloads():
    df = pd.DataFrame(
        {
            "email": ["a@x.com", "b@x.com", "c@x.com", "a@x.com"],
            "client_user_id": ["c1", None, None, None],
            "Loyalty Tier": ["gold", None, "", "silver"],
            "Points": pd.array([10, None, None, 30], dtype="Int64"),
            "VIP": [np.bool_(True), None, None, False],
            "Joined": pd.to_datetime(
                ["2024-05-01 12:00:00", None, None, "2024-01-02"], format="ISO8601"
            ),
        }
    )
    plan = plan_attributes(df)
    assert sent(plan) == [
        (
            (0,),
            {
                "user": {"email": "a@x.com", "externalIdentifiers": {"clientUserId": "c1"}},
                "properties": {
                    "Loyalty Tier": "gold",
                    "Points": 10,
                    "VIP": True,
                    "Joined": "2024-05-01T12:00:00Z",
                },
            },
        ),
        (
            (3,),
            {
                "user": {"email": "a@x.com"},
                "properties": {
                    "Loyalty Tier": "silver",
                    "Points": 30,
                    "VIP": False,
                    "Joined": "2024-01-02T00:00:00Z",
                },
            },
        ),
    ]
    assert plan.invalid == {}
    assert plan.skipped == {1: NOTHING_TO_SEND, 2: NOTHING_TO_SEND}
    assert plan.n_valid == 2
    assert plan.duplicates == {3: 0}
    assert plan.notes == [
        "1 row repeats a person named earlier in the data; all are sent, the last one wins.",
        "2 timestamps without a time zone were taken as UTC.",
    ]
    assert plan.column_map["Points"] == "properties.Points"


def test_a_row_with_some_blank_attributes_sends_the_others():
    df = pd.DataFrame(
        {
            "email": ["a@x.com", "b@x.com"],
            "tier": ["gold", "   "],
            "points": pd.array([None, 5], dtype="Int64"),
        }
    )
    plan = plan_attributes(df)
    assert [body["properties"] for _, body in sent(plan)] == [{"tier": "gold"}, {"points": 5}]
    assert plan.invalid == {} and plan.skipped == {}


def test_a_blank_row_is_no_earlier_copy_of_the_person_it_names():
    df = pd.DataFrame({"email": ["a@x.com", "A@x.com"], "tier": [None, "gold"]})
    plan = plan_attributes(df)
    assert plan.skipped == {0: NOTHING_TO_SEND}
    assert plan.duplicates == {}
    assert sent(plan) == [((1,), {"user": {"email": "A@x.com"}, "properties": {"tier": "gold"}})]


def test_a_blank_row_with_a_wrong_identifier_is_invalid_for_the_identifier_alone():
    # Nothing of it could be sent even once fixed, but its reason says what is wrong.
    df = pd.DataFrame({"email": ["bob@", "a@x.com"], "tier": [None, None]})
    plan = plan_attributes(df)
    assert plan.invalid == {0: ["email 'bob@' is not a valid address"]}
    assert plan.skipped == {1: NOTHING_TO_SEND}
    assert plan.n_valid == 0 and plan.n_requests == 0


def test_attributes_reasons_are_all_reported_together():
    long_name = "x" * 201
    df = pd.DataFrame(
        {"phone": ["555-0100"], "email": ["bob@"], "cities": [["a", "b"]], long_name: [1]}
    )
    plan = plan_attributes(df)
    assert plan.invalid == {
        0: [
            "phone '555-0100' is not a valid number for region US",
            "email 'bob@' is not a valid address",
            "cities \"['a', 'b']\" is a list; Attentive accepts only single values here",
            f"attribute name '{'x' * 59}…' is longer than 200 characters (201)",
        ]
    }
    assert plan.n_requests == 0 and sent(plan) == []


def test_attributes_shopify_id_cannot_identify_in_v1():
    df = pd.DataFrame({"email": [None, "a@x.com"], "shopify_id": [123, 456], "tier": ["g", "s"]})
    plan = plan_attributes(df)
    assert plan.invalid == {
        0: [
            "no phone, email, client_user_id or custom id to identify "
            "the person (shopify_id cannot identify people here)"
        ]
    }
    assert "column 'shopify_id' (shopifyId) is not used by attributes." in plan.notes
    assert sent(plan) == [((1,), {"user": {"email": "a@x.com"}, "properties": {"tier": "s"}})]


def test_attributes_custom_identifier_only():
    df = pd.DataFrame({"custom_id:loyalty": [1001.0], "tier": ["g"]})
    assert sent(plan_attributes(df)) == [
        (
            (0,),
            {
                "user": {
                    "externalIdentifiers": {
                        "customIdentifiers": [{"name": "loyalty", "value": "1001"}]
                    }
                },
                "properties": {"tier": "g"},
            },
        )
    ]


def test_attributes_without_attribute_columns():
    with pytest.raises(ConfigError, match="no attribute columns to send"):
        plan_attributes(pd.DataFrame({"email": ["a@x.com"]}))


def test_naive_timestamps_in_another_timezone():
    df = pd.DataFrame({"email": ["a@x.com"], "Joined": pd.to_datetime(["2024-05-01 12:00:00"])})
    plan = plan_attributes(df, timezone="Europe/Paris")
    assert sent(plan)[0][1]["properties"] == {"Joined": "2024-05-01T12:00:00+02:00"}
    assert plan.notes == ["1 timestamp without a time zone was taken as Europe/Paris."]


# -- attributes v2 bulk ------------------------------------------------------------------------


def test_bulk_payload_shape():
    df = pd.DataFrame(
        {
            "phone": ["+12015550123", None],
            "email": [None, "b@x.com"],
            "shopify_id": [5.0, None],
            "klaviyo_id": ["k1", None],
            "client_user_id": [None, "c2"],
            "custom_id:loyalty": ["L1", None],
            "tier": ["gold", "silver"],
            "score": [1.5, np.nan],
        }
    )
    plan = plan_attributes(df, bulk=True)
    assert (
        plan.endpoint.name == "attributes_bulk" and plan.endpoint.path == "/v2/bulk/user/attributes"
    )
    assert sent(plan) == [
        (
            (0, 1),
            {
                "users": [
                    {
                        "identifiers": {
                            "phone": "+12015550123",
                            "shopifyId": "5",
                            "klaviyoId": "k1",
                            "customIdentifiers": [{"key": "loyalty", "value": "L1"}],
                        },
                        "attributes": {"custom": {"tier": "gold", "score": 1.5}},
                    },
                    {
                        "identifiers": {"email": "b@x.com", "clientUserId": "c2"},
                        "attributes": {"custom": {"tier": "silver"}},
                    },
                ]
            },
        )
    ]
    assert plan.column_map["tier"] == "attributes.custom.tier"


def test_bulk_chunks_of_256_in_input_order():
    df = pd.DataFrame({"email": [f"u{i}@x.com" for i in range(600)], "n": range(600)})
    df.loc[10, "email"] = "broken@"
    plan = plan_attributes(df, bulk=True)
    requests = sent(plan)
    assert [len(p) for p, _ in requests] == [256, 256, 87]
    assert plan.n_requests == 3
    positions = [p for chunk, _ in requests for p in chunk]
    assert positions == [p for p in range(600) if p != 10]
    first = requests[0][1]["users"]
    assert first[10] == {"identifiers": {"email": "u11@x.com"}, "attributes": {"custom": {"n": 11}}}


def test_bulk_600_valid_rows_make_256_256_88():
    df = pd.DataFrame({"email": [f"u{i}@x.com" for i in range(600)], "n": range(600)})
    assert [len(p) for p, _ in sent(plan_attributes(df, bulk=True))] == [256, 256, 88]


# -- requests ----------------------------------------------------------------------------------


def test_requests_are_chunked_lazily():
    df = pd.DataFrame({"email": [f"u{i}@x.com" for i in range(7)]})
    plan = plan_unsubscribe(df)
    batches = plan.requests(chunk_size=3)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert isinstance(next(plan.requests())[0], Request)


def test_request_key_is_stable_and_hides_the_payload():
    payload = {"user": {"email": "a@x.com"}, "b": [1, 2.5]}
    key = request_key("subscribe", payload)
    assert key == request_key("subscribe", {"b": [1, 2.5], "user": {"email": "a@x.com"}})
    assert key != request_key("unsubscribe", payload)
    assert len(key) == 64 and "a@x.com" not in repr(Request((0,), payload, key, "{}"))


def test_plan_repr_has_counts_not_people():
    plan = plan_unsubscribe(pd.DataFrame({"email": ["a@x.com"]}))
    assert isinstance(plan, Plan)
    assert repr(plan) == (
        "Plan(kind='unsubscribe', rows=1, valid=1, invalid=0, skipped=0, duplicates=0, requests=1)"
    )


def test_subscribe_duplicates_are_by_phone_or_email_only():
    df = pd.DataFrame({"email": ["a@x.com", "b@x.com"], "client_user_id": ["same", "same"]})
    assert plan_subscribers(df, sign_up_source_id="1").duplicates == {}
    assert plan_attributes(df.assign(tier=["g", "s"])).duplicates == {1: 0}


# -- the same person on several rows: merged only when nothing is lost ---------------------------

P0, P1 = "+12015550100", "+12015550101"


def test_subscribe_merges_a_row_whose_identifiers_another_row_completes():
    # [P, None] and [P, jane@]: one request carries both rows, so jane is subscribed too.
    df = pd.DataFrame({"phone": [P0, P0], "email": [None, "jane@example.com"]})
    plan = plan_subscribers(df, sign_up_source_id="1")
    assert sent(plan) == [
        ((0, 1), {"user": {"phone": P0, "email": "jane@example.com"}, "signUpSourceId": "1"})
    ]
    assert plan.duplicates == {1: 0} and plan.invalid == {}


def test_subscribe_refuses_rows_that_disagree_and_names_both():
    df = pd.DataFrame(
        {"phone": [P0, P1, P0], "email": ["a@example.com", None, "b@example.com"]},
        index=["ann", "bo", "cy"],
    )
    plan = plan_subscribers(df, sign_up_source_id="1")
    assert [p for p, _ in sent(plan)] == [(1,)]
    assert set(plan.invalid) == {0, 2}
    assert plan.invalid[0] == [
        "same person as row 'cy' (a shared phone or email) but a different email: one request "
        "would drop a value and two would message this person twice; keep one row per person"
    ]
    assert "row 'ann'" in plan.invalid[2][0]


def test_unsubscribe_reaches_every_phone_of_a_shared_household_email():
    df = pd.DataFrame({"phone": [P0, P1], "email": ["family@example.com"] * 2})
    plan = plan_unsubscribe(df)
    assert sent(plan) == [
        ((0,), {"user": {"phone": P0, "email": "family@example.com"}}),
        ((1,), {"user": {"phone": P1, "email": "family@example.com"}}),
    ]
    assert plan.invalid == {}
    assert any("every phone and email is reached" in note for note in plan.notes)


def test_unsubscribe_merges_rows_that_lose_nothing_together():
    df = pd.DataFrame({"phone": [P0, P0, P1], "email": [None, "A@example.com", None]})
    plan = plan_unsubscribe(df.assign(email=[None, "A@example.com", None]))
    assert sent(plan) == [
        ((0, 1), {"user": {"phone": P0, "email": "A@example.com"}}),
        ((2,), {"user": {"phone": P1}}),
    ]


def test_linked_rows_chain_through_shared_identifiers():
    # Row 0 and row 2 share nothing, but both share something with row 1: one person.
    df = pd.DataFrame({"phone": [P0, P0, None], "email": [None, "a@example.com", "A@example.com"]})
    plan = plan_subscribers(df, sign_up_source_id="1")
    assert [p for p, _ in sent(plan)] == [(0, 1, 2)]


def test_identical_requests_of_one_plan_get_their_own_keys():
    df = pd.DataFrame({"email": ["a@x.com", "a@x.com"], "tier": ["g", "g"]})
    (first, second) = [r for batch in plan_attributes(df).requests() for r in batch]
    assert first.payload == second.payload
    assert first.key == request_key("attributes", first.payload)
    assert second.key == request_key("attributes", first.payload, 1) != first.key


def test_an_attribute_name_blank_or_with_a_control_character_is_refused():
    df = pd.DataFrame({"email": ["a@x.com"], "": ["y"], "tier\u200b": ["gold"]})
    assert plan_attributes(df).invalid == {
        0: [
            "attribute name '' is empty, and an attribute needs a name",
            "attribute name 'tier\\u200b' has a control character, U+200B (ZERO WIDTH SPACE)",
        ]
    }
