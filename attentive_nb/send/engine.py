"""The send engine: a plan's requests in, one :class:`RowOutcome` per row out.

The main thread takes requests from the plan, claims them in the ledger
(committed before any leaves), hands them to worker threads, and yields each
row's outcome as answers come in. Workers share the client's pooled session
and rate governor; the answers that came together are recorded in the ledger
in one transaction before their rows are yielded (one commit, not one per
request), and once the main thread stops collecting (a second Ctrl-C, the
end of the run) each worker still on its way records its own answer.
The estimate line, the plan's warnings and the progress bar come with the
first request really sent; a run whose rows were all sent before says
"Nothing to send" instead.

A bulk plan's units are people: the ledger decides each on its own, and
the people to send go out ``plan.batch`` (256) to a request. When Attentive
accepts one (202 and a job id) its rows are ``submitted``, the job is written
in the ledger with them (by the loop, in the transaction that records the
answers that came with it: a worker never waits on the ledger while the loop
claims), and :attr:`Engine.submitted` lists it for the follow-up
(:mod:`attentive_nb.send.jobs`): the engine never waits for a job.

Interrupts: the first Ctrl-C stops new requests and cuts every wait short
(pacing, retry backoff); the requests already on the wire finish and are
recorded, and the rest of the rows are ``not_sent``. A second Ctrl-C stops
waiting for those too: their rows are ``unknown`` in the report, and the
ledger gets their answers when they come.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from attentive_nb.errors import LedgerError
from attentive_nb.http.client import ApiResponse, Client, JsonText
from attentive_nb.plan.model import Plan, Request, kind_words
from attentive_nb.report import RowOutcome
from attentive_nb.send import bulk, deletions, ledger_jobs, outcomes, voice
from attentive_nb.send.collections_pause import fewer_collections
from attentive_nb.send.jobs import JobRows, SubmittedJob, submitted_reason
from attentive_nb.send.ledger import Ledger, LedgerRun
from attentive_nb.send.prefetch import Prefetched
from attentive_nb.send.progress import Progress
from attentive_nb.send.reads import NotRecorded
from attentive_nb.send.resend import policy, tally_notes
from attentive_nb.send.stream import StreamPlan
from attentive_nb.send.workers import Finished, Workers

Answer = tuple[list[RowOutcome], Exception | None]  # a worker's: row outcomes, what stopped it
Outcome = tuple[list[str], str | None]  # a request's keys and their state (None: never left)
CHUNK_ROWS = 5000
LOOK_AHEAD = 500  # units decided in one ledger transaction when they are all skipped
BULK_WAIT_S = 10.0  # covers the sandbox and small jobs; Attentive may take hours
GATHER_S = 0.05  # answers gathered this long after the first, then recorded in one commit


@dataclass(frozen=True)
class Unrecorded:
    """What a worker leaves for the loop to write in the ledger with the others that came:
    its request's outcome, and the job Attentive made of it (then no outcome: its records
    stay claimed until the run ends), which joins :attr:`Engine.submitted` once written."""

    outcome: Outcome | None
    job: ledger_jobs.Accepted | None = None
    submitted: SubmittedJob | None = None
    what: str = "outcome"  # named on the rows when it could not be written

    def noted(self, records: list[RowOutcome]) -> list[RowOutcome]:
        note = f"; its {self.what} could not be recorded in the ledger"
        return [replace(r, message=r.message + note) for r in records]


@dataclass(frozen=True)
class RunOptions:
    """How to send: the options every ``send_*`` call shares (documented there, once)."""

    dry_run: bool = False
    resend: bool | str = False
    confirm: bool = False
    progress: bool = True
    workers: int | None = None
    ledger: str | Path | Ledger | None = None
    ignore: Sequence[Hashable] = ()
    bulk_wait_s: float = BULK_WAIT_S
    say: Callable[[str], None] = field(default=voice.say, repr=False)
    # How to say that every row was skipped, given "N rows": a segment sync whose removals
    # follow says that rather than "Nothing to send".
    all_skipped: Callable[[str], str] | None = field(default=None, repr=False)


def estimate_line(plan: Plan) -> str:
    """``12,000 rows in 12,000 requests … at 10/s ≈ 20 min``: said when sending starts."""
    rate = plan.endpoint.rate_per_second
    if plan.n_requests == 0:
        return "Nothing to send."
    label = plan.endpoint.label.format(**(plan.path_args or {}))  # the pool's own path
    if isinstance(plan, StreamPlan):  # a stream's plan knows only part of it
        total, read, requests = plan.streamed_counts()
        return _streamed_line(total, read, requests, f"to {label} at {rate:g}/s", rate)
    return (
        f"{_count(plan.n_valid, 'row')} in {_count(plan.n_requests, 'request')} to "
        f"{label} at {rate:g}/s ≈ {_duration(plan.n_requests / rate)}"
    )


def _streamed_line(total: int | None, read: int, requests: int, where: str, rate: float) -> str:
    """A stream's estimate: its length (when known) and the rows planned so far, kept apart;
    ``requests``: the estimate for the whole (known length), else those of the rows read."""
    if total is None:
        return (
            f"Streaming an input of unknown length: {_count(read, 'row')} planned so far, "
            f"{_count(requests, 'request')} {where} ≈ {_duration(requests / rate)} for those; "
            "the rest is planned as it is read."
        )
    return (
        f"{_count(total, 'row')}, streamed ({read:,} planned so far), in about "
        f"{_count(requests, 'request')} {where} ≈ {_duration(requests / rate)}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


@contextlib.contextmanager
def interrupts_call(callback: Callable[[], None]) -> Iterator[None]:
    """Inside, Ctrl-C (SIGINT) calls ``callback`` instead of raising KeyboardInterrupt.

    A KeyboardInterrupt can land between any two lines, half-way through
    recording a request; a counted interrupt is acted on where nothing is half
    done. Signals reach only the main thread, so elsewhere this changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: callback())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def default_workers(plan: Plan) -> int:
    """Enough threads to fill a rate window in the part of it that latency jitter leaves
    (about two thirds of the second: ~1.5 times the rate, ~250 ms answers), at most 64."""
    return max(2, min(64, math.ceil(plan.endpoint.rate_per_second * 0.4) + 1))


