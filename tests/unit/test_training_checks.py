"""The exercises' checks, as pure functions of what the sandbox received (no sockets)."""

from __future__ import annotations

import pandas as pd
import pytest

from attentive_nb.plan import plan_subscribers
from attentive_nb.training import EXERCISES, data
from attentive_nb.training.sandbox import SandboxView

COMPANY = {"companyId": "U2FuZGJveDpjMQ", "companyName": "Sandbox Outfitters (not Attentive)"}


def view(received=None, history=None) -> SandboxView:
    return SandboxView(COMPANY, received or {}, history or [])


def subscribe(*users: dict) -> dict:
    return {"/v1/subscriptions": [{"user": user, "signUpSourceId": "1"} for user in users]}


def run(number: str, seen: SandboxView, answer=None):
    verdict = EXERCISES[number].check(seen, answer)
    assert verdict.exercise == number
    return verdict


def test_nothing_received_is_not_yet_for_every_exercise_with_what_to_do():
    for number in EXERCISES:
        verdict = run(number, view())
        assert not verdict.done and repr(verdict).startswith(f"Exercise {number}, not yet: ")
        assert "<strong" in verdict._repr_html_() and "not yet" in verdict._repr_html_()


def test_1_1_compares_the_answer_with_the_sandbox_company():
    assert not run("1.1", view(), "someone-else").done
    verdict = run("1.1", view(), COMPANY["companyId"])
    assert verdict.done and "Sandbox Outfitters" in verdict.says


def test_1_2_is_done_once_the_oauth_app_was_let_in():
    refused = {"app": None, "status": 401, "path": "/v1/me"}
    assert not run("1.2", view(history=[refused])).done
    let_in = {"app": "Sandbox Notebook App", "status": 200, "path": "/v1/me"}
    assert run("1.2", view(history=[refused, let_in])).done


def test_2_1_names_who_is_missing_then_who_could_not_be_sent():
    partial = run("2.1", view(subscribe({"phone": data.ANA.phone, "email": data.ANA.email})))
    assert partial.says.startswith("1 of 3 who can be reached are subscribed; Bo and Cleo not yet")
    everyone = subscribe(
        {"phone": data.ANA.phone, "email": data.ANA.email},
        {"phone": data.BO.phone},
        {"email": data.CLEO.email},
    )
    verdict = run("2.1", view(everyone))
    assert verdict.done and verdict.says == (
        "3 of 3 who can be reached are subscribed; Tom was not sent: his phone has no area "
        "code; Uma was not sent: her email has no '@'."
    )


def test_2_2_wants_the_fixed_rows_and_nobody_texted_twice():
    first = [{"phone": data.ANA.phone}, {"phone": data.BO.phone}, {"email": data.CLEO.email}]
    fixed = [{"phone": data.TOM.phone}, {"email": data.UMA.email}]
    assert "Tom and Uma not subscribed yet" in run("2.2", view(subscribe(*first))).says
    assert run("2.2", view(subscribe(*first, *fixed))).done
    again = run("2.2", view(subscribe(*first, *fixed, *first)))
    assert not again.done and "Ana (2 times), Bo (2 times) and Cleo (2 times)" in again.says
    assert "training.start_over(conn)" in again.says


def attributes(props_by_phone: dict, bulk: bool = False) -> dict:
    if bulk:
        users = [
            {"identifiers": {"phone": phone}, "attributes": {"custom": props}}
            for phone, props in props_by_phone.items()
        ]
        return {"/v2/bulk/user/attributes": [{"users": users}]}
    bodies = [{"user": {"phone": p}, "properties": props} for p, props in props_by_phone.items()]
    return {"/v1/attributes/custom": bodies}


@pytest.mark.parametrize("bulk", [False, True])
def test_3_1_reads_v1_and_bulk_attributes(bulk):
    tiers = {p.phone: {"Loyalty Tier": data.EXPECTED_TIERS[p.name]} for p in data.TIER_PEOPLE}
    verdict = run("3.1", view(attributes(tiers, bulk)))
    assert verdict.done and "(Ana: Gold, Bo: Silver, Cleo: Bronze)" in verdict.says


def test_3_1_says_when_the_column_was_not_renamed_or_names_went_too():
    as_tier = {p.phone: {"tier": data.EXPECTED_TIERS[p.name]} for p in data.TIER_PEOPLE}
    assert "arrived as 'tier'" in run("3.1", view(attributes(as_tier))).says
    with_names = {
        p.phone: {"Loyalty Tier": data.EXPECTED_TIERS[p.name], "first_name": p.name}
        for p in data.TIER_PEOPLE
    }
    verdict = run("3.1", view(attributes(with_names)))
    assert verdict.done and "names are not attributes" in verdict.says


