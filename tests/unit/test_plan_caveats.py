"""What the plans say before sending, and the fields Attentive's docs add to two sends.

- people named only by external ids (found only once linked), events too old
  to start a journey: notes, also said before sending (``plan.warnings``);
- purchases' ``salesChannel``; an unsubscribe confirmation in the person's language.

The plan's clock is injected (``now=``): no test here reads the real time.
"""

from __future__ import annotations

import pandas as pd
import pytest
from plan_helpers import sent

from attentive_nb.errors import ConfigError
from attentive_nb.plan import plan_attributes, plan_ecommerce, plan_events, plan_unsubscribe

NOW = pd.Timestamp("2024-05-02T12:00:00Z")
UNLINKED = (
    "{} the person only by client_user_id: Attentive finds them only if those ids were "
    "linked to a phone or email before (conn.link_identifiers(df), or attentive-nb link FILE); "
    "if they were not, Attentive accepts the request and nobody gets it."
)


def item(**columns) -> pd.DataFrame:
    base = {"product_id": ["P1"], "product_variant_id": ["V1"], "price": [5]}
    return pd.DataFrame({**base, **columns})


# -- people named only by external ids ---------------------------------------------------------


def test_events_by_client_user_id_alone_say_so_before_sending():
    df = pd.DataFrame(
        {
            "client_user_id": ["u1", "u2", "u3", None],
            "email": [None, "b@x.com", None, None],
            "custom_id:loyalty": [None, None, "L3", None],
        }
    )
    plan = plan_events(df, event_type="T", now=NOW)
    assert list(plan.invalid) == [3]  # no identifier at all: invalid, not counted
    note = (
        "2 rows name the person only by client_user_id or custom_id:loyalty: Attentive finds "
        "them only if those ids were linked to a phone or email before "
        "(conn.link_identifiers(df), or attentive-nb link FILE); if they were not, "
        "Attentive accepts the request and nobody gets it."
    )
    assert plan.warnings == [note]
    assert plan.notes[-1] == note


def test_attributes_by_client_user_id_alone_say_so():
    df = pd.DataFrame({"client_user_id": ["u1"], "tier": ["gold"]})
    assert plan_attributes(df).warnings == [UNLINKED.format("1 row names")]


def test_an_order_whose_email_is_on_another_line_is_not_flagged():
    df = pd.concat([item(), item()], ignore_index=True).assign(
        order_id=["o1", "o1"], email=["a@x.com", None], client_user_id=[None, "u1"]
    )
    assert plan_ecommerce(df, now=NOW).warnings == []
    alone = df.assign(email=[None, None])
    assert plan_ecommerce(alone, now=NOW).warnings == [UNLINKED.format("2 rows name")]


def test_rows_with_a_phone_or_email_are_not_flagged():
    df = pd.DataFrame({"phone": ["+12015550123"], "client_user_id": ["u1"], "tier": ["g"]})
    assert plan_attributes(df).warnings == []


# -- events more than 12 hours old -------------------------------------------------------------


def test_events_older_than_12_hours_are_counted_with_the_oldest():
    df = pd.DataFrame(
        {
            "email": ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "bad"],
            "occurred_at": [
                "2024-05-02T00:00:00Z",  # 12 h before NOW: not older
                "2024-05-01T20:00:00-05:00",  # 01:00Z on the 2nd: 11 h old
                "2024-05-01T23:59:59Z",  # just over 12 h
                "2024-04-30T08:00:00Z",  # the oldest
                "2020-01-01T00:00:00Z",  # invalid row: never sent, not counted
            ],
        }
    )
    plan = plan_events(df, event_type="T", now=NOW)
    assert list(plan.invalid) == [4]
    note = (
        "2 rows have an occurred_at more than 12 hours before now (the oldest: "
        "2024-04-30T08:00:00Z): Attentive records such events but starts no journey from them, "
        "so no message will go out because of them."
    )
    assert plan.warnings == [note]
    assert note in plan.notes


def test_old_purchases_say_so_and_recent_ones_do_not():
    old = plan_ecommerce(item(email=["a@x.com"], occurred_at=["2024-05-01T11:00Z"]), now=NOW)
    assert old.warnings[0].startswith("1 row has an occurred_at more than 12 hours before now")
    recent = plan_ecommerce(item(email=["a@x.com"], occurred_at=["2024-05-02T11:00Z"]), now=NOW)
    assert recent.warnings == []


