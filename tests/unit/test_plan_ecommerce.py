"""Ecommerce plans: one row per item, rows grouped into events, whole groups or nothing."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from plan_helpers import sent

from attentive_nb.errors import ConfigError
from attentive_nb.plan import plan_ecommerce


def lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [1001, 1002, 1001, None],
            "email": ["a@x.com", "b@x.com", None, "c@x.com"],
            "product_id": ["P1", "P3", "P2", "P4"],
            "variant_id": ["V1", "V3", "V2", "V4"],
            "price": [19.99, 5, "7.50", 3],
            "currency": [None, "eur", None, None],
            "quantity": [1, 2.0, None, 1],
            "Product Name": ["Shirt", None, "Socks", "Hat"],
            "occurred_at": ["2024-05-01T12:00:00Z", None, None, None],
        }
    )


def test_purchase_groups_lines_by_order_id():
    plan = plan_ecommerce(lines())
    assert plan.kind == "ecommerce" and plan.endpoint.path == "/v1/events/ecommerce/purchase"
    assert sent(plan) == [
        (
            (0, 2),
            {
                "items": [
                    {
                        "productId": "P1",
                        "productVariantId": "V1",
                        "quantity": 1,
                        "name": "Shirt",
                        "price": [{"value": 19.99, "currency": "USD"}],
                    },
                    {
                        "productId": "P2",
                        "productVariantId": "V2",
                        "name": "Socks",
                        "price": [{"value": 7.5, "currency": "USD"}],
                    },
                ],
                "user": {"email": "a@x.com"},
                "occurredAt": "2024-05-01T12:00:00Z",
                "orderId": "1001",
            },
        ),
        (
            (1,),
            {
                "items": [
                    {
                        "productId": "P3",
                        "productVariantId": "V3",
                        "quantity": 2,
                        "price": [{"value": 5, "currency": "EUR"}],
                    }
                ],
                "user": {"email": "b@x.com"},
                "orderId": "1002",
            },
        ),
        (
            (3,),
            {
                "items": [
                    {
                        "productId": "P4",
                        "productVariantId": "V4",
                        "quantity": 1,
                        "name": "Hat",
                        "price": [{"value": 3, "currency": "USD"}],
                    }
                ],
                "user": {"email": "c@x.com"},
            },
        ),
    ]
    assert plan.invalid == {} and plan.n_requests == 3


def test_one_bad_line_spoils_the_whole_order():
    df = lines()
    df.loc[2, "price"] = "$7.50"
    df.loc[2, "quantity"] = 1.5
    plan = plan_ecommerce(df)
    assert plan.invalid == {
        0: ["another line of order 1001 is invalid"],
        2: ["price '$7.50' is not a number", "quantity '1.5' is not a whole number"],
    }
    assert [p for p, _ in sent(plan)] == [(1,), (3,)]


INT64_MAX = 2**63 - 1


@pytest.mark.parametrize(
    "quantity, expected",
    [
        (INT64_MAX, INT64_MAX),
        (-(2**63), -(2**63)),
        ("9223372036854775807", INT64_MAX),
        (" 12345678901234567 ", 12345678901234567),  # float() would send ...568
        (np.uint64(7), 7),
        (3.0, 3),
    ],
)
def test_quantity_is_sent_exactly_within_int64(quantity, expected):
    df = lines()
    df["quantity"] = pd.Series([1, 2, None, quantity], dtype=object)
    plan = plan_ecommerce(df)
    assert plan.invalid == {}
    [item] = sent(plan)[-1][1]["items"]
    assert item["quantity"] == expected and type(item["quantity"]) is int


@pytest.mark.parametrize(
    "quantity",
    [2**63, np.uint64(2**63), 2.0**63, "9223372036854775808", 1e30, Decimal("1e30"), "9" * 400],
)
def test_quantity_beyond_int64_is_invalid(quantity):
    df = lines()
    df["quantity"] = pd.Series([1, 2, None, quantity], dtype=object)
    plan = plan_ecommerce(df)
    [reason] = plan.invalid[3]
    # A float that large was rounded before it came (pandas): that is the reason given for it.
    limit = (
        "is too large to be exact" if isinstance(quantity, float) else "up to 922337203685477580"
    )
    assert reason.startswith("quantity ") and "is too large" in reason and limit in reason
    assert [p for p, _ in sent(plan)] == [(0, 2), (1,)]


def test_lines_of_an_order_with_different_people():
    df = lines()
    df.loc[2, "email"] = "z@x.com"
    plan = plan_ecommerce(df)
    reason = "lines of order 1001 have different email values"
    assert plan.invalid == {0: [reason], 2: [reason]}


def test_order_without_any_identifier():
    df = lines()
    df.loc[0, "email"] = None
    plan = plan_ecommerce(df)
    reason = "no phone, email, client_user_id or custom id to identify the person"
    assert plan.invalid == {0: [reason], 2: [reason]}


def test_required_values_and_currency():
    df = pd.DataFrame(
        {
            "phone": ["+12015550123"] * 3,
            "product_id": [None, "P", "P"],
            "product_variant_id": ["V", "V", "V"],
            "price": [1, None, 2],
            "currency": ["USD", "USD", "dollars"],
        }
    )
    assert plan_ecommerce(df, event="add-to-cart").invalid == {
        0: ["product_id is empty"],
        1: ["price is empty"],
        2: ["currency 'dollars' is not a three-letter currency code (ISO 4217) like USD"],
    }


def test_add_to_cart_each_row_its_own_event_and_default_currency():
    df = pd.DataFrame(
        {
            "phone": ["+12015550123", "+12015550124"],
            "product_id": [1, 2],
            "product_variant_id": [11, 22],
            "price": [1.5, 2],
            "product_url": ["https://s/p1", None],
            "product_image": ["https://s/p1.png", None],
        }
    )
    plan = plan_ecommerce(df, event="add-to-cart", currency="cad")
    assert sent(plan) == [
        (
            (0,),
            {
                "items": [
                    {
                        "productId": "1",
                        "productVariantId": "11",
                        "productUrl": "https://s/p1",
                        "productImage": "https://s/p1.png",
                        "price": [{"value": 1.5, "currency": "CAD"}],
                    }
                ],
                "user": {"phone": "+12015550123"},
            },
        ),
        (
            (1,),
            {
                "items": [
                    {
                        "productId": "2",
                        "productVariantId": "22",
                        "price": [{"value": 2, "currency": "CAD"}],
                    }
                ],
                "user": {"phone": "+12015550124"},
            },
        ),
    ]


def test_product_view_with_order_column_notes_it_is_not_sent():
    plan = plan_ecommerce(lines(), event="product-view")
    assert "column 'order_id' groups items; product-view events carry no order id." in plan.notes
    assert all("orderId" not in body for _, body in sent(plan))


def test_custom_group_by_and_scattered_lines():
    df = pd.DataFrame(
        {
            "cart": ["k1", "k2", "k1"],
            "email": ["a@x.com", "b@x.com", "a@x.com"],
            "product_id": ["A", "B", "C"],
            "product_variant_id": ["a", "b", "c"],
            "price": [1, 2, 3],
        }
    )
    plan = plan_ecommerce(df, event="add-to-cart", group_by="cart")
    assert [p for p, _ in sent(plan)] == [(0, 2), (1,)]
    assert plan.notes == []


def test_group_label_for_custom_group_by():
    df = pd.DataFrame(
        {
            "cart": ["k1", "k1"],
            "email": ["a@x.com", "a@x.com"],
            "product_id": ["A", None],
            "product_variant_id": ["a", "b"],
            "price": [1, 2],
        }
    )
    plan = plan_ecommerce(df, event="add-to-cart", group_by="cart")
    assert plan.invalid == {0: ["another line of group k1 is invalid"], 1: ["product_id is empty"]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"event": "refund"}, "use one of purchase, add-to-cart, product-view"),
        ({"currency": "dollars"}, "not a three-letter ISO 4217 code"),
        ({"group_by": "basket"}, "no column 'basket'"),
        ({"occurred_at_column": "when"}, "no column 'when'"),
    ],
)
def test_ecommerce_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        plan_ecommerce(lines(), **kwargs)


def test_missing_item_columns():
    with pytest.raises(ConfigError, match="missing: product_variant_id, price"):
        plan_ecommerce(pd.DataFrame({"email": ["a@x.com"], "product_id": ["P"]}))


def test_blank_text_cells_are_missing_values():
    df = pd.DataFrame(
        {
            "email": ["a@x.com"],
            "product_id": ["P"],
            "product_variant_id": ["V"],
            "price": ["9.5"],
            "currency": ["  "],
            "quantity": [" "],
            "occurred_at": [""],
        }
    )
    plan = plan_ecommerce(df)
    assert plan.invalid == {}
    assert sent(plan)[0][1] == {
        "items": [
            {
                "productId": "P",
                "productVariantId": "V",
                "price": [{"value": 9.5, "currency": "USD"}],
            }
        ],
        "user": {"email": "a@x.com"},
    }


def test_empty_frames_plan_nothing():
    from attentive_nb.plan import plan_attributes, plan_events, plan_subscribers

    empty = pd.DataFrame(
        {
            "email": pd.Series([], dtype="str"),
            "product_id": [],
            "product_variant_id": [],
            "price": [],
            "tier": [],
        }
    )
    plans = [
        plan_ecommerce(empty),
        plan_subscribers(empty[["email"]], sign_up_source_id="1"),
        plan_attributes(empty[["email", "tier"]], bulk=True),
        plan_events(empty[["email", "tier"]], event_type="T"),
    ]
    for plan in plans:
        assert (plan.n_rows, plan.n_requests, list(plan.requests())) == (0, 0, [])
