"""Statuses to exceptions, in one place: every field of an answer scrubbed first.

An error answer becomes the exception of its status (the one table,
:func:`error_for`); before any exception holds it, every field the server
wrote (the message, the error id, the reason phrase, the headers, the body
kept on ``error.response``) and the request's own Authorization header are
passed through the auth's scrubber, so an echoed key is shown masked in
``str``, ``repr``, ``args``, ``error_id`` and tracebacks alike. A 3xx is
an error too (:func:`redirected`): never followed, never a success.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from attentive_nb.endpoints import Endpoint
from attentive_nb.errors import ApiError, AuthError, RateLimited, ScopeError, ServerError
from attentive_nb.http.reading import redirect_words


def accepted(response: requests.Response) -> bool:
    return 200 <= response.status_code < 300


def is_redirect(response: requests.Response) -> bool:
    return 300 <= response.status_code < 400


def redirected(response: requests.Response) -> ApiError:
    """A 3xx: reported with where it pointed, never followed, never a success."""
    where = redirect_words(response, urlsplit(response.url).hostname or "")
    return ApiError(
        f"Attentive's API answered with {where}, which attentive_nb never follows "
        "(a redirect is not an acceptance, and the request goes nowhere else)",
        status=response.status_code,
        response=response,
    )


def parse_error_body(
    response: requests.Response, scrub: Callable[[str], str] | None = None
) -> tuple[str, Any]:
    """The message and error id of an error answer, read leniently, both scrubbed.

    Attentive's shapes: ``{"error": {"id", "message"}}``, ``{"error": "…"}``,
    ``{"message": "…"}``, or plain text / an HTML error page. ``scrub`` masks
    an echoed secret in every field that comes from the server (the message,
    the id, the reason phrase); it runs before shortening, so no secret is
    ever cut in half and shown in part.
    """
    clean = scrub or str
    message, error_id = _parse_error_body(response)
    shown = first_text(clean(message)) or first_text(clean(response.reason or ""))
    return shown or "no details given", _scrubbed_id(error_id, clean)


def _scrubbed_id(error_id: Any, clean: Callable[[str], str]) -> Any:
    """A number stays a number; any other id becomes short, scrubbed text."""
    if error_id is None or isinstance(error_id, bool | int | float):
        return error_id
    text = error_id if isinstance(error_id, str) else json.dumps(error_id, default=str)
    return first_text(clean(text), limit=100)


def _scrubbed_response(response: requests.Response, clean: Callable[[str], str]) -> None:
    """The answer kept on an error, with the secret masked wherever the server could echo it,
    and the request's own Authorization header masked (``error.response.request``)."""
    response._content = clean(response.text).encode("utf-8")
    response.encoding = "utf-8"
    response.reason = clean(response.reason or "")
    for name, value in list(response.headers.items()):
        response.headers[name] = clean(value)
    request = response.request
    if request is not None and "Authorization" in request.headers:
        request.headers["Authorization"] = clean(str(request.headers["Authorization"]))


def _parse_error_body(response: requests.Response) -> tuple[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return response.text, None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error), error.get("id")
    if isinstance(error, str):
        return error, None
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"]), None
    return json.dumps(body), None


def first_text(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_HINTS = {
    401: "The API key or token was not accepted: it may be wrong, regenerated, or the app "
    "was uninstalled. Check ATTENTIVE_API_KEY, or sign in again.",
    429: "Attentive's rate limit was reached; attentive_nb slows down and retries.",
}


def error_for(
    response: requests.Response, endpoint: Endpoint, scrub: Callable[[str], str] | None = None
) -> ApiError:
    """Map a status to its exception class: the one table of statuses.

    Every field of the answer is scrubbed here, before any exception holds it.
    """
    clean = scrub or str
    _scrubbed_response(response, clean)
    if is_redirect(response):
        return redirected(response)
    message, error_id = parse_error_body(response, clean)
    status = response.status_code
    common = {"status": status, "error_id": error_id, "response": response}
    if status == 401:
        return AuthError(message, hint=_HINTS[401], **common)
    if status == 403:
        return ScopeError(message, scope=endpoint.scope, hint=_scope_hint(endpoint), **common)
    if status == 429:
        return RateLimited(message, retry_after=retry_after(response), hint=_HINTS[429], **common)
    if status >= 500:
        return ServerError(message, hint="Attentive had a problem; try again later.", **common)
    return ApiError(message, **common)


def _scope_hint(endpoint: Endpoint) -> str:
    if not endpoint.scope:
        return "This key or token is not allowed to call this endpoint."
    return (
        f"{endpoint.label} needs the '{endpoint.scope}' scope. Give the app that permission "
        "in Attentive (or tick it when signing in with OAuth), then try again."
    )


def retry_after(response: requests.Response) -> float | None:
    """``Retry-After`` in seconds, whether given as a number or an HTTP date."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
