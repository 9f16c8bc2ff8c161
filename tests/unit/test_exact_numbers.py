"""Numbers are sent as written or refused with the reason: never rounded through a float.

``read_sql`` gives NUMERIC columns as ``decimal.Decimal``; an int64 column with a
missing value becomes float64 in pandas, where integers beyond 2**53 are already
rounded. Every kind that carries numbers is checked: attributes (v1 and v2 bulk),
event properties (top level and nested), ecommerce prices and quantities, and
identifiers written from numbers.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from plan_helpers import sent

from attentive_nb.plan import plan_attributes, plan_ecommerce, plan_events

LONG = Decimal("12345678901234567890.1234567891")  # 30 digits: no float holds them
BIG = 2**53 + 1  # the first integer a float cannot hold
PHONES = ["+12015550100", "+12015550101"]


def attributes(df):
    return plan_attributes(df)


def bulk(df):
    return plan_attributes(df, bulk=True)


def events(df):
    return plan_events(df, event_type="Order Shipped")


def events_nested(df):
    nested = pd.DataFrame({"phone": df["phone"], "n": [{"inner": v} for v in df["n"]]})
    return plan_events(nested, event_type="Order Shipped")


def values_sent(plan):
    """The value of ``n`` in each request sent, by row; wherever the kind carries it."""
    sent(plan)  # every body checked against Attentive's schema
    out = {}
    for unit in (unit for batch in plan.requests() for unit in batch):
        body = unit.payload
        props = body.get("properties") or body.get("attributes", {}).get("custom") or {}
        value = props.get("n")
        out[unit.positions[0]] = value.get("inner") if isinstance(value, dict) else value
    return out


def wire(plan):
    return [u.text for batch in plan.requests() for u in batch]


KINDS = [attributes, bulk, events, events_nested]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_a_decimal_with_more_digits_than_a_float_holds_is_refused_with_the_reason(kind):
    plan = kind(pd.DataFrame({"phone": PHONES, "n": [LONG, Decimal("1.5")]}))
    assert list(plan.invalid) == [0]
    (reason,) = plan.invalid[0]
    assert "12345678901234567890.1234567891" in reason and "digits" in reason
    assert "text" in reason  # what to do instead
    assert values_sent(plan) == {1: 1.5}
    assert not any("e+19" in text for text in wire(plan))


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_decimals_a_json_number_writes_exactly_are_sent_with_their_value(kind):
    column = [Decimal("19.99"), Decimal("12345678901234567890"), Decimal("2.00"), Decimal("-0.1")]
    plan = kind(pd.DataFrame({"phone": PHONES * 2, "n": column}))
    assert plan.invalid == {}
    assert values_sent(plan) == {0: 19.99, 1: 12345678901234567890, 2: 2, 3: -0.1}
    assert "12345678901234567890" in wire(plan)[1]  # every digit, not 1.2345678901234567e+19


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_integers_beyond_2_53_are_sent_with_every_digit(kind):
    plan = kind(pd.DataFrame({"phone": PHONES, "n": [BIG, 2**63 - 1]}))
    assert plan.invalid == {}
    assert values_sent(plan) == {0: BIG, 1: 2**63 - 1}
    assert str(BIG) in wire(plan)[0]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_a_float_beyond_2_53_was_rounded_by_pandas_and_is_refused(kind):
    # [2**53 + 1, None] in pandas: float64, the first value already 9007199254740992.0
    column = pd.Series([BIG, None, 3]).astype("float64")
    plan = kind(pd.DataFrame({"phone": PHONES + ["+12015550102"], "n": column}))
    assert "too large" in plan.invalid[0][0] and "Int64" in plan.invalid[0][0]
    assert values_sent(plan)[2] == 3.0  # (row 1 has nothing to send but for events)


def order(price, quantity=1, product="P1"):
    return pd.DataFrame(
        {
            "email": ["a@x.com"],
            "product_id": [product],
            "product_variant_id": ["V1"],
            "price": [price],
            "quantity": [quantity],
        }
    )


@pytest.mark.parametrize(
    "price", [LONG, "12345678901234567890.1234567891"], ids=["decimal", "text"]
)
def test_an_ecommerce_price_with_too_many_digits_is_refused(price):
    plan = plan_ecommerce(order(price))
    assert list(plan.invalid) == [0]
    assert "digits" in plan.invalid[0][0]


@pytest.mark.parametrize(
    ("price", "value"), [(Decimal("19.99"), 19.99), ("19.99", 19.99), (Decimal("5"), 5)]
)
def test_an_ecommerce_price_a_json_number_holds_is_sent_with_its_value(price, value):
    ((_, body),) = sent(plan_ecommerce(order(price)))
    assert body["items"][0]["price"][0]["value"] == value


@pytest.mark.parametrize(
    ("quantity", "ok"), [(Decimal("3"), True), (Decimal("3.5"), False), (float(BIG), False)]
)
def test_an_ecommerce_quantity_is_a_whole_number_held_exactly(quantity, ok):
    plan = plan_ecommerce(order("1.00", quantity))
    if ok:
        assert sent(plan)[0][1]["items"][0]["quantity"] == 3
    else:
        assert list(plan.invalid) == [0]


@pytest.mark.parametrize(
    ("product", "problem"),
    [
        (Decimal("12345678901234567890.5"), None),  # text: every digit kept
        (float(BIG), "too large"),
    ],
)
def test_an_identifier_written_from_a_number_keeps_every_digit_or_is_refused(product, problem):
    plan = plan_ecommerce(order("1.00", product=product))
    if problem is None:
        assert sent(plan)[0][1]["items"][0]["productId"] == "12345678901234567890.5"
    else:
        assert problem in plan.invalid[0][0]
