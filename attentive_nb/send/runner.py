"""The send stage's front: a Plan -> (dry run | confirmation, ledger, engine) -> SendReport.

:func:`run` is the body of every ``conn.send_*``: it asks for a confirmation
before messaging many people, opens a run in the ledger (a ``LedgerError``
here means nothing was sent), and builds the report from the outcomes the
:class:`~attentive_nb.send.engine.Engine` yields. It needs only what a
:class:`Target` offers, never the Connection itself.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import pandas as pd

from attentive_nb.errors import ConfigError, UnmappedColumns
from attentive_nb.http.client import Client
from attentive_nb.plan import Plan
from attentive_nb.plan.readings import LOOKS_LIKE
from attentive_nb.report import RowOutcome, SendReport
from attentive_nb.send.engine import Engine, RunOptions
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
    notes, company = list(plan.notes), None
    asked = _asked(df, plan, options.ignore)
    question = lookalike_question(asked)
    if options.dry_run:
        found = _would_send(plan)
        notes += [f"A real send stops here: {question}."] if question else []
    else:
        if question:  # sending without them would quietly drop a phone or an email
            raise UnmappedColumns(f"Nothing was sent: {question}.", columns=asked)
        _confirm(plan, options)
        company_id = target.company_id()
        company = target.company_name()
        found = list(_send(target.client, company_id, plan, options, notes))
    return SendReport(
        df,
        plan.identifiers,
        _with_remarks(df, plan, [*_invalid(plan), *found]),
        kind=plan.kind,
        dry_run=options.dry_run,
        notes=notes,
        company=company,
        sandbox=target.is_sandbox,
        elapsed_s=time.monotonic() - started,
        readings=plan.readings,
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


# -- columns that look like phones or emails but are not read --------------------------------


def _asked(df: pd.DataFrame, plan: Plan, ignore: Sequence[Hashable]) -> dict[Hashable, str]:
    """The look-alike columns not in ``ignore``, column -> the field they look like."""
    names = [ignore] if isinstance(ignore, str) else list(ignore)
    for name in names:
        if name not in df.columns:
            listed = ", ".join(repr(c) for c in df.columns)
            raise ConfigError(
                f"ignore= names {name!r}, which is not a column of the data ({listed})."
            )
    return {r.column: str(r.looks_like) for r in plan.lookalikes if r.column not in names}


def lookalike_question(asked: dict[Hashable, str]) -> str:
    """``column 'mobile_no' looks like phone numbers: map it with columns=… or pass ignore=…``."""
    if not asked:
        return ""
    cols = list(asked)
    looks = _and(list(dict.fromkeys(LOOKS_LIKE[f] for f in asked.values())))
    mapped = ", ".join(f"{c!r}: {f!r}" for c, f in asked.items())
    if len(cols) == 1:
        head = f"column {cols[0]!r} looks like {looks}: map it"
    else:
        head = f"columns {_and([repr(c) for c in cols])} look like {looks}: map them"
    return f"{head} with columns={{{mapped}}} or pass ignore={cols!r}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _send(
    client: Client, company_id: str, plan: Plan, options: RunOptions, notes: list[str]
) -> Iterator[RowOutcome]:
    """Open the ledger and a run in it (LedgerError before any request), then send."""
    ledger = _ledger(options.ledger)
    engine = None
    try:
        run_record = ledger.open_run(company_id, plan.endpoint.name)
        engine = Engine(client, plan, run_record, options)
        yield from engine.outcomes()
    finally:
        if engine is not None:
            notes.extend(engine.notes)
        # Workers left running after a second interrupt still record their answers.
        if ledger is not options.ledger and not (engine and engine.abandoned):
            ledger.close()


def _ledger(given: object) -> Ledger:
    if isinstance(given, Ledger):
        return given
    if given is None or isinstance(given, str | Path):
        return Ledger(given)
    raise ConfigError(f"ledger= must be a path or a Ledger, not {type(given).__name__}.")


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
