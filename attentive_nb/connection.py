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
    plan_attribute_lookup,
    plan_attributes,
    plan_ecommerce,
    plan_events,
    plan_links,
    plan_subscribers,
    plan_subscription_lookup,
    plan_unsubscribe,
)
from attentive_nb.plan.model import Columns
from attentive_nb.report import SendReport
from attentive_nb.send import runner
from attentive_nb.send.engine import BULK_WAIT_S, RunOptions
from attentive_nb.send.jobs import jobs_frame, ledger_for
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

# The options both look-ups share; a look-up changes nothing, so it has no ledger or resend.
LOOKUP_OPTIONS_DOC = """dry_run: Check every row and say how many look-ups it takes; ask nothing.
            progress: Show a progress bar while asking.
            workers: Requests on their way at once (default: enough for the rate limit).

        Returns:
            SendReport: one line per input row, same index, with its status and
            reason, then what Attentive answered as columns (``report.results``).

        Raises:
            ConfigError: an option or the data cannot be used as given; nothing was asked."""

_Method = TypeVar("_Method", bound=Callable[..., Any])


def _run_options_documented(method: _Method) -> _Method:
    """Put the shared options into the method's docstring, in place of ``{run_options}``
    (or ``{lookup_options}``)."""
    doc = method.__doc__ or ""
    doc = doc.replace("        {run_options}", "            " + RUN_OPTIONS_DOC)
    method.__doc__ = doc.replace("        {lookup_options}", "            " + LOOKUP_OPTIONS_DOC)
    return method


