"""A send's v2 bulk jobs, followed up for its report, and every job listed for the analyst.

- :class:`SubmittedJob`: a job one send submitted, and the rows it carries
  (:class:`JobRows`: positions, not keys: the ledger has those, by job);
- :class:`BulkFollowUp`: what ``report.refresh()`` calls: follows the report's
  jobs up (:func:`~attentive_nb.send.follow_up.follow`) and turns what was
  learnt into its rows' outcomes;
- :func:`jobs_frame`: the ledger's jobs with Attentive's word on each, the
  table behind ``att.bulk_jobs()`` and ``attentive-nb jobs``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.errors import ConfigError, LedgerError
from attentive_nb.http.client import Client
from attentive_nb.report import Outcomes
from attentive_nb.report.rows import Moved, codes_of
from attentive_nb.send import deletions, ledger_jobs
from attentive_nb.send.follow_up import Followed, follow
from attentive_nb.send.ledger import Ledger
from attentive_nb.send.ledger_jobs import Job

OUTCOME_COLUMNS = ("sent", "rejected", "failed", "unknown")
_ROW_STATES = frozenset(OUTCOME_COLUMNS)  # the ledger states a settled record can be in
FRAME_COLUMNS = (
    "job_id",
    "submitted_at",
    "rows",
    "status",
    "total_records",
    *OUTCOME_COLUMNS,
    "submitted",
    "checked_at",
    "note",
)
_NOTES = {
    "EXPIRED": "submitted more than two weeks ago: Attentive no longer reports on it, so its "
    "outcome cannot be known here",
    "NOT_FOUND": "Attentive does not know this job",
    "FAILED": "Attentive applied none of it: a re-run sends these rows again",
}


def open_ledger(given: object) -> Ledger:
    """The ledger a ``ledger=`` option names: the one given, or the file at a path (or default)."""
    if isinstance(given, Ledger):
        return given
    if given is None or isinstance(given, str | Path):
        return Ledger(given)
    raise ConfigError(f"ledger= must be a path or a Ledger, not {type(given).__name__}.")


@contextlib.contextmanager
def ledger_for(given: object) -> Iterator[Ledger]:
    """:func:`open_ledger` for a block: closed after it unless the caller gave it open."""
    ledger = open_ledger(given)
    try:
        yield ledger
    finally:
        if ledger is not given:
            ledger.close()


@dataclass(frozen=True)
class JobRows:
    """The rows a job carries, in the order sent, kept compactly (a bulk load submits
    every row: no Python object, and no ledger key, per row).

    ``positions``: a ``range`` when the rows follow on (the usual case), else an
    int32 array (int64 past 2**31). ``records``: each row's record, its place in
    the job (the ledger keeps every record's key by it); None when row i is record i.
    """

    positions: range | np.ndarray
    records: np.ndarray | None = None

    @classmethod
    def of(cls, units: Sequence[Sequence[int]]) -> JobRows:
        """The rows of ``units`` (each record's row positions, in the order sent)."""
        counts = np.fromiter((len(unit) for unit in units), dtype=np.int64, count=len(units))
        flat = np.fromiter((p for unit in units for p in unit), np.int64, int(counts.sum()))
        records = None
        if len(flat) != len(units):
            records = np.repeat(np.arange(len(units), dtype=np.int32), counts)
        if len(flat) and flat[-1] - flat[0] == len(flat) - 1 and (np.diff(flat) == 1).all():
            return cls(range(int(flat[0]), int(flat[-1]) + 1), records)
        small = not len(flat) or (flat.min() >= 0 and flat.max() < 2**31)
        return cls(flat.astype(np.int32) if small else flat, records)

    def __len__(self) -> int:
        return len(self.positions)

    def record_of(self) -> np.ndarray:
        """Each row's record (its place in the job)."""
        return np.arange(len(self)) if self.records is None else self.records


@dataclass(frozen=True)
class SubmittedJob:
    """A job a send submitted: its id and the rows it carries (their record keys are
    the ledger's, read back by job when the follow-up needs them)."""

    job_id: str
    rows: JobRows
    attempts: int
    latency_ms: float | None


def submitted_reason(job_id: str) -> str:
    """A submitted row's reason, right after Attentive accepted its job."""
    return (
        f"in bulk job {job_id}, accepted by Attentive and not applied yet; "
        "report.refresh() follows up"
    )


class BulkFollowUp:
    """The report's follow-up: asks about its jobs, returns the rows that moved on."""

    def __init__(
        self, client: Client, ledger: Ledger | Path, company_id: str, jobs: list[SubmittedJob]
    ) -> None:
        self._client, self._ledger, self._company = client, ledger, company_id
        self._open = {job.job_id: job for job in jobs}  # jobs whose rows may still move on

    def __call__(self, wait_s: float) -> tuple[Moved, list[str]]:
        """Follow the open jobs up (for ``wait_s`` at most); every row they carry, as now known
        (as columns, a job's rows at a time: no object a row)."""
        try:
            with ledger_for(self._ledger) as ledger:
                followed = follow(
                    self._client, ledger, self._company, list(self._open), wait_s=wait_s
                )
                jobs = list(self._open.values())
                parts = [part for sent in jobs if (part := self._rows(sent, followed, ledger))]
        except LedgerError as error:  # the rows stay submitted; the report still comes back
            return Moved.joined([]), [f"The bulk jobs could not be followed up: {error}"]
        return Moved.joined(parts), followed.notes

    def _rows(self, sent: SubmittedJob, followed: Followed, ledger: Ledger) -> Moved | None:
        job = followed.jobs.get(sent.job_id)
        if job is None:  # no longer in the ledger (forgotten): nothing more can be learnt
            return None
        positions = np.asarray(sent.rows.positions, dtype=np.intp)
        if job.settled:
            del self._open[sent.job_id]
            keys = _row_keys(ledger, job, sent.rows)
            found = self._outcomes(list(dict.fromkeys(keys)), job, followed, ledger)
            has = np.fromiter((bool(key) for key in keys), dtype=bool, count=len(keys))
            pairs = [found[key] for key in keys if key]
            statuses, reasons = [s for s, _ in pairs], [r for _, r in pairs]
            positions = positions[has]
        else:
            waiting = _waiting(job, followed.problems.get(job.job_id))
            statuses, reasons = ["submitted"] * len(positions), [waiting] * len(positions)
        return _moved(positions, statuses, reasons, sent)

    def _outcomes(
        self, keys: list[str], job: Job, followed: Followed, ledger: Ledger
    ) -> dict[str, tuple[str, str]]:
        """Each record's (status, reason): as learnt now, or as an earlier follow-up left it."""
        earlier = [key for key in keys if key not in followed.outcomes]
        states = ledger.states(self._company, job.endpoint, earlier) if earlier else {}
        found = {key: followed.outcomes[key] for key in keys if key in followed.outcomes}
        for key in earlier:  # the ledger may know a later send of it by now: then unknown here
            state = states.get(key)
            status = state if state in _ROW_STATES else "unknown"
            found[key] = (status, f"{job.words} {job.status}: {status} (read earlier)")
        return found


def _moved(
    positions: np.ndarray, statuses: list[str], reasons: list[str], sent: SubmittedJob
) -> Moved:
    """A job's rows' outcomes as columns: its own status and reason each, the job's answer."""
    outcomes = Outcomes(len(positions))
    outcomes.codes[:] = codes_of(statuses)
    outcomes.set_reasons(slice(None), outcomes.strings.codes(reasons))
    outcomes.http[:] = 202
    outcomes.attempts[:] = min(sent.attempts, np.iinfo(outcomes.attempts.dtype).max)
    if sent.latency_ms is not None:
        outcomes.latency[:] = round(sent.latency_ms * 10)
    return Moved(positions, outcomes)


def _row_keys(ledger: Ledger, job: Job, rows: JobRows) -> list[str]:
    """Each row's record key, read back from the ledger by job ("" for a record it lacks)."""
    keys = [record.key for record in ledger_jobs.records(ledger, job.company_id, job.job_id)]
    return [keys[i] if i < len(keys) else "" for i in rows.record_of().tolist()]


def _waiting(job: Job, problem: str | None) -> str:
    where = job.words if job.endpoint == deletions.ENDPOINT else f"in {job.words}"
    if job.checked_at is None:
        text = f"{where}, accepted by Attentive; not asked about yet"
    else:
        when = time.strftime("%H:%M", time.localtime(job.checked_at))
        text = f"{where}, accepted by Attentive: {job.status} at {when}"
    return text + (f"; {problem}" if problem else "") + "; report.refresh() asks again"


# -- the table of every job ------------------------------------------------------------------


def jobs_frame(client: Client, ledger: Ledger, company_id: str, *, refresh: bool) -> pd.DataFrame:
    """Every job the ledger knows for the company, newest first, with Attentive's status.

    ``refresh=True`` also reads the results of the jobs that completed and
    settles their rows in the ledger, so a re-run sends only what did not apply.
    """
    bulk = [e.name for e in ENDPOINTS.values() if e.name != deletions.ENDPOINT]
    followed = follow(client, ledger, company_id, results=refresh, endpoints=bulk)
    rows = [_job_row(job, followed.problems.get(job.job_id)) for job in followed.jobs.values()]
    frame: pd.DataFrame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    for name in ("submitted_at", "checked_at"):
        frame[name] = pd.to_datetime(frame[name], unit="s", utc=True).dt.tz_convert(_local_zone())
    for name in ("total_records", *OUTCOME_COLUMNS):
        frame[name] = frame[name].astype("Int64")
    return frame


def _job_row(job: Job, problem: str | None) -> list[object]:
    done = sum(job.outcome.values())
    note = _NOTES.get(job.status, "")
    if job.status == "COMPLETED" and not job.settled:
        note = problem or "its results are not read yet (a refresh reads them)"
    elif problem:
        note = problem
    counts = [job.outcome.get(name, 0) if job.settled else None for name in OUTCOME_COLUMNS]
    return [
        job.job_id,
        job.submitted_at,
        job.records,
        job.status,
        job.total_records,
        *counts,
        job.records - done,
        job.checked_at,
        note,
    ]


def deletion_requests_frame(
    client: Client, ledger: Ledger, company_id: str, *, refresh: bool
) -> pd.DataFrame:
    """Every deletion request the ledger knows for the company, newest first.

    ``refresh=True`` first asks Attentive about each one not processed yet.
    """
    endpoints = [deletions.ENDPOINT]
    if refresh:
        followed = follow(client, ledger, company_id, endpoints=endpoints)
        known, problems = list(followed.jobs.values()), followed.problems
    else:
        known, problems = ledger_jobs.jobs(ledger, company_id, endpoints=endpoints), {}
    return deletions.deletions_frame(known, ledger, problems)


def _local_zone() -> dt.tzinfo:
    return dt.datetime.now().astimezone().tzinfo or dt.timezone.utc
