"""The send engine: plan -> worker threads -> one outcome per row -> SendReport.

``run()`` takes a :class:`~attentive_nb.plan.Plan` (pure, built by the
mapping layer) and a signed-in connection. Worker threads share the
client's pooled session and its per-endpoint rate governor; the main thread
alone records outcomes and writes the journal, so an interrupted run still
knows exactly which rows were accepted. Requests are taken from the plan in
chunks and at most a few per worker are in flight, so memory stays bounded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from attentive_nb import bulk, outcomes
from attentive_nb.errors import ConfigError
from attentive_nb.journal import Journal
from attentive_nb.plan import (
    Plan,
    Request,
    plan_attributes,
    plan_ecommerce,
    plan_events,
    plan_subscribers,
    plan_unsubscribe,
)
from attentive_nb.progress import Progress
from attentive_nb.report import RowOutcome, SendReport

if TYPE_CHECKING:
    import pandas as pd

    from attentive_nb.connection import Connection

#: Above this many rows, subscribe and unsubscribe need an explicit confirmation.
CONFIRM_ABOVE = 1000
CHUNK_ROWS = 5000


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
        results.update(_would_send(plan))
    else:
        _confirm(plan, plan.n_valid, options)
        conn.company_id()
        company = (conn.company or {}).get("companyName")
        _Sender(conn, plan, options, results, notes).send()
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
    for position, first in plan.duplicates.items():
        if position not in settled:
            label = df.index[first]
            settled[position] = RowOutcome(
                position, "skipped", message=f"same person as row {label!r}; sent once"
            )
    return settled


def _would_send(plan: Plan) -> dict[int, RowOutcome]:
    unsettled = set(range(plan.n_rows)) - set(plan.invalid) - set(plan.duplicates)
    return {p: RowOutcome(p, "would_send") for p in unsettled}


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


@dataclass
class AcceptedBefore:
    """Requests of this plan that the journal shows were accepted in an earlier run."""

    keys: set[str] = field(default_factory=set)
    rows: int = 0


def estimate_line(plan: Plan, before: AcceptedBefore | None = None) -> str:
    """``12,000 rows in 12,000 requests … at 10/s ≈ 20 min``: said before sending."""
    before = before or AcceptedBefore()
    rows, requests = plan.n_valid - before.rows, plan.n_requests - len(before.keys)
    rate = plan.endpoint.rate_per_second
    line = (
        f"{rows:,} rows in {requests:,} requests to {plan.endpoint.label} "
        f"at {rate:g}/s ≈ {_duration(requests / rate)}"
    )
    if before.rows:
        line += f"; {before.rows:,} rows accepted in an earlier run are skipped"
    return line


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def default_workers(plan: Plan) -> int:
    """Enough threads to keep the endpoint's rate with ~250 ms answers, at most 32."""
    return max(2, min(32, math.ceil(plan.endpoint.rate_per_second * 0.25)))


