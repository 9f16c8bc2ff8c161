"""What the ledger would skip, asked before sending: for a dry run and the confirmation.

A dry run that ignored the ledger would say ``would_send 4,185`` right after
a full send, and the confirmation would ask to subscribe people the run
then skips. :func:`preview` decides every unit of a plan by the same resend
rule the engine uses (people included), reading the ledger and never writing
it: the file is opened read-only, and a file that is not there yet knows
nothing (it is not created).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from attentive_nb.errors import LedgerError
from attentive_nb.plan import Plan
from attentive_nb.send.ledger import Ledger, LedgerRun, Verdict, default_path
from attentive_nb.send.ledger_file import check_identity, check_not_truncated
from attentive_nb.send.resend import policy

CHUNK_ROWS = 5000


@dataclass
class Preview:
    """The units the ledger would not send: each row position's verdict, and their tally."""

    held: dict[int, Verdict] = field(default_factory=dict)
    tally: Counter[str] = field(default_factory=Counter)
    units: int = 0  # how many units (requests, people) the ledger would keep from being sent

    @property
    def skipped(self) -> int:
        """How many rows the ledger would keep from being sent."""
        return len(self.held)


class _ReadOnly(Ledger):
    """The ledger file opened read-only: a query cannot change it, nor create it.

    With no write-ahead log beside it (no run is writing), it is read as
    immutable, so SQLite does not even create its ``-wal`` and ``-shm`` files;
    with one, those files are already there and the run's latest claims are in it.
    """

    def _open(self) -> sqlite3.Connection:
        with self._translated("read"):
            live = self.path.with_name(self.path.name + "-wal").exists()
            uri = f"{self.path.resolve().as_uri()}?mode=ro" + ("" if live else "&immutable=1")
            check_not_truncated(self.path)
            db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30.0)
            try:
                check_identity(self.path, db)  # another program's file is refused here too
            except LedgerError:
                db.close()
                raise
            return db


def preview(
    plan: Plan,
    company_id: Callable[[], str],
    ledger: str | Path | Ledger | None,
    resend: bool | str,
) -> Preview:
    """The rows of ``plan`` the ledger would skip (or keep unknown), by the one resend rule.

    ``company_id`` is asked only when there is a ledger to read.
    """
    found = Preview()
    if plan.endpoint.reads:
        return found
    given = ledger if isinstance(ledger, Ledger) else None
    path = Path(ledger) if isinstance(ledger, (str, Path)) else default_path()
    if given is None and not path.is_file():
        return found
    view = given or _ReadOnly(path)
    try:
        _decide(view, plan, str(company_id()), resend, found)
    finally:
        if view is not given:
            view.close()
    return found


def _decide(view: Ledger, plan: Plan, company_id: str, resend: bool | str, found: Preview) -> None:
    tables = _tables(view)
    if not {"requests", "runs"} <= tables:
        return
    reach = plan.endpoint.reaches if "people" in tables else None
    decide = policy(resend, plan.endpoint.resend_safe, reach)
    run = LedgerRun(view, company_id, plan.endpoint.name, "dry-run")
    for chunk in plan.requests(CHUNK_ROWS):
        with view.reading() as db:
            people = [r.people for r in chunk] if reach else None
            seen = run.known(db, [r.key for r in chunk], people, bool(reach and reach.every))
        for unit, known in zip(chunk, seen):
            verdict = decide(known)
            found.tally[verdict.tally] += len(unit.positions) if verdict.tally else 0
            if not verdict.send:
                found.held.update(dict.fromkeys(unit.positions, verdict))
                found.units += 1


def _tables(view: Ledger) -> set[str]:
    with view.reading() as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
