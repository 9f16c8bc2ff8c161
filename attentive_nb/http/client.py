"""HTTP client: one ``request()``, one status-to-exception table, explicit retries.

Retries cover transport errors, 429 and 5xx only, with exponential backoff,
jitter and a cap, honouring ``Retry-After``. A 429 or 5xx answer means the
request was *not* accepted, so it may always be retried. A request whose
answer was lost (read timeout, connection reset after sending) may have been
accepted: it is retried only where the endpoint table says a copy is harmless
(``resend_safe``); on the others (subscribe, unsubscribe, ecommerce) it is
never resent, because a copy texts a real person or records a second purchase.

Every wait (the rate governor's pacing, a retry's backoff) ends at once when
the caller's ``stop`` event is set, so an interrupted send winds down within a
moment; the request then raises :class:`Cancelled`.

A redirect is never followed and never a success; every answer is read whole
within a total deadline and a size cap (``http/reading.py``), and a 2xx that
cannot be read (cut off, too large, not JSON) is a lost answer.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

import attentive_nb.http.log_redaction  # noqa: F401  (installs the filter: no signed link in logs)
from attentive_nb.__about__ import __version__
from attentive_nb.config import api_url as configured_api_url
from attentive_nb.config import is_loopback
from attentive_nb.endpoints import ENDPOINTS, Endpoint
from attentive_nb.errors import (
    ApiError,
    RateLimited,
    ServerError,
    TransportError,
)
from attentive_nb.http.pool import DeadlineAdapter, direct_for
from attentive_nb.http.ratelimit import Governors, pause, shared_pace_in
from attentive_nb.http.reading import AnswerNotRead, TooLarge, headers_within, read_whole
from attentive_nb.http.statuses import (
    accepted,
    error_for,
    first_text,
    is_redirect,
    redirected,
    retry_after,
)

log = logging.getLogger("attentive_nb")

USER_AGENT = f"attentive-nb/{__version__} (+python-requests/{requests.__version__})"
_JSON_HEADERS = {"Content-Type": "application/json"}
MAX_ANSWER_BYTES = 8_000_000  # an API answer; a larger one is junk, not read
MAX_DOWNLOAD_BYTES = 16_000_000  # a bulk job's results file (a job carries at most 256 people)
ERROR_PAGE_BYTES = 64 * 1024  # enough of an error answer for its message


class JsonText(str):
    """A request body already written as JSON text: sent as its UTF-8 bytes, unchanged."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a request that was not accepted."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Backoff before retry number ``attempt`` (1-based): exponential, half jittered."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


class Cancelled(Exception):
    """The caller's ``stop`` was set before this request could be sent or sent again.

    ``reached`` is True when an earlier attempt's answer was lost, so Attentive
    may have acted on it; ``attempts`` counts the attempts made.
    """

    def __init__(self, attempts: int, reached: bool) -> None:
        super().__init__("stopped before the request could be sent (again)")
        self.attempts, self.reached = attempts, reached


@dataclass
class ApiResponse:
    """What an accepted request returned, and what it took to get there."""

    status: int
    body: Any
    headers: dict[str, str] = field(repr=False)
    attempts: int = 1
    elapsed_s: float = 0.0  # the last attempt's time on the wire


