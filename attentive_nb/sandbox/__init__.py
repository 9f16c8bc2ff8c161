"""A local Attentive look-alike server for training, demos and tests (loopback only).

``Sandbox`` runs it from Python; ``main(argv)`` (and ``python -m
attentive_nb.sandbox``) runs it in the foreground. It serves, under
``sb.url``: ``GET /v1/me``; ``POST``/``GET /v1/subscriptions``;
``POST /v1/subscriptions/unsubscribe``; ``POST``/``GET /v1/attributes/custom``;
``POST /v1/events/custom``; ``POST /v1/events/ecommerce/{product-view,
add-to-cart,purchase}``; ``POST /v1/identity-resolution/user-identifiers``;
``POST /v2/bulk/user/attributes``; ``POST``/``GET /v1/privacy/delete-request``
(see :mod:`~attentive_nb.sandbox.privacy`); ``POST
/v1/coupons/coupon-pool/{id}/create`` (:mod:`~attentive_nb.sandbox.coupons`);
``GET /v2/bulk/job/{id}``; the OAuth pages and ``POST
/v1/authorization-codes/tokens``; and, for the walkthroughs' exercise checks,
``GET /sandbox/inspect`` and ``POST /sandbox/start-over``, which Attentive does
not have. Every answer has ``x-attentive-sandbox: 1``.

Errors are ``{"error": {"id": <int>, "message": "<text naming the field>"}}``.

People. Attributes and events belong to the person their ``user`` names
(:mod:`~attentive_nb.sandbox.identities`): a phone or email always names
someone; an external id (``clientUserId``, a custom id…) only once linked
to them by the identity endpoint or a subscribe's ``externalIdentifiers``.
What names nobody is accepted, as Attentive does, and reaches nobody:
``Sandbox.unmatched()`` lists it, ``Sandbox.reached(who)`` what reached whom.

Bulk jobs. ``POST /v2/bulk/user/attributes`` checks only the envelope (no
``users``, 0 or more than 256 users, a user that is not an object: 400) and
answers 202 with a ``batchJobId``. ``GET /v2/bulk/job/{id}`` answers
``{"bulkJobId", "status", "totalRecords"}``: ``PENDING`` for the first half of
``bulk_delay_s``, ``IN_PROGRESS`` for the second, then ``COMPLETED`` with a
``url`` (or ``FAILED``, with ``Faults.fail_bulk_jobs``). The ``url`` is a
signed link (``.../v2/bulk/job/{id}/results.jsonl?expires=…&sig=…``) that
needs no ``Authorization`` header and expires 15 minutes after the poll that
gave it; it serves ``application/jsonl``, one line per record, in the order
sent (shuffled with ``Faults.shuffle_bulk_results``)::

    {"request": <the user object as sent>,
     "response": {"status": "SUCCESS" | "FAILED", "message": "<text>"}}

A record fails on its own when the job runs (an array or object in
``attributes.custom``, a malformed phone or date, no ``identifiers``, an
attribute value of another type than its first).
"""

from __future__ import annotations

from attentive_nb.sandbox.faults import Faults
from attentive_nb.sandbox.run import main
from attentive_nb.sandbox.server import Sandbox

__all__ = ["Faults", "Sandbox", "main"]