class _Sender:
    """One send: feeds workers, records outcomes and the journal on the main thread."""

    def __init__(
        self,
        conn: Connection,
        plan: Plan,
        options: RunOptions,
        results: dict[int, RowOutcome],
        notes: list[str],
    ) -> None:
        self.conn, self.plan, self.options = conn, plan, options
        self.results, self.notes = results, notes
        self.company_id = conn.company_id()
        self.journal = options.journal or Journal()
        self.stop_reason: str | None = None
        self.governor = conn.client.governors.for_endpoint(
            plan.endpoint.name, plan.endpoint.rate_per_second
        )

    def send(self) -> None:
        try:
            before = self._accepted_before()
            self.options.say(estimate_line(self.plan, before))
            self._send(before.keys)
        finally:
            if self.options.journal is None:
                self.journal.close()
        self._mark_not_sent()

    def _accepted_before(self) -> AcceptedBefore:
        """One pass over the plan: which requests the journal already holds."""
        before = AcceptedBefore()
        if self.options.resend:
            return before
        for chunk in self.plan.requests(CHUNK_ROWS):
            seen = self.journal.seen(
                self.company_id, self.plan.endpoint.name, [r.key for r in chunk]
            )
            for request in chunk:
                if request.key in seen:
                    before.keys.add(request.key)
                    before.rows += len(request.positions)
        return before

    def _send(self, accepted_before: set[str]) -> None:
        workers = self.options.workers or default_workers(self.plan)
        progress = Progress(
            self.plan.n_valid, self.plan.kind, self.governor, enabled=self.options.progress
        )
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="attentive-send")
        in_flight: dict[Future, Request] = {}
        try:
            for request in self._to_send(accepted_before, progress):
                if self.stop_reason:
                    break
                while len(in_flight) >= workers * 2:
                    self._collect(in_flight, progress, block=True)
                in_flight[pool.submit(self._call, request)] = request
            while in_flight:
                self._collect(in_flight, progress, block=True)
        except KeyboardInterrupt:
            self.stop_reason = "the run was interrupted"
            self.notes.append(
                "Interrupted: requests already sent were recorded; "
                "rows not reached are marked not_sent."
            )
            pool.shutdown(wait=True, cancel_futures=True)
            self._collect(in_flight, progress, block=False)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            progress.close()

    def _to_send(self, accepted_before: set[str], progress: Progress) -> Iterator[Request]:
        """The plan's requests, minus those accepted in an earlier run."""
        for chunk in self.plan.requests(CHUNK_ROWS):
            for request in chunk:
                if request.key in accepted_before:
                    self._record(outcome_skipped(p) for p in request.positions)
                    progress.advance(len(request.positions))
                else:
                    yield request

    def _call(self, request: Request) -> tuple[list[RowOutcome], Exception | None]:
        """Worker thread: send one request and read its outcome for every row."""
        started = time.monotonic()
        endpoint = self.plan.endpoint
        try:
            response = self.conn.client.request(endpoint, json_body=request.payload)
            if self.plan.kind == "attributes_bulk":
                return self._bulk_outcomes(request, response, started), None
        except Exception as error:  # every failure becomes a row outcome, never a crash
            return outcomes.from_error(request.positions, error, endpoint, _ms(started)), error
        return outcomes.accepted(
            request.positions, response.status, response.body, response.attempts, _ms(started)
        ), None

    def _bulk_outcomes(self, request: Request, response: Any, started: float) -> list[RowOutcome]:
        body = response.body if isinstance(response.body, dict) else {}
        if not body.get("batchJobId"):
            return outcomes.accepted(
                request.positions, response.status, response.body, response.attempts, _ms(started)
            )
        job = bulk.wait_for_job(
            self.conn.client,
            body["batchJobId"],
            timeout_s=self.options.bulk_wait_s,
            sleep=self.options.sleep,
        )
        done = job.get("status") == "COMPLETED" and job.get("url")
        lines = bulk.fetch_results(job["url"]) if done else None
        return bulk.fold(request.positions, job, lines, response.attempts, _ms(started))

    def _collect(
        self, in_flight: dict[Future, Request], progress: Progress, *, block: bool
    ) -> None:
        done, _ = wait(list(in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            request = in_flight.pop(future)
            if future.cancelled():
                continue
            records, error = future.result()
            if error is not None:
                self._note_stop(error)
            self._record(records)
            if all(r.status == "sent" for r in records):
                self.journal.record(self.company_id, self.plan.endpoint.name, request.key)
            progress.advance(len(request.positions))

    def _note_stop(self, error: BaseException) -> None:
        if outcomes.stops_the_run(error) and not self.stop_reason:
            self.stop_reason = str(error)
            self.notes.append(f"Stopped early: {error}")

    def _record(self, records: Any) -> None:
        for record in records:
            self.results[record.position] = record

    def _mark_not_sent(self) -> None:
        reason = f"not sent: {self.stop_reason}" if self.stop_reason else "not sent"
        for position in range(self.plan.n_rows):
            if position not in self.results:
                self.results[position] = RowOutcome(position, "not_sent", message=reason)


def outcome_skipped(position: int) -> RowOutcome:
    return RowOutcome(
        position,
        "skipped",
        message="already accepted in an earlier run (resend=True sends it again)",
    )


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
