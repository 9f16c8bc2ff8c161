"""The send stage's front: a Plan -> (dry run | confirmation, ledger, engine) -> SendReport.

:func:`run` is the body of every ``conn.send_*`` (and of the look-ups and
links): it stops before anything is sent when a column that is not read looks
like phones or emails, asks for a confirmation before messaging many people,
opens a run in the ledger (a ``LedgerError`` here means nothing was sent; a
look-up has none, see :mod:`~attentive_nb.send.reads`), and builds the report
from the outcomes the :class:`~attentive_nb.send.engine.Engine` yields (the
engine says the estimate, and what Attentive will accept but not act on, at
the first request it really sends), with a look-up's answers as columns.
Rows submitted in v2 bulk jobs get a follow-up (``report.refresh()``), and
the run waits for those jobs up to ``bulk_wait_s`` before returning. It needs
only what a :class:`Target` offers, never the Connection itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from itertools import chain
from typing import Protocol

import numpy as np
import pandas as pd

from attentive_nb.errors import ConfigError, UnmappedColumns
from attentive_nb.http.client import Client
from attentive_nb.plan import Plan, frames
from attentive_nb.plan.readings import LOOKS_LIKE
from attentive_nb.report import Outcomes, RowOutcome, SendReport
from attentive_nb.report.chunks import ChunkIndex
from attentive_nb.report.lookups import result_columns
from attentive_nb.send import stream
from attentive_nb.send.engine import Engine, RunOptions
from attentive_nb.send.jobs import BulkFollowUp, open_ledger
from attentive_nb.send.ledger import Ledger
from attentive_nb.send.preview import Preview, preview
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
    notes, company, results, sending = list(plan.notes), None, None, None
    asked = _asked(df, plan, options.ignore)
    question = lookalike_question(asked)
    outcomes = Outcomes(plan.n_rows)
    invalid = np.fromiter(plan.invalid, dtype=np.intp, count=len(plan.invalid))
    outcomes.add_many(invalid, "invalid", ["; ".join(r) for r in plan.invalid.values()])
    nothing = np.fromiter(plan.skipped, dtype=np.intp, count=len(plan.skipped))
    outcomes.add_many(nothing, "skipped", list(plan.skipped.values()))  # nothing to send
    if options.dry_run:
        notes += _dry_run(target, plan, options, outcomes, np.concatenate([invalid, nothing]))
        notes += [f"A real send stops here: {question}."] if question else []
    else:
        if question:  # sending without them would quietly drop a phone or an email
            raise UnmappedColumns(f"Nothing was sent: {question}.", columns=asked)
        _confirm(
            plan, options, lambda: preview(plan, target.company_id, options.ledger, options.resend)
        )
        sending = _Sending(target.client, target.company_id(), plan, options)
        company = target.company_name()
        for record in sending.outcomes():
            outcomes.add(record)
        notes.extend(sending.notes)
        results = result_columns(plan.kind, outcomes.answers, plan.n_rows)
    _remark_repeats(df, plan, outcomes)
    report = SendReport(
        df,
        plan.identifiers,
        outcomes,
        kind=plan.kind,
        dry_run=options.dry_run,
        notes=notes,
        company=company,
        sandbox=target.is_sandbox,
        results=results,
        follow_up=sending.follow_up() if sending else None,
        readings=plan.readings,
    )
    if sending:
        _wait_for_jobs(report, sending, options)
    report.elapsed_s = time.monotonic() - started
    return report


def run_streamed(
    target: Target, data: object, planner: Callable[[pd.DataFrame], Plan], options: RunOptions
) -> SendReport:
    """Plan and send ``data`` chunk by chunk (:mod:`~attentive_nb.send.stream`), or as one
    frame when it is small, a dry run, or its first chunk's send asks for a confirmation."""
    check_options(options)

    def whole(source: object) -> SendReport:
        df = frames.whole(source)
        return run(target, df, planner(df), options)

    small = isinstance(data, pd.DataFrame) and len(data) <= stream.STREAM_ROWS
    if options.dry_run or small:  # a dry run reads everything first; a small frame as ever
        return whole(data)
    started = time.monotonic()
    chunks, total = frames.pieces(data, stream.STREAM_ROWS)
    if total is not None and total <= stream.STREAM_ROWS:  # one frame, not large: as ever
        return whole(data)
    seen = ChunkIndex() if total is None else None  # chunks as given: named in the table
    pieces = stream.resliced(chunks, seen)
    first_rows = next(pieces, None)
    if first_rows is None:  # an empty iterator: nothing to send, a report of no rows
        return _empty_report(target, options)
    positional = not isinstance(data, pd.DataFrame)
    if positional:
        first_rows = first_rows.set_axis(pd.RangeIndex(len(first_rows)))
    first = planner(first_rows)
    subscribes = any(str(f).startswith("subscriptions.") for f in first.column_map.values())
    asks = first.endpoint.messages_people or first.endpoint.irreversible
    if asks or subscribes or first.whole_input:
        # a send that asks for a confirmation: everything read first, the count known.
        # A bulk load that maps a sign-up source counts too: a later chunk may subscribe.
        # And a plan whose units group rows from anywhere in the input (orders' lines).
        return whole(data if isinstance(data, pd.DataFrame) else chain([first_rows], pieces))
    asked = _asked(first_rows, first, options.ignore)
    if asked:  # the first chunk's columns are every chunk's
        question = lookalike_question(asked)
        raise UnmappedColumns(f"Nothing was sent: {question}.", columns=asked)
    streamed = stream.StreamPlan(first, first_rows, pieces, planner, total, positional=positional)
    sending = _Sending(target.client, target.company_id(), streamed, options)
    company = target.company_name()
    for record in sending.outcomes():
        streamed.outcomes.add(record)
    read = streamed.rows_read()
    n = read if total is None else total
    if n > read:
        why = f"not sent: {streamed.error or 'the run stopped before these rows were read'}"
        unread = frames.tail(data, read) if positional else None  # kept for to_retry
        streamed.outcomes.add_many(read, n - read, "not_sent", why, unread)
    outcomes = streamed.outcomes.joined(n, streamed.carried)
    notes = streamed.notes + sending.notes + streamed.stream_notes()
    index = data.index if isinstance(data, pd.DataFrame) else pd.RangeIndex(n)
    _remark_repeats(pd.DataFrame(index=index), streamed, outcomes)
    kept = None
    if positional:  # no frame of the caller's: the rows that need another go, as read
        positions, rows, kept_ids = streamed.outcomes.kept(outcomes)
        identifiers = stream.sparse_identifiers(n, positions, kept_ids)
        kept = (positions, rows)
    else:
        identifiers = None
        if streamed.identifier_parts:
            identifiers = pd.concat(streamed.identifier_parts).reindex(index)
    report = SendReport(
        data if isinstance(data, pd.DataFrame) else None,
        identifiers,
        outcomes,
        kind=first.kind,
        notes=notes,
        company=company,
        sandbox=target.is_sandbox,
        follow_up=sending.follow_up(),
        readings=first.readings,
        results=result_columns(first.kind, outcomes.answers, n),
        index=index,
        kept=kept,
        chunks=seen.upto(n) if seen is not None else None,
        unfinished=streamed.unfinished(),
    )
    _wait_for_jobs(report, sending, options)
    unkept = int(stream.RETRY_CODES[outcomes.codes].sum()) - len(report.to_retry)
    if positional and (report.counts["submitted"] or unkept):
        report.notes.append(_SUBMITTED_NOT_KEPT)
    report.elapsed_s = time.monotonic() - started
    return report


