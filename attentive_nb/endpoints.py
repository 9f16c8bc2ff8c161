"""The Attentive endpoints this toolkit calls, as one table.

Every fact here comes from Attentive's documentation (``attentive-api.md``
sections 2 and 4): the scope an OAuth token needs, the documented rate limit
per access token, whether a call messages the person it names (subscribe and
unsubscribe: many of them need a confirmation), and the one rule of resending:

- ``resend_safe=False``, **at most once**: subscribe, unsubscribe and the
  ecommerce events. A second copy can text a person twice or record a second
  purchase (ecommerce events carry no id Attentive could tell copies apart
  by), so a request whose answer was lost is ``unknown``: never retried, and
  not resent by a later run unless the user says so (``resend=``).
- ``resend_safe=True``, **retry-safe**: custom events (a stable
  ``externalEventId``), attributes (setting a value twice is setting it
  once) and identity links (linking an id to the person it is already linked
  to changes nothing, and messages nobody) are retried after a lost answer
  and resent by a later run.

The rule follows what a body carries: a v2 attributes body with
``subscriptions[]`` subscribes people, so a plan carrying any uses the
endpoint :meth:`Endpoint.with_subscriptions` gives, at most once and
messaging people, wherever the rule is read (retries, the ledger, the
confirmation before many people).

Deletion requests (``privacy_delete``) are **irreversible**: at most once,
and every real send asks first, whatever its size (``irreversible``). Their
accepted answer names a request Attentive carries out later, which
``follow_up`` (the ``GET`` endpoint of its status) reads. Coupon uploads are
at most once per request's codes: Attentive documents no way to tell whether
a code is already in a pool.
At most once is also kept per **person**: an endpoint that declares
``reaches=Reach(...)`` has each person and channel a request reached written
in the ledger (hashed, by identifiers normalised as Attentive matches them),
so a re-run whose rows were respelled does not reach them again
(:mod:`attentive_nb.plan.people` reads the declaration).

The look-ups (``GET``: subscription eligibility, custom attributes) change
nothing at Attentive, so they are always retried and never written to the
send ledger: there is nothing a second copy could do twice (``reads``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Reach:
    """Where a body names the people it reaches, for the ledger's record of people.

    ``action`` is what happens to them (``subscribe``, ``unsubscribe``,
    ``delete``): people are recorded per action, whatever the endpoint, so a
    v2 bulk subscription and a v1 subscribe are one record. ``phone`` and
    ``email`` are dotted paths in a body (a phone reaches the TEXT channel, an
    email the EMAIL channel); ``channels`` names instead a list of
    ``{channel, signUpSourceId}`` items each reaching one channel (v2 bulk
    ``subscriptions[]``); ``scope`` lists the body fields that make two
    requests different subscriptions (the sign-up source). ``every``: a row is
    skipped only when every person it names was reached before (an opt-out or
    a deletion must reach each one), else when any was (a second subscribe
    would message that person again).
    """

    action: str
    phone: str
    email: str
    scope: tuple[str, ...] = ()
    channels: str | None = None
    every: bool = False

    @property
    def done(self) -> str:
        """What happened to a person reached, in words: ``unsubscribed``."""
        return _DONE.get(self.action, f"{self.action}d")


_DONE = {
    "subscribe": "subscribed with the same sign-up source",
    "unsubscribe": "unsubscribed",
    "delete": "deleted",
}


SUBSCRIBES = Reach(
    "subscribe", "user.phone", "user.email", ("signUpSourceId", "locale", "subscriptionType")
)
BULK_SUBSCRIBES = Reach(
    "subscribe", "identifiers.phone", "identifiers.email", channels="subscriptions"
)
UNSUBSCRIBES = Reach("unsubscribe", "user.phone", "user.email", ("subscriptions",), every=True)
# A deletion must reach every identifier, like an opt-out; its ledger key is already the
# normalised person, and this also knows a person named by fewer (or other) identifiers.
DELETES = Reach("delete", "subjectPhone", "subjectEmail", every=True)


@dataclass(frozen=True)
class Endpoint:
    """One API operation: what it is called, where it lives, what it needs."""

    name: str
    method: str
    path: str
    scope: str | None
    rate_per_second: float
    messages_people: bool = False
    resend_safe: bool = True
    irreversible: bool = False  # cannot be undone: always confirmed before a real send
    follow_up: str | None = None  # the GET endpoint that says how far an accepted request got
    reaches: Reach | None = None  # at most once per person too (see Reach)

    @property
    def reads(self) -> bool:
        """True for a look-up: it changes nothing, so the ledger has nothing to remember."""
        return self.method == "GET"

    @property
    def label(self) -> str:
        """``POST /v1/subscriptions``: the operation, as Attentive's documentation names it."""
        return f"{self.method} {self.path}"

    def with_subscriptions(self) -> Endpoint:
        """This endpoint for bodies that also subscribe people: at most once, messaging them."""
        return replace(self, messages_people=True, resend_safe=False, reaches=BULK_SUBSCRIBES)

    @property
    def words(self) -> str:
        """What the endpoint does, in an analyst's words: ``bulk attributes``, ``add to cart``."""
        return _WORDS.get(self.name, self.name.replace("-", " "))


