"""Identity resolution in the sandbox: links, whom events and attributes reach, and the rules.

An external id names someone only once linked to them (by the identity
endpoint, or a subscribe's ``externalIdentifiers``); before, Attentive takes
the request and it reaches nobody: ``unmatched()`` shows it, ``reached``
shows what reached whom.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.sandbox

PHONE, EMAIL = "+13115552368", "ada@example.com"
LINK = "/v1/identity-resolution/user-identifiers"
BY_ID = {"externalIdentifiers": {"clientUserId": "u1"}}


def event(user: dict) -> dict:
    return {"type": "Order Shipped", "user": user}


def test_link_then_an_event_by_id_reaches_the_person(sandbox, api):
    early = api.post("/v1/events/custom", json=event(BY_ID))
    assert early.status_code == 200  # accepted, as Attentive does, but it names nobody
    assert sandbox.unmatched("/v1/events/custom") == [event(BY_ID)]

    linked = api.post(LINK, json={"phone": PHONE, "clientUserId": "u1"})
    assert linked.status_code == 202 and linked.content == b""
    assert sandbox.identifiers("u1") == {"phone": [PHONE], "clientUserId": ["u1"]}

    assert api.post("/v1/events/custom", json=event(BY_ID)).status_code == 200
    assert sandbox.reached(PHONE) == [event(BY_ID)]
    assert sandbox.reached("u1", "/v1/events/ecommerce/purchase") == []
    assert len(sandbox.unmatched()) == 1  # the early one stays unmatched: no replay


def test_attributes_by_a_linked_id_are_the_persons_and_show_in_a_lookup(sandbox, api):
    api.post("/v1/attributes/custom", json={"properties": {"tier": "gold"}, "user": BY_ID})
    assert sandbox.attributes("u1") == {} and len(sandbox.unmatched()) == 1
    api.post(
        LINK,
        json={"email": EMAIL, "customIdentifiers": [{"name": "loyalty", "value": "L1"}]},
    )
    api.post(LINK, json={"email": EMAIL, "clientUserId": "u1"})
    by_custom = {"externalIdentifiers": {"customIdentifiers": [{"name": "loyalty", "value": "L1"}]}}
    api.post("/v1/attributes/custom", json={"properties": {"points": 5}, "user": BY_ID})
    api.post("/v1/attributes/custom", json={"properties": {"vip": True}, "user": by_custom})
    assert sandbox.attributes(EMAIL) == {"points": 5, "vip": True}
    answer = api.get("/v1/attributes/custom", params={"email": EMAIL})
    assert answer.json() == [{"name": "points", "value": "5"}, {"name": "vip", "value": "True"}]


def test_a_subscribe_with_external_ids_links_them(sandbox, api):
    body = {"user": {"phone": PHONE, "email": EMAIL}, "signUpSourceId": "1", **BY_ID}
    assert api.post("/v1/subscriptions", json=body).status_code == 202
    assert sandbox.identifiers("u1") == {"phone": [PHONE], "email": [EMAIL], "clientUserId": ["u1"]}


def test_one_id_linked_to_two_people_makes_them_one(sandbox, api):
    api.post("/v1/attributes/custom", json={"properties": {"a": 1}, "user": {"phone": PHONE}})
    api.post("/v1/attributes/custom", json={"properties": {"b": 2}, "user": {"email": EMAIL}})
    api.post(LINK, json={"phone": PHONE, "clientUserId": "u1"})
    api.post(LINK, json={"email": EMAIL, "clientUserId": "u1"})  # bridges the two
    assert sandbox.attributes(PHONE) == sandbox.attributes(EMAIL) == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"clientUserId": "u1"}, "give at least two identifiers"),
        ({}, "give at least two identifiers"),
        ({"phone": PHONE, "clientUserId": ""}, "clientUserId must not be empty"),
        ({"phone": PHONE, "clientUserId": "x" * 101}, "clientUserId is longer than 100"),
        ({"phone": "13115552368", "clientUserId": "u1"}, "phone must be an E.164"),
        ({"phone": PHONE, "customIdentifiers": [{"name": "loyalty"}]}, "value is required"),
    ],
)
def test_bad_links_are_400_naming_the_field(sandbox, api, body, words):
    answer = api.post(LINK, json=body)
    assert answer.status_code == 400
    assert words in answer.json()["error"]["message"]
    assert sandbox.received(LINK) == []


def test_linking_needs_the_identity_scope(sandbox, api):
    body = {"phone": PHONE, "clientUserId": "u1"}
    without = api.post(LINK, json=body, token=sandbox.token_for(["events:write"]))
    assert without.status_code == 403 and "identity:write" in without.json()["error"]["message"]
    granted = api.post(LINK, json=body, token=sandbox.token_for(["identity:write"]))
    assert granted.status_code == 202


def test_linking_allows_ten_per_second(make_sandbox, make_api, clock):
    api = make_api(make_sandbox(clock=clock))
    body = {"phone": PHONE, "clientUserId": "u1"}
    answers = [api.post(LINK, json=body).status_code for _ in range(11)]
    assert answers == [202] * 10 + [429]
    clock.advance(1)
    assert api.post(LINK, json=body).status_code == 202


# -- emails name one person whatever the capitals (issue 28.6) ---------------------------------


def test_an_unsubscribe_in_capitals_unsubscribes_the_address_subscribed_in_lower_case(api):
    sb = api.sb
    subscribe = {"user": {"email": "jane@example.com"}, "signUpSourceId": "1"}
    assert api.post("/v1/subscriptions", json=subscribe).status_code == 202
    answer = api.post("/v1/subscriptions/unsubscribe", json={"user": {"email": "JANE@EXAMPLE.COM"}})
    (response,) = answer.json()["subscriptionResponses"]
    assert response["subscriptionUnsubscribeStatus"] == "NEWLY_UNSUBSCRIBED"
    assert not sb.subscribed("jane@example.com", "EMAIL")
    assert not sb.subscribed("JANE@example.com", "EMAIL")


def test_a_subscribe_in_other_capitals_is_the_same_subscription(api):
    sb = api.sb
    for email in ("Kim@Example.COM", "kim@example.com"):
        body = {"user": {"email": email}, "signUpSourceId": "1"}
        answer = api.post("/v1/subscriptions", json=body).json()
    (response,) = answer["subscriptionResponses"]
    assert response["subscriptionCreationStatus"] == "PREVIOUSLY_CREATED"
    assert sb.subscribe_count("KIM@example.com") == 2
    assert sb.subscribed("kim@EXAMPLE.com", "EMAIL")


def test_attributes_sent_by_another_spelling_reach_the_same_person(api):
    sb = api.sb
    body = {"user": {"email": "Lee@Example.com"}, "properties": {"tier": "gold"}}
    assert api.post("/v1/attributes/custom", json=body).status_code == 200
    assert sb.attributes("lee@example.com") == {"tier": "gold"}
