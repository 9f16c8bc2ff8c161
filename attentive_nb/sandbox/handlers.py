"""The v1 API endpoints: me, subscriptions, attributes, events, identity resolution."""

from __future__ import annotations

import re

from attentive_nb.sandbox.base import Answer, ApiHandler, Reject
from attentive_nb.sandbox.identities import user_keys
from attentive_nb.sandbox.schemas import EMAIL, PHONE

# Sign-up units the sandbox company has, found by locale + subscription type.
SIGN_UP_UNITS = {("en", "US", "MARKETING"), ("en", "US", "TRANSACTIONAL")}


class MeHandler(ApiHandler):
    """GET /v1/me: the company behind the token."""

    endpoints = {"GET": "me"}

    def handle_get(self, *_: str) -> Answer:
        self.accepted({})
        return 200, {**self.ctx.company_of(self.grant), "applicationName": self.grant.app}


class SubscriptionsHandler(ApiHandler):
    """POST /v1/subscriptions subscribes; GET /v1/subscriptions shows eligibility."""

    endpoints = {"POST": "subscribe", "GET": "subscriptions"}

    def handle_post(self, *_: str) -> Answer:
        body = self.json_body()
        sub_type = body.get("subscriptionType", "MARKETING")
        if "signUpSourceId" not in body:
            locale = body["locale"]
            unit = (locale.get("language"), locale.get("country"), sub_type)
            if unit not in SIGN_UP_UNITS:
                raise Reject(
                    400,
                    "Invalid parameter in request body: no API sign-up unit "
                    "matches locale and subscriptionType; send signUpSourceId",
                )
        responses = self.ctx.state.subscribe(body["user"], sub_type)
        # The ids beside ``user`` are the person's from now on, as if linked.
        self.ctx.state.link(user_keys({**body["user"], **body.get("externalIdentifiers", {})}))
        self.accepted(body)
        answer = {"user": body["user"], "subscriptionResponses": responses}
        if "externalIdentifiers" in body:
            answer["externalIdentifiers"] = body["externalIdentifiers"]
        return 202, answer

    def handle_get(self, *_: str) -> Answer:
        who = query_person(self, allow_both=True)
        found = []
        for channel, value in who:
            found += self.ctx.state.eligibilities(value, channel)
        self.accepted(_query(self))
        return 200, {"subscriptionEligibilities": found}


class UnsubscribeHandler(ApiHandler):
    """POST /v1/subscriptions/unsubscribe."""

    endpoints = {"POST": "unsubscribe"}

    def handle_post(self, *_: str) -> Answer:
        body = self.json_body()
        responses = self.ctx.state.unsubscribe(body["user"], body.get("subscriptions"))
        self.accepted(body)
        return 202, {"user": body["user"], "subscriptionResponses": responses}


class AttributesHandler(ApiHandler):
    """POST /v1/attributes/custom stores; GET lists one person's attributes."""

    endpoints = {"POST": "attributes", "GET": "attributes_read"}

    def handle_post(self, *_: str) -> Answer:
        body = self.json_body()
        keys = user_keys(body["user"])
        clash = self.ctx.state.set_attributes(keys, body["properties"])
        if clash:
            raise Reject(400, f"Invalid parameter in request body: {clash}")
        self.accepted(body)
        self.ctx.state.deliver(self.endpoint.path, body, keys)
        return 200, None

    def handle_get(self, *_: str) -> Answer:
        ((_channel, value),) = query_person(self, allow_both=False)
        self.accepted(_query(self))
        return 200, self.ctx.state.attributes_of(value)


class EventHandler(ApiHandler):
    """POST /v1/events/custom and the three ecommerce events: checked, recorded, 200."""

    def initialize(self, name: str) -> None:
        self.endpoints = {"POST": name}

    def handle_post(self, *_: str) -> Answer:
        body = self.json_body()
        self.accepted(body)
        self.ctx.state.deliver(self.endpoint.path, body, user_keys(body["user"]))
        return 200, None


class IdentityHandler(ApiHandler):
    """POST /v1/identity-resolution/user-identifiers: link ids to one person; 202, no body."""

    endpoints = {"POST": "identity"}

    def handle_post(self, *_: str) -> Answer:
        body = self.json_body()
        keys = user_keys(body)
        if len(keys) < 2:
            raise Reject(
                400,
                "Invalid parameter in request body: give at least two identifiers (a phone or "
                "email and the clientUserId or customIdentifiers to link to it)",
            )
        self.ctx.state.link(keys)
        self.accepted(body)
        return 202, None


def _query(handler: ApiHandler) -> dict[str, str]:
    return {k: handler.get_query_argument(k) for k in handler.request.query_arguments}


def query_person(handler: ApiHandler, *, allow_both: bool) -> list[tuple[str, str]]:
    """The (channel, value) pairs asked for with ``?phone=`` and/or ``?email=``; 400 if wrong."""
    query = _query(handler)
    asked = [
        (c, query[k], rule)
        for k, c, rule in (("phone", "TEXT", PHONE), ("email", "EMAIL", EMAIL))
        if k in query
    ]
    if not asked or (len(asked) == 2 and not allow_both):
        need = "phone or email" if allow_both else "exactly one of phone or email"
        raise Reject(400, f"Invalid parameter in request query: give {need} (encode + as %2B)")
    for channel, value, rule in asked:
        if not re.search(rule["pattern"], value):
            name = "phone" if channel == "TEXT" else "email"
            hint = " (in a query, write + as %2B)" if channel == "TEXT" else ""
            raise Reject(
                400, f"Invalid parameter in request query: {name} {rule['x-message']}{hint}"
            )
    return [(c, v) for c, v, _ in asked]
