"""What one request's answer means for the rows it carried.

The engine sends a request and gets back an :class:`ApiResponse` or an
exception; these small functions turn either into :class:`RowOutcome`
records, one per input row, with a reason an analyst can read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attentive_nb.client import ApiResponse
from attentive_nb.endpoints import Endpoint
from attentive_nb.errors import (
    ApiError,
    AuthError,
    RateLimited,
    ScopeError,
    ServerError,
    TransportError,
)
from attentive_nb.report import RowOutcome

UNKNOWN_REASON = (
    "no answer came, so Attentive may or may not have acted on it; not resent, because a "
    "second request would message this person again. Check them before sending again."
)


def accepted(positions: Iterable[int], response: ApiResponse) -> list[RowOutcome]:
    """Every row of a 2xx answer is sent; the reason says what Attentive made of it."""
    message = describe_accepted(response.body)
    latency = milliseconds(response.elapsed_s)
    return [
        RowOutcome(p, "sent", response.status, message, response.attempts, latency)
        for p in positions
    ]


def describe_accepted(body: Any) -> str:
    """A short reading of a 2xx body (subscription statuses), or ''."""
    if not isinstance(body, dict):
        return ""
    answers = body.get("subscriptionResponses") or []
    words = []
    for answer in answers:
        sub = answer.get("subscription") or {}
        state = answer.get("subscriptionCreationStatus") or answer.get(
            "subscriptionUnsubscribeStatus"
        )
        if state:
            words.append(f"{sub.get('channel', '?')} {sub.get('type', '?')}: {state}")
    return "; ".join(words)


def from_error(
    positions: Iterable[int], error: BaseException, endpoint: Endpoint
) -> list[RowOutcome]:
    """The outcome of a request that ended in an exception."""
    status, http, message = classify(error, endpoint)
    attempts = getattr(error, "attempts", 1)
    latency = milliseconds(getattr(error, "elapsed_s", None))
    return [RowOutcome(p, status, http, message, attempts, latency) for p in positions]


def milliseconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def classify(error: BaseException, endpoint: Endpoint) -> tuple[str, int | None, str]:
    """(status, http status, reason) for an exception from one request."""
    if isinstance(error, TransportError):
        if error.answer_lost:
            reason = UNKNOWN_REASON if endpoint.messages_people else f"{error} (retries ran out)"
            return "unknown", None, reason
        return "failed", None, f"{error} (retries ran out)"
    if isinstance(error, RateLimited | ServerError):
        return "failed", error.status, f"{error.message} (retries ran out)"
    if isinstance(error, ApiError):
        return "rejected", error.status, error.message
    return "failed", None, f"internal error in attentive_nb: {type(error).__name__}: {error}"


def stops_the_run(error: BaseException) -> bool:
    """Errors that every later request would hit too: bad key, missing scope."""
    return isinstance(error, AuthError | ScopeError)
