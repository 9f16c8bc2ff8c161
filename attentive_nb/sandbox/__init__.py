"""A local Attentive look-alike server for training, demos and tests (loopback only).

``Sandbox`` runs it from Python; ``main(argv)`` (and ``python -m
attentive_nb.sandbox``) runs it in the foreground. It serves, under
``sb.url``: ``GET /v1/me``; ``POST``/``GET /v1/subscriptions``;
``POST /v1/subscriptions/unsubscribe``; ``POST``/``GET /v1/attributes/custom``;
``POST /v1/events/custom``; ``POST /v1/events/ecommerce/{product-view,
add-to-cart,purchase}``; ``POST /v2/bulk/user/attributes``;
``GET /v2/bulk/job/{id}``; the OAuth pages and ``POST
/v1/authorization-codes/tokens``; and, for the walkthroughs' exercise checks,
``GET /sandbox/inspect`` and ``POST /sandbox/start-over``, which Attentive does
not have. Every answer has ``x-attentive-sandbox: 1``.

Errors are ``{"error": {"id": <int>, "message": "<text naming the field>"}}``.

Bulk results. ``GET /v2/bulk/job/{id}`` answers ``{"bulkJobId", "status":
"IN_PROGRESS", "totalRecords"}`` for ``bulk_polls_before_done`` polls, then
``{"bulkJobId", "status": "COMPLETED", "totalRecords", "url"}``. The ``url``
is a signed link (``.../v2/bulk/job/{id}/results.jsonl?sig=…``) that needs no
``Authorization`` header; it serves ``application/jsonl``, one line per record
of the request, in the order sent::

    {"request": <the user object as sent>,
     "response": {"status": "SUCCESS" | "FAILED", "message": "<text>"}}

A record fails on its own (an array or object in ``attributes.custom``, a
malformed phone in ``identifiers``, no ``identifiers``, an attribute value of
another type than its first); only an envelope problem (no ``users``, 0 or
more than 256 users, a user that is not an object) makes the request a 400.
"""

from __future__ import annotations

from attentive_nb.sandbox.faults import Faults
from attentive_nb.sandbox.run import main
from attentive_nb.sandbox.server import Sandbox

__all__ = ["Faults", "Sandbox", "main"]