def test_a_naive_clock_reading_is_taken_as_utc():
    df = pd.DataFrame({"email": ["a@x.com"], "occurred_at": ["2024-05-01T23:00:00Z"]})
    assert plan_events(df, event_type="T", now=pd.Timestamp("2024-05-02T10:00")).warnings == []
    assert plan_events(df, event_type="T", now=pd.Timestamp("2024-05-02T12:00")).warnings


# -- purchases: salesChannel -------------------------------------------------------------------


def test_sales_channel_from_a_column_or_for_every_order():
    df = pd.concat([item(), item(), item()], ignore_index=True).assign(
        order_id=["o1", "o1", "o2"],
        email=["a@x.com"] * 3,
        sales_channel=["in_store", None, None],
    )
    bodies = [body for _, body in sent(plan_ecommerce(df, sales_channel="WEB", now=NOW))]
    assert [b["salesChannel"] for b in bodies] == [
        {"channelType": "IN_STORE"},
        {"channelType": "WEB"},
    ]
    without = [body for _, body in sent(plan_ecommerce(df.drop(columns="sales_channel")))]
    assert all("salesChannel" not in b for b in without)


def test_a_sales_channel_attentive_does_not_know_is_refused_on_its_order():
    df = pd.concat([item(), item()], ignore_index=True).assign(
        order_id=["o1", "o1"], email=["a@x.com"] * 2, sales_channel=["kiosk", "WEB"]
    )
    plan = plan_ecommerce(df)
    assert plan.invalid[0] == [
        "sales_channel 'kiosk' is not a sales channel: use one of WEB, IOS_APP, ANDROID_APP, "
        "IN_STORE, PHONE, OTHER"
    ]
    assert plan.invalid[1] == ["another line of order o1 is invalid"]


def test_lines_of_one_order_with_two_channels_are_refused():
    df = pd.concat([item(), item()], ignore_index=True).assign(
        order_id=["o1", "o1"], email=["a@x.com"] * 2, sales_channel=["PHONE", "WEB"]
    )
    assert plan_ecommerce(df).invalid == {
        0: ["lines of order o1 have different salesChannel values"],
        1: ["lines of order o1 have different salesChannel values"],
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sales_channel": "SHOP"}, "sales_channel='SHOP' is not a sales channel"),
        ({"sales_channel": "WEB", "event": "add-to-cart"}, "applies to purchases only"),
    ],
)
def test_sales_channel_option_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        plan_ecommerce(item(email=["a@x.com"]), **kwargs)


def test_sales_channel_column_is_unused_by_other_events():
    plan = plan_ecommerce(item(email=["a@x.com"], sales_channel=["WEB"]), event="product-view")
    assert "column 'sales_channel' is not used by product view." in plan.notes


# -- unsubscribe: the confirmation's language --------------------------------------------------


def test_unsubscribe_language_option_and_column():
    df = pd.DataFrame(
        {
            "phone": ["+12015550123", "+12015550124", "+12015550125"],
            "language": [None, "en-US", "en-us"],
        }
    )
    plan = plan_unsubscribe(df, language="fr-CA")
    assert sent(plan) == [
        ((0,), {"user": {"phone": "+12015550123"}, "notification": {"language": "fr-CA"}}),
        ((1,), {"user": {"phone": "+12015550124"}, "notification": {"language": "en-US"}}),
    ]
    assert plan.invalid == {
        2: [
            "language 'en-us' is not a language Attentive confirms in: "
            "use en-US or fr-CA (capitals matter)"
        ]
    }


def test_unsubscribe_language_beside_no_confirmation():
    plan = plan_unsubscribe(pd.DataFrame({"email": ["a@x.com"]}), notify=False, language="en-US")
    assert sent(plan) == [
        (
            (0,),
            {"user": {"email": "a@x.com"}, "notification": {"language": "en-US", "disabled": True}},
        )
    ]


def test_rows_of_one_person_in_two_languages_are_each_sent_as_written():
    df = pd.DataFrame({"email": ["a@x.com", "a@x.com"], "language": ["fr-CA", "en-US"]})
    assert [body["notification"] for _, body in sent(plan_unsubscribe(df))] == [
        {"language": "fr-CA"},
        {"language": "en-US"},
    ]


@pytest.mark.parametrize("language", ["fr", "FR-CA", "de-DE"])
def test_unsubscribe_language_option_errors(language):
    with pytest.raises(ConfigError, match=f"language='{language}' is not a language"):
        plan_unsubscribe(pd.DataFrame({"email": ["a@x.com"]}), language=language)
