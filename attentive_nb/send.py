"""The send engine's front: DataFrame -> plan -> (dry run | Sender) -> SendReport.

Each ``send_*`` builds a :class:`~attentive_nb.plan.Plan` with the pure
mapping layer, then :func:`run` settles the rows that need no request
(invalid ones, repeats of the same person), asks for a confirmation before
messaging many people, and hands the rest to :class:`~attentive_nb.sender.Sender`.
"""

from __future__ import annotations

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


_PLAN_OPTIONS = ("columns", "default_region", "timezone")


def _split(options: dict[str, Any], *, timezone: bool = True) -> tuple[dict, RunOptions]:
    plan_opts = {k: options.pop(k) for k in _PLAN_OPTIONS if k in options}
    if not timezone:
        plan_opts.pop("timezone", None)
    try:
        return plan_opts, RunOptions(**options)
    except TypeError as error:
        unknown = str(error).replace("RunOptions.__init__() ", "")
        raise ConfigError(f"Unknown option: {unknown}") from None


def send_subscribers(
    conn: Connection,
    df: pd.DataFrame,
    *,
    sign_up_source_id: str | None = None,
    locale: Any = None,
    subscription_type: str | None = None,
    single_opt_in: bool = False,
    **options: Any,
) -> SendReport:
    plan_opts, run_opts = _split(options, timezone=False)
    plan = plan_subscribers(
        df,
        sign_up_source_id=sign_up_source_id,
        locale=locale,
        subscription_type=subscription_type,
        single_opt_in=single_opt_in,
        **plan_opts,
    )
    return run(conn, df, plan, run_opts)


def unsubscribe(
    conn: Connection,
    df: pd.DataFrame,
    *,
    subscriptions: Any = None,
    notify: bool = True,
    **options: Any,
) -> SendReport:
    plan_opts, run_opts = _split(options, timezone=False)
    plan = plan_unsubscribe(df, subscriptions=subscriptions, notify=notify, **plan_opts)
    return run(conn, df, plan, run_opts)


def send_attributes(
    conn: Connection, df: pd.DataFrame, *, bulk: bool = False, **options: Any
) -> SendReport:
    plan_opts, run_opts = _split(options)
    return run(conn, df, plan_attributes(df, bulk=bulk, **plan_opts), run_opts)


def send_events(
    conn: Connection,
    df: pd.DataFrame,
    *,
    event_type: str | None = None,
    type_column: str | None = None,
    occurred_at_column: str | None = None,
    event_id_column: str | None = None,
    **options: Any,
) -> SendReport:
    plan_opts, run_opts = _split(options)
    plan = plan_events(
        df,
        event_type=event_type,
        type_column=type_column,
        occurred_at_column=occurred_at_column,
        event_id_column=event_id_column,
        **plan_opts,
    )
    return run(conn, df, plan, run_opts)


def send_ecommerce(
    conn: Connection,
    df: pd.DataFrame,
    *,
    event: str = "purchase",
    group_by: str | None = None,
    currency: str = "USD",
    occurred_at_column: str | None = None,
    **options: Any,
) -> SendReport:
    plan_opts, run_opts = _split(options)
    plan = plan_ecommerce(
        df,
        event=event,
        group_by=group_by,
        currency=currency,
        occurred_at_column=occurred_at_column,
        **plan_opts,
    )
    return run(conn, df, plan, run_opts)


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
    """Rows settled before any request: invalid ones and repeats of the same person."""
    settled = {
        p: RowOutcome(p, "invalid", message="; ".join(reasons))
        for p, reasons in plan.invalid.items()
    }
    if not plan.skips_duplicates:
        return settled
    for position, first in plan.duplicates.items():
        if position not in settled:
            label = df.index[first]
            settled[position] = RowOutcome(
                position, "skipped", message=f"same person as row {label!r}; sent once"
            )
    return settled


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
