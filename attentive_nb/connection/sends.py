"""The send methods of a Connection: each plans its rows (pure), then runs the plan.

Every method is the same two steps: an ``attentive_nb.plan`` builder turns the
DataFrame into a :class:`~attentive_nb.plan.Plan` (checking every value), and
``_run`` hands it to the send stage with the shared :class:`RunOptions`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attentive_nb.connection.documented import Resend, documented
from attentive_nb.connection.part import ConnectionPart
from attentive_nb.errors import checked_arguments
from attentive_nb.plan import (
    Plan,
    frames,
    plan_attributes,
    plan_ecommerce,
    plan_events,
    plan_links,
    plan_subscribers,
    plan_unsubscribe,
)
from attentive_nb.plan.frames import FrameLike
from attentive_nb.plan.model import Columns
from attentive_nb.report import SendReport
from attentive_nb.send.engine import BULK_WAIT_S, RunOptions
from attentive_nb.send.ledger import Ledger


class Sends(ConnectionPart):
    """``send_subscribers``, ``unsubscribe``, ``send_attributes``, ``send_events``,
    ``send_ecommerce`` and ``link_identifiers``: everything that changes Attentive."""

    @documented
    @checked_arguments
    def send_subscribers(
        self,
        df: FrameLike,
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
        when they agree; rows that disagree are refused, naming each other. The whole
        input is read before anything is sent (not a chunk at a time): the confirmation
        above 1,000 people is asked with the count known.

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
        df = frames.whole(df)
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

    @documented
    @checked_arguments
    def unsubscribe(
        self,
        df: FrameLike,
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
        differ in the other are each sent as written. The whole input is read before
        anything is sent: the confirmation above 1,000 people is asked with the count known.

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
        df = frames.whole(df)
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

    @documented
    @checked_arguments
    def send_attributes(
        self,
        df: FrameLike,
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
        options = RunOptions(
            dry_run, resend, confirm, progress, workers, ledger, ignore, bulk_wait_s=wait
        )
        return self._run_streamed(
            df,
            lambda rows: plan_attributes(
                rows, bulk=bulk, columns=columns, default_region=default_region, timezone=timezone
            ),
            options,
        )

    @documented
    @checked_arguments
    def send_events(
        self,
        df: FrameLike,
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
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        now = pd.Timestamp.now(tz="UTC")  # one "now" for every chunk: a whole frame's ids

        def planned(rows: pd.DataFrame) -> Plan:
            return plan_events(
                rows,
                event_type=event_type,
                type_column=type_column,
                occurred_at_column=occurred_at_column,
                event_id_column=event_id_column,
                columns=columns,
                default_region=default_region,
                timezone=timezone,
                now=now,
            )

        return self._run_streamed(df, planned, options)

    @documented
    @checked_arguments
    def send_ecommerce(
        self,
        df: FrameLike,
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
        answer was lost is never sent again unless ``resend`` says so. Orders (an
        ``order_id`` column, or ``group_by``) are planned from the whole input before
        anything is sent, since an order's lines may be anywhere in it; events that
        group nothing (product views without an order id) stream: a large input
        (over 100,000 rows, or chunks) is planned and sent a chunk at a time.

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
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        now = pd.Timestamp.now(tz="UTC")  # one "now" for every chunk, as a whole frame's

        def planned(rows: pd.DataFrame) -> Plan:
            return plan_ecommerce(
                rows,
                event=event,
                group_by=group_by,
                currency=currency,
                sales_channel=sales_channel,
                occurred_at_column=occurred_at_column,
                columns=columns,
                default_region=default_region,
                timezone=timezone,
                now=now,
            )

        return self._run_streamed(df, planned, options)

    @documented
    @checked_arguments
    def link_identifiers(
        self,
        df: FrameLike,
        *,
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
        """Link external ids to people: ``POST /v1/identity-resolution/user-identifiers``.

        Events and attributes that name a person only by ``client_user_id`` or a
        custom id reach them once the id is linked here; before, Attentive
        accepts them and nobody gets them. Retry-safe: linking an id twice is
        linking it once. An id that two people in the data share is refused
        (Attentive would make them one person). A large input (over 100,000 rows,
        or chunks) is planned and sent a chunk at a time: a row repeating a link of
        an earlier chunk is not sent again, and one giving an earlier chunk's id to
        another phone or email is refused alone (the earlier row was sent already).

        Args:
            df: One row per person: a phone and/or an email column (the person),
                and the ids to link: ``client_user_id``, ``shopify_id``,
                ``klaviyo_id``, ``custom_id:<name>`` (100 characters at most).
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {run_options}
        """
        options = RunOptions(dry_run, resend, confirm, progress, workers, ledger, ignore)
        return self._run_streamed(
            df,
            lambda rows: plan_links(rows, columns=columns, default_region=default_region),
            options,
        )
