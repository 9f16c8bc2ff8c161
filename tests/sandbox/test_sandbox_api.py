"""Every v1 endpoint over a real loopback socket, and every bad-input answer."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.sandbox

PHONE = "+13115552368"
EMAIL = "ada@example.com"
SUBSCRIBE = {"user": {"phone": PHONE}, "signUpSourceId": "123"}
USER = {"phone": PHONE}
ITEM = {"productId": "p1", "productVariantId": "v1", "price": [{"value": 19.99, "currency": "USD"}]}


def error_message(response) -> str:
    body = response.json()
    assert isinstance(body["error"]["id"], int)
    return body["error"]["message"]


def test_binds_loopback_and_marks_every_answer(sandbox, api):
    assert sandbox.url.startswith("http://127.0.0.1:")
    assert sandbox.auth_url == f"{sandbox.url}/integrations/oauth-install"
    assert sandbox.redirect_uri == f"{sandbox.url}/oauth/callback"
    for response in (api.get("/v1/me"), api.get("/nowhere"), requests.get(sandbox.url, timeout=5)):
        assert response.headers["x-attentive-sandbox"] == "1"
    assert "nothing here reaches attentive" in requests.get(sandbox.url, timeout=5).text.lower()


def test_me_answers_the_five_fields(sandbox, api):
    response = api.get("/v1/me")
    assert response.status_code == 200
    assert set(response.json()) == {
        "companyName",
        "companyId",
        "applicationName",
        "attentiveDomainName",
        "contactEmail",
    }
    assert response.json()["companyName"] == sandbox.company["companyName"]
    assert "not Attentive" in sandbox.company["companyName"]


def test_secrets_are_random_and_not_in_repr(make_sandbox):
    one, two = make_sandbox(), make_sandbox()
    assert one.api_key != two.api_key and one.client_secret != two.client_secret
    assert one.api_key not in repr(one) and one.client_secret not in repr(one)


def test_subscribe_newly_then_previously_created(sandbox, api):
    first = api.post(
        "/v1/subscriptions", json={**SUBSCRIBE, "user": {"phone": PHONE, "email": EMAIL}}
    )
    assert first.status_code == 202
    statuses = {
        r["subscription"]["channel"]: r["subscriptionCreationStatus"]
        for r in first.json()["subscriptionResponses"]
    }
    assert statuses == {"TEXT": "NEWLY_CREATED", "EMAIL": "NEWLY_CREATED"}
    again = api.post("/v1/subscriptions", json=SUBSCRIBE).json()["subscriptionResponses"]
    assert again == [
        {
            "subscription": {"type": "MARKETING", "channel": "TEXT"},
            "subscriptionCreationStatus": "PREVIOUSLY_CREATED",
        }
    ]
    assert sandbox.subscribe_count(PHONE) == 2 and sandbox.subscribe_count(EMAIL) == 1
    assert sandbox.received("/v1/subscriptions")[1] == SUBSCRIBE
    assert sandbox.subscribed(PHONE)


def test_subscribe_with_locale_and_type_needs_a_matching_unit(api):
    body = {
        "user": USER,
        "locale": {"language": "en", "country": "US"},
        "subscriptionType": "TRANSACTIONAL",
    }
    answer = api.post("/v1/subscriptions", json=body)
    assert answer.status_code == 202
    assert answer.json()["subscriptionResponses"][0]["subscription"]["type"] == "TRANSACTIONAL"
    body["locale"]["country"] = "FR"
    assert "sign-up unit" in error_message(api.post("/v1/subscriptions", json=body))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": {"phone": "19148440001"}, "signUpSourceId": "1"}, "user.phone"),
        ({"user": {"phone": "+1---914---844---0001"}, "signUpSourceId": "1"}, "user.phone"),
        ({"user": {"email": "not-an-email"}, "signUpSourceId": "1"}, "user.email"),
        ({"user": {}, "signUpSourceId": "1"}, "user"),
        ({"signUpSourceId": "1"}, "user"),
        ({"user": USER}, "signUpSourceId"),
        ({"user": USER, "locale": {"language": "en", "country": "US"}}, "signUpSourceId"),
        (
            {"user": {**USER, "externalIdentifiers": {"clientUserId": "c"}}, "signUpSourceId": "1"},
            "user.externalIdentifiers",
        ),
        ({"user": USER, "signUpSourceId": "1", "subscriptionType": "PROMO"}, "subscriptionType"),
        ({"user": USER, "signUpSourceId": "1", "singleOptIn": "yes"}, "singleOptIn"),
        (["not", "an", "object"], "body"),
    ],
)
def test_subscribe_400_names_the_field(sandbox, api, body, field):
    response = api.post("/v1/subscriptions", json=body)
    assert response.status_code == 400
    assert field in error_message(response)
    assert sandbox.received("/v1/subscriptions") == []


def test_external_identifiers_beside_user_are_accepted(api):
    body = {**SUBSCRIBE, "externalIdentifiers": {"clientUserId": "c-1", "customIdentifiers": []}}
    response = api.post("/v1/subscriptions", json=body)
    assert response.status_code == 202
    assert response.json()["externalIdentifiers"]["clientUserId"] == "c-1"


def test_unsubscribe_newly_then_previously(sandbox, api):
    api.post("/v1/subscriptions", json=SUBSCRIBE)
    body = {"user": USER, "notification": {"disabled": True}}
    first = api.post("/v1/subscriptions/unsubscribe", json=body)
    assert first.status_code == 202
    assert first.json()["subscriptionResponses"][0]["subscriptionUnsubscribeStatus"] == (
        "NEWLY_UNSUBSCRIBED"
    )
    second = api.post("/v1/subscriptions/unsubscribe", json=body).json()
    assert second["subscriptionResponses"][0]["subscriptionUnsubscribeStatus"] == (
        "PREVIOUSLY_UNSUBSCRIBED"
    )
    assert not sandbox.subscribed(PHONE)
    bad = api.post(
        "/v1/subscriptions/unsubscribe", json={**body, "notification": {"language": "de"}}
    )
    assert bad.status_code == 400 and "notification.language" in error_message(bad)


def test_subscriptions_eligibility_follows_subscribe(api):
    def eligible(**params):
        answer = api.get("/v1/subscriptions", params=params)
        assert answer.status_code == 200
        return {
            (e["subscription"]["channel"], e["subscription"]["type"]): e["eligibility"][
                "isEligible"
            ]
            for e in answer.json()["subscriptionEligibilities"]
        }

    assert eligible(phone=PHONE)[("TEXT", "MARKETING")] is False
    api.post("/v1/subscriptions", json=SUBSCRIBE)
    assert eligible(phone=PHONE)[("TEXT", "MARKETING")] is True
    assert eligible(email=EMAIL) == {
        ("EMAIL", "MARKETING"): False,
        ("EMAIL", "TRANSACTIONAL"): False,
    }
    assert api.get("/v1/subscriptions").status_code == 400
    # A "+" that is not encoded arrives as a space: a 400 that says to encode it.
    unencoded = api.get(f"/v1/subscriptions?phone={PHONE}")
    assert unencoded.status_code == 400 and "%2B" in error_message(unencoded)


def test_attributes_store_read_and_keep_their_first_type(sandbox, api):
    body = {"properties": {"age": "24", "VIP": True, "team": "Vikings"}, "user": USER}
    assert api.post("/v1/attributes/custom", json=body).status_code == 200
    assert (
        api.post("/v1/attributes/custom", json={**body, "properties": {"age": 25}}).status_code
        == 200
    )
    read = api.get("/v1/attributes/custom", params={"phone": PHONE})
    assert read.status_code == 200
    assert {"name": "age", "value": "25"} in read.json()
    clash = api.post("/v1/attributes/custom", json={"properties": {"age": "old"}, "user": USER})
    assert clash.status_code == 400 and "properties.age" in error_message(clash)
    listed = api.post(
        "/v1/attributes/custom",
        json={"properties": {"cities": ["chicago", "new york"]}, "user": USER},
    )
    assert listed.status_code == 400 and "properties.cities" in error_message(listed)
    assert sandbox.attributes(PHONE)["age"] == 25
    both = api.get("/v1/attributes/custom", params={"phone": PHONE, "email": EMAIL})
    assert both.status_code == 400


@pytest.mark.parametrize(
    ("user", "field"),
    [({}, "user"), ({"phone": PHONE, "name": "Ada"}, "user.name")],
)
def test_event_user_rules(api, user, field):
    response = api.post("/v1/attributes/custom", json={"properties": {"a": 1}, "user": user})
    assert response.status_code == 400 and field in error_message(response)


def test_custom_event(sandbox, api):
    event = {
        "type": "Order Shipped",
        "properties": {"list": [1, 2], "nested": {"a": 1}},
        "externalEventId": "e-1",
        "occurredAt": "2021-03-30T14:38:29.000Z",
        "user": USER,
    }
    response = api.post("/v1/events/custom", json=event)
    assert response.status_code == 200 and response.content == b""
    assert sandbox.received("/v1/events/custom") == [event]
    for bad, field in [
        ({**event, "occurredAt": "2021-03-30T14:38:29"}, "occurredAt"),
        ({**event, "occurredAt": "yesterday"}, "occurredAt"),
        ({**event, "type": "Bad, type"}, "type"),
        ({k: v for k, v in event.items() if k != "type"}, "type"),
    ]:
        answer = api.post("/v1/events/custom", json=bad)
        assert answer.status_code == 400 and field in error_message(answer)


@pytest.mark.parametrize("kind", ["product-view", "add-to-cart", "purchase"])
def test_ecommerce_events(sandbox, api, kind):
    path = f"/v1/events/ecommerce/{kind}"
    event = {"items": [ITEM], "occurredAt": "2021-03-30T14:38:29+0000", "user": USER}
    assert api.post(path, json=event).status_code == 200
    assert sandbox.received(path) == [event]
    for drop in ("productId", "productVariantId", "price"):
        item = {k: v for k, v in ITEM.items() if k != drop}
        answer = api.post(path, json={**event, "items": [item]})
        assert answer.status_code == 400 and f"items[0].{drop}" in error_message(answer)
    no_items = api.post(path, json={"user": USER})
    assert no_items.status_code == 400 and "items" in error_message(no_items)


def test_purchase_order_fields(api):
    event = {
        "items": [ITEM],
        "user": USER,
        "orderId": "o-1",
        "salesChannel": {"channelType": "WEB"},
    }
    assert api.post("/v1/events/ecommerce/purchase", json=event).status_code == 200
    event["salesChannel"]["channelType"] = "FAX"
    answer = api.post("/v1/events/ecommerce/purchase", json=event)
    assert answer.status_code == 400 and "salesChannel.channelType" in error_message(answer)


def test_401_for_missing_or_unknown_token(api):
    for token in (None, "not-a-token"):
        answer = api.get("/v1/me", token=token)
        assert answer.status_code == 401 and "Unauthorized" in error_message(answer)
        assert "x-ratelimit-limit" in answer.headers
    basic = api.get("/v1/me", token=None, headers={"Authorization": f"Basic {api.sb.api_key}"})
    assert basic.status_code == 401


def test_403_when_the_token_lacks_the_scope(sandbox, api):
    token = sandbox.token_for(["events:write"])
    assert (
        api.post("/v1/events/custom", token=token, json={"type": "T", "user": USER}).status_code
        == 200
    )
    denied = api.post("/v1/subscriptions", token=token, json=SUBSCRIBE)
    assert denied.status_code == 403 and "subscriptions:write" in error_message(denied)
    assert api.get("/v1/me", token=token).status_code == 200  # /v1/me needs no scope
    assert sandbox.subscribe_count(PHONE) == 0


def test_bad_input_answers(sandbox, api):
    url = "/v1/events/custom"
    wrong_type = api.post(url, data='{"type": "T"}', headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    broken = api.post(url, data="{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in error_message(broken)
    huge = {"type": "T", "user": USER, "properties": {"blob": "x" * (1024 * 1024 + 10)}}
    assert api.post(url, json=huge).status_code == 413
    unknown = api.get("/v1/nothing-here")
    assert unknown.status_code == 404 and "/v1/nothing-here" in error_message(unknown)
    assert api.call("DELETE", "/v1/me").status_code == 405
    assert api.get("/v1/events/custom").status_code == 405
    for answer in (wrong_type, broken, unknown):
        assert "Traceback" not in answer.text
    assert api.get("/v1/me").status_code == 200  # and the server still answers
    assert sandbox.counters["415"] == 1 and sandbox.counters["413"] == 1


def test_reset_forgets_everything_but_keys(sandbox, api):
    api.post("/v1/subscriptions", json=SUBSCRIBE)
    key = sandbox.api_key
    sandbox.reset()
    assert sandbox.received("/v1/subscriptions") == [] and sandbox.subscribe_count(PHONE) == 0
    assert sandbox.counters == {} and sandbox.history == []
    assert sandbox.api_key == key and api.get("/v1/me").status_code == 200


def test_history_lists_every_api_request(sandbox, api):
    api.get("/v1/me")
    api.post("/v1/subscriptions", json={"user": USER})
    assert [(e["endpoint"], e["status"]) for e in sandbox.history] == [
        ("me", 200),
        ("subscribe", 400),
    ]
