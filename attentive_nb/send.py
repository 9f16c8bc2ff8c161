"""The send engine's front: DataFrame -> plan -> (dry run | engine) -> SendReport.

Each ``conn.send_*`` builds a :class:`~attentive_nb.plan.Plan` with the
pure mapping layer (its options are those of the matching ``plan_*``), then
:func:`run` asks for a confirmation before messaging many people, opens a
run in the ledger, and builds the report from the outcomes the
:class:`~attentive_nb.engine.Engine` yields.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attentive_nb.engine import Engine, RunOptions, estimate_line
from attentive_nb.errors import ConfigError
from attentive_nb.ledger import Ledger
from attentive_nb.plan import (
    Plan,
    plan_attributes,
    plan_ecommerce,
    plan_events,
    plan_subscribers,
    plan_unsubscribe,
)
from attentive_nb.report import RowOutcome, SendReport
from attentive_nb.resend import CHOICES as resend_choices

if TYPE_CHECKING:
    import pandas as pd

    from attentive_nb.connection import Connection

#: Above this many rows, subscribe and unsubscribe need an explicit confirmation.
CONFIRM_ABOVE = 1000

#: What each Connection method plans with.
PLANNERS: dict[str, Callable[..., Plan]] = {
    "send_subscribers": plan_subscribers,
    "unsubscribe": plan_unsubscribe,
    "send_attributes": plan_attributes,
    "send_events": plan_events,
    "send_ecommerce": plan_ecommerce,
}
_RUN_OPTIONS = frozenset(f.name for f in dataclasses.fields(RunOptions))


def send(conn: Connection, method: str, df: pd.DataFrame, options: dict[str, Any]) -> SendReport:
    """Plan with the method's planner, then run: the body of every ``conn.send_*``."""
    planner = PLANNERS[method]
    plan_options = {k: v for k, v in options.items() if k not in _RUN_OPTIONS}
    try:
        inspect.signature(planner).bind(df, **plan_options)
    except TypeError as error:
        raise ConfigError(f"{method}() does not take that option: {error}.") from None
    run_options = RunOptions(**{k: v for k, v in options.items() if k in _RUN_OPTIONS})
    _check_resend(run_options.resend)
    return run(conn, df, planner(df, **plan_options), run_options)


def run(conn: Connection, df: pd.DataFrame, plan: Plan, options: RunOptions) -> SendReport:
    """Carry out a plan (or only report it, in a dry run) and report every row."""
    started = time.monotonic()
    notes, company = list(plan.notes), None
    if options.dry_run:
        found = _would_send(plan)
    else:
        _confirm(plan, plan.n_valid, options)
        company_id = conn.company_id()
        company = (conn.company or {}).get("companyName")
        found = list(_send(conn.client, company_id, plan, options, notes))
    return SendReport(
        df,
        plan.identifiers,
        _with_remarks(df, plan, [*_invalid(plan), *found]),
        kind=plan.kind,
        dry_run=options.dry_run,
        notes=notes,
        company=company,
        sandbox=conn.is_sandbox,
        elapsed_s=time.monotonic() - started,
    )


def _send(client, company_id: str, plan: Plan, options: RunOptions, notes: list[str]):
    """Open the ledger and a run in it (LedgerError before any request), then send."""
    ledger = _ledger(options.ledger)
    engine = None
    try:
        run_record = ledger.open_run(company_id, plan.endpoint.name)
        options.say(estimate_line(plan))
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


def _check_resend(resend: object) -> None:
    if not any(resend is c if isinstance(c, bool) else resend == c for c in resend_choices):
        raise ConfigError(
            f"resend={resend!r}: use False (skip what was sent before), 'unknown' (also send "
            "again the rows whose answer was lost) or True (send everything again)."
        )


def _invalid(plan: Plan) -> Iterator[RowOutcome]:
    for p, reasons in plan.invalid.items():
        yield RowOutcome(p, "invalid", message="; ".join(reasons))


def _would_send(plan: Plan) -> list[RowOutcome]:
    return [RowOutcome(p, "would_send") for p in range(plan.n_rows) if p not in plan.invalid]


_CARRIED = ": one request carries both"
_REPEAT_REMARKS = {
    "subscribe": "same person as row {row}" + _CARRIED,
    "unsubscribe": "same person as row {row}" + _CARRIED,
    "events": "same event as row {row} (same externalEventId)" + _CARRIED,
    "attributes": "same person as row {row}; the later values win",
    "attributes_bulk": "same person as row {row}; the later values win",
}


def _with_remarks(df: pd.DataFrame, plan: Plan, records: Iterable[RowOutcome]):
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
    plain = label.item() if hasattr(label, "item") else label
    return repr(plain)


def _confirm(plan: Plan, rows: int, options: RunOptions) -> None:
    """Subscribe/unsubscribe of many people needs a yes, typed or passed."""
    if not plan.endpoint.messages_people or rows <= CONFIRM_ABOVE or options.confirm:
        return
    question = (
        f"This will {plan.kind} {rows:,} people, and Attentive may text or "
        "email each of them. Type SEND to go ahead: "
    )
    try:
        answer = input(question)
    except (EOFError, OSError, NotImplementedError):
        answer = ""
    if answer.strip() != "SEND":
        raise ConfigError(
            f"Not sent: {rows:,} rows would {plan.kind} real people. Pass confirm=True "
            "(or --yes on the command line), or type SEND when asked, to go ahead."
        )
