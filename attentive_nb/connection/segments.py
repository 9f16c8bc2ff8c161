"""The segment methods of a Connection: list, make, rename, delete, and sync from a frame."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from attentive_nb.connection.documented import Resend, documented
from attentive_nb.connection.part import ConnectionPart
from attentive_nb.errors import NotSignedIn, checked_arguments
from attentive_nb.plan import frames
from attentive_nb.plan.frames import FrameLike
from attentive_nb.plan.model import Columns
from attentive_nb.report import SendReport
from attentive_nb.send import segments
from attentive_nb.send.engine import BULK_WAIT_S, RunOptions
from attentive_nb.send.ledger import Ledger

Mode = Literal["mirror", "add", "remove"]


class Segments(ConnectionPart):
    """``segments``, ``create_segment``, ``rename_segment``, ``delete_segment`` and
    ``sync_segment``."""

    def segments(self) -> pd.DataFrame:
        """The segments made through the API (``GET /v2/segments``; Attentive lists no others).

        Returns:
            DataFrame: ``external_id``, ``name``, ``description``, ``created``, ``updated``.
        """
        return segments.segments_frame(self.client)

    @checked_arguments
    def create_segment(
        self, name: str, *, description: str | None = None, external_id: str | None = None
    ) -> dict[str, Any]:
        """Make an empty segment: ``POST /v2/segments``.

        Args:
            name: 1 to 240 characters (trimmed).
            description: 2 to 500 characters (trimmed); Attentive writes its own without.
            external_id: Your id for it, 1 to 255 characters; Attentive makes one without.

        Returns:
            dict: Attentive's answer: ``externalId``, ``name``, ``description``.
        """
        return segments.create(self.client, name, description=description, external_id=external_id)

    @checked_arguments
    def rename_segment(
        self, segment: str, *, name: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        """A new name and/or description: ``PATCH /v2/segments/external/{externalId}``.

        Args:
            segment: Its external id, or its exact name (a name two segments share is refused).
            name: The new name, 1 to 240 characters.
            description: The new description, 2 to 500 characters.
        """
        return segments.rename(self.client, segment, name=name, description=description)

    @checked_arguments
    def delete_segment(self, segment: str, *, confirm: bool = False) -> str:
        """Delete a segment at Attentive: ``DELETE /v2/segments/external/{externalId}``.

        Asks you to type DELETE first, and refuses without it, unless ``confirm=True``.

        Args:
            segment: Its external id, or its exact name.
            confirm: Go ahead without asking.
        """
        return segments.delete(self.client, segment, confirm=confirm)

    @documented
    @checked_arguments
    def sync_segment(
        self,
        df: FrameLike,
        segment: str,
        *,
        mode: Mode = "mirror",
        create: bool = True,
        wait: float = BULK_WAIT_S,
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
        """Make a segment hold the frame's people: ``POST``/``DELETE /v2/bulk/segments/members``.

        Up to 10,000 members a request, each a bulk job Attentive runs later
        (rows ``submitted``, then ``sent``/``rejected``/``failed`` after
        ``report.refresh()``). Rows naming one person are one member; rows
        that disagree about a person are refused. The summary says
        ``+N added, -M removed, K unchanged`` before anything is sent.

        ``mode="mirror"`` adds the frame's people not yet in it and takes out
        those this folder's ledger put in before who are no longer in the
        frame (``report.removed``, masked). Attentive cannot list a segment's
        members, so people put in the segment some other way are not touched.
        ``"add"`` only adds, ``"remove"`` takes the frame's people out.
        Membership is idempotent: lost answers are retried, re-runs send what
        did not apply, and an unchanged re-run sends nothing. The frame is read
        whole first (not a chunk at a time), in every mode: the summary line counts
        every member before anything is sent, rows naming one person anywhere in
        the frame are one member (and rows that disagree are refused), and a mirror
        needs everyone in the frame.

        Args:
            df: One row per person: a phone, email and/or ``client_user_id`` column.
            segment: The segment's external id or exact name.
            mode: ``"mirror"``, ``"add"`` or ``"remove"``.
            create: Make the segment (named ``segment``) when Attentive has none by that
                name or id; ``False`` stops and says so.
            wait: Seconds to wait for Attentive to run the jobs before returning.
            columns: ``{input column: field}`` for columns not recognised by name.
            default_region: Country of phone numbers written without ``+``.
        {run_options}
            Taking more than 1,000 people out needs ``confirm=True`` (or typing REMOVE).
        """
        df = frames.whole(df)
        if not self.signed_in:
            raise NotSignedIn()
        options = RunOptions(
            dry_run, resend, confirm, progress, workers, ledger, ignore, bulk_wait_s=wait
        )
        how = segments.SyncOptions(mode, create, columns, default_region)
        target: Any = self  # a Connection: the runner's Target
        return segments.sync(target, df, segment, how, options)
