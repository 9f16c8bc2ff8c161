"""Privacy deletions from a DataFrame, and the deletion requests sent from here.

The most careful call of the toolkit: a deletion cannot be undone, so a real
one always asks first (``DELETE <n>`` typed, or ``confirm=True``), is sent at
most once (the send ledger), and is followed up like a bulk job.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

import pandas as pd

from attentive_nb.connection.documented import Resend, documented
from attentive_nb.connection.part import ConnectionPart
from attentive_nb.errors import checked_arguments
from attentive_nb.plan import frames
from attentive_nb.plan.deletions import plan_deletions
from attentive_nb.plan.frames import FrameLike
from attentive_nb.plan.model import Columns
from attentive_nb.report import SendReport
from attentive_nb.send.engine import RunOptions
from attentive_nb.send.jobs import deletion_requests_frame, ledger_for
from attentive_nb.send.ledger import Ledger


class Privacy(ConnectionPart):
    """``request_deletion`` and ``deletion_requests``."""

    @documented
    @checked_arguments
    def request_deletion(
        self,
        df: FrameLike,
        *,
        message: str | None = None,
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
        """Ask Attentive to delete each row's person: ``POST /v1/privacy/delete-request``.

        **This cannot be undone.** Attentive deletes each person within thirty days. The
        whole input is read before anything is sent (not a chunk at a time): the count is
        asked with every row known, and an unreadable chunk stops the run before any
        deletion. A real run always asks first: type ``DELETE 12`` for 12 people (or pass
        ``confirm=True``); where nobody can answer it sends nothing and raises. Run
        ``dry_run=True`` first: its report lists exactly who would be requested (masked).
        One request per person; rows naming one person are merged only when nothing is lost.
        At most once: a person requested before is skipped, and a request whose answer was
        lost is ``unknown``, never sent again unless ``resend="unknown"``. Accepted rows are
        ``submitted`` with their request id until Attentive has processed them;
        ``report.refresh()`` or ``conn.deletion_requests(refresh=True)`` asks how far each
        got.

        Args:
            df: One row per person: ``phone``, ``email`` and/or ``client_user_id``
                (checked as for subscribe: a row whose phone is not a phone is
                invalid, and nobody is requested for it).
            message: A note kept with each request for the audit trail
                (Attentive's ``requestMsg``), e.g. ``"CCPA request #123"``.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {run_options}
        """
        df = frames.whole(df)
        plan = plan_deletions(df, message=message, columns=columns, default_region=default_region)
        options = RunOptions(
            dry_run, resend, confirm, progress, workers, ledger, ignore, bulk_wait_s=0
        )
        return self._run(df, plan, options)

    def deletion_requests(
        self, *, refresh: bool = False, ledger: str | Path | Ledger | None = None
    ) -> pd.DataFrame:
        """The deletion requests sent from here, newest first.

        One row per request the ledger knows for this company: ``person``
        (masked), ``request_id``, ``requested_at``, ``status`` (``SUBMITTED``
        before anyone asked, then ``PENDING``, ``PROCESSING``, ``COMPLETED``;
        ``NOT_FOUND`` when Attentive does not know it), ``checked_at`` and a ``note``.

        Args:
            refresh: First ask Attentive about each request not processed yet
                (``GET /v1/privacy/delete-request/{id}``).
            ledger: Where the send ledger lives (default
                ``.attentive_nb/ledger.sqlite`` in the working folder).
        """
        with ledger_for(ledger) as book:
            return deletion_requests_frame(self.client, book, self.company_id(), refresh=refresh)
