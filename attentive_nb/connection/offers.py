"""Coupon codes from a Series, a list or a DataFrame into one of Attentive's offers."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pandas as pd

from attentive_nb.connection.documented import Resend
from attentive_nb.connection.part import ConnectionPart
from attentive_nb.errors import checked_arguments
from attentive_nb.plan.coupons import coupon_frame, plan_coupons
from attentive_nb.plan.frames import FrameLike
from attentive_nb.report import SendReport
from attentive_nb.send.engine import RunOptions
from attentive_nb.send.ledger import Ledger


class Offers(ConnectionPart):
    """``upload_coupons``."""

    @checked_arguments
    def upload_coupons(
        self,
        codes: pd.Series | FrameLike | list[Any],
        *,
        pool: str | int,
        distribution_start: Any = None,
        distribution_stop: Any = None,
        timezone: str = "UTC",
        columns: dict[Hashable, str | None] | None = None,
        dry_run: bool = False,
        resend: Resend = False,
        progress: bool = True,
        workers: int | None = None,
        ledger: str | Path | Ledger | None = None,
    ) -> SendReport:
        """Add discount codes to an offer: ``POST /v1/coupons/coupon-pool/{id}/create``.

        Codes go exactly as written (``000123`` stays ``000123``), 200,000 a
        request; Attentive adds them asynchronously (the offer shows SYNCING
        meanwhile). Each request's codes are one record of the send ledger, at
        most once: a re-run skips the requests Attentive accepted, and a
        request whose answer was lost is ``unknown``, not sent again unless
        ``resend="unknown"`` (Attentive documents no way to ask whether a code
        exists). The report has one row per code, masked. The codes are read whole
        before the first request (not a chunk at a time): a request's 200,000 codes
        are one ledger record keyed by its body, and chunks would cut other requests.

        Args:
            codes: A Series, a list, or a frame (pandas, polars, Arrow, or chunks
                of them) with a ``code`` column (or
                ``columns={"Voucher": "code"}``), read as text: a column read as
                numbers is refused, since it has lost how the codes were written.
                Blank codes, codes with a space or a control character, and
                values that are not text are invalid; a repeated code is sent once.
            pool: The offer's numeric coupon pool id (Attentive > Offers).
            distribution_start: When the codes may first be handed out: a pandas
                ``Timestamp``, a ``datetime`` or text such as ``"2026-03-01 09:00"``
                (without a time zone: in ``timezone``); sent in UTC (``…Z``).
                Give both ends of the window, or neither (codes that never expire).
            distribution_stop: When they stop being handed out: after the start,
                and in the future. Attentive refuses a window that overlaps an
                earlier upload to the same offer, or a different kind of window.
            timezone: Time zone of a start or stop written without one.
            columns: ``{input column: "code"}`` when the column is not named code.
            dry_run: Check every code and report what would be sent; send nothing.
            resend: ``False``: skip requests accepted before and leave those whose
                answer was lost (``unknown``); ``"unknown"``: send those again too;
                ``True``: send everything again.
            progress: Show a progress bar while sending.
            workers: Requests on their way at once (default: enough for the rate limit).
            ledger: Where the send ledger lives (default
                ``.attentive_nb/ledger.sqlite`` in the working folder).

        Returns:
            SendReport: one line per code, in input order, with its status and reason.

        Raises:
            ConfigError: the pool, the window, or the codes cannot be sent as given;
                nothing was sent.
            LedgerError: the send ledger cannot be written; nothing was sent.
        """
        frame = coupon_frame(codes)
        plan = plan_coupons(
            frame,
            pool=pool,
            distribution_start=distribution_start,
            distribution_stop=distribution_stop,
            timezone=timezone,
            columns=columns,
        )
        options = RunOptions(dry_run, resend, False, progress, workers, ledger)
        return self._run(frame, plan, options)
