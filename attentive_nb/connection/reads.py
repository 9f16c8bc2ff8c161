"""The look-ups of a Connection, and the bulk jobs it sent: nothing here changes Attentive.

A look-up is planned and run like a send (same rate governor, statuses,
masking and report) but opens no ledger: asking again is always safe.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

import pandas as pd

from attentive_nb.connection.documented import documented
from attentive_nb.connection.part import ConnectionPart
from attentive_nb.errors import checked_arguments
from attentive_nb.plan import plan_attribute_lookup, plan_subscription_lookup
from attentive_nb.plan.frames import FrameLike
from attentive_nb.plan.model import Columns
from attentive_nb.report import SendReport
from attentive_nb.send.engine import RunOptions
from attentive_nb.send.jobs import jobs_frame, ledger_for
from attentive_nb.send.ledger import Ledger


class Reads(ConnectionPart):
    """``lookup_subscriptions``, ``lookup_attributes`` and ``bulk_jobs``."""

    @documented
    @checked_arguments
    def lookup_subscriptions(
        self,
        df: FrameLike,
        *,
        columns: Columns | None = None,
        default_region: str = "US",
        dry_run: bool = False,
        progress: bool = True,
        workers: int | None = None,
        ignore: Sequence[Hashable] = (),
    ) -> SendReport:
        """Which subscriptions each row's person is eligible for: ``GET /v1/subscriptions``.

        One column per subscription Attentive names (``text_marketing``,
        ``email_transactional``…): True when the person is eligible for it,
        False when not, ``<NA>`` for a row not asked. Changes nothing at
        Attentive; never in the send ledger. A large input (over 100,000 rows, or
        chunks) is asked a chunk at a time; a person asked about before is not asked again.

        Args:
            df: One row per person, with a phone and/or an email column.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {lookup_options}
        """
        return self._run_streamed(
            df,
            lambda rows: plan_subscription_lookup(
                rows, columns=columns, default_region=default_region
            ),
            RunOptions(dry_run, progress=progress, workers=workers, ignore=ignore),
        )

    @documented
    @checked_arguments
    def lookup_attributes(
        self,
        df: FrameLike,
        *,
        columns: Columns | None = None,
        default_region: str = "US",
        dry_run: bool = False,
        progress: bool = True,
        workers: int | None = None,
        ignore: Sequence[Hashable] = (),
    ) -> SendReport:
        """Each row's person's custom attributes: ``GET /v1/attributes/custom``.

        One column per attribute name, the value as Attentive keeps it (text);
        ``<NA>`` where the person has none. Attentive takes a phone or an
        email, not both: a row with both is looked up by its phone. Changes
        nothing at Attentive; never in the send ledger. A large input (over 100,000
        rows, or chunks) is asked a chunk at a time; a person asked about before is not
        asked again.

        Args:
            df: One row per person, with a phone and/or an email column.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {lookup_options}
        """
        return self._run_streamed(
            df,
            lambda rows: plan_attribute_lookup(
                rows, columns=columns, default_region=default_region
            ),
            RunOptions(dry_run, progress=progress, workers=workers, ignore=ignore),
        )

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
