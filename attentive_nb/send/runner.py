"""The send stage's front: a Plan -> (dry run | confirmation, ledger, engine) -> SendReport.

:func:`run` is the body of every ``conn.send_*``: it asks for a confirmation
before messaging many people, opens a run in the ledger (a ``LedgerError``
here means nothing was sent), and builds the report from the outcomes the
:class:`~attentive_nb.send.engine.Engine` yields. Rows submitted in v2 bulk
jobs get a follow-up (``report.refresh()``), and the run waits for those
jobs up to ``bulk_wait_s`` before returning. It needs only what a
:class:`Target` offers, never the Connection itself.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.http.client import Client
from attentive_nb.plan import Plan
from attentive_nb.report import RowOutcome, SendReport
from attentive_nb.send.engine import Engine, RunOptions, estimate_line
from attentive_nb.send.jobs import BulkFollowUp, open_ledger
from attentive_nb.send.ledger import Ledger
from attentive_nb.send.resend import CHOICES as RESEND_CHOICES

#: Above this many rows, subscribe and unsubscribe need an explicit confirmation.
CONFIRM_ABOVE = 1000


class Target(Protocol):
    """Where a send goes: what the runner needs of a signed-in connection."""

    @property
    def client(self) -> Client: ...

    @property
    def is_sandbox(self) -> bool: ...

    def company_id(self) -> str: ...

    def company_name(self) -> str | None: ...


def run(target: Target, df: pd.DataFrame, plan: Plan, options: RunOptions) -> SendReport:
    """Carry out a plan (or only report it, in a dry run) and report every row."""
    check_options(options)
    started = time.monotonic()
    notes, company, sending = list(plan.notes), None, None
    if options.dry_run:
        found = _would_send(plan)
    else:
        _confirm(plan, options)
        sending = _Sending(target.client, target.company_id(), plan, options)
        company = target.company_name()
        found = list(sending.outcomes())
        notes.extend(sending.notes)
    report = SendReport(
        df,
        plan.identifiers,
        _with_remarks(df, plan, [*_invalid(plan), *found]),
        kind=plan.kind,
        dry_run=options.dry_run,
        notes=notes,
        company=company,
        sandbox=target.is_sandbox,
        follow_up=sending.follow_up() if sending else None,
    )
    if sending and sending.may_wait() and options.bulk_wait_s > 0:
        options.say(
            f"Waiting up to {options.bulk_wait_s:g} s for Attentive to run the bulk jobs "
            "(report.refresh() asks again later)."
        )
        report.refresh(wait=options.bulk_wait_s)
    report.elapsed_s = time.monotonic() - started
    return report


def check_options(options: RunOptions) -> None:
    """ConfigError for run options that cannot be right, before anything else happens."""
    resend = options.resend
    if not any(resend is c if isinstance(c, bool) else resend == c for c in RESEND_CHOICES):
        raise ConfigError(
            f"resend={resend!r}: use False (skip what was sent before), 'unknown' (also send "
            "again the rows whose answer was lost) or True (send everything again)."
        )
    if options.workers is not None and not (
        isinstance(options.workers, int) and options.workers > 0
    ):
        raise ConfigError(f"workers={options.workers!r}: give a whole number above 0, or None.")


class _Sending:
    """One send: the ledger run and the engine; what it leaves besides its rows."""

    def __init__(self, client: Client, company_id: str, plan: Plan, options: RunOptions) -> None:
        self.client, self.company_id, self.plan, self.options = client, company_id, plan, options
        self.notes: list[str] = []
        self.engine: Engine | None = None
        self.ledger_path: Path | None = None

    def outcomes(self) -> Iterator[RowOutcome]:
        """Open the ledger and a run in it (LedgerError before any request), then send."""
        ledger = open_ledger(self.options.ledger)
        self.ledger_path = ledger.path
        try:
            run_record = ledger.open_run(self.company_id, self.plan.endpoint.name)
            self.options.say(estimate_line(self.plan))
            self.engine = Engine(self.client, self.plan, run_record, self.options)
            yield from self.engine.outcomes()
        finally:
            if self.engine is not None:
                self.notes.extend(self.engine.notes)
            # Workers left running after a second interrupt still record their answers.
            if ledger is not self.options.ledger and not (self.engine and self.engine.abandoned):
                ledger.close()

    def follow_up(self) -> BulkFollowUp | None:
        """The follow-up of the bulk jobs Attentive accepted (None: there were none)."""
        if self.engine is None or not self.engine.submitted or self.ledger_path is None:
            return None
        given = self.options.ledger
        where = given if isinstance(given, Ledger) else self.ledger_path
        return BulkFollowUp(self.client, where, self.company_id, self.engine.submitted)

    def may_wait(self) -> bool:
        """Jobs to wait for, and the send was neither interrupted nor stopped early."""
        return bool(self.engine and self.engine.submitted and not self.engine.stop.is_set())


def _invalid(plan: Plan) -> Iterator[RowOutcome]:
    for p, reasons in plan.invalid.items():
        yield RowOutcome(p, "invalid", message="; ".join(reasons))


def _would_send(plan: Plan) -> list[RowOutcome]:
    return [RowOutcome(p, "would_send") for p in range(plan.n_rows) if p not in plan.invalid]


_CARRIED = ": one request carries both"
_REPEAT_REMARKS = {
    "subscribers": "same person as row {row}" + _CARRIED,
    "unsubscribe": "same person as row {row}" + _CARRIED,
    "events": "same event as row {row} (same externalEventId)" + _CARRIED,
    "attributes": "same person as row {row}; the later values win",
}


def _with_remarks(
    df: pd.DataFrame, plan: Plan, records: Iterable[RowOutcome]
) -> Iterator[RowOutcome]:
    """Each outcome, with a remark on the rows that repeat an earlier row."""
    template = _REPEAT_REMARKS.get(plan.kind, "same as row {row}")
    for record in records:
        first = plan.duplicates.get(record.position)
        if first is not None and record.status != "invalid":
            remark = template.format(row=_label(df.index[first]))
            message = f"{record.message}; {remark}" if record.message else remark
            record = dataclasses.replace(record, message=message)
        yield record


def _label(label: object) -> str:
    item = getattr(label, "item", None)
    return repr(item() if callable(item) else label)


_VERBS = {"subscribers": "subscribe", "unsubscribe": "unsubscribe", "attributes": "subscribe"}


def _confirm(plan: Plan, options: RunOptions) -> None:
    """Subscribe/unsubscribe of many people needs a yes, typed or passed."""
    rows = plan.n_valid
    if not plan.endpoint.messages_people or rows <= CONFIRM_ABOVE or options.confirm:
        return
    verb = _VERBS.get(plan.kind, plan.kind)
    question = (
        f"This will {verb} {rows:,} people, and Attentive may text or "
        "email each of them. Type SEND to go ahead: "
    )
    try:
        answer = input(question)
    except (EOFError, OSError, NotImplementedError):
        answer = ""
    if answer.strip() != "SEND":
        raise ConfigError(
            f"Not sent: {rows:,} rows would {verb} real people. Pass confirm=True "
            "(or --yes on the command line), or type SEND when asked, to go ahead."
        )
