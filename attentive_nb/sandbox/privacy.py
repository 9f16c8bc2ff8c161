"""Privacy deletion requests: ``POST /v1/privacy/delete-request`` and ``GET …/{id}``.

As at Attentive, a request naming the person by ``subjectPhone``,
``subjectEmail`` or ``clientUserId`` is accepted at once (200 ``{"id"}``) and
carried out later: ``processed`` is false for ``deletion_delay_s`` (its
processing starts half-way), then true. A request naming nobody, or with a
field that is not what it should be, is a 400 whose ``error`` is a string
(``PrivacyRequestErrorDto``), not the usual object. The GET masks the person,
as Attentive's example does (``+*****5555``, ``a**@website.com``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from attentive_nb.sandbox.base import Answer, ApiHandler, Reject
from attentive_nb.sandbox.context import Context

SUBJECTS = ("subjectPhone", "subjectEmail", "clientUserId")
NAMES_NOBODY = "Must either specify subscriberPhone or subscriberEmail"


class DeleteRequestHandler(ApiHandler):
    """POST /v1/privacy/delete-request: 200 ``{"id"}``, or 400 ``{"error": "<text>"}``."""

    endpoints = {"POST": "privacy_delete"}

    def handle_post(self, *args: str) -> Answer:
        try:
            body = self.json_body()
            if not any(isinstance(body.get(k), str) and body[k].strip() for k in SUBJECTS):
                raise Reject(400, NAMES_NOBODY)
        except Reject as problem:
            if problem.status != 400:
                raise
            return 400, {"error": problem.message}  # a string here, unlike everywhere else
        request = add_request(self.ctx, body)
        self.accepted(body)
        return 200, {"id": request["id"]}


class DeleteStatusHandler(ApiHandler):
    """GET /v1/privacy/delete-request/{id}: how far the request got (``PrivacyRequestDto``)."""

    endpoints = {"GET": "privacy_delete_status"}

    def handle_get(self, *args: str) -> Answer:
        (request_id,) = args
        with self.ctx.state.lock:
            request = self.ctx.state.deletions.get(request_id)
            found = None if request is None else dict(request)
        if found is None:
            raise Reject(404, "Not found: no deletion request has that id")
        self.accepted({"id": request_id})
        return 200, status_of(self.ctx, found)


def add_request(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """Keep a new deletion request; returns it (its id is new, alphanumeric)."""
    request = {k: body[k] for k in (*SUBJECTS, "requestMsg") if k in body}
    request.update(id=secrets.token_hex(6), requested_at=ctx.clock())
    with ctx.state.lock:
        ctx.state.deletions[request["id"]] = request
    return request


def status_of(ctx: Context, request: dict[str, Any]) -> dict[str, Any]:
    """The PrivacyRequestDto of a request, by the sandbox's clock."""
    elapsed = ctx.clock() - request["requested_at"]
    started, ended = elapsed >= ctx.deletion_delay_s / 2, elapsed >= ctx.deletion_delay_s
    answer: dict[str, Any] = {
        "id": request["id"],
        "processed": ended,
        "type": "DELETE",
        "requestDateTime": _stamp(request["requested_at"]),
    }
    if "subjectPhone" in request:
        answer["subjectPhone"] = "+*****" + request["subjectPhone"][-4:]
    if "subjectEmail" in request:
        local, _, domain = request["subjectEmail"].rpartition("@")
        answer["subjectEmail"] = f"{local[:1]}**@{domain}"
    if "requestMsg" in request:
        answer["requestMsg"] = request["requestMsg"]
    if started:
        answer["processingStartDateTime"] = _stamp(
            request["requested_at"] + 0.5 * ctx.deletion_delay_s
        )
    if ended:
        answer["processingEndDateTime"] = _stamp(request["requested_at"] + ctx.deletion_delay_s)
    return answer


def requests_seen(ctx: Context) -> list[dict[str, Any]]:
    """Every deletion request, in the order received: ``Sandbox.deletion_requests()``."""
    with ctx.state.lock:
        found = [dict(r) for r in ctx.state.deletions.values()]
    for request in found:
        request["status"] = "COMPLETED" if status_of(ctx, request)["processed"] else "PENDING"
    return found


def _stamp(seconds: float) -> str:
    """Attentive's form: ``2020-09-02T17:44:23.875+0000``."""
    when = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"
