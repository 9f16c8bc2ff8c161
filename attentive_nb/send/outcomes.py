"""What one request's answer means for the rows it carried.

The engine sends a request and gets back an :class:`ApiResponse` or an
exception; these small functions turn either into :class:`RowOutcome`
records, one per input row, with a reason an analyst can read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attentive_nb.endpoints import Endpoint
from attentive_nb.errors import (
    ApiError,
    AuthError,
    RateLimited,
    ScopeError,
    ServerError,
    TransportError,
)
from attentive_nb.http.client import ApiResponse, Cancelled
from attentive_nb.report import RowOutcome, lookups

UNKNOWN_REASON = (
    "no answer came, so Attentive may or may not have acted on it; not resent, because a "
    "second request would message this person again (or record a second purchase). Check "
    "them, then resend='unknown' sends them again."
)


# What an accepted answer with no body of its own means, by endpoint name.
ACCEPTED_WORDS = {
    "coupons": "accepted: Attentive adds the codes to the offer asynchronously (it shows "
    "SYNCING until they are in)",
}


def accepted(
    positions: Iterable[int], response: ApiResponse, *, keep: bool = False, name: str = ""
) -> list[RowOutcome]:
    """Every row of a 2xx answer is sent; the reason says what Attentive made of it.

    ``keep``: a look-up's rows carry the answer itself, for the report's columns.
    """
    message = describe_accepted(response.body) or ACCEPTED_WORDS.get(name, "")
    latency = milliseconds(response.elapsed_s)
    answer = response.body if keep else None
    return [
        RowOutcome(p, "sent", response.status, message, response.attempts, latency, answer)
        for p in positions
    ]


def describe_accepted(body: Any) -> str:
    """A short reading of a 2xx body (subscription statuses, what a look-up found), or ''."""
    if isinstance(body, list):  # GET /v1/attributes/custom
        found = len(lookups.attributes(body))
        if not found:
            return "no custom attributes"
        return f"{found} custom attribute{'' if found == 1 else 's'} found"
    if not isinstance(body, dict):
        return ""
    if "subscriptionEligibilities" in body:
        eligible = [name for name, ok in lookups.eligibilities(body).items() if ok]
        words = ", ".join(n.upper().replace("_", " ", 1) for n in eligible)
        return f"eligible: {words}" if words else "eligible for no subscription"
    answers = body.get("subscriptionResponses") or []
    said: list[str] = []
    for answer in answers:
        sub = answer.get("subscription") or {}
        state = answer.get("subscriptionCreationStatus") or answer.get(
            "subscriptionUnsubscribeStatus"
        )
        if state:
            said.append(f"{sub.get('channel', '?')} {sub.get('type', '?')}: {state}")
    return "; ".join(said)


def from_error(
    positions: Iterable[int], error: BaseException, endpoint: Endpoint, stopped: str | None = None
) -> list[RowOutcome]:
    """The outcome of a request that ended in an exception.

    ``stopped``: why the run stopped, when an error of its own (a refused key)
    stopped it: a request cancelled before its turn then says that, not "interrupted".
    """
    status, http, message = classify(error, endpoint)
    if stopped and isinstance(error, Cancelled) and status == "not_sent":
        message = f"not sent: {stopped}"
    attempts = getattr(error, "attempts", 1)
    latency = milliseconds(getattr(error, "elapsed_s", None))
    return [RowOutcome(p, status, http, message, attempts, latency) for p in positions]


def milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def classify(error: BaseException, endpoint: Endpoint) -> tuple[str, int | None, str]:
    """(status, http status, reason) for an exception from one request."""
    if isinstance(error, Cancelled):
        return _cancelled(error, endpoint)
    if isinstance(error, TransportError):
        if error.answer_lost:
            reason = UNKNOWN_REASON if not endpoint.resend_safe else f"{error} (retries ran out)"
            return "unknown", None, reason
        return "failed", None, f"{error} (retries ran out)"
    if isinstance(error, RateLimited | ServerError):
        return "failed", error.status, f"{error.message} (retries ran out)"
    if isinstance(error, ApiError):
        return "rejected", error.status, error.message
    return "failed", None, f"internal error in attentive_nb: {type(error).__name__}: {error}"


def _cancelled(error: Cancelled, endpoint: Endpoint) -> tuple[str, int | None, str]:
    if error.reached:
        why = "the run was interrupted before a retry, and the last attempt's answer was lost"
        return "unknown", None, f"{why}; Attentive may or may not have it"
    if error.attempts:
        return "not_sent", None, "the run was interrupted before a retry; Attentive did not take it"
    return "not_sent", None, "not sent: the run was interrupted before its turn"


def request_state(records: list[RowOutcome]) -> str | None:
    """What the ledger records for a request from its rows' outcomes (None: it never left).

    A request is ``sent`` only when every row it carried was; otherwise the
    strongest sign that it may have reached Attentive wins.
    """
    statuses = {r.status for r in records}
    if statuses == {"sent"}:
        return "sent"
    for status in ("unknown", "failed", "rejected"):
        if status in statuses:
            return status
    return "failed" if "sent" in statuses else None


def stops_the_run(error: BaseException) -> bool:
    """Errors that every later request would hit too: bad key, missing scope."""
    return isinstance(error, AuthError | ScopeError)
