"""One real send: worker threads in, one outcome per row out.

Worker threads share the client's pooled session and its per-endpoint rate
governor; only the main thread records outcomes and writes the journal, so an
interrupted run still knows exactly which rows were accepted. Requests are
taken from the plan in chunks and at most two per worker are in flight, so
memory stays bounded on large frames.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from attentive_nb import bulk, outcomes
from attentive_nb.journal import Journal
from attentive_nb.plan import Plan, Request
from attentive_nb.progress import Progress
from attentive_nb.report import RowOutcome

if TYPE_CHECKING:
    from attentive_nb.connection import Connection
    from attentive_nb.send import RunOptions

CHUNK_ROWS = 5000


@dataclass
class AcceptedBefore:
    """Requests of this plan that the journal shows were accepted in an earlier run."""

    keys: set[str] = field(default_factory=set)
    rows: int = 0


def estimate_line(plan: Plan, before: AcceptedBefore | None = None) -> str:
    """``12,000 rows in 12,000 requests … at 10/s ≈ 20 min``: said before sending."""
    before = before or AcceptedBefore()
    rows = plan.n_to_send - before.rows
    requests = plan.n_requests - len(before.keys)
    rate = plan.endpoint.rate_per_second
    skipped = f"{before.rows:,} rows accepted in an earlier run are skipped"
    if requests == 0:
        return f"Nothing to send: {skipped}." if before.rows else "Nothing to send."
    line = (
        f"{rows:,} rows in {requests:,} requests to {plan.endpoint.label} "
        f"at {rate:g}/s ≈ {_duration(requests / rate)}"
    )
    return f"{line}; {skipped}" if before.rows else line


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def default_workers(plan: Plan) -> int:
    """Enough threads to keep the endpoint's rate with ~250 ms answers, at most 32."""
    return max(2, min(32, math.ceil(plan.endpoint.rate_per_second * 0.25)))


class Sender:
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
            self.plan.n_to_send, self.plan.kind, self.governor, enabled=self.options.progress
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
        endpoint = self.plan.endpoint
        try:
            response = self.conn.client.request(endpoint, json_body=request.payload)
            if self.plan.kind == "attributes_bulk":
                return self._bulk_outcomes(request, response), None
        except Exception as error:  # every failure becomes a row outcome, never a crash
            return outcomes.from_error(request.positions, error, endpoint), error
        return outcomes.accepted(request.positions, response), None

    def _bulk_outcomes(self, request: Request, response: Any) -> list[RowOutcome]:
        body = response.body if isinstance(response.body, dict) else {}
        if not body.get("batchJobId"):
            return outcomes.accepted(request.positions, response)
        job = bulk.wait_for_job(
            self.conn.client,
            body["batchJobId"],
            timeout_s=self.options.bulk_wait_s,
            sleep=self.options.sleep,
        )
        done = job.get("status") == "COMPLETED" and job.get("url")
        lines = bulk.fetch_results(job["url"]) if done else None
        return bulk.fold(
            request.positions,
            job,
            lines,
            response.attempts,
            outcomes.milliseconds(response.elapsed_s),
        )

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

    def _record(self, records: Iterable[RowOutcome]) -> None:
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
        message="already accepted in an earlier run (resend sends it again)",
    )
