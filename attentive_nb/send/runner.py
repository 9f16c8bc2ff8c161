"""The send stage's front: a Plan -> (dry run | confirmation, ledger, engine) -> SendReport.

:func:`run` is the body of every ``conn.send_*`` (and of the look-ups and
links): it asks for a confirmation before messaging many people, opens a run
in the ledger (a ``LedgerError`` here means nothing was sent; a look-up has
none, see :mod:`~attentive_nb.send.reads`), says what Attentive will accept
but not act on, and builds the report from the outcomes the
:class:`~attentive_nb.send.engine.Engine` yields, with a look-up's answers as
columns. It needs only what a :class:`Target` offers, never the Connection itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.http.client import Client
from attentive_nb.plan import Plan
from attentive_nb.report import Outcomes, RowOutcome, SendReport
from attentive_nb.report.lookups import result_columns
from attentive_nb.send.engine import Engine, RunOptions, estimate_line
from attentive_nb.send.ledger import Ledger
from attentive_nb.send.reads import NOT_RECORDED
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
    notes, company, results = list(plan.notes), None, None
    outcomes = Outcomes(plan.n_rows)
    invalid = np.fromiter(plan.invalid, dtype=np.intp, count=len(plan.invalid))
    outcomes.add_many(invalid, "invalid", ["; ".join(r) for r in plan.invalid.values()])
    if options.dry_run:
        outcomes.add_many(_valid_positions(plan, invalid), "would_send")
    else:
        _confirm(plan, options)
        company_id = target.company_id()
        company = target.company_name()
        for record in _send(target.client, company_id, plan, options, notes):
            outcomes.add(record)
        results = result_columns(plan.kind, outcomes.answers, plan.n_rows)
    _remark_repeats(df, plan, outcomes)
    return SendReport(
        df,
        plan.identifiers,
        outcomes,
        kind=plan.kind,
        dry_run=options.dry_run,
        notes=notes,
        company=company,
        sandbox=target.is_sandbox,
        elapsed_s=time.monotonic() - started,
        results=results,
    )


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


def _send(
    client: Client, company_id: str, plan: Plan, options: RunOptions, notes: list[str]
) -> Iterator[RowOutcome]:
    """Open the ledger and a run in it (LedgerError before any request), then send.

    A look-up opens no ledger: it changes nothing, so there is nothing to record.
    """
    ledger = None if plan.endpoint.reads else _ledger(options.ledger)
    engine = None
    try:
        run_record = (
            NOT_RECORDED if ledger is None else ledger.open_run(company_id, plan.endpoint.name)
        )
        options.say(estimate_line(plan))
        for warning in plan.warnings:
            options.say(f"Note: {warning}")
        engine = Engine(client, plan, run_record, options)
        yield from engine.outcomes()
    finally:
        if engine is not None:
            notes.extend(engine.notes)
        # Workers left running after a second interrupt still record their answers.
        abandoned = engine is not None and engine.abandoned
        if ledger is not None and ledger is not options.ledger and not abandoned:
            ledger.close()


def _ledger(given: object) -> Ledger:
    if isinstance(given, Ledger):
        return given
    if given is None or isinstance(given, str | Path):
        return Ledger(given)
    raise ConfigError(f"ledger= must be a path or a Ledger, not {type(given).__name__}.")


def _valid_positions(plan: Plan, invalid: np.ndarray) -> np.ndarray:
    valid = np.ones(plan.n_rows, dtype=bool)
    valid[invalid] = False
    return np.flatnonzero(valid)


_CARRIED = ": one request carries both"
_REPEAT_REMARKS = {
    "subscribers": "same person as row {row}" + _CARRIED,
    "unsubscribe": "same person as row {row}" + _CARRIED,
    "events": "same event as row {row} (same externalEventId)" + _CARRIED,
    "attributes": "same person as row {row}; the later values win",
    "link_identifiers": "same link as row {row}" + _CARRIED,
    "lookup_subscriptions": "same person as row {row}: one look-up answers both",
    "lookup_attributes": "same person as row {row}: one look-up answers both",
}


def _remark_repeats(df: pd.DataFrame, plan: Plan, outcomes: Outcomes) -> None:
    """A remark on each row that repeats an earlier row (not on invalid ones)."""
    template = _REPEAT_REMARKS.get(plan.kind, "same as row {row}")
    for position, first in plan.duplicates.items():
        if outcomes.status[position] != "invalid":
            outcomes.remark(position, template.format(row=_label(df.index[first])))


def _label(label: object) -> str:
    item = getattr(label, "item", None)
    return repr(item() if callable(item) else label)


_VERBS = {"subscribers": "subscribe", "unsubscribe": "unsubscribe"}


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
