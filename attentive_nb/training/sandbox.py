"""What the exercises ask the sandbox: what arrived, and a fresh start (sandbox only).

The notebook's kernel and a ``make demo`` sandbox are different processes,
so the questions go over HTTP, through the connection's own client and key,
to the two pages only the sandbox has (:mod:`attentive_nb.sandbox.training_api`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from attentive_nb.connection import Connection
from attentive_nb.endpoints import Endpoint
from attentive_nb.errors import ApiError, ConfigError
from attentive_nb.urls import is_loopback

INSPECT = Endpoint("sandbox_inspect", "GET", "/sandbox/inspect", None, 150)
START_OVER = Endpoint("sandbox_start_over", "POST", "/sandbox/start-over", None, 150)


@dataclass(frozen=True)
class SandboxView:
    """The sandbox's company, the bodies that arrived per path, and every request's outcome."""

    company: dict[str, Any]
    received: dict[str, list[Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)  # externalId, name, members

    def bodies(self, path: str) -> list[Any]:
        """The bodies whose effect happened on ``path`` (``"/v1/subscriptions"``), in order."""
        return list(self.received.get(path, []))

    def subscribed(self) -> Counter[str]:
        """How many subscribe requests named each phone and each email."""
        counts: Counter[str] = Counter()
        for body in self.bodies("/v1/subscriptions"):
            counts.update(v for v in (body.get("user") or {}).values() if isinstance(v, str))
        return counts

    def attributes(self) -> dict[str, dict[str, Any]]:
        """Each phone's and email's custom attributes as received (v1, then bulk; later wins)."""
        found: dict[str, dict[str, Any]] = defaultdict(dict)
        for body in self.bodies("/v1/attributes/custom"):
            _merge(found, body.get("user"), body.get("properties"))
        for body in self.bodies("/v2/bulk/user/attributes"):
            for user in body.get("users") or []:
                custom = (user.get("attributes") or {}).get("custom")
                _merge(found, user.get("identifiers"), custom)
        return found

    def events(self, kind: str) -> dict[str, list[dict[str, Any]]]:
        """The custom events of type ``kind`` that arrived, by phone."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for body in self.bodies("/v1/events/custom"):
            if body.get("type") == kind:
                found[str((body.get("user") or {}).get("phone"))].append(body)
        return found

    def ecommerce(self, event: str, phones: Collection[str]) -> list[dict[str, Any]]:
        """The ``event`` ecommerce events (``"purchase"``...) of the people with these phones."""
        return [
            body
            for body in self.bodies(f"/v1/events/ecommerce/{event}")
            if (body.get("user") or {}).get("phone") in phones
        ]

    def segment_phones(self, name: str) -> set[str] | None:
        """The phones in the segment named ``name`` (None: no such segment)."""
        for segment in self.segments:
            if segment.get("name") == name:
                return {m["phone"] for m in segment.get("members", []) if "phone" in m}
        return None

    def __repr__(self) -> str:  # the bodies hold phones and emails
        paths = {path: len(bodies) for path, bodies in self.received.items()}
        return f"SandboxView({self.company.get('companyId')}, received={paths})"


def _merge(found: dict[str, dict[str, Any]], who: Any, values: Any) -> None:
    for identifier in (who or {}).values():
        if isinstance(identifier, str):
            found[identifier].update(values or {})


def look(conn: Connection) -> SandboxView:
    """Ask the sandbox behind ``conn`` what it has received so far."""
    body = _ask(conn, INSPECT)
    return SandboxView(body["company"], body["received"], body["history"], body.get("segments", []))


def start_over(conn: Connection) -> dict[str, Any]:
    """Make the sandbox a new, empty company, and let ``conn`` know (its ledger key changes)."""
    _ask(conn, START_OVER)
    return conn.me()


def _ask(conn: Connection, endpoint: Endpoint) -> dict[str, Any]:
    sandbox_only(conn)
    try:
        body = conn.client.request(endpoint).body
    except ApiError as error:
        if error.status != 404:
            raise
        raise ConfigError(
            "This sandbox cannot answer the exercises' checks (it has no "
            f"{endpoint.path}): restart make demo with this version of attentive_nb."
        ) from None
    return body if isinstance(body, dict) else {}


def sandbox_only(conn: Connection) -> None:
    """ConfigError unless ``conn`` talks to a sandbox on this machine (never to Attentive)."""
    if conn.signed_in and not conn.is_sandbox:
        raise ConfigError(
            f"The exercises are checked against the sandbox, and this connection goes to "
            f"{conn.client.api_url}. Run them in make demo."
        )


class _Form(HTMLParser):
    """The consent page's form: where it posts, and its hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.companies: dict[str, str] = {}  # the company choice: name -> id
        self._option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.action = found.get("action")
        elif tag == "input" and found.get("name"):
            self.fields[str(found["name"])] = found.get("value") or ""
        elif tag == "option":
            self._option = found.get("value") or ""

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self.companies[data.strip()] = self._option
            self._option = None

    def choose(self, company: str) -> None:
        """Install for ``company`` (its exact name or id), or say which the page offers."""
        chosen = self.companies.get(company) or (
            company if company in self.companies.values() else None
        )
        if chosen is None:
            offered = ", ".join(self.companies) or "no choice: this sandbox has one company"
            raise ConfigError(f"The consent page offers no company {company!r} ({offered}).")
        self.fields["company"] = chosen


def authorize(link: str, company: str | None = None) -> str:
    """Open an OAuth link on the sandbox and click Authorize; the address you would be sent to.

    What a person does in the browser, for code that must run on its own (a
    solution, a test). Only a sandbox's consent page on this machine is opened.
    ``company``: the name (or id) of the company that installs the app, when the
    sandbox has several (``Sandbox.add_company``); default the page's first.
    """
    if not is_loopback(urlsplit(link).hostname or ""):
        raise ConfigError(
            "authorize() opens the sandbox's consent page only; open this link yourself."
        )
    with requests.Session() as browser:
        browser.trust_env = False
        page = browser.get(link, timeout=10)
        page.raise_for_status()
        form = _Form()
        form.feed(page.text)
        if company is not None:
            form.choose(company)
        answer = browser.post(
            urljoin(link, form.action or ""),
            data={**form.fields, "decision": "authorize"},
            allow_redirects=False,
            timeout=10,
        )
    if "Location" not in answer.headers:
        raise ConfigError(f"The sandbox's consent page did not send you on ({answer.status_code}).")
    return str(answer.headers["Location"])
