"""``Sandbox``: the server in a background thread, plus what tests inspect."""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets

from attentive_nb.sandbox import bulk_jobs, coupons, privacy, segments
from attentive_nb.sandbox.app import make_app
from attentive_nb.sandbox.context import BULK_DELAY_S, DELETION_DELAY_S, Context
from attentive_nb.sandbox.faults import Faults
from attentive_nb.sandbox.identities import key_for, matched
from attentive_nb.sandbox.state import Trigger
from attentive_nb.sandbox.windows import WindowLimiter

# Tornado reads bodies up to this; the API answers 413 above MAX_BODY_BYTES.
_SERVER_MAX_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class SandboxCompany:
    """A company ``Sandbox.add_company`` made: its id, name and key (never in its repr)."""

    company_id: str
    company_name: str
    access_token: str = field(repr=False)


class Sandbox:
    """A local Attentive look-alike on ``http://127.0.0.1:<port>``; nothing reaches Attentive.

    Use it as a context manager (``with Sandbox(port=0) as sb:``) or call
    ``start()`` / ``stop()``. It runs Tornado on its own daemon thread;
    ``start()`` returns once the socket listens. ``port=0`` picks a free port.

    Credentials (random per sandbox): ``api_key`` (a private app's key, all
    scopes), and the OAuth app ``client_id``, ``client_secret`` and
    ``redirect_uri``. ``url`` is the API base, ``auth_url`` the consent page.
    ``company`` holds the five ``/v1/me`` fields; its ``companyId`` is new
    for every sandbox (and every ``start_over()``), so the send ledger, kept
    per company, never calls a fresh sandbox's people "already sent".
    ``faults`` (a ``Faults``) can be changed mid-test; ``rate_scale`` and
    ``bulk_delay_s`` (how long a bulk job takes from submitted to run; 0: done
    at the first poll) too. ``clock`` drives OAuth code expiry, rate-limit
    windows (one second long, starting ``window_offset_s`` after each whole
    second of it), bulk jobs and the expiry of their results links.

    Inspection, safe to call from any thread:

    - ``received(path)``: the JSON bodies whose effect happened on that
      endpoint, in order; ``path`` is the endpoint's path (``"/v1/subscriptions"``,
      ``"/v2/bulk/user/attributes"``). A GET's query dicts are under
      ``"GET <path>"`` (``"GET /v1/subscriptions"`` for look-ups,
      ``"GET /v2/bulk/job/{id}"`` or a concrete job path for job polls), so a
      look-up never counts as a subscribe. PATCH and DELETE bodies are under
      ``"PATCH <path>"`` / ``"DELETE <path>"`` (``"DELETE /v2/bulk/segments/members"``:
      members taken out, apart from those added).
      A request answered 4xx, 429, an injected 500/503 or reset *before*
      processing is not there; one processed and then reset or answered slowly
      is (its effect happened, only the answer was lost or late).
    - ``subscribe_count(phone_or_email)``: subscribe calls processed for that
      person, counted the same way, and each ``subscriptions[]`` item of a v2
      bulk record on its channel once its job has run. Emails are matched trimmed and without
      case everywhere (``subscribe_count``, ``subscribed``, the people of
      every endpoint): ``JANE@Example.com`` is ``jane@example.com``.
    - ``processed(path)``: how many times each distinct body was processed on
      that endpoint (a ``Counter`` keyed by the body as canonical JSON), so a
      test can say "no purchase was recorded twice".
    - ``counters``: answers by status (``"202"``, ``"429"``, ``"500"``...), plus
      ``"reset"`` and ``"slow"`` for injected resets and slow answers.
    - ``history``: one dict[str, Any] per API request: method, path, endpoint, status,
      outcome (status or "reset"/"slow"), fault, app (the app whose key or
      token made it: ``PRIVATE_APP`` for ``api_key``, ``PUBLIC_APP`` for
      ``token_for``; None when refused 401).
    - ``subscribed(who, channel="TEXT", subscription_type="MARKETING")``, ``attributes(who)``:
      ``who`` is a phone (``+1…``), an email, or a ``clientUserId``; attributes
      are the person's, whichever of their linked identifiers set them (bulk
      jobs whose time has come run first, as a poll would run them).
    - ``identifiers(who)``: every identifier linked to the person ``who``
      names, kind -> values (``{"phone": [...], "clientUserId": [...],
      "custom:loyaltyId": [...]}``); ``{}`` when ``who`` names nobody.
    - ``reached(who, path=None)``: the bodies of custom events, ecommerce
      events and v1 attribute calls that reached the person ``who`` names, in
      order; ``path`` keeps one endpoint's. A body names its person by phone
      or email, or by an external id linked to them before it came.
    - ``unmatched(path=None)``: the bodies accepted (200) that reached nobody,
      because they named the person only by external ids never linked.
    - ``deletion_requests()``: every deletion request accepted, in order: its
      ``id``, the ``subjectPhone`` / ``subjectEmail`` / ``clientUserId`` and
      ``requestMsg`` as sent, ``requested_at`` (the sandbox clock) and
      ``status``, ``PENDING`` until ``deletion_delay_s`` has passed, then
      ``COMPLETED`` (``deletion_delay_s`` can be changed mid-test).
    - ``coupons(pool)``: the codes uploaded to that coupon pool (offer), in
      the order they came, repeats included (so a test can say "each exactly
      once"). Every numeric pool id is an offer; its first upload decides its
      distribution type (a window, or none).
    - ``token_for(scopes, company=None)``: an OAuth-style token with only those
      scopes, for the sandbox's company or an added one.
    - ``add_company(name)``: another company (``SandboxCompany``: ``company_id``,
      ``company_name``, ``access_token``) whose key ``/v1/me`` answers with that
      company; its limits are its own. It can also install the OAuth app: the
      consent page then asks which company installs (``training.authorize(link,
      company=name)`` picks one), and the token traded acts for it.
      ``received(path, company=id)`` keeps the bodies that company's credential
      sent, and each ``history`` entry has ``company`` (the id; None when
      refused 401). People are shared.
    - ``revoke(who)``: take back a ``SandboxCompany``'s key, every key and token
      of a company id, or one key or token: its requests are answered 401 from
      then on (mid-send too, from a ``when_requests`` callback).
    - ``when_requests(n, callback, where=None)``: call ``callback()`` (on the
      server thread) once the n-th API request from now (of those whose
      ``history`` entry ``where(entry)`` accepts) has been answered, just before
      the client gets the answer; tests use it to press Ctrl-C
      (``os.kill(os.getpid(), signal.SIGINT)``) while a send is surely running.
    - ``reset()``: forget everything received and stored; keys and tokens stay.
    - ``start_over()``: ``reset()`` and become a new company (a new
      ``companyId``); returns the company. Over HTTP, for notebooks whose
      sandbox runs in another process: ``POST /sandbox/start-over``, and
      ``GET /sandbox/inspect`` for ``company``, ``received`` (every path) and
      ``history`` at once (see :mod:`attentive_nb.sandbox.training_api`).
    """

    def __init__(
        self,
        port: int = 0,
        *,
        latency_ms: float = 0,
        jitter_ms: float = 0,
        error_rate: float = 0.0,
        reset_rate: float = 0.0,
        slow_rate: float = 0.0,
        slow_seconds: float = 5.0,
        rate_scale: float = 1.0,
        window_offset_s: float = 0.0,
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
        bulk_delay_s: float = BULK_DELAY_S,
        deletion_delay_s: float = DELETION_DELAY_S,
    ) -> None:
        self.port = port
        self.faults = Faults(
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            error_rate=error_rate,
            reset_rate=reset_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
            seed=seed,
        )
        self._ctx = Context(
            clock=clock,
            faults=self.faults,
            limiter=WindowLimiter(clock, rate_scale, window_offset_s),
            bulk_delay_s=bulk_delay_s,
            deletion_delay_s=deletion_delay_s,
        )
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind 127.0.0.1 and serve on a background thread; return once listening."""
        if self._thread is not None:
            raise RuntimeError("this sandbox is already running")
        sockets = bind_sockets(self.port, "127.0.0.1", family=socket.AF_INET)
        self.port = sockets[0].getsockname()[1]
        self._ctx.url = f"http://127.0.0.1:{self.port}"
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sockets, ready), name=f"sandbox:{self.port}", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._failure is not None:
            self._thread = None
            raise RuntimeError("the sandbox could not start") from self._failure
        return self

    def stop(self) -> None:
        """Close the socket and every connection, and end the thread."""
        if self._thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, sockets: list[socket.socket], ready: threading.Event) -> None:
        ioloop = IOLoop(make_current=False)
        try:
            ioloop.run_sync(lambda: self._main(sockets, ready))
        except BaseException as exc:  # reported to start(), which raises it
            self._failure = exc
            for sock in sockets:
                sock.close()
        finally:
            ready.set()
            ioloop.close(all_fds=True)

    async def _main(self, sockets: list[socket.socket], ready: threading.Event) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        server = HTTPServer(make_app(self._ctx), max_body_size=_SERVER_MAX_BODY)
        server.add_sockets(sockets)
        ready.set()
        await self._stopping.wait()
        server.stop()
        await asyncio.wait_for(server.close_all_connections(), timeout=5)
        await _cancel_others()

    def __repr__(self) -> str:
        state = "running" if self._thread is not None else "stopped"
        return f"<Sandbox {self.url or 'not started'} {state}>"

    # -- what clients need ---------------------------------------------------

    @property
    def url(self) -> str:
        return self._ctx.url

    @property
    def auth_url(self) -> str:
        return f"{self.url}/integrations/oauth-install"

    @property
    def api_key(self) -> str:
        return self._ctx.api_key

    @property
    def client_id(self) -> str:
        return self._ctx.client_id

    @property
    def client_secret(self) -> str:
        return self._ctx.client_secret

    @property
    def redirect_uri(self) -> str:
        return self._ctx.redirect_uri

    @property
    def company(self) -> dict[str, Any]:
        return dict(self._ctx.company)

    @property
    def bulk_delay_s(self) -> float:
        return self._ctx.bulk_delay_s

    @bulk_delay_s.setter
    def bulk_delay_s(self, value: float) -> None:
        self._ctx.bulk_delay_s = value

    @property
    def deletion_delay_s(self) -> float:
        return self._ctx.deletion_delay_s

    @deletion_delay_s.setter
    def deletion_delay_s(self, value: float) -> None:
        self._ctx.deletion_delay_s = value

    @property
    def rate_scale(self) -> float:
        return self._ctx.limiter.scale

    @rate_scale.setter
    def rate_scale(self, value: float) -> None:
        self._ctx.limiter.scale = value

    def environment(self) -> dict[str, str]:
        """The settings that point attentive_nb at this sandbox (they beat any .env)."""
        return {
            "ATTENTIVE_API_URL": self.url,
            "ATTENTIVE_AUTH_URL": self.auth_url,
            "ATTENTIVE_API_KEY": self.api_key,
            "ATTENTIVE_CLIENT_ID": self.client_id,
            "ATTENTIVE_CLIENT_SECRET": self.client_secret,
            "ATTENTIVE_REDIRECT_URI": self.redirect_uri,
            "ATTENTIVE_NB_SANDBOX": "1",
        }

    def add_company(self, name: str) -> SandboxCompany:
        """Another company in this sandbox: its id, its name and a key of its own (all scopes).

        The key is used as an access token (``Connection.from_token`` or the
        token store); ``/v1/me`` names the new company, its rate limits are its
        own, and ``received(path, company=id)`` / ``history`` (``company``) say
        which company each request came from. People are one store for all.
        """
        company, key = self._ctx.add_company(name)
        return SandboxCompany(company["companyId"], name, key)

    def revoke(self, who: SandboxCompany | str) -> None:
        """Take back a key or token (the company uninstalled the app, or rotated the key).

        ``who``: a ``SandboxCompany`` or a company id (every key and token acting
        for it), or one key or token. From then on its requests are answered 401,
        also mid-send (from a ``when_requests`` callback); the others go on.
        """
        wanted = who.company_id if isinstance(who, SandboxCompany) else who
        if not self._ctx.revoke(wanted):
            raise ValueError("revoke(): no key, token or company of this sandbox matches")

    def token_for(self, scopes: Iterable[str], company: SandboxCompany | None = None) -> str:
        """A bearer token granted exactly ``scopes``, as if through OAuth.

        ``company``: one ``add_company`` made, whose install the token is
        (``/v1/me`` names it; ``revoke(company)`` takes it back). Default: the
        sandbox's own company.
        """
        added = self._ctx.added_company(company.company_id) if company else None
        return self._ctx.issue_token(frozenset(scopes), added)

    # -- inspection ------------------------------------------------------------

    def received(self, path: str, company: str | None = None) -> list[Any]:
        state = self._ctx.state
        with state.lock:
            key = path if path in state.received else _template_for(path, state.received)
            bodies = state.received.get(key, [])
            if company is not None:
                senders = state.senders.get(key, [])
                bodies = [b for b, c in zip(bodies, senders) if c == company]
            return copy.deepcopy(bodies)

    def processed(self, path: str) -> Counter[str]:
        return Counter(
            json.dumps(body, sort_keys=True, separators=(",", ":")) for body in self.received(path)
        )

    def subscribe_count(self, phone_or_email: str) -> int:
        with self._ctx.state.lock:
            return self._ctx.state.subscribe_counts[key_for(phone_or_email)[1]]

    @property
    def counters(self) -> dict[str, int]:
        with self._ctx.state.lock:
            return dict(self._ctx.state.counters)

    @property
    def history(self) -> list[dict[str, Any]]:
        with self._ctx.state.lock:
            return [dict(e) for e in self._ctx.state.log]

    def subscribed(
        self, who: str, channel: str = "TEXT", subscription_type: str = "MARKETING"
    ) -> bool:
        with self._ctx.state.lock:
            who = matched("email", who) if channel == "EMAIL" else who
            return bool(self._ctx.state.active.get((who, channel, subscription_type)))

    def attributes(self, who: str) -> dict[str, Any]:
        bulk_jobs.run_due(self._ctx)  # jobs whose time has come have run when anyone looks
        return self._ctx.state.attributes_for(who)

    def segment_members(self, external_id: str) -> list[dict[str, str]]:
        """The members of a segment (each its identifiers), once the due jobs have run."""
        return segments.members_of(self._ctx, external_id)

    def identifiers(self, who: str) -> dict[str, list[str]]:
        state = self._ctx.state
        with state.lock:
            person = state.person_of(who)
            keys = [] if person is None else state.identities.keys_of(person)
        out: dict[str, list[str]] = {}
        for kind, value in keys:
            out.setdefault(kind, []).append(value)
        return out

    def reached(self, who: str, path: str | None = None) -> list[dict[str, Any]]:
        state = self._ctx.state
        with state.lock:
            person = state.person_of(who)
            found = state.delivered.get(person, []) if person is not None else []
            return [copy.deepcopy(b) for p, b in found if path is None or p == path]

    def unmatched(self, path: str | None = None) -> list[dict[str, Any]]:
        with self._ctx.state.lock:
            found = self._ctx.state.unmatched
            return [copy.deepcopy(b) for p, b in found if path is None or p == path]

    def deletion_requests(self) -> list[dict[str, Any]]:
        return privacy.requests_seen(self._ctx)

    def coupons(self, pool: str | int) -> list[str]:
        return coupons.codes_in(self._ctx, pool)

    def when_requests(
        self,
        n: int,
        callback: Callable[[], None],
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        with self._ctx.state.lock:
            self._ctx.state.triggers.append(Trigger(n, callback, where))

    def reset(self) -> None:
        """Forget everything received, stored and counted; keys and tokens stay."""
        self._ctx.state.clear()
        self._ctx.limiter.clear()

    def start_over(self) -> dict[str, str]:
        """Become a new, empty company (a new ``companyId``); keys and tokens stay."""
        self._ctx.limiter.clear()
        return self._ctx.start_over()


def _template_for(path: str, known: Iterable[str]) -> str:
    parts = path.strip("/").split("/")
    for key in known:
        want = key.strip("/").split("/")
        if len(want) == len(parts) and all(
            w == p or w.startswith("{") for w, p in zip(want, parts)
        ):
            return key
    return path


async def _cancel_others() -> None:
    """Cancel what is still running (a slow answer's sleep), so the loop closes cleanly."""
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
