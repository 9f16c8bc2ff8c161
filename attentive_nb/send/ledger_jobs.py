"""v2 bulk jobs in the ledger: each job with the people it carries, and what became of them.

When Attentive accepts a bulk request (202 and a job id), the job is written
with its records, in one transaction: one row in ``jobs`` (who submitted it
and when, Attentive's last status, the outcome counts once read) and one row
per record in ``job_records`` (its place in the request, its ledger key, and
a digest of the identifiers it names, so result lines can be matched without
the data; for a deletion request, a one-record job under its request id, the
person masked as the report shows them). The engine's loop writes a job in the
transaction that records the answers that came with it (:func:`record`), so
that no worker thread waits on the ledger. The records stay ``claimed`` by the
run while it lasts (another run leaves them alone) and become ``submitted``
when it ends
(:meth:`~attentive_nb.send.ledger.LedgerRun.finish`).

Settling a job writes each record's outcome (``sent``, ``rejected``,
``failed``, or ``unknown`` when Attentive said nothing about it), never
weakening what was known before it was sent, and only while the record is
still this job's: a later run that sent it again has the say.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from attentive_nb.send.bulk import Record
from attentive_nb.send.ledger import Ledger, LedgerRun, check_key, chunks, strongest

_COLUMNS = (
    "company_id, job_id, endpoint, run_id, submitted_at, records, status, checked_at,"
    " total_records, outcome"
)


@dataclass(frozen=True)
class Job:
    """A bulk job as the ledger knows it; ``outcome`` counts its records' states once read."""

    company_id: str
    job_id: str
    endpoint: str
    run_id: str
    submitted_at: float
    records: int
    status: str  # SUBMITTED (not asked yet), then Attentive's word, or EXPIRED / NOT_FOUND
    checked_at: float | None = None
    total_records: int | None = None
    outcome: dict[str, int] = field(default_factory=dict)

    @property
    def words(self) -> str:
        """``bulk job 8f2…`` or ``deletion request 123abc``: how reasons name it."""
        kind = "deletion request" if self.endpoint == "privacy_delete" else "bulk job"
        return f"{kind} {self.job_id}"

    @property
    def settled(self) -> bool:
        """True once every record of the job has its outcome in the ledger."""
        return bool(self.outcome)


Accepted = tuple[str, Sequence[tuple[str, str]]]  # a job id, its records (key, identifier digest)
Outcomes = Sequence[tuple[Sequence[str], str | None]]  # as :meth:`LedgerRun.record` takes them


def record(run: LedgerRun, outcomes: Outcomes, accepted: Sequence[Accepted]) -> None:
    """Requests' outcomes (as :meth:`LedgerRun.record`) and the jobs Attentive accepted
    (each its records, (key, identifier digest) in the order sent), in one transaction:
    the engine's loop writes the answers that came together at once."""
    with run.ledger.transaction() as db:
        run.record_in(db, outcomes)
        for job_id, records in accepted:
            _insert(db, run, job_id, records)


def _insert(
    db: sqlite3.Connection, run: LedgerRun, job_id: str, records: Sequence[tuple[str, str]]
) -> None:
    rows = [
        (run.company_id, job_id, seq, check_key(key), who) for seq, (key, who) in enumerate(records)
    ]
    db.execute(
        f"INSERT OR REPLACE INTO jobs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'SUBMITTED',"
        " NULL, NULL, NULL)",
        (run.company_id, job_id, run.endpoint, run.id, run.ledger.now(), len(records)),
    )
    db.executemany("INSERT OR REPLACE INTO job_records VALUES (?, ?, ?, ?, ?)", rows)


def jobs(
    ledger: Ledger,
    company_id: str,
    job_ids: Sequence[str] | None = None,
    endpoints: Sequence[str] | None = None,
) -> list[Job]:
    """The company's jobs (or those of ``job_ids``, of ``endpoints``), newest first."""
    if (job_ids is not None and not job_ids) or (endpoints is not None and not endpoints):
        return []
    sql, args = f"SELECT {_COLUMNS} FROM jobs WHERE company_id = ?", [str(company_id)]
    for column, values in (("job_id", job_ids), ("endpoint", endpoints)):
        if values is not None:
            sql += f" AND {column} IN ({','.join('?' * len(values))})"
            args += list(values)
    with ledger.reading() as db:
        rows = db.execute(sql + " ORDER BY submitted_at DESC, job_id", args).fetchall()
    return [_job(row) for row in rows]


def _job(row: tuple[Any, ...]) -> Job:
    *fields, outcome = row
    return replace(Job(*fields), outcome=json.loads(outcome) if outcome else {})


def records(ledger: Ledger, company_id: str, job_id: str) -> list[Record]:
    """The job's records, in the order they were sent."""
    with ledger.reading() as db:
        rows = db.execute(
            "SELECT seq, key, who FROM job_records WHERE company_id = ? AND job_id = ?"
            " ORDER BY seq",
            (str(company_id), job_id),
        ).fetchall()
    return [Record(*row) for row in rows]


def note(ledger: Ledger, job: Job, status: str, total_records: int | None = None) -> Job:
    """Attentive's answer about a job that has not ended; returns the job as now known."""
    now = ledger.now()
    with ledger.transaction() as db:
        db.execute(
            "UPDATE jobs SET status = ?, checked_at = ?, total_records = COALESCE(?,"
            " total_records) WHERE company_id = ? AND job_id = ?",
            (status, now, total_records, job.company_id, job.job_id),
        )
    total = job.total_records if total_records is None else total_records
    return replace(job, status=status, checked_at=now, total_records=total)


def settle(
    ledger: Ledger,
    job: Job,
    status: str,
    outcomes: Mapping[str, str],
    total_records: int | None = None,
) -> Job:
    """The job ended: each record's state (key -> state) and the job's counts, in one go."""
    now = ledger.now()
    counts = dict(Counter(outcomes.values()))
    where = (job.company_id, job.endpoint, job.run_id)
    with ledger.transaction() as db:
        for chunk in chunks(list(outcomes)):
            marks = ",".join("?" * len(chunk))
            prior = db.execute(  # 'claimed': its run died before it could end
                "SELECT key, prior FROM requests WHERE company_id = ? AND endpoint = ?"
                f" AND run_id = ? AND state IN ('submitted', 'claimed') AND key IN ({marks})",
                (*where, *chunk),
            ).fetchall()
            db.executemany(
                "UPDATE requests SET state = ?, prior = NULL, updated_at = ? WHERE company_id = ?"
                " AND endpoint = ? AND run_id = ? AND key = ?",
                [(strongest(before, outcomes[key]), now, *where, key) for key, before in prior],
            )
        db.execute(
            "UPDATE jobs SET status = ?, checked_at = ?, total_records = COALESCE(?,"
            " total_records), outcome = ? WHERE company_id = ? AND job_id = ?",
            (status, now, total_records, json.dumps(counts), job.company_id, job.job_id),
        )
    total = job.total_records if total_records is None else total_records
    return replace(job, status=status, checked_at=now, total_records=total, outcome=counts)