# v2 segments (attentive-api.md rows 17-18). Adding a member twice is adding it once,
# and nobody is messaged, so the member endpoints are retry-safe.
_SEGMENT = "/v2/segments/external/{id}"
SEGMENTS = (
    Endpoint("segments", "GET", "/v2/segments", "segments:read", 100),
    Endpoint("segment_create", "POST", "/v2/segments", "segments:write", 100, resend_safe=False),
    Endpoint("segment", "GET", _SEGMENT, "segments:read", 100),
    Endpoint("segment_update", "PATCH", _SEGMENT, "segments:write", 100),
    Endpoint("segment_delete", "DELETE", _SEGMENT, "segments:write", 100),
    Endpoint("segment_add", "POST", "/v2/bulk/segments/members", "segments:write", 100),
    Endpoint("segment_remove", "DELETE", "/v2/bulk/segments/members", "segments:write", 100),
)

_TABLE = [
    Endpoint("me", "GET", "/v1/me", None, 150),
    Endpoint("token", "POST", "/v1/authorization-codes/tokens", None, 150),
    Endpoint(
        "subscribe",
        "POST",
        "/v1/subscriptions",
        "subscriptions:write",
        10,
        messages_people=True,
        resend_safe=False,
        reaches=SUBSCRIBES,
    ),
    Endpoint(
        "unsubscribe",
        "POST",
        "/v1/subscriptions/unsubscribe",
        "subscriptions:write",
        5,
        messages_people=True,
        resend_safe=False,
        reaches=UNSUBSCRIBES,
    ),
    Endpoint("subscriptions", "GET", "/v1/subscriptions", "subscriptions:read", 150),
    Endpoint("attributes", "POST", "/v1/attributes/custom", "attributes:write", 150),
    Endpoint("attributes_read", "GET", "/v1/attributes/custom", "attributes:write", 150),
    Endpoint("events", "POST", "/v1/events/custom", "events:write", 150),
    Endpoint(
        "product-view",
        "POST",
        "/v1/events/ecommerce/product-view",
        "ecommerce:write",
        150,
        resend_safe=False,
    ),
    Endpoint(
        "add-to-cart",
        "POST",
        "/v1/events/ecommerce/add-to-cart",
        "ecommerce:write",
        150,
        resend_safe=False,
    ),
    Endpoint(
        "purchase",
        "POST",
        "/v1/events/ecommerce/purchase",
        "ecommerce:write",
        150,
        resend_safe=False,
    ),
    Endpoint(
        "attributes_bulk",
        "POST",
        "/v2/bulk/user/attributes",
        "attributes:write subscriptions:write",
        100,
    ),
    Endpoint("bulk_job", "GET", "/v2/bulk/job/{id}", None, 100),
    Endpoint("identity", "POST", "/v1/identity-resolution/user-identifiers", "identity:write", 10),
    *SEGMENTS,
    # -- privacy deletions and coupon codes (attentive-api.md section 2, "other v1 endpoints")
    Endpoint(
        "privacy_delete",
        "POST",
        "/v1/privacy/delete-request",
        "privacy_requests:write",
        150,
        resend_safe=False,
        irreversible=True,
        follow_up="privacy_delete_status",
        reaches=DELETES,
    ),
    Endpoint(
        "privacy_delete_status",
        "GET",
        "/v1/privacy/delete-request/{id}",
        "privacy_requests:read",
        150,
    ),
    Endpoint(
        "coupons",
        "POST",
        "/v1/coupons/coupon-pool/{coupon-pool-id}/create",
        "offers:write",
        150,
        resend_safe=False,
    ),
]

ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in _TABLE}
_WORDS = {
    "attributes_bulk": "bulk attributes",
    "attributes_read": "attribute look-ups",
    "subscriptions": "subscription look-ups",
    "bulk_job": "bulk job status",
    "identity": "identity links",
    "segments": "segment look-ups",
    "segment_add": "segment members added",
    "segment_remove": "segment members removed",
    "privacy_delete": "deletion requests",
    "privacy_delete_status": "deletion request status",
    "coupons": "coupon codes",
}

# The scopes a public app can ask for on Attentive's consent page, in the
# order the sign-in panel shows them, and those the send functions need.
OAUTH_SCOPES = (
    "subscriptions:write",
    "subscriptions:read",
    "attributes:write",
    "events:write",
    "ecommerce:write",
    "identity:write",
    "segments:read",
    "segments:write",
    "privacy_requests:write",
    "privacy_requests:read",
    "offers:write",
)
SEND_SCOPES = ("subscriptions:write", "attributes:write", "events:write", "ecommerce:write")


def endpoint_for(method: str, path: str) -> Endpoint | None:
    """The table row for a request, matching ``{id}`` templates loosely."""
    for endpoint in _TABLE:
        if endpoint.method == method.upper() and _path_matches(endpoint.path, path):
            return endpoint
    return None


def _path_matches(template: str, path: str) -> bool:
    want, got = template.strip("/").split("/"), path.split("?")[0].strip("/").split("/")
    return len(want) == len(got) and all(w == g or w.startswith("{") for w, g in zip(want, got))
