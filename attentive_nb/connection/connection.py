"""A signed-in connection to one Attentive company: the object analysts use.

The credentials and the company they belong to live here; the methods that
send (:mod:`.sends`), those that only ask (:mod:`.reads`), the privacy
deletions (:mod:`.privacy`) and coupon uploads (:mod:`.offers`) come from its
bases, and all of them end in :meth:`Connection._run`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from attentive_nb import config
from attentive_nb.connection.offers import Offers
from attentive_nb.connection.privacy import Privacy
from attentive_nb.connection.reads import Reads
from attentive_nb.connection.segments import Segments
from attentive_nb.connection.sends import Sends
from attentive_nb.errors import ConfigError, NotSignedIn
from attentive_nb.http.auth import ApiKeyAuth, BearerAuth, TokenAuth
from attentive_nb.http.client import Client
from attentive_nb.plan import Plan
from attentive_nb.report import SendReport
from attentive_nb.send import runner
from attentive_nb.send.engine import RunOptions

ME_FIELDS = ("companyName", "companyId", "applicationName", "attentiveDomainName", "contactEmail")


class Connection(Sends, Reads, Segments, Privacy, Offers):
    """Credentials plus the company they belong to; the send_*, link and look-up methods.

    A connection made by the sign-in panel exists before the user has signed
    in; until then every call raises :class:`NotSignedIn`.
    """

    def __init__(self, client: Client | None = None, *, source: str = "argument") -> None:
        self._client = client
        self.source = source
        self.company: dict[str, Any] | None = None
        self.scopes: tuple[str, ...] | None = None

    @classmethod
    def from_api_key(cls, key: str, api_url: str | None = None, **options: Any) -> Connection:
        """A private app's connection from its API key."""
        return cls(Client(ApiKeyAuth(key), api_url, **options))

    @classmethod
    def from_token(cls, token: str, api_url: str | None = None, **options: Any) -> Connection:
        """A public app's connection from an OAuth access token."""
        return cls(Client(TokenAuth(token), api_url, **options))

    @classmethod
    def from_env(cls, api_url: str | None = None, **options: Any) -> Connection:
        """From ATTENTIVE_API_KEY, else ATTENTIVE_ACCESS_TOKEN (environment or .env)."""
        auth = credentials_from_env()
        if auth is None:
            raise ConfigError(
                "No Attentive credentials found. Set ATTENTIVE_API_KEY (a private app's key) "
                "or ATTENTIVE_ACCESS_TOKEN (an OAuth token) in the environment or in .env."
            )
        found, auth_class = auth
        conn = cls(Client(auth_class(found.value), api_url, **options), source=found.source)
        return conn

    @classmethod
    def pending(cls) -> Connection:
        """A connection waiting for the sign-in panel to finish."""
        return cls(None, source="sign-in panel")

    def adopt(self, other: Connection) -> None:
        """Take over another connection's credentials (the panel's sign-in finishing)."""
        self._client, self.source = other._client, other.source
        self.company, self.scopes = other.company, other.scopes

    @property
    def signed_in(self) -> bool:
        return self._client is not None

    @property
    def client(self) -> Client:
        if self._client is None:
            raise NotSignedIn()
        return self._client

    @property
    def is_sandbox(self) -> bool:
        """True when talking to a server on this machine (the sandbox), not Attentive."""
        return self.signed_in and config.is_loopback(urlsplit(self.client.api_url).hostname or "")

    def me(self) -> dict[str, Any]:
        """GET /v1/me: which company and app these credentials belong to."""
        body = self.client.request("me").body
        self.company = {key: body.get(key) for key in ME_FIELDS} if isinstance(body, dict) else {}
        return self.company

    def company_id(self) -> str:
        """The company id, asking /v1/me once if not known yet."""
        company = self.company or self.me()
        return str(company.get("companyId") or "unknown")

    def company_name(self) -> str | None:
        """The company's name, if /v1/me has been asked."""
        name = (self.company or {}).get("companyName")
        return None if name is None else str(name)

    def __repr__(self) -> str:
        if not self.signed_in:
            return "<Connection: not signed in yet>"
        name = self.company_name() or "company not checked yet"
        return f"<Connection {name!r} via {self.client.auth!r} at {self.client.api_url}>"

    def _run(self, df: pd.DataFrame, plan: Plan, options: RunOptions) -> SendReport:
        # A dry run needs no credentials; anything else says "sign in first" first.
        if not options.dry_run and not self.signed_in:
            raise NotSignedIn()
        return runner.run(self, df, plan, options)

    def _run_streamed(
        self, data: object, planner: Callable[[pd.DataFrame], Plan], options: RunOptions
    ) -> SendReport:
        # Planned chunk by chunk while sending (a large input, see send/stream.py).
        if not options.dry_run and not self.signed_in:
            raise NotSignedIn()
        return runner.run_streamed(self, data, planner, options)


def credentials_from_env() -> tuple[config.Found, type[BearerAuth]] | None:
    """The API key or access token found in the environment or .env, if any."""
    candidates = (("ATTENTIVE_API_KEY", ApiKeyAuth), ("ATTENTIVE_ACCESS_TOKEN", TokenAuth))
    for name, auth_class in candidates:
        found = config.lookup(name)
        if found is not None and found.value.strip():
            return found, auth_class
    return None