def _wait_for_jobs(report: SendReport, sending: _Sending, options: RunOptions) -> None:
    """Wait a while (``wait=``) for the bulk jobs a send submitted, so the report can say."""
    if sending.may_wait() and options.bulk_wait_s > 0:
        options.say(
            f"Waiting up to {options.bulk_wait_s:g} s for Attentive to run the bulk jobs "
            "(report.refresh() asks again later)."
        )
        report.refresh(wait=options.bulk_wait_s)


_SUBMITTED_NOT_KEPT = (
    "The rows in bulk jobs are not kept for to_retry (a streamed run keeps only the rows "
    "that need another go): if refresh() finds some rejected or failed, the table names "
    "them by position; sending the same input again sends only those (the ledger skips "
    "what Attentive applied)."
)


def _empty_report(target: Target, options: RunOptions) -> SendReport:
    empty = pd.DataFrame()
    return SendReport(
        empty,
        None,
        Outcomes(0),
        kind="",
        dry_run=options.dry_run,
        notes=["The input had no rows: nothing to send."],
        sandbox=target.is_sandbox,
    )


def _dry_run(
    target: Target, plan: Plan, options: RunOptions, outcomes: Outcomes, settled: np.ndarray
) -> list[str]:
    """The rows to send ``would_send``, but for those the ledger would skip (read, not written).

    ``settled``: the rows the plan itself settled (invalid, or nothing to send).
    """
    seen = preview(plan, target.company_id, options.ledger, options.resend)
    held = seen.held
    for position, verdict in held.items():
        outcomes.add(RowOutcome(position, verdict.status, message=verdict.reason))
    valid = _valid_positions(plan, settled)
    outcomes.add_many(valid[~np.isin(valid, list(held))], "would_send")
    notes = []
    if held:
        sends = len(valid) - len(held)
        notes.append(
            f"The send ledger would skip {_rows(len(held))} of this dry run (accepted or on "
            f"their way before; see their reasons): a real send sends {_rows(sends)}."
        )
    if plan.endpoint.irreversible:
        notes.append(_irreversible_note(plan.n_requests - seen.units))
    return notes


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


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
    """One send: the ledger run and the engine; what it leaves besides its rows.

    A look-up opens no ledger: it changes nothing, so there is nothing to record.
    """

    def __init__(self, client: Client, company_id: str, plan: Plan, options: RunOptions) -> None:
        self.client, self.company_id, self.plan, self.options = client, company_id, plan, options
        self.notes: list[str] = []
        self.engine: Engine | None = None
        self.ledger: Ledger | None = None

    def outcomes(self) -> Iterator[RowOutcome]:
        """Open the ledger and a run in it (LedgerError before any request), then send."""
        ledger = None if self.plan.endpoint.reads else open_ledger(self.options.ledger)
        self.ledger = ledger
        try:
            run_record = (
                NOT_RECORDED
                if ledger is None
                else ledger.open_run(self.company_id, self.plan.endpoint.name)
            )
            self.engine = Engine(self.client, self.plan, run_record, self.options)
            yield from self.engine.outcomes()
        finally:
            if self.engine is not None:
                self.notes.extend(self.engine.notes)
            # Workers left running after a second interrupt still record their answers.
            abandoned = self.engine is not None and self.engine.abandoned
            if ledger is not None and ledger is not self.options.ledger and not abandoned:
                ledger.close()

    def follow_up(self) -> BulkFollowUp | None:
        """The follow-up of the bulk jobs Attentive accepted (None: there were none)."""
        if self.engine is None or not self.engine.submitted or self.ledger is None:
            return None
        given = self.options.ledger
        where = given if isinstance(given, Ledger) else self.ledger.path
        return BulkFollowUp(self.client, where, self.company_id, self.engine.submitted)

    def may_wait(self) -> bool:
        """Jobs to wait for, and the send was neither interrupted nor stopped early."""
        return bool(self.engine and self.engine.submitted and not self.engine.stop.is_set())


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
    mapped = ", ".join(f"{c!r}: {f!r}" for c, f in asked.items())
    return f"{lookalike_head(asked)} with columns={{{mapped}}} or pass ignore={list(asked)!r}"


