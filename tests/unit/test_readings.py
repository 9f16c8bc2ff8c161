"""How each column was read, and the unread columns that look like phone numbers or emails."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from attentive_nb.plan import plan_attributes, plan_ecommerce, plan_events, plan_subscribers

DATA = Path(__file__).resolve().parents[2] / "notebooks" / "data"


def readings(plan) -> dict:
    """column -> (read as, type, example, looks like)."""
    return {r.column: (r.read_as, r.type, r.example, r.looks_like) for r in plan.readings}


def signups() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "first_name": ["Ada", "Ben", "Cy"],
            "phone": ["(201) 555-0110", None, "212-555-0111"],
            "email": ["ada@example.com", "ben@example.com", None],
        }
    )


def test_a_renamed_phone_column_looks_like_phone_numbers():
    people = signups().rename(columns={"phone": "mobile_no"})
    plan = plan_subscribers(people, sign_up_source_id="1")
    assert readings(plan) == {
        "first_name": ("not used", "text", "Ada", None),
        "mobile_no": ("not used", "text", "(201) 555-0110", "phone"),
        "email": ("email", "email address", "ada@example.com", None),
    }
    assert [r.column for r in plan.lookalikes] == ["mobile_no"]


def test_an_unread_column_of_addresses_looks_like_emails_and_a_read_one_does_not():
    people = signups().rename(columns={"email": "Contact"})
    plan = plan_subscribers(people, sign_up_source_id="1")
    assert readings(plan)["Contact"][3] == "email"
    assert readings(plan)["phone"] == ("phone", "phone number", "+12015550110", None)


def test_a_name_that_says_phone_is_asked_about_even_when_most_numbers_are_wrong():
    people = signups().assign(PhoneNo=["555-0100", "12", "(212) 555-0112"])
    assert readings(plan_subscribers(people, sign_up_source_id="1"))["PhoneNo"][3] == "phone"


def test_a_column_left_out_on_purpose_is_not_asked_about():
    people = signups().rename(columns={"phone": "mobile_no"})
    plan = plan_subscribers(people, sign_up_source_id="1", columns={"mobile_no": None})
    assert readings(plan)["mobile_no"][:2] == ("left out (columns=)", "text")
    assert plan.lookalikes == []


def test_attribute_columns_are_read_with_the_type_they_are_sent_as():
    members = pd.read_csv(DATA / "attributes.csv", dtype={"phone": str})
    plan = plan_attributes(members, columns={"first_name": None, "last_name": None})
    read = readings(plan)
    assert read["phone"] == ("phone", "phone number", "+12015550110", None)
    assert read["points"] == ("attribute points", "number", 500, None)
    assert read["vip"] == ("attribute vip", "true/false", True, None)
    assert read["member_since"] == ("attribute member_since", "date (as text)", "2019-11-19", None)
    assert read["loyalty_tier"] == ("attribute loyalty_tier", "text", "gold", None)
    assert plan.lookalikes == []


def test_a_second_phone_column_sent_as_an_attribute_is_asked_about():
    members = pd.read_csv(DATA / "attributes.csv", dtype={"phone": str})
    members["store_phone"] = members["phone"]
    plan = plan_attributes(members)
    assert [(r.column, r.looks_like) for r in plan.lookalikes] == [("store_phone", "phone")]


def test_the_sample_events_and_order_lines_have_nothing_to_ask():
    shipped = pd.read_csv(DATA / "events.csv", dtype={"phone": str})
    events = plan_events(shipped, event_type="Order Shipped", occurred_at_column="occurred_at")
    assert events.lookalikes == []
    assert readings(events)["occurred_at"][:2] == ("occurredAt", "date and time")
    lines = pd.read_csv(DATA / "order_lines.csv", dtype={"phone": str})
    purchases = plan_ecommerce(lines, event="purchase", occurred_at_column="ordered_at")
    assert purchases.lookalikes == []
    assert readings(purchases)["price"][:3] == ("price", "number", 149.0)
