"""Request handling every sandbox page and API endpoint shares.

An API request goes through, in order: injected latency, bearer auth (401),
the rate limit (429), the scope (403), an injected 500/503 or early reset,
then content type (415), size (413), JSON (400) and schema (400) checks, the
endpoint's own work, and finally an injected late reset or slow answer.
Errors are ``{"error": {"id": <int>, "message": "..."}}``; never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
import struct
from collections.abc import Callable
from types import TracebackType
from typing import Any

from tornado.web import HTTPError, RequestHandler

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.sandbox import validation
from attentive_nb.sandbox.context import MAX_BODY_BYTES, Context, Grant

log = logging.getLogger("attentive_nb.sandbox")
SANDBOX_HEADER = "x-attentive-sandbox"
Answer = tuple[int, Any]  # a handler's status and JSON body (None: no body)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (a 401/400, never a 500)."""
    return secrets.compare_digest(given.encode(), expected.encode())


class Reject(Exception):
    """An answer with an error status; raised anywhere in a handler."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class SandboxHandler(RequestHandler):
    """Base of every sandbox handler: the sandbox header and JSON errors."""

    outcome: str | None = None  # "reset", "slow"... for the access log

    def set_default_headers(self) -> None:
        self.set_header(SANDBOX_HEADER, "1")
        self.set_header("Server", "attentive-nb-sandbox")

    @property
    def ctx(self) -> Context:
        ctx: Context = self.application.settings["ctx"]
        return ctx

    def compute_etag(self) -> None:
        return None  # API answers are never cached; skip hashing every body

    def set_rate_headers(self, limit: int, remaining: int | None = None) -> None:
        """``x-ratelimit-limit`` and ``-remaining`` (all of it, before a request is counted)."""
        self.set_header("x-ratelimit-limit", str(limit))
        self.set_header("x-ratelimit-remaining", str(limit if remaining is None else remaining))

    def send_json(self, status: int, body: Any = None) -> None:
        """Answer ``status`` with ``body`` as JSON (no body when None)."""
        self.set_status(status)
        self.note_history()
        if body is not None:
            self.set_header("Content-Type", "application/json")
            self.write(json.dumps(body))
        self.finish()

    def error_body(self, message: str) -> dict[str, Any]:
        return {"error": {"id": next(self.ctx.error_ids), "message": message}}

    def send_error_json(self, status: int, message: str) -> None:
        self.ctx.state.count(str(status))
        self.send_json(status, self.error_body(message))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Tornado's own errors (405, an unexpected bug) as JSON, without a traceback."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = exc.log_message if isinstance(exc, HTTPError) and exc.log_message else None
        self.ctx.state.count(str(status_code))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(self.error_body(message or self._reason)))

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The default prints the URI, whose query may hold a phone, an email or a code.
        if value is not None and not isinstance(value, HTTPError):
            log.error(
                "sandbox bug on %s %s", self.request.method, self.request.path, exc_info=value
            )

    def company_id(self) -> str | None:
        """The company whose key or token made this request (None when refused 401)."""
        grant = getattr(self, "grant", None)
        return None if grant is None else str(self.ctx.company_of(grant)["companyId"])

    def note_history(self) -> None:
        """Add this API request to ``Sandbox.history``, before the client can see the answer."""
        endpoint = getattr(self, "endpoint", None)
        if endpoint is None:
            return
        reset = self.outcome == "reset"
        entry = {
            "method": self.request.method,
            "path": self.request.path,
            "endpoint": endpoint.name,
            "status": None if reset else self.get_status(),
            "outcome": self.outcome or self.get_status(),
            "fault": getattr(self, "fault", None),
            "app": getattr(getattr(self, "grant", None), "app", None),
            "company": self.company_id(),
            "at": self.ctx.limiter.clock(),  # the sandbox clock when it was counted/answered
        }
        self.ctx.state.note(entry)

    def reset_connection(self) -> None:
        """Drop the connection with a TCP reset and no answer."""
        self.outcome = "reset"
        self.note_history()
        self.ctx.state.count("reset")
        stream = self.request.connection.stream  # type: ignore[union-attr]  # HTTP/1 always
        if stream.socket is not None:
            stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        stream.close()
        self._finished = True  # nothing more may be written; Tornado must not try
        self.application.log_request(self)


class ApiHandler(SandboxHandler):
    """An authenticated, rate-limited, fault-prone Attentive API endpoint."""

    endpoints: dict[str, str] = {}  # HTTP method -> endpoint name in attentive_nb.endpoints
    max_body_bytes = MAX_BODY_BYTES  # larger for the coupon upload (200,000 codes a request)

    async def prepare(self) -> None:
        name = self.endpoints.get(self.request.method)
        if name is None:
            raise HTTPError(405, f"Method not allowed: {self.request.method} {self.request.path}")
        self.endpoint = ENDPOINTS[name]
        self.set_rate_headers(self.ctx.limiter.limit(self.endpoint.rate_per_second))
        self.fault, delay = self.ctx.faults.draw(name)
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            self.grant = self._check_access()
            self._inject_early_fault()
        except Reject as problem:
            self.send_error_json(problem.status, problem.message)

    def _check_access(self) -> Grant:
        scheme, _, token = self.request.headers.get("Authorization", "").partition(" ")
        grant = self.ctx.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None:
            raise Reject(401, "Unauthorized: the API key or access token is missing or unknown")
        quota = self.ctx.limiter.take(
            token.strip(), self.endpoint.name, self.endpoint.rate_per_second
        )
        self.set_rate_headers(quota.limit, quota.remaining)
        if not quota.allowed:
            raise Reject(
                429,
                f"Too many requests: {self.endpoint.label} allows "
                f"{quota.limit} per second per token",
            )
        needed = (self.endpoint.scope or "").split()
        missing = [s for s in needed if s not in grant.scopes]
        if missing:
            raise Reject(
                403,
                f"Forbidden: this token lacks the scope {' '.join(missing)} "
                f"needed for {self.endpoint.label}",
            )
        return grant

    def _inject_early_fault(self) -> None:
        if self.fault and self.fault.startswith("error:"):
            status = int(self.fault.split(":")[1])
            raise Reject(status, "Injected sandbox fault: the server had a problem, try again")
        if self.fault == "reset" and not self.ctx.faults.reset_after:
            self.reset_connection()

    # -- the endpoint's work -------------------------------------------------

    async def get(self, *args: str) -> None:
        await self._run(self.handle_get, *args)

    async def post(self, *args: str) -> None:
        await self._run(self.handle_post, *args)

    def handle_get(self, *args: str) -> Answer:
        raise HTTPError(405)

    def handle_post(self, *args: str) -> Answer:
        raise HTTPError(405)

    async def _run(self, work: Callable[..., Answer], *args: str) -> None:
        try:
            status, body = work(*args)
        except Reject as problem:
            status, body = problem.status, self.error_body(problem.message)
        if self.fault == "reset":
            self.reset_connection()
            return
        if self.fault == "slow":
            self.outcome = "slow"
            self.ctx.state.count("slow")
            await asyncio.sleep(self.ctx.faults.slow_seconds)
        self.ctx.state.count(str(status))
        self.send_json(status, body)

    def json_body(self, name: str | None = None, *, checked: bool = True) -> Any:
        """The request's JSON body, checked against the schema of endpoint ``name``.

        ``checked=False``: only read (the bulk endpoint checks its records when the job runs).
        """
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise Reject(415, "Unsupported media type: send the body as application/json")
        if len(self.request.body) > self.max_body_bytes:
            raise Reject(413, f"Payload too large: the body is over {self.max_body_bytes} bytes")
        try:
            body = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            raise Reject(
                400, "Invalid parameter in request body: the body is not valid JSON"
            ) from None
        message = checked and validation.problem(name or self.endpoint.name, body)
        if message:
            raise Reject(400, f"Invalid parameter in request body: {message}")
        return body

    def accepted(self, body: Any, *, owned: bool = False) -> None:
        """Record a body whose effect happened (it shows in ``Sandbox.received``).

        A GET's query is kept under ``"GET <path>"``: a look-up on the path a
        POST sends to (``/v1/subscriptions``) is not a body sent there. PATCH
        and DELETE bodies likewise sit under ``"PATCH <path>"`` / ``"DELETE <path>"``
        (taking segment members out is not adding them).
        ``owned``: the body is never changed after this (no copy is kept, which
        matters for 256-person bulk bodies; ``received`` hands out copies anyway).
        """
        path = self.endpoint.path
        method = self.request.method
        key = path if method == "POST" else f"{method} {path}"
        self.ctx.state.record(key, body, owned=owned, company=self.company_id())


def log_request(handler: RequestHandler) -> None:
    """Access log at INFO with the path only: the query may hold a phone, an email or a code."""
    if log.isEnabledFor(logging.INFO):
        outcome = getattr(handler, "outcome", None) or handler.get_status()
        elapsed = 1000.0 * handler.request.request_time()
        log.info("%s %s %s %.1fms", handler.request.method, handler.request.path, outcome, elapsed)