def lookalike_head(asked: dict[Hashable, str]) -> str:
    """``column 'mobile_no' looks like phone numbers: map it``, the question's own words
    before how to answer it (in Python here, in options on the command line)."""
    cols = list(asked)
    looks = _and(list(dict.fromkeys(LOOKS_LIKE[f] for f in asked.values())))
    if len(cols) == 1:
        return f"column {cols[0]!r} looks like {looks}: map it"
    return f"columns {_and([repr(c) for c in cols])} look like {looks}: map them"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _valid_positions(plan: Plan, settled: np.ndarray) -> np.ndarray:
    valid = np.ones(plan.n_rows, dtype=bool)
    valid[settled] = False
    return np.flatnonzero(valid)


_CARRIED = ": one request carries both"
_REPEAT_REMARKS = {
    "subscribers": "same person as row {row}" + _CARRIED,
    "unsubscribe": "same person as row {row}" + _CARRIED,
    "events": "same event as row {row} (same externalEventId)" + _CARRIED,
    "attributes": "same person as row {row}; the later values win",
    "link_identifiers": "same link as row {row}" + _CARRIED,
    "deletions": "same person as row {row}" + _CARRIED,
    "coupons": "same code as row {row}: sent once, in its request",
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


_VERBS = {"subscribers": "subscribe", "unsubscribe": "unsubscribe", "attributes": "subscribe"}


def _irreversible_note(people: int) -> str:
    """What a dry run of a deletion says: who (the ledger's skips aside), and that it
    cannot be undone."""
    return (
        f"This cannot be undone: a real run asks Attentive to delete {people:,} "
        f"{'person' if people == 1 else 'people'}, the rows marked would_send in report.table "
        f"(masked), and asks you to type DELETE {people} first."
    )


def _confirm_irreversible(plan: Plan, options: RunOptions, ledger: Callable[[], Preview]) -> None:
    """A deletion always needs a yes: ``DELETE <n>`` typed, or ``confirm=True`` passed.

    ``n`` counts only the people the ledger would not skip (nobody left: not asked).
    Where nobody can answer (no terminal, a scheduler), it is refused: nothing is sent.
    """
    if options.confirm or not plan.n_requests:
        return
    skipped = ledger().units
    people = plan.n_requests - skipped
    if not people:
        return
    words = "person" if people == 1 else "people"
    also = (
        f" ({skipped:,} more {'is' if skipped == 1 else 'are'} skipped: the ledger has them "
        "from earlier runs)"
    )
    question = (
        f"This asks Attentive to delete {people:,} {words} and cannot be undone"
        f"{also if skipped else ''}. Type DELETE {people} to go ahead: "
    )
    try:
        answer = input(question)
    except (EOFError, OSError, NotImplementedError):
        answer = ""
    if answer.strip() != f"DELETE {people}":
        raise ConfigError(
            f"Nothing was sent: deleting {people:,} {words} cannot be undone. Type "
            f"DELETE {people} when asked, or pass confirm=True (--yes on the command line)."
        )


def _confirm(plan: Plan, options: RunOptions, ledger: Callable[[], Preview]) -> None:
    """Subscribe/unsubscribe of many people needs a yes, typed or passed; a deletion always.

    Only the rows that would really be sent count (``ledger`` says which it
    would skip), and the question says how many the ledger skips.
    """
    if plan.endpoint.irreversible:
        _confirm_irreversible(plan, options, ledger)
        return
    if not plan.endpoint.messages_people or plan.n_valid <= CONFIRM_ABOVE or options.confirm:
        return
    skipped = ledger().skipped
    rows = plan.n_valid - skipped
    if rows <= CONFIRM_ABOVE:
        return
    verb = _VERBS.get(plan.kind, plan.kind)
    also = f" ({skipped:,} more rows are skipped: the ledger has them from earlier runs)"
    question = (
        f"This will {verb} {rows:,} people{also if skipped else ''}, and Attentive may text "
        "or email each of them. Type SEND to go ahead: "
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