class Engine:
    """One send of one plan. Iterate :meth:`outcomes`; read :attr:`notes` afterwards."""

    def __init__(
        self, client: Client, plan: Plan, run: LedgerRun | NotRecorded, options: RunOptions
    ) -> None:
        self.client, self.plan, self.run, self.options = client, plan, run, options
        self.notes: list[str] = []
        self.stop = threading.Event()
        self.stop_reason: str | None = None
        self._stopped_by_error: str | None = None  # a refused key's reason, not a Ctrl-C
        self.abandoned = False  # workers left running after a second interrupt
        self._reach = plan.endpoint.reaches  # its people are recorded too, and decided by
        self._decide = policy(options.resend, plan.endpoint.resend_safe, self._reach)
        self._tally: Counter[str] = Counter()
        self._units = Prefetched(plan.requests(CHUNK_ROWS))  # built on a thread, ahead
        self._ahead: deque[Request] = deque()
        self._unsubmitted: list[str] = []  # claimed keys not yet handed to a worker
        # A request's units (bulk: people), by their id, from its hand-over to its answer.
        self._in_flight: dict[int, list[Request]] = {}
        # Each answer, with its units, put here by its worker: the loop waits on this alone.
        self._finished: Finished[list[Request], Answer] = Finished()
        # Outcomes (and jobs) workers leave for the loop to record, several in one ledger
        # transaction, by the id of the request's units (alive in ``_in_flight`` until then).
        self._unrecorded: dict[int, Unrecorded] = {}
        self._record_lock = threading.Lock()
        self._workers_record = False  # once the loop stops collecting: each worker its own
        self.submitted: list[SubmittedJob] = []  # bulk jobs Attentive accepted
        # Rows given an outcome. It grows: a streamed plan's rows are counted as read.
        self._done = np.zeros(plan.n_rows, dtype=bool)
        self._interrupts = 0
        self._last_batch_skipped = False  # then look further ahead: skipping is cheap
        self._sending = False  # a request has been handed to a worker: estimate said, bar drawn
        self.workers = options.workers or default_workers(plan)
        self._pool = Workers(self.workers, self._call, self._finished, "attentive-send")
        # Requests claimed and handed over when this many places are free: one ledger
        # transaction for several claims, while the workers still have plenty queued.
        self._refill = max(1, self.workers // 2)

    # -- the loop --------------------------------------------------------------------------

    def outcomes(self) -> Iterator[RowOutcome]:
        """Every carried row's outcome, as answers come, then the rows never reached."""
        governor = self.client.governors.for_endpoint(
            self.plan.endpoint.name, self.plan.endpoint.rate_per_second
        )
        verb = "Asking" if self.plan.endpoint.reads else "Sending"
        label = f"{verb}: {kind_words(self.plan.kind)}"
        progress = Progress(self.plan.n_valid, label, governor, enabled=self.options.progress)
        self._governor = governor
        governor.more_requests()
        with interrupts_call(self._on_interrupt), fewer_collections():
            try:
                yield from self._drive(progress)
                yield from self._not_reached()
                self._say_if_nothing_sent()
            finally:
                progress.close()
                self._close()
                self.notes.extend(tally_notes(self._tally))
                if governor.shared_note:  # paced alone: other runs on this token may collide
                    self.notes.append(governor.shared_note)

    def _on_interrupt(self) -> None:
        """Ctrl-C while sending: stop at once. Only counted here (a signal handler may run
        between any two lines); the main loop does the rest, where nothing is half done."""
        self._interrupts += 1
        self.stop.set()

    def _say_if_nothing_sent(self) -> None:
        """Every row skipped (sent before, or nothing in it to send): say so, since no bar
        or estimate was shown."""
        before, empty = int(self._done.sum()), len(self.plan.skipped)
        if self._sending or self.stop_reason is not None or not (before or empty):
            return
        reasons = set(self.plan.skipped.values())
        blank = reasons.pop().removeprefix("nothing to send: ") if len(reasons) == 1 else ""
        blank = blank or "nothing in them to send"
        if not empty:
            why = "see the notes"
        elif not before:
            why = blank
        else:
            why = f"{before:,} sent before, see the notes; {empty:,}: {blank}"
        skipped, said = _count(before + empty, "row"), self.options.all_skipped
        self.options.say(said(skipped) if said else f"Nothing to send: {skipped} skipped ({why}).")

    def _drive(self, progress: Progress) -> Iterator[RowOutcome]:
        yield from self._feed(progress)
        if self._interrupts:
            self._interrupted()
        while self._in_flight:  # after a stop they come back quickly: every wait is cut short
            if self._interrupts > 1:
                yield from self._abandon()
                return
            yield from self._collect(progress, block=True)
            self._heartbeat()

    def _feed(self, progress: Progress) -> Iterator[RowOutcome]:
        """Claim and submit requests while there is room, collecting answers as they come."""
        while not self.stop.is_set():
            room = self.workers * 2 - len(self._in_flight)
            if room >= self._refill:
                batch = self._next_batch(room)
                if not batch:  # every request submitted: no slot to claim ahead for more
                    self._governor.last_requests()
                    return
                yield from self._claim_and_submit(batch, room, progress)
            yield from self._collect(progress, block=room < self._refill)
            self._heartbeat()

    def _next_batch(self, room: int) -> list[Request]:
        wanted = room * self.plan.batch
        size = max(LOOK_AHEAD, wanted) if self._last_batch_skipped else wanted
        batch = [self._ahead.popleft() for _ in range(min(size, len(self._ahead)))]
        if len(batch) < size:  # what is built: the first request waits for no more
            batch += self._units.take(size - len(batch))
        return self._whole_requests(batch)

    def _whole_requests(self, batch: list[Request]) -> list[Request]:
        """``batch`` cut, or filled, to whole requests of ``plan.batch`` units (the plan's
        last may be short): a request cut short by what the planner had built when asked
        is one request more (a 1,000,000-member sync takes 100). What is over waits for the
        next batch. A stream's first request alone leaves with what is built: the rest of
        it would wait on reading the input."""
        per = self.plan.batch
        over = len(batch) % per
        if over and len(batch) > per:
            self._ahead.extendleft(reversed(batch[-over:]))
            return batch[:-over]
        if isinstance(self.plan, StreamPlan) and not self._sending:
            return batch
        while 0 < len(batch) < per and (more := self._units.take(per - len(batch))):
            batch += more
        return batch

    def _claim_and_submit(
        self, batch: list[Request], room: int, progress: Progress
    ) -> Iterator[RowOutcome]:
        """Decide ``batch`` in the ledger; skipped rows out at once, the rest to workers."""
        try:
            verdicts = self.run.claim(
                [r.key for r in batch],
                self._decide,
                max_claims=room * self.plan.batch,
                people=[r.people for r in batch] if self._reach else None,
                every=bool(self._reach and self._reach.every),
            )
        except LedgerError as error:
            self._ahead.extendleft(reversed(batch))
            self._ledger_failed(error)
            return
        self._ahead.extendleft(reversed(batch[len(verdicts) :]))
        sends = [unit for unit, verdict in zip(batch, verdicts) if verdict.send]
        self._unsubmitted = [unit.key for unit in sends]
        self._last_batch_skipped = not sends
        for unit, verdict in zip(batch, verdicts):
            self._tally[verdict.tally] += len(unit.positions) if verdict.tally else 0
            if not verdict.send:
                records = [
                    RowOutcome(p, verdict.status, message=verdict.reason) for p in unit.positions
                ]
                yield from self._emit(records, progress)
        if sends:
            self._start(progress)
        groups = [sends[at : at + self.plan.batch] for at in range(0, len(sends), self.plan.batch)]
        for group in groups:
            self._in_flight[id(group)] = group
        self._pool.submit(groups)  # one hand-over, the idle workers woken at once
        self._unsubmitted = []

    def _start(self, progress: Progress) -> None:
        """At the first request really sent: the estimate, what Attentive will accept but
        not act on, and the bar (rows skipped so far counted in)."""
        if not self._sending:
            self._sending = True
            self.options.say(estimate_line(self.plan))
            for warning in self.plan.warnings:
                self.options.say(f"Note: {warning}")
            progress.start(int(self._done.sum()))

    def _collect(self, progress: Progress, *, block: bool) -> Iterator[RowOutcome]:
        """The answers come since last asked: recorded in the ledger in one transaction,
        then their rows out (a row is never reported before its outcome is on disk)."""
        if not self._in_flight:
            return
        done = [
            (units, answer)
            for units, answer in self._answers(block)
            if self._in_flight.pop(id(units), None) is not None  # else abandoned: unknown
        ]
        pending = [self._unrecorded.pop(id(units), None) for units, _ in done]
        failure = self._record([left for left in pending if left is not None])
        for (_, answer), left in zip(done, pending):
            if isinstance(answer, BaseException):  # a bug in the worker: raised here
                raise answer
            records, error = answer
            if failure is not None and left is not None:
                records, error = left.noted(records), failure
            if isinstance(error, LedgerError):
                self._ledger_failed(error)
            elif error is not None:
                self._note_stop(error)
            yield from self._emit(records, progress)

    def _record(self, left: list[Unrecorded]) -> LedgerError | None:
        """Outcomes and jobs in one transaction; the jobs then listed in :attr:`submitted`."""
        outcomes = [each.outcome for each in left if each.outcome is not None]
        accepted = [each.job for each in left if each.job is not None]
        try:
            if accepted:
                assert isinstance(self.run, LedgerRun)  # only sends make jobs
                ledger_jobs.record(self.run, outcomes, accepted)
            else:
                self.run.record(outcomes)
        except LedgerError as error:
            return error
        # list.extend is atomic: a worker recording its own may add at once
        self.submitted.extend(each.submitted for each in left if each.submitted is not None)
        return None

    def _answers(self, block: bool) -> list[tuple[list[Request], Answer | BaseException]]:
        """The requests answered since last asked; with ``block``, waits up to 0.5 s for one.

        After the first, the others that come within :data:`GATHER_S` join it (until every
        request in flight is in, or a refill's worth): one ledger commit and one wake-up of
        this thread for all of them (the last one's, or the end of the wait), not one each.
        """
        wanted = min(len(self._in_flight), self._refill)
        return self._finished.take(0.5 if block else 0.0, wanted, GATHER_S)

    def _emit(self, records: list[RowOutcome], progress: Progress) -> Iterator[RowOutcome]:
        for record in records:
            self._mark(record.position)
            yield record
        progress.advance(len(records))

    # -- a worker's job ---------------------------------------------------------------------

    def _call(self, units: list[Request]) -> Answer:
        """Worker thread: send one request, record its outcome in the ledger, read every row's."""
        endpoint = self.plan.endpoint
        positions = [p for unit in units for p in unit.positions]
        error: Exception | None = None
        # A look-up's payload is its query; a send's is its JSON text, written once.
        sent: dict[str, Any] = (
            {"params": self.plan.body(units)}
            if endpoint.reads
            else {"json_body": JsonText(self.plan.wire(units))}
        )
        try:
            response = self.client.request(
                endpoint, **sent, path_args=self.plan.path_args, stop=self.stop
            )
        except Exception as failure:  # every failure becomes a row outcome, never a crash
            error = failure
            records = outcomes.from_error(positions, failure, endpoint, self._stopped_by_error)
        else:
            job_id = _job_id(response) if self.plan.batch > 1 else None
            if job_id:
                return self._submitted(units, job_id, response)
            request_id = deletions.request_id(response.body) if endpoint.follow_up else None
            if request_id:
                return self._requested(units, request_id, response)
            records = outcomes.accepted(
                positions, response, keep=endpoint.reads, name=endpoint.name
            )
        outcome = ([unit.key for unit in units], outcomes.request_state(records))
        return self._leave(units, Unrecorded(outcome), (records, error))

    def _leave(self, units: list[Request], left: Unrecorded, answer: Answer) -> Answer:
        """Worker thread: ``left`` for the loop to record with the others that came; once
        the loop has stopped collecting (a second interrupt, the end), recorded here."""
        with self._record_lock:
            if not self._workers_record:
                self._unrecorded[id(units)] = left
                return answer
        failure = self._record([left])
        return answer if failure is None else (left.noted(answer[0]), failure)

    def _submitted(self, units: list[Request], job_id: str, response: ApiResponse) -> Answer:
        """Attentive took a bulk request as a job: its rows are submitted, the job in the ledger."""
        # Positions only: the records' keys are in the ledger, by job (``ledger_jobs.record``).
        rows = JobRows.of([unit.positions for unit in units])
        job = SubmittedJob(
            job_id, rows, response.attempts, outcomes.milliseconds(response.elapsed_s)
        )
        reason = submitted_reason(job_id)
        records = [
            RowOutcome(p, "submitted", response.status, reason, job.attempts, job.latency_ms)
            for unit in units
            for p in unit.positions
        ]
        # A record names its person in ``identifiers`` (attributes) or is the identifiers
        # itself (a segment member).
        people = [
            (unit.key, bulk.who(unit.payload.get("identifiers", unit.payload) or {}))
            for unit in units
        ]
        return self._leave(units, Unrecorded(None, (job_id, people), job, "job"), (records, None))

    def _requested(self, units: list[Request], request_id: str, response: ApiResponse) -> Answer:
        """Attentive accepted a request it carries out later (a deletion): ``sent`` in the
        ledger at once (never again), followed up as a one-person job; the row ``submitted``."""
        (unit,) = units
        job = SubmittedJob(
            request_id,
            JobRows.of([unit.positions]),
            response.attempts,
            outcomes.milliseconds(response.elapsed_s),
        )
        records = [
            RowOutcome(
                p,
                "submitted",
                response.status,
                deletions.requested_reason(request_id),
                job.attempts,
                job.latency_ms,
            )
            for p in unit.positions
        ]
        left = Unrecorded(
            ([unit.key], "sent"),  # never again
            (request_id, [(unit.key, deletions.masked(unit.payload))]),
            job,
            "request id",
        )
        return self._leave(units, left, (records, None))

    # -- stopping ---------------------------------------------------------------------------

    def _interrupted(self) -> None:
        """Once, after Ctrl-C: requests not started are dropped and their claims released."""
        self.stop_reason = "the run was interrupted"
        self.notes.append(
            "Interrupted: no new request was sent; those already on their way were "
            "recorded, and rows not reached are marked not_sent."
        )
        cancelled = self._pool.take_back()  # no worker took them: they never leave
        for units in cancelled:
            del self._in_flight[id(units)]
        self._release([unit.key for units in cancelled for unit in units] + self._unsubmitted)
        self._unsubmitted = []

    def _abandon(self) -> Iterator[RowOutcome]:
        """After a second interrupt: the requests still on the wire are unknown here."""
        self._leave_recording()
        self.abandoned = bool(self._in_flight)
        self.notes.append(
            f"Interrupted twice: {len(self._in_flight):,} requests were still on their way; "
            "their rows are unknown here, and the ledger records their answers when they come."
        )
        reason = "interrupted while its request was on its way; Attentive may or may not have it"
        for units in list(self._in_flight.values()):
            for p in (p for unit in units for p in unit.positions):
                self._mark(p)
                yield RowOutcome(p, "unknown", message=reason)
        self._in_flight.clear()

    def _mark(self, position: int) -> None:
        if position >= len(self._done):
            grown = np.zeros(max(position + 1, 2 * len(self._done)), dtype=bool)
            grown[: len(self._done)] = self._done
            self._done = grown
        self._done[position] = True

    def _not_reached(self) -> Iterator[RowOutcome]:
        reason = f"not sent: {self.stop_reason}" if self.stop_reason else "not sent"
        n = self.plan.rows_read()  # a streamed plan's: those read by now (it reads no more)
        todo = np.ones(n, dtype=bool)
        todo[: len(self._done)] &= ~self._done[:n]
        todo[list(self.plan.invalid)] = False
        todo[list(self.plan.skipped)] = False  # nothing to send: skipped by the plan
        for p in np.flatnonzero(todo):
            yield RowOutcome(int(p), "not_sent", message=reason)

    def _note_stop(self, error: BaseException) -> None:
        if outcomes.stops_the_run(error) and not self.stop_reason:
            self.stop_reason = self._stopped_by_error = str(error)
            self.notes.append(f"Stopped early: {error}")
            self.stop.set()

    def _ledger_failed(self, error: LedgerError) -> None:
        if self.stop_reason and self.stop_reason.startswith("the send ledger"):
            return
        self.stop_reason = self._stopped_by_error = "the send ledger could not be written"
        self.notes.append(f"Stopped early: {error}")
        self.stop.set()

    def _heartbeat(self) -> None:
        try:
            self.run.heartbeat()
        except LedgerError as error:
            self._ledger_failed(error)

    def _release(self, keys: list[str]) -> None:
        with contextlib.suppress(LedgerError):  # an unreleased claim reads as unknown: safe
            self.run.release(keys)

    def _leave_recording(self) -> None:
        """The loop collects no more: outcomes left for it are recorded now, and each
        worker still on its way records its own."""
        with self._record_lock:
            self._workers_record = True
            left, self._unrecorded = list(self._unrecorded.values()), {}
        self._record(left)  # if it fails, an unrecorded claim reads as unknown: safe

    def _close(self) -> None:
        self._leave_recording()
        self._units.close()
        self._pool.shutdown(wait=False)
        self._release(self._unsubmitted)
        try:
            self.run.finish()
        except LedgerError as error:
            self.notes.append(f"The end of this run could not be recorded: {error}")


def _job_id(response: ApiResponse) -> str | None:
    """The bulk job Attentive made of a request (its 202 names it ``batchJobId``)."""
    body = response.body if isinstance(response.body, dict) else {}
    job_id = body.get("batchJobId")
    return str(job_id) if job_id else None
