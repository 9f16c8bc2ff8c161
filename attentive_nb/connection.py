"""A signed-in connection to one Attentive company: the object analysts use."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import pandas as pd

from attentive_nb import config
from attentive_nb.errors import ConfigError, NotSignedIn, checked_arguments
from attentive_nb.http.auth import ApiKeyAuth, BearerAuth, TokenAuth
from attentive_nb.http.client import Client
from attentive_nb.plan import (
    Plan,
    plan_attributes,
    plan_ecommerce,
    plan_events,
    plan_subscribers,
    plan_unsubscribe,
)
from attentive_nb.plan.model import Columns
from attentive_nb.report import SendReport
from attentive_nb.send import runner
from attentive_nb.send.engine import RunOptions
from attentive_nb.send.ledger import Ledger

Resend = bool | Literal["unknown"]

ME_FIELDS = ("companyName", "companyId", "applicationName", "attentiveDomainName", "contactEmail")

# The options every send_* method shares, documented once and added to each docstring.
RUN_OPTIONS_DOC = """dry_run: Check every row and report what would be sent; send nothing.
            resend: ``False``: skip what the ledger shows was sent before, and
                leave rows whose answer was lost (``unknown``) for you to check;
                ``"unknown"``: send those again too; ``True``: send everything again.
            confirm: Go ahead without the typed ``SEND`` asked before subscribing or
                unsubscribing more than 1,000 people.
            progress: Show a progress bar while sending.
            workers: Requests on their way at once (default: enough for the rate limit).
            ledger: Where the send ledger lives (default
                ``.attentive_nb/ledger.sqlite`` in the working folder).
            ignore: Columns that look like phone numbers or emails but are not
                the person's own: sent as any other column (an attribute or
                event property where the endpoint takes them, else left out).
                Without it, a real send with such a column stops and asks;
                a dry run shows how every column was read (``report.columns``).

        Returns:
            SendReport: one line per input row, same index, with its status and reason.

        Raises:
            ConfigError: an option or the data cannot be sent as given; nothing was sent
                (``UnmappedColumns``: a column looks like phones or emails, see ``ignore``).
            LedgerError: the send ledger cannot be written; nothing was sent."""

_Method = TypeVar("_Method", bound=Callable[..., Any])


def _run_options_documented(method: _Method) -> _Method:
    """Put the shared run options into the method's docstring, in place of ``{run_options}``."""
    doc = method.__doc__ or ""
    method.__doc__ = doc.replace("        {run_options}", "            " + RUN_OPTIONS_DOC)
    return method


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

    # -- sending: each method plans (pure, attentive_nb.plan), then runs the plan ----------

    @_run_options_documented
    @checked_arguments
    def send_subscribers(
        self,
        df: pd.DataFrame,
        *,
        sign_up_source_id: str | int | None = None,
        locale: str | Mapping[str, str] | Sequence[str] | None = None,
        subscription_type: str | None = None,
        single_opt_in: bool = False,
        columns: Columns | None = None,
        default_region: str = "US",
        dry_run: bool = False,
        resend: Resend = False,
        confirm: bool = False,
        progress: bool = True,
        workers: int | None = None,
        ledger: str | Path | Ledger | None = None,
        ignore: Sequence[Hashable] = (),
    ) -> SendReport:
        """Subscribe each row's phone and/or email: ``POST /v1/subscriptions``.

        Rows naming one person (a shared phone or email) are sent once, together,
        when they agree; rows that disagree are refused, naming each other.

        Args:
            df: One row per person: a phone and/or an email column (recognised by
                name, e.g. ``phone``, ``mobile``, ``email``), and optionally
                ``client_user_id``, ``shopify_id``, ``klaviyo_id``, ``custom_id:<name>``.
            sign_up_source_id: The sign-up unit's id (Attentive > Sign-up Units).
                Needed unless ``locale`` and ``subscription_type`` are both given.
            locale: ``"en-US"``, ``("en", "US")`` or ``{"language": "en", "country": "US"}``:
                Attentive picks the API sign-up unit of that locale.
            subscription_type: ``"MARKETING"`` or ``"TRANSACTIONAL"`` (with ``locale``).
            single_opt_in: Skip the "Reply Y" confirmation text (ask your CSM first).
            columns: ``{input column: field}`` for columns not recognised by name,
                e.g. ``{"Mobile Number": "phone"}``; ``None`` leaves a column out.
            default_region: Country of phone numbers written without ``+``.
        {run_options}
        """
        plan = plan_subscribers(
            df,
            sign_up_source_id=sign_up_source_id,
            locale=locale,
            subscription_type=subscription_type,
            single_opt_in=single_opt_in,
            columns=columns,
            default_region=default_region,
        )
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        return self._run(df, plan, options)

    @_run_options_documented
    @checked_arguments
    def unsubscribe(
        self,
        df: pd.DataFrame,
        *,
        subscriptions: Any = None,
        notify: bool = True,
        columns: Columns | None = None,
        default_region: str = "US",
        dry_run: bool = False,
        resend: Resend = False,
        confirm: bool = False,
        progress: bool = True,
        workers: int | None = None,
        ledger: str | Path | Ledger | None = None,
        ignore: Sequence[Hashable] = (),
    ) -> SendReport:
        """Unsubscribe each row's phone and/or email: ``POST /v1/subscriptions/unsubscribe``.

        Every phone and email in the data is reached: rows that share one but
        differ in the other are each sent as written.

        Args:
            df: One row per person, with a phone and/or an email column.
            subscriptions: ``None`` for all of them, or a list of
                ``("MARKETING", "TEXT")`` pairs, ``"MARKETING:TEXT"`` strings or
                ``{"type", "channel"}`` dicts.
            notify: ``False`` sends no confirmation message.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {run_options}
        """
        plan = plan_unsubscribe(
            df,
            subscriptions=subscriptions,
            notify=notify,
            columns=columns,
            default_region=default_region,
        )
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        return self._run(df, plan, options)

    @_run_options_documented
    @checked_arguments
    def send_attributes(
        self,
        df: pd.DataFrame,
        *,
        bulk: bool = False,
        columns: Columns | None = None,
        default_region: str = "US",
        timezone: str = "UTC",
        dry_run: bool = False,
        resend: Resend = False,
        confirm: bool = False,
        progress: bool = True,
        workers: int | None = None,
        ledger: str | Path | Ledger | None = None,
        ignore: Sequence[Hashable] = (),
    ) -> SendReport:
        """Set custom attributes per person: ``POST /v1/attributes/custom``.

        Args:
            df: One row per person: identifier columns (phone, email,
                ``client_user_id``, ``custom_id:<name>``), every other column an
                attribute (its name is the attribute's name).
            bulk: Use the v2 bulk endpoint, 256 people a request.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
            timezone: Time zone of timestamps written without one.
        {run_options}
        """
        plan = plan_attributes(
            df, bulk=bulk, columns=columns, default_region=default_region, timezone=timezone
        )
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        return self._run(df, plan, options)

    @_run_options_documented
    @checked_arguments
    def send_events(
        self,
        df: pd.DataFrame,
        *,
        event_type: str | None = None,
        type_column: Hashable | None = None,
        occurred_at_column: Hashable | None = None,
        event_id_column: Hashable | None = None,
        columns: Columns | None = None,
        default_region: str = "US",
        timezone: str = "UTC",
        dry_run: bool = False,
        resend: Resend = False,
        confirm: bool = False,
        progress: bool = True,
        workers: int | None = None,
        ledger: str | Path | Ledger | None = None,
        ignore: Sequence[Hashable] = (),
    ) -> SendReport:
        """Send one custom event per row: ``POST /v1/events/custom``.

        Args:
            df: One row per event: identifier columns, and every other column a
                property of the event.
            event_type: One type for every row, e.g. ``"Order Shipped"``.
            type_column: Or the column holding each row's type.
            occurred_at_column: The column of each event's time (else: now).
            event_id_column: The column of each event's id; by default the id is
                a UUID5 of the event's content, the same in every run.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
            timezone: Time zone of timestamps written without one.
        {run_options}
        """
        plan = plan_events(
            df,
            event_type=event_type,
            type_column=type_column,
            occurred_at_column=occurred_at_column,
            event_id_column=event_id_column,
            columns=columns,
            default_region=default_region,
            timezone=timezone,
        )
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        return self._run(df, plan, options)

    @_run_options_documented
    @checked_arguments
    def send_ecommerce(
        self,
        df: pd.DataFrame,
        *,
        event: str = "purchase",
        group_by: Hashable | Sequence[Hashable] | None = None,
        currency: str = "USD",
        occurred_at_column: Hashable | None = None,
        columns: Columns | None = None,
        default_region: str = "US",
        timezone: str = "UTC",
        dry_run: bool = False,
        resend: Resend = False,
        confirm: bool = False,
        progress: bool = True,
        workers: int | None = None,
        ledger: str | Path | Ledger | None = None,
        ignore: Sequence[Hashable] = (),
    ) -> SendReport:
        """Send purchase, add-to-cart or product-view events, one row per item.

        ``POST /v1/events/ecommerce/{event}``. At most once: a request whose
        answer was lost is never sent again unless ``resend`` says so.

        Args:
            df: One row per item: ``product_id``, ``product_variant_id``, ``price``
                (and ``currency``, ``quantity``, ``name``, ``product_url``,
                ``product_image``, ``order_id``), plus identifier columns.
            event: ``"purchase"``, ``"add-to-cart"`` or ``"product-view"``.
            group_by: Column(s) whose rows form one event; default ``order_id``.
            currency: Currency of prices without a ``currency`` column.
            occurred_at_column: The column of each event's time (else: now).
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
            timezone: Time zone of timestamps written without one.
        {run_options}
        """
        plan = plan_ecommerce(
            df,
            event=event,
            group_by=group_by,
            currency=currency,
            occurred_at_column=occurred_at_column,
            columns=columns,
            default_region=default_region,
            timezone=timezone,
        )
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        return self._run(df, plan, options)

    def _run(self, df: pd.DataFrame, plan: Plan, options: RunOptions) -> SendReport:
        # A dry run needs no credentials; anything else says "sign in first" first.
        if not options.dry_run and not self.signed_in:
            raise NotSignedIn()
        return runner.run(self, df, plan, options)


def credentials_from_env() -> tuple[config.Found, type[BearerAuth]] | None:
    """The API key or access token found in the environment or .env, if any."""
    candidates = (("ATTENTIVE_API_KEY", ApiKeyAuth), ("ATTENTIVE_ACCESS_TOKEN", TokenAuth))
    for name, auth_class in candidates:
        found = config.lookup(name)
        if found is not None and found.value.strip():
            return found, auth_class
    return None