class Connection:
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
        language: str | None = None,
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
            language: The confirmation's language, ``"en-US"`` or ``"fr-CA"``
                (written exactly so); a ``language`` column sets it per row.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {run_options}
        """
        plan = plan_unsubscribe(
            df,
            subscriptions=subscriptions,
            notify=notify,
            language=language,
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
        wait: float = BULK_WAIT_S,
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
        """Set attributes per person: ``POST /v1/attributes/custom``, or in bulk.

        With ``bulk=True``: ``POST /v2/bulk/user/attributes``, 256 people a
        request, each request a job Attentive runs later (often within hours).
        Its rows are ``submitted`` until then; ``report.refresh()`` (or
        ``conn.bulk_jobs(refresh=True)``) asks again and gives each person's
        outcome. Bulk also takes the person's own fields by column name
        (``first_name``, ``last_name``, ``dob``, ``age``, ``city``, ``state``,
        ``zip``, ``country``, ``locale``…) and, with a ``sign_up_source_id``
        column, subscribes them (then the send is at most once).

        Args:
            df: One row per person: identifier columns (phone, email,
                ``client_user_id``, ``custom_id:<name>``), every other column an
                attribute (its name is the attribute's name).
            bulk: Use the v2 bulk endpoint, 256 people a request.
            wait: Bulk only: seconds to wait for Attentive to run the jobs before
                returning (0: return at once, the rows ``submitted``).
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
            timezone: Time zone of timestamps written without one.
        {run_options}
        """
        plan = plan_attributes(
            df, bulk=bulk, columns=columns, default_region=default_region, timezone=timezone
        )
        options = RunOptions(
            dry_run, resend, confirm, progress, workers, ledger, ignore, bulk_wait_s=wait
        )
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
        sales_channel: str | None = None,
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
                ``product_image``, ``order_id``, ``sales_channel``), plus
                identifier columns.
            event: ``"purchase"``, ``"add-to-cart"`` or ``"product-view"``.
            group_by: Column(s) whose rows form one event; default ``order_id``.
            currency: Currency of prices without a ``currency`` column.
            sales_channel: Where purchases without a ``sales_channel`` value were
                made: ``"WEB"``, ``"IOS_APP"``, ``"ANDROID_APP"``, ``"IN_STORE"``,
                ``"PHONE"`` or ``"OTHER"`` (purchases only).
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
            sales_channel=sales_channel,
            occurred_at_column=occurred_at_column,
            columns=columns,
            default_region=default_region,
            timezone=timezone,
        )
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        return self._run(df, plan, options)

    # -- linking ids to people, and looking people up ---------------------------------------

    @_run_options_documented
    def link_identifiers(
        self,
        df: pd.DataFrame,
        *,
        columns: Columns | None = None,
        default_region: str = "US",
        dry_run: bool = False,
        resend: Resend = False,
        confirm: bool = False,
        progress: bool = True,
        workers: int | None = None,
        ledger: str | Path | Ledger | None = None,
    ) -> SendReport:
        """Link external ids to people: ``POST /v1/identity-resolution/user-identifiers``.

        Events and attributes that name a person only by ``client_user_id`` or a
        custom id reach them once the id is linked here; before, Attentive
        accepts them and nobody gets them. Retry-safe: linking an id twice is
        linking it once. An id that two people in the data share is refused
        (Attentive would make them one person).

        Args:
            df: One row per person: a phone and/or an email column (the person),
                and the ids to link: ``client_user_id``, ``shopify_id``,
                ``klaviyo_id``, ``custom_id:<name>`` (100 characters at most).
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {run_options}
        """
        plan = plan_links(df, columns=columns, default_region=default_region)
        return self._run(df, plan, RunOptions(dry_run, resend, confirm, progress, workers, ledger))

    @_run_options_documented
    def lookup_subscriptions(
        self,
        df: pd.DataFrame,
        *,
        columns: Columns | None = None,
        default_region: str = "US",
        dry_run: bool = False,
        progress: bool = True,
        workers: int | None = None,
    ) -> SendReport:
        """Which subscriptions each row's person is eligible for: ``GET /v1/subscriptions``.

        One column per subscription Attentive names (``text_marketing``,
        ``email_transactional``…): True when the person is eligible for it,
        False when not, ``<NA>`` for a row not asked. Changes nothing at
        Attentive; never in the send ledger.

        Args:
            df: One row per person, with a phone and/or an email column.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {lookup_options}
        """
        plan = plan_subscription_lookup(df, columns=columns, default_region=default_region)
        return self._run(df, plan, RunOptions(dry_run, progress=progress, workers=workers))

    @_run_options_documented
    def lookup_attributes(
        self,
        df: pd.DataFrame,
        *,
        columns: Columns | None = None,
        default_region: str = "US",
        dry_run: bool = False,
        progress: bool = True,
        workers: int | None = None,
    ) -> SendReport:
        """Each row's person's custom attributes: ``GET /v1/attributes/custom``.

        One column per attribute name, the value as Attentive keeps it (text);
        ``<NA>`` where the person has none. Attentive takes a phone or an
        email, not both: a row with both is looked up by its phone. Changes
        nothing at Attentive; never in the send ledger.

        Args:
            df: One row per person, with a phone and/or an email column.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {lookup_options}
        """
        plan = plan_attribute_lookup(df, columns=columns, default_region=default_region)
        return self._run(df, plan, RunOptions(dry_run, progress=progress, workers=workers))

    def bulk_jobs(
        self, *, refresh: bool = False, ledger: str | Path | Ledger | None = None
    ) -> pd.DataFrame:
        """The v2 bulk jobs sent from here, newest first, with Attentive's word on each.

        One row per job the ledger knows for this company: ``job_id``,
        ``submitted_at``, ``rows``, ``status`` (Attentive's: ``PENDING``,
        ``IN_PROGRESS``, ``COMPLETED``, ``FAILED``; ``EXPIRED`` past Attentive's
        two-week window), ``total_records``, how many rows were ``sent``,
        ``rejected``, ``failed`` or ``unknown`` once its results were read, how
        many are still ``submitted``, ``checked_at`` and a ``note``.

        Args:
            refresh: Also read the results of the jobs that completed, so their
                rows' outcomes are in the ledger (a re-run then sends only the
                rows that did not apply).
            ledger: Where the send ledger lives (default
                ``.attentive_nb/ledger.sqlite`` in the working folder).
        """
        with ledger_for(ledger) as book:
            return jobs_frame(self.client, book, self.company_id(), refresh=refresh)

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
