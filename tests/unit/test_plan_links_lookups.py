"""Identity links and look-ups: literal frames in, literal requests out, checked with the spec."""

from __future__ import annotations

import pandas as pd
import pytest
from plan_helpers import sent

from attentive_nb.errors import ConfigError
from attentive_nb.plan import plan_attribute_lookup, plan_links, plan_subscription_lookup

# -- look-ups ----------------------------------------------------------------------------------


def asked() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": ["(201) 555-0123", None, "+12015550123", None, "555-0100"],
            "email": ["a@x.com", "b@x.com", "a@x.com", None, None],
            "client_user_id": ["u1", "u2", "u1", "u3", None],
            "tier": ["gold", "silver", "gold", "bronze", "tin"],
        }
    )


def test_subscription_lookups_ask_by_phone_and_email_once_per_person():
    plan = plan_subscription_lookup(asked())
    assert plan.kind == "lookup_subscriptions"
    assert plan.endpoint.label == "GET /v1/subscriptions"
    assert sent(plan) == [
        ((0, 2), {"phone": "+12015550123", "email": "a@x.com"}),
        ((1,), {"email": "b@x.com"}),
    ]
    assert plan.invalid == {
        3: [
            "no phone or email to identify the person (client_user_id cannot identify people here)"
        ],
        4: ["phone '555-0100' is not a valid number for region US"],
    }
    assert plan.duplicates == {2: 0}
    assert plan.notes == [
        "column 'tier' is not used by subscription look-ups.",
        "column 'client_user_id' (clientUserId) is not used by subscription look-ups.",
        "1 row asks about a person asked about earlier in the data; one look-up answers them all.",
    ]
    assert plan.warnings == []


def test_attribute_lookups_take_one_identifier_the_phone_first():
    plan = plan_attribute_lookup(asked())
    assert plan.kind == "lookup_attributes"
    assert plan.endpoint.label == "GET /v1/attributes/custom"
    requests = sent(plan)
    assert requests == [((0, 2), {"phone": "+12015550123"}), ((1,), {"email": "b@x.com"})]
    assert all(len(query) == 1 for _, query in requests)  # both at once is a 400
    assert (
        "2 rows give both a phone and an email: Attentive looks attributes up by one of them, "
        "so these are looked up by the phone." in plan.notes
    )


def test_the_other_columns_of_a_lookup_get_one_note():
    df = asked().assign(points=1, vip=True)
    plan = plan_attribute_lookup(df)
    assert "3 columns are not used by attribute look-ups: 'tier', 'points', 'vip'." in plan.notes
    assert not any(note.startswith("column 'tier'") for note in plan.notes)


def test_lookups_need_a_phone_or_email_column():
    with pytest.raises(ConfigError, match="No column identifies the people for attribute"):
        plan_attribute_lookup(pd.DataFrame({"client_user_id": ["u1"]}))


def test_lookup_columns_override():
    df = pd.DataFrame({"Mobile": ["+12015550123"]})
    plan = plan_subscription_lookup(df, columns={"Mobile": "phone"})
    assert sent(plan) == [((0,), {"phone": "+12015550123"})]


# -- identity links ----------------------------------------------------------------------------


def links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": ["a@x.com", "b@x.com", "A@x.com", None, "c@x.com", "d@x.com"],
            "phone": [None, None, None, "+12015550123", None, None],
            "client_user_id": ["u1", 2002.0, "u1", "u4", None, "u6"],
            "custom_id:loyalty": [None, "L2", "L1", None, None, None],
            "shopify_id": [None, None, None, None, None, 9001],
        }
    )


def test_link_payloads_carry_the_person_and_every_id():
    plan = plan_links(links())
    assert plan.kind == "link_identifiers"
    assert plan.endpoint.label == "POST /v1/identity-resolution/user-identifiers"
    assert plan.endpoint.scope == "identity:write" and plan.endpoint.rate_per_second == 10
    assert sent(plan) == [
        (
            (0, 2),
            {
                "email": "a@x.com",
                "clientUserId": "u1",
                "customIdentifiers": [{"name": "loyalty", "value": "L1"}],
            },
        ),
        (
            (1,),
            {
                "email": "b@x.com",
                "clientUserId": "2002",
                "customIdentifiers": [{"name": "loyalty", "value": "L2"}],
            },
        ),
        ((3,), {"phone": "+12015550123", "clientUserId": "u4"}),
        ((5,), {"email": "d@x.com", "clientUserId": "u6", "shopifyId": "9001"}),
    ]
    assert plan.invalid == {
        4: ["no id to link (client_user_id, shopify_id, klaviyo_id or custom_id:<name>)"]
    }
    assert plan.duplicates == {2: 0}
    assert plan.notes == [
        "1 row repeats a link given earlier in the data; each link is sent once, "
        "with every identifier its rows give."
    ]


def test_an_id_given_to_two_people_is_refused_on_both_rows():
    df = pd.DataFrame(
        {"email": ["a@x.com", "b@x.com", "c@x.com"], "client_user_id": ["u1", "u1", "u3"]}
    )
    plan = plan_links(df)
    reason = (
        "shares an id with row {}, which give a different email: linking both would make "
        "two people one at Attentive; give each id to one person"
    )
    assert plan.invalid == {0: [reason.format(1)], 1: [reason.format(0)]}
    assert sent(plan) == [((2,), {"email": "c@x.com", "clientUserId": "u3"})]


def test_one_person_with_two_ids_is_sent_as_written():
    df = pd.DataFrame({"email": ["a@x.com", "a@x.com"], "client_user_id": ["u1", "u2"]})
    assert sent(plan_links(df)) == [
        ((0,), {"email": "a@x.com", "clientUserId": "u1"}),
        ((1,), {"email": "a@x.com", "clientUserId": "u2"}),
    ]


def test_link_rows_need_a_person_and_ids_of_at_most_100_characters():
    long_id = "x" * 101
    df = pd.DataFrame(
        {"email": [None, "a@x.com"], "client_user_id": ["u1", long_id], "klaviyo_id": [None, "k"]}
    )
    plan = plan_links(df)
    assert plan.invalid == {
        0: ["no phone or email to link the ids to"],
        1: [f"client_user_id '{'x' * 59}…' is longer than 100 characters (Attentive's limit)"],
    }


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"email": ["a@x.com"]}),
        pd.DataFrame({"client_user_id": ["u1"], "custom_id:loyalty": ["L1"]}),
    ],
)
def test_links_need_a_person_column_and_an_id_column(frame):
    with pytest.raises(ConfigError, match="link_identifiers needs a phone or email column"):
        plan_links(frame)
