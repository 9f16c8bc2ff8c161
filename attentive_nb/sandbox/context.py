"""Everything the handlers share: credentials, grants, codes, store, limits, faults."""

from __future__ import annotations

import base64
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from attentive_nb.endpoints import ENDPOINTS, OAUTH_SCOPES
from attentive_nb.sandbox.faults import Faults
from attentive_nb.sandbox.state import State
from attentive_nb.sandbox.windows import WindowLimiter

PRIVATE_APP = "Sandbox private app"
PUBLIC_APP = "Sandbox Notebook App"
# What the OAuth app may ask for; an API key of a private app gets these and more.
APP_SCOPES = OAUTH_SCOPES
ALL_SCOPES = frozenset(
    {*OAUTH_SCOPES, *(s for e in ENDPOINTS.values() if e.scope for s in e.scope.split())}
)
CODE_LIFETIME_S = 120.0
BULK_DELAY_S = 3.0  # a bulk job's time from submitted to run: long enough to see, short to wait
DELETION_DELAY_S = 3.0  # a deletion request's time from accepted to processed (Attentive: days)
MAX_BODY_BYTES = 1024 * 1024

COMPANY = {
    "companyName": "Sandbox Outfitters (not Attentive)",
    "applicationName": PRIVATE_APP,
    "attentiveDomainName": "sandbox-outfitters.sandbox.invalid",
    "contactEmail": "analyst@example.com",
}


def new_company() -> dict[str, str]:
    """The sandbox's company with a fresh id (shaped like Attentive's, base64 without padding).

    Each start, and each start-over, is a company of its own: the send ledger
    and the OAuth tokens are kept per company id, so a walkthrough run against
    a new sandbox finds nothing "already sent" from an earlier one.
    """
    raw = f"SandboxCompany:{secrets.token_hex(4)}".encode()
    return {**COMPANY, "companyId": base64.urlsafe_b64encode(raw).decode().rstrip("=")}


@dataclass(frozen=True)
class Grant:
    """What a bearer token may do, and which app it belongs to."""

    scopes: frozenset[str]
    app: str
    company: dict[str, Any] | None = None  # another company's (add_company); None: the sandbox's


@dataclass(frozen=True)
class Code:
    """An authorization code waiting to be exchanged."""

    redirect_uri: str
    scopes: frozenset[str]
    issued_at: float
    company: dict[str, Any] | None = None  # the company that installed (None: the sandbox's)


@dataclass(repr=False)  # no secret may end up in a repr
class Context:
    """One sandbox's shared state; handlers reach it as ``self.ctx``."""

    clock: Callable[[], float]
    faults: Faults
    limiter: WindowLimiter
    bulk_delay_s: float = BULK_DELAY_S
    deletion_delay_s: float = DELETION_DELAY_S
    url: str = ""
    company: dict[str, Any] = field(default_factory=new_company)
    state: State = field(default_factory=State)
    api_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    client_id: str = field(default_factory=lambda: secrets.token_hex(16))
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    link_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))  # signs links
    tokens: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    added: dict[str, dict[str, Any]] = field(default_factory=dict)  # add_company's, by id
    error_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(910_000_001))

    def __post_init__(self) -> None:
        self.tokens[self.api_key] = Grant(ALL_SCOPES, PRIVATE_APP)

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}/oauth/callback"

    def start_over(self) -> dict[str, str]:
        """Become a new, empty company: nothing received or stored; keys and tokens stay."""
        self.company = new_company()
        self.state.clear()
        return dict(self.company)

    def company_of(self, grant: Grant) -> dict[str, Any]:
        """The company a key or token acts for: its own (``add_company``) or the sandbox's."""
        return grant.company if grant.company is not None else self.company

    def add_company(self, name: str) -> tuple[dict[str, Any], str]:
        """A new company named ``name`` with a key of its own (all scopes, its own limits)."""
        company = {**new_company(), "companyName": name}
        key = secrets.token_urlsafe(32)
        self.tokens[key] = Grant(ALL_SCOPES, PRIVATE_APP, dict(company))
        self.added[company["companyId"]] = dict(company)
        return company, key

    def installers(self) -> list[tuple[str, str]]:
        """(id, name) of every company that may install the OAuth app: the sandbox's first."""
        own = (self.company["companyId"], self.company["companyName"])
        return [own, *((cid, c["companyName"]) for cid, c in self.added.items())]

    def added_company(self, company_id: str) -> dict[str, Any] | None:
        """An added company by id; None for the sandbox's own. KeyError: neither."""
        if company_id in ("", self.company["companyId"]):
            return None
        return dict(self.added[company_id])

    def revoke(self, who: str) -> int:
        """Forget a key or token, or every one acting for the company id ``who``; how many."""
        if who in self.tokens:
            del self.tokens[who]
            return 1
        theirs = [t for t, g in list(self.tokens.items()) if self.company_of(g)["companyId"] == who]
        for token in theirs:
            del self.tokens[token]
        return len(theirs)

    def issue_code(self, scopes: frozenset[str], company: dict[str, Any] | None = None) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = Code(self.redirect_uri, scopes, self.clock(), company)
        return code

    def issue_token(self, scopes: frozenset[str], company: dict[str, Any] | None = None) -> str:
        """A public app's token for ``company``; None: the sandbox's own (it follows start_over)."""
        token = secrets.token_urlsafe(32)
        self.tokens[token] = Grant(scopes, PUBLIC_APP, company)
        return token