class Client:
    """Talks to one Attentive API base URL with one set of credentials."""

    def __init__(
        self,
        auth: requests.auth.AuthBase,
        api_url: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        deadline_s: float = 60.0,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        rate_scale: float = 1.0,
        shared_pace: bool | None = None,
    ) -> None:
        """``sleep`` and ``clock`` are for tests (None: real time, cut short by ``stop``);
        ``deadline_s`` bounds each attempt whole (connect and the entire answer: a server
        sending a byte at a time cannot hold a send); ``rate_scale`` multiplies the
        documented limits, for a sandbox started with ``--rate-scale``; ``shared_pace``
        shares each endpoint's pace with the other processes on this token (None: when
        the clock is real)."""
        self.api_url = configured_api_url(api_url)
        self.auth = auth
        self.session = session or _pooled_session(self.api_url)
        self.timeout = timeout
        self.deadline_s = deadline_s
        self.retry = retry
        self.governors = Governors(
            clock=clock,
            sleep=sleep,
            scale=rate_scale,
            shared_in=shared_pace_in(self.api_url, auth, shared_pace, real=clock is time.monotonic),
        )
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random(seed)
        # Prepared once per (method, URL, body already JSON), copied for each request.
        self._templates: dict[tuple[str, str, bool], requests.PreparedRequest] = {}
        # The proxies and CA bundle per origin and session settings (see _settings).
        self._settings_by: dict[tuple[Any, ...], dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"Client({self.api_url}, auth={self.auth!r})"

    def request(
        self,
        endpoint: Endpoint | str,
        *,
        json_body: Any = None,
        params: dict[str, str] | None = None,
        path_args: dict[str, str] | None = None,
        stop: threading.Event | None = None,
    ) -> ApiResponse:
        """Send one API request, retrying what may safely be retried, until ``stop`` is set."""
        endpoint = ENDPOINTS[endpoint] if isinstance(endpoint, str) else endpoint
        url = self.api_url + endpoint.path.format(**(path_args or {}))
        governor = self.governors.for_endpoint(endpoint.name, endpoint.rate_per_second)
        attempt, reached = 0, False
        while True:
            governor.acquire(stop)
            if stop is not None and stop.is_set():
                raise Cancelled(attempt, reached)
            attempt += 1
            # Latency is the last attempt's time on the wire, not the pacing waits.
            started = self._clock()
            try:
                response, body = self._attempt(endpoint.method, url, json_body, params, stop)
            except AnswerNotRead as error:  # the caller stopped while the answer came
                raise Cancelled(attempt, reached=True) from error
            except TransportError as error:
                reached |= error.answer_lost
                if not self._may_retry_lost(error, endpoint, attempt):
                    raise _with_attempts(error, attempt, self._clock() - started) from None
                pause(self.retry.delay(attempt, self._rng), stop, self._sleep)
                continue
            governor.observe(*_rate_headers(response), latency=self._clock() - started)
            if accepted(response):
                return ApiResponse(
                    response.status_code,
                    body,
                    _headers_dict(response.headers),
                    attempt,
                    self._clock() - started,
                )
            refused = error_for(response, endpoint, getattr(self.auth, "scrub", None))
            if not isinstance(refused, RateLimited | ServerError) or attempt >= self.retry.attempts:
                raise _with_attempts(refused, attempt, self._clock() - started)
            pause(self._backoff(refused, attempt, governor), stop, self._sleep)

    def pause(self, seconds: float, stop: threading.Event | None = None) -> None:
        """Wait like the client waits between retries: cut short by ``stop``, faked in tests."""
        pause(seconds, stop, self._sleep)

    def download(self, url: str, *, stop: threading.Event | None = None) -> str:
        """GET a pre-signed link (bulk job results): no credentials, retried like any GET.

        The link carries its own signature, so the Authorization header is never
        sent with it (it may point to another host); only its path is logged.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._download_once(url, stop)
            except TooLarge:
                raise  # the same file again would be as large
            except (TransportError, ServerError) as error:
                if isinstance(error, ServerError) and error.status < 500:
                    raise
                failure: Exception = error
            log.debug("download of %s failed (attempt %d)", urlsplit(url).path, attempt)
            if attempt >= self.retry.attempts or (stop is not None and stop.is_set()):
                raise failure
            pause(self.retry.delay(attempt, self._rng), stop, self._sleep)

    def _download_once(self, url: str, stop: threading.Event | None) -> str:
        """One GET of a signed link, read whole and bounded; 3xx and 4xx raised as they are."""
        deadline = time.monotonic() + self.deadline_s * 2  # a file, not an API answer
        try:
            response = self.session.get(
                url,
                timeout=_within(self.timeout, deadline),
                auth=_NoAuth(),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.RequestException as error:
            raise _transport_error(error, url) from None
        if is_redirect(response):
            response.close()
            raise redirected(response)
        try:
            read_whole(response, deadline=deadline, max_bytes=MAX_DOWNLOAD_BYTES, stop=stop)
        except AnswerNotRead as error:
            if error.stopped:
                raise Cancelled(1, reached=False) from None
            kind = TooLarge if error.too_large else TransportError
            raise kind(f"the results file could not be read: {error}", answer_lost=False) from None
        if not response.ok:
            reason = first_text(response.reason or "no details given")
            raise ServerError(reason, status=response.status_code)
        return response.text

    def _attempt(
        self, method: str, url: str, body: Any, params: Any, stop: threading.Event | None
    ) -> tuple[requests.Response, Any]:
        """One request and its whole answer within the deadline; a redirect is an error.

        A 2xx answer not read whole, or not JSON, is a lost answer (Attentive may
        have acted on the request): the endpoint's rule decides whether to retry.
        Raises :class:`AnswerNotRead` only when ``stop`` cut the answer short.
        """
        deadline = time.monotonic() + self.deadline_s
        response = self._send(method, url, body, params, deadline)
        if is_redirect(response):  # an error, never followed: its body is not needed
            response.close()
            return response, None
        success = accepted(response)
        try:
            read_whole(
                response,
                deadline=deadline,
                max_bytes=MAX_ANSWER_BYTES,
                stop=stop,
                keep=None if success else ERROR_PAGE_BYTES,
            )
        except AnswerNotRead as error:
            if error.stopped:
                raise
            raise _lost(url, f"{error}", response.status_code) from None
        return response, (_body(response, url) if success else None)

    def _send(
        self,
        method: str,
        url: str,
        body: Any,
        params: Any,
        deadline: float,
    ) -> requests.Response:
        log.debug("%s %s", method, url)
        # Not cut by ``stop``: a request on the wire is let finish after one Ctrl-C (its
        # answer recorded); the engine stops waiting for it at the second.
        with headers_within(deadline) as waited:
            try:
                prepared = self._prepared(method, url, body, params)
                settings = self._settings(prepared.url or url)
                direct = direct_for(self.session, prepared.url or url, settings["proxies"])
                if direct is not None:  # the same request, a third of the CPU: http/pool.py
                    return direct.send_direct(
                        self.session,
                        prepared,
                        _within(self.timeout, deadline),
                        settings["verify"],
                        settings["cert"],
                    )
                return self.session.send(
                    prepared,
                    timeout=_within(self.timeout, deadline),
                    allow_redirects=False,  # never: see http/reading.py
                    **settings,  # stream=True among them: read_whole reads the answer, bounded
                )
            except requests.exceptions.RequestException as error:
                cut = waited.why()  # the deadline shut the socket under the headers
                if cut is not None:
                    raise _lost_headers(url, f"{cut}") from None
                raise _transport_error(error, url) from None

    def _settings(self, url: str) -> dict[str, Any]:
        """As Session.request does: proxies and CA bundle from the environment when the
        session trusts it; else only the session's own (no environment to read).

        requests reads the environment (and NO_PROXY's rule for the host) at every call,
        0.22 ms of CPU against a real host: here once per origin and session settings, so what
        the user sets on the session counts at once and the environment as it was when
        the first request to that address went (set it before connecting)."""
        session = self.session
        proxies = tuple(session.proxies.items())
        key = (_origin(url), session.trust_env, proxies, session.verify, session.cert)
        settings = self._settings_by.get(key)
        if settings is None:
            settings = self._settings_by[key] = self._resolved_settings(url)
        return settings

    def _resolved_settings(self, url: str) -> dict[str, Any]:
        session = self.session
        if session.trust_env:
            return dict(session.merge_environment_settings(url, {}, True, None, None))
        return {
            "proxies": {k: v for k, v in session.proxies.items() if v is not None},
            "stream": True,
            "verify": session.verify,
            "cert": session.cert,
        }

    def _prepared(self, method: str, url: str, body: Any, params: Any) -> requests.PreparedRequest:
        """The request as ``Session.request`` would prepare it, at a fraction of the CPU.

        Merging the session's headers, hooks and settings costs as much as the rest of a
        request on the client's side, and is the same for every request to one URL: it is
        done once per method and URL, and each request is a copy with its own query, body
        and Authorization (applied every time, so a new token is used at once). A session
        holding cookies is prepared whole each time, as those may change between answers.
        """
        # A body already written as JSON goes as it is: serialising it again would cost
        # as much as writing it did, and could differ from the text its ledger key is of.
        as_text = isinstance(body, JsonText)
        key = (method, url, as_text)
        template = None if self.session.cookies else self._templates.get(key)
        if template is None:
            headers = _JSON_HEADERS if as_text else None
            template = self.session.prepare_request(requests.Request(method, url, headers))
            if not self.session.cookies:
                self._templates[key] = template  # never changed: every request is a copy
        prepared = _copy(template)
        if params:
            prepared.prepare_url(url, params)
        data = body.encode("utf-8") if as_text else None
        if data:  # what prepare_body makes of bytes: the body and its length
            prepared.body = data
            prepared.headers["Content-Length"] = str(len(data))
        elif as_text:
            prepared.prepare_body(data, None)
        else:
            prepared.prepare_body(None, None, body)
        prepared.prepare_auth(self.auth)
        return prepared

    def _may_retry_lost(self, error: TransportError, endpoint: Endpoint, attempt: int) -> bool:
        if attempt >= self.retry.attempts:
            return False
        return endpoint.resend_safe or not error.answer_lost

    def _backoff(self, error: ApiError, attempt: int, governor: Any) -> float:
        # Retry-After is honoured on 429 and 5xx (a 503 may carry it too), capped
        # before the governor sees it, else its pause would exceed the cap.
        after = retry_after(error.response) if error.response is not None else None
        if after is not None:
            after = min(after, self.retry.max_retry_after)
        if isinstance(error, RateLimited):
            governor.slow_down(after)
        return after if after is not None else self.retry.delay(attempt, self._rng)


def _copy(template: requests.PreparedRequest) -> requests.PreparedRequest:
    """``template.copy()``, its (empty) cookie jar shared rather than copied: a template is
    kept only while the session has no cookies, and nothing writes to a request's jar."""
    prepared = requests.PreparedRequest()
    prepared.method, prepared.url = template.method, template.url
    prepared.headers = _headers_copy(template.headers)
    prepared._cookies = template._cookies  # type: ignore[attr-defined]
    prepared.hooks = template.hooks
    return prepared


def _headers_copy(headers: CaseInsensitiveDict[str]) -> CaseInsensitiveDict[str]:
    """``headers.copy()``: the same names and values, its store copied whole rather than
    each header set again (a lower() and a call a header)."""
    if type(headers) is not CaseInsensitiveDict:
        return headers.copy()
    copied: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    copied._store = headers._store.copy()  # type: ignore[attr-defined]
    return copied


def _headers_dict(headers: CaseInsensitiveDict[str]) -> dict[str, str]:
    """``dict(headers)``: each name as it came, with its value, read from the store."""
    if type(headers) is not CaseInsensitiveDict:
        return dict(headers)
    return dict(headers._store.values())  # type: ignore[attr-defined]


class _NoAuth(requests.auth.AuthBase):
    """No Authorization header at all, even if the session or a .netrc would add one."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        return request


def _pooled_session(api_url: str) -> requests.Session:
    session = requests.Session()
    # Enough pooled connections for the send engine's worker threads.
    adapter = DeadlineAdapter(pool_connections=4, pool_maxsize=64)  # headers within the deadline
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    # Proxy settings (HTTPS_PROXY, REQUESTS_CA_BUNDLE) apply to Attentive, as for any
    # requests user behind a corporate proxy; never to a sandbox on this machine.
    session.trust_env = not is_loopback(urlsplit(api_url).hostname or "")
    return session


def _origin(url: str) -> str:
    """``scheme://host:port`` of a URL (what NO_PROXY and the proxies are chosen by)."""
    scheme, _, rest = url.partition("://")
    return scheme + "://" + rest.split("/", 1)[0].split("?", 1)[0]


def _with_attempts(error: Exception, attempts: int, elapsed_s: float) -> Exception:
    """Tell the engine how many attempts were made and how long the last one took."""
    error.attempts = attempts  # type: ignore[attr-defined]
    error.elapsed_s = elapsed_s  # type: ignore[attr-defined]
    return error


def _transport_error(error: requests.exceptions.RequestException, url: str) -> TransportError:
    """Classify a requests failure: was the request possibly received?"""
    host = urlsplit(url).netloc
    if isinstance(error, requests.exceptions.ConnectTimeout) or _refused(error):
        return TransportError(
            f"Could not reach {host}: check the network and ATTENTIVE_API_URL.",
            answer_lost=False,
        )
    if isinstance(error, requests.exceptions.ReadTimeout):
        what = "no answer came in time"
    else:
        what = "the connection broke before the answer arrived"
    return TransportError(
        f"The request reached {host} but {what}; it may or may not have been accepted.",
        answer_lost=True,
    )


def _refused(error: requests.exceptions.RequestException) -> bool:
    """A connection that was never established: nothing was sent."""
    if not isinstance(error, requests.exceptions.ConnectionError):
        return False
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError")


def _rate_headers(response: requests.Response) -> tuple[int | None, int | None]:
    return (
        _int_or_none(response.headers.get("x-ratelimit-limit")),
        _int_or_none(response.headers.get("x-ratelimit-remaining")),
    )


def _int_or_none(value: str | None) -> int | None:
    """A header's whole number; None for garbage, infinities and negative numbers."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    if number is None or not math.isfinite(number) or number < 0:
        return None
    return int(number)


def _within(timeout: tuple[float, float], deadline: float) -> tuple[float, float]:
    """The connect and read timeouts, neither beyond what is left of the deadline."""
    left = max(0.001, deadline - time.monotonic())
    return min(timeout[0], left), min(timeout[1], left)


def _body(response: requests.Response, url: str) -> Any:
    """A 2xx answer's JSON (None when empty); any other text is an answer that cannot be read."""
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        kind = (response.headers.get("Content-Type") or "no type").split(";")[0].strip()
        raise _lost(url, f"its answer is not JSON ({kind[:40]})", response.status_code) from None


def _lost_headers(url: str, what: str) -> TransportError:
    """The request was sent but its answer's headers did not all come: it may have been taken."""
    return TransportError(
        f"The request reached {urlsplit(url).netloc} but {what}; "
        "it may or may not have been accepted.",
        answer_lost=True,
    )


def _lost(url: str, what: str, status: int) -> TransportError:
    """A 2xx (or error) answer that could not be read: it may or may not have been accepted."""
    return TransportError(
        f"The request reached {urlsplit(url).netloc} and it answered {status}, but {what}; "
        "it may or may not have been accepted.",
        answer_lost=True,
    )