def test_3_2_text_first_is_not_yet_and_says_why_numbers_are_done():
    as_text = {p.phone: {"lifetime_spend": "1,250.50"} for p in data.TIER_PEOPLE}
    verdict = run("3.2", view(attributes(as_text)))
    assert not verdict.done and "fixes an attribute's type by the first value" in verdict.says
    numbers = {p.phone: {"lifetime_spend": data.EXPECTED_SPEND[p.name]} for p in data.TIER_PEOPLE}
    assert run("3.2", view(attributes(numbers))).done


def event(kind: str, person: data.Person, event_id: str, at: str | None) -> dict:
    body = {"type": kind, "user": {"phone": person.phone}, "externalEventId": event_id}
    return body | ({"occurredAt": at} if at else {})


def test_4_1_wants_each_return_at_its_requested_time():
    people = {p.name: p for p in data.TIER_PEOPLE}
    now = [
        event("Return Requested", people[n], i, None) for n, (i, _) in data.EXPECTED_RETURNS.items()
    ]
    assert "not when it was requested" in run("4.1", view({"/v1/events/custom": now})).says
    on_time = [
        event("Return Requested", people[n], i, at.replace("Z", ".000Z"))
        for n, (i, at) in data.EXPECTED_RETURNS.items()
    ]
    assert run("4.1", view({"/v1/events/custom": on_time})).done


def test_4_2_wants_the_return_ids_and_not_bo():
    made_ids = [event("Return Approved", data.ANA, "6f1c-made", None)]
    assert "ids the toolkit made" in run("4.2", view({"/v1/events/custom": made_ids})).says
    right = [
        event("Return Approved", data.ANA, "R-5001", None),
        event("Return Approved", data.CLEO, "R-5003", None),
    ]
    assert run("4.2", view({"/v1/events/custom": right})).done
    bo = right + [event("Return Approved", data.BO, "R-5002", None)]
    assert "Bo's return was approved too" in run("4.2", view({"/v1/events/custom": bo})).says


def purchase(order: str | None, person: data.Person, items: int) -> dict:
    body = {"user": {"phone": person.phone}, "items": [{"productId": "p"}] * items}
    return body | ({"orderId": order} if order else {})


def test_5_1_one_purchase_per_order_with_its_lines():
    per_line = [purchase(None, data.ANA, 1)] * 6
    path = "/v1/events/ecommerce/purchase"
    assert "without an order id" in run("5.1", view({path: per_line})).says
    right = [purchase(o, who, n) for o, (who, n) in data.EXPECTED_ORDERS.items()]
    others = [purchase("A-2001", data.Person("Farah", "+12025550115"), 4)]  # the walkthrough's
    assert run("5.1", view({path: right + others})).done


def test_5_2_views_of_order_e3003_lines_only():
    path = "/v1/events/ecommerce/product-view"
    lines = [
        {"user": {"phone": data.CLEO.phone}, "items": [{"productVariantId": v}]}
        for v in sorted(data.VIEWED_VARIANTS)
    ]
    assert run("5.2", view({path: lines})).done
    grouped = [
        {"user": {"phone": data.CLEO.phone}, "items": [i for b in lines for i in b["items"]]}
    ]
    assert "1 events of 3 products" in run("5.2", view({path: grouped})).says
    ana = [{"user": {"phone": data.ANA.phone}, "items": [{"productVariantId": "P-100-M"}]}]
    assert "other orders' lines too" in run("5.2", view({path: lines + ana})).says


def test_the_exercise_files_read_as_the_checks_expect():
    """The rows behind the CSVs normalise to the identifiers the checks look for."""
    signups = pd.DataFrame(data.SIGNUPS)
    plan = plan_subscribers(signups, sign_up_source_id="1")
    shown = plan.identifiers
    assert sorted(plan.invalid) == [3, 4]  # Tom and Uma
    assert shown["phone"].iloc[0] == data.ANA.phone and shown["email"].iloc[2] == data.CLEO.email
    tiers = plan_subscribers(pd.DataFrame(data.TIERS)[["phone"]], sign_up_source_id="1")
    assert tiers.identifiers["phone"].tolist() == [p.phone for p in data.TIER_PEOPLE]


def test_every_check_is_listed_once_in_order():
    assert list(EXERCISES) == [
        "1.1",
        "1.2",
        "2.1",
        "2.2",
        "3.1",
        "3.2",
        "4.1",
        "4.2",
        "5.1",
        "5.2",
        "6.1",
        "6.2",
    ]
    assert len({e.check for e in EXERCISES.values()}) == len(EXERCISES)  # one check each
