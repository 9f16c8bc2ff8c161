"""A signed-in connection to one Attentive company: the object analysts use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from attentive_nb import config
from attentive_nb.auth import ApiKeyAuth, BearerAuth, TokenAuth
from attentive_nb.client import Client
from attentive_nb.errors import ConfigError, NotSignedIn

if TYPE_CHECKING:
    import pandas as pd

    from attentive_nb.report import SendReport

ME_FIELDS = ("companyName", "companyId", "applicationName", "attentiveDomainName", "contactEmail")


class Connection:
    """Credentials plus the company they belong to; the send_* methods live here.

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
        if not self.company:
            self.me()
        return str(self.company.get("companyId") or "unknown")  # type: ignore[union-attr]

    def __repr__(self) -> str:
        if not self.signed_in:
            return "<Connection: not signed in yet>"
        name = (self.company or {}).get("companyName") or "company not checked yet"
        return f"<Connection {name!r} via {self.client.auth!r} at {self.client.api_url}>"

    # The send methods: thin doors into attentive_nb.send. Each takes the options of
    # its planner in attentive_nb.plan, plus dry_run=, progress=, resend=, confirm=.

    def send_subscribers(self, df: pd.DataFrame, **options: Any) -> SendReport:
        """Subscribe each row's phone/email (POST /v1/subscriptions).

        Needs ``sign_up_source_id=`` or ``locale=`` + ``subscription_type=``; see
        :func:`attentive_nb.plan.plan_subscribers` for every option.
        """
        return self._send("send_subscribers", df, options)

    def unsubscribe(self, df: pd.DataFrame, **options: Any) -> SendReport:
        """Unsubscribe each row's phone/email (POST /v1/subscriptions/unsubscribe).

        ``subscriptions=`` (default all), ``notify=False`` to send no confirmation;
        see :func:`attentive_nb.plan.plan_unsubscribe`.
        """
        return self._send("unsubscribe", df, options)

    def send_attributes(self, df: pd.DataFrame, **options: Any) -> SendReport:
        """Set custom attributes per user (v1, or the v2 bulk endpoint with ``bulk=True``).

        See :func:`attentive_nb.plan.plan_attributes`.
        """
        return self._send("send_attributes", df, options)

    def send_events(self, df: pd.DataFrame, **options: Any) -> SendReport:
        """Send one custom event per row (POST /v1/events/custom).

        ``event_type=`` or ``type_column=``, ``occurred_at_column=``,
        ``event_id_column=``; see :func:`attentive_nb.plan.plan_events`.
        """
        return self._send("send_events", df, options)

    def send_ecommerce(self, df: pd.DataFrame, **options: Any) -> SendReport:
        """Send purchase / add-to-cart / product-view events, one row per item.

        ``event=``, ``group_by=`` (default ``order_id``), ``currency=``; see
        :func:`attentive_nb.plan.plan_ecommerce`.
        """
        return self._send("send_ecommerce", df, options)

    def _send(self, method: str, df: pd.DataFrame, options: dict[str, Any]) -> SendReport:
        # A dry run needs no credentials; anything else says "sign in first" before
        # any other complaint.
        if not options.get("dry_run"):
            self.client  # noqa: B018 - raises NotSignedIn while the panel is open
        from attentive_nb.send import send

        return send(self, method, df, options)


def credentials_from_env() -> tuple[config.Found, type[BearerAuth]] | None:
    """The API key or access token found in the environment or .env, if any."""
    candidates = (("ATTENTIVE_API_KEY", ApiKeyAuth), ("ATTENTIVE_ACCESS_TOKEN", TokenAuth))
    for name, auth_class in candidates:
        found = config.lookup(name)
        if found is not None and found.value.strip():
            return found, auth_class
    return None
