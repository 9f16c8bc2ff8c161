"""The send engine's front: DataFrame -> plan -> (dry run | Sender) -> SendReport.

Each ``conn.send_*`` builds a :class:`~attentive_nb.plan.Plan` with the
pure mapping layer (its options are those of the matching ``plan_*``), then
:func:`run` settles the rows that need no request (invalid ones, repeats of
the same person), asks for a confirmation before messaging many people, and
hands the rest to :class:`~attentive_nb.sender.Sender`.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from attentive_nb.errors import ConfigError
from attentive_nb.journal import Journal
from attentive_nb.plan import (
    Plan,
    plan_attributes,
    plan_ecommerce,
    plan_events,
    plan_subscribers,
    plan_unsubscribe,
)
from attentive_nb.report import RowOutcome, SendReport
from attentive_nb.sender import Sender

if TYPE_CHECKING:
    import pandas as pd

    from attentive_nb.connection import Connection

#: Above this many rows, subscribe and unsubscribe need an explicit confirmation.
CONFIRM_ABOVE = 1000


@dataclass
class RunOptions:
    """How to send: the options every send_* call shares."""

    dry_run: bool = False
    progress: bool = True
    resend: bool = False
    confirm: bool = False
    workers: int | None = None
    bulk_wait_s: float = 600.0
    journal: Journal | None = None
    say: Callable[[str], None] = print
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)


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
    return run(conn, df, planner(df, **plan_options), run_options)


def run(conn: Connection, df: pd.DataFrame, plan: Plan, options: RunOptions) -> SendReport:
    """Carry out a plan (or only report it, in a dry run) and report every row."""
    started = time.monotonic()
    results: dict[int, RowOutcome] = {}
    results.update(_upfront_outcomes(df, plan))
    notes = list(plan.notes)
    company = None
    if options.dry_run:
        results.update(_would_send(plan, results))
    else:
        _confirm(plan, plan.n_valid, options)
        conn.company_id()
        company = (conn.company or {}).get("companyName")
        Sender(conn, plan, options, results, notes).send()
    if not plan.skips_duplicates:
        _flag_repeats(df, plan, results)
    return SendReport(
        df,
        plan.identifiers,
        results.values(),
        kind=plan.kind,
        dry_run=options.dry_run,
        notes=notes,
        company=company,
        sandbox=conn.is_sandbox,
        elapsed_s=time.monotonic() - started,
    )


def _upfront_outcomes(df: pd.DataFrame, plan: Plan) -> dict[int, RowOutcome]:
    """Rows settled before any request: invalid ones, and repeats sent once."""
    settled = {
        p: RowOutcome(p, "invalid", message="; ".join(reasons))
        for p, reasons in plan.invalid.items()
    }
    if plan.skips_duplicates:
        for position, first in plan.duplicates.items():
            settled.setdefault(
                position, RowOutcome(position, "skipped", message=_repeat(df, plan, first))
            )
    return settled


_REPEAT_REMARKS = {
    "subscribe": "same person as row {row!r}; sent once",
    "unsubscribe": "same person as row {row!r}; sent once",
    "events": "same event as row {row!r} (same externalEventId)",
    "attributes": "same person as row {row!r}; the later values win",
    "attributes_bulk": "same person as row {row!r}; the later values win",
}


def _repeat(df: pd.DataFrame, plan: Plan, first: int) -> str:
    """Why a row is flagged as repeating an earlier one (by its index label)."""
    template = _REPEAT_REMARKS.get(plan.kind, "same person as row {row!r}")
    return template.format(row=df.index[first])


def _flag_repeats(df: pd.DataFrame, plan: Plan, results: dict[int, RowOutcome]) -> None:
    """Rows sent although they repeat an earlier row (events, attributes): say so."""
    for position, first in plan.duplicates.items():
        outcome = results[position]
        remark = _repeat(df, plan, first)
        message = f"{outcome.message}; {remark}" if outcome.message else remark
        results[position] = dataclasses.replace(outcome, message=message)


def _would_send(plan: Plan, settled: dict[int, RowOutcome]) -> dict[int, RowOutcome]:
    return {p: RowOutcome(p, "would_send") for p in range(plan.n_rows) if p not in settled}


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
