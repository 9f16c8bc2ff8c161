"""Following v2 bulk jobs up: ask Attentive about each, read what it did, settle the ledger.

:func:`follow` asks about every job of the ledger not settled yet
(``GET /v2/bulk/job/{id}``, the jobs of one round at once), and keeps asking,
backing off, while some are still running and ``wait_s`` allows. A job that
ended is settled in the ledger, each of its records with its own outcome:

- ``COMPLETED``: its results file is read (the signed link asked for again
  if it has expired) and each line matched to its record by identifier
  (:mod:`attentive_nb.send.bulk`); a record without a line is ``unknown``;
- ``FAILED``: Attentive applied none of it; every record ``failed``;
- older than two weeks (Attentive no longer answers about it), or unknown to
  Attentive: every record ``unknown``, and the reason says why.

Deletion requests are kept as one-person jobs too; :func:`_check` hands them to
:func:`attentive_nb.send.deletions.check` (they never expire in two weeks).

Ctrl-C, or ``stop`` being set, ends the waiting at once; what was learnt is kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from attentive_nb.errors import ApiError
from attentive_nb.http.client import Cancelled, Client
from attentive_nb.http.reading import TooLarge
from attentive_nb.send import bulk, deletions, ledger_jobs
from attentive_nb.send.ledger import Ledger
from attentive_nb.send.ledger_jobs import Job

TWO_WEEKS_S = 14 * 24 * 3600.0
ENDED = ("COMPLETED", "FAILED")
POLL_WORKERS = 16
_LINK_EXPIRED = (401, 403, 404, 410)  # what a signed link answers once its time is up

Outcomes = dict[str, tuple[str, str]]  # record key -> (status, reason)


@dataclass
class Followed:
    """What one follow-up learnt: the jobs as now known, the records of jobs that ended."""

    jobs: dict[str, Job]
    outcomes: Outcomes = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # job id -> what to say about it


def follow(
    client: Client,
    ledger: Ledger,
    company_id: str,
    job_ids: list[str] | None = None,
    *,
    wait_s: float = 0.0,
    stop: threading.Event | None = None,
    results: bool = True,
    endpoints: Sequence[str] | None = None,
) -> Followed:
    """Ask about the jobs (all of the company's by default) until they end or ``wait_s`` passes.

    ``results=False`` only asks for their status: a job that completed is not
    read, and stays to be settled by a later follow-up. ``endpoints``: only the
    jobs of these endpoints (the bulk jobs, or the deletion requests).
    """
    known = ledger_jobs.jobs(ledger, company_id, job_ids, endpoints)
    followed = Followed({job.job_id: job for job in known})
    stop = stop or threading.Event()
    delay, waited, started = 0.5, 0.0, time.monotonic()
    try:
        while True:
            _round(client, ledger, followed, stop, results)
            running = [j for j in followed.jobs.values() if j.status not in ENDED and not j.settled]
            elapsed = max(time.monotonic() - started, waited)
            if not running or stop.is_set() or elapsed + delay > wait_s:
                return followed
            client.pause(delay, stop)
            waited, delay = waited + delay, min(delay * 2, 30.0)
    except KeyboardInterrupt:
        stop.set()
        followed.notes.append(
            "Stopped waiting for Attentive (interrupted): rows of jobs still running stay "
            "submitted; report.refresh() asks again."
        )
        return followed


def _round(
    client: Client, ledger: Ledger, followed: Followed, stop: threading.Event, results: bool
) -> None:
    """Ask about every open job once, a few at a time."""
    open_jobs = [job for job in followed.jobs.values() if not job.settled]
    if not open_jobs or stop.is_set():
        return
    pool = ThreadPoolExecutor(min(POLL_WORKERS, len(open_jobs)), "attentive-jobs")
    try:
        futures = [pool.submit(_check, client, ledger, job, stop, results) for job in open_jobs]
        for future in futures:
            job, outcomes, problem = future.result()
            followed.jobs[job.job_id] = job
            followed.outcomes.update(outcomes)
            followed.problems.pop(job.job_id, None)
            if problem:
                followed.problems[job.job_id] = problem
                note = f"{problem[:1].upper()}{problem[1:]}."
                if note not in followed.notes:  # asked again each round: said once
                    followed.notes.append(note)
    except KeyboardInterrupt:
        stop.set()  # the requests on their way end at once; answers already in are kept
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _check(
    client: Client, ledger: Ledger, job: Job, stop: threading.Event, results: bool
) -> tuple[Job, Outcomes, str]:
    """One job: (the job as now known, its records' outcomes if it ended, a problem to say)."""
    if job.endpoint == deletions.ENDPOINT:
        return deletions.check(client, ledger, job, stop)
    if ledger.now() - job.submitted_at > TWO_WEEKS_S:
        when = time.strftime("%Y-%m-%d", time.localtime(job.submitted_at))
        reason = (
            f"bulk job {job.job_id} was submitted on {when}, more than two weeks ago: "
            "Attentive no longer reports on it, so its outcome cannot be known here; "
            "check these people in Attentive"
        )
        return (*_end_all(ledger, job, "EXPIRED", "unknown", reason), "")
    try:
        answer = _ask(client, job, stop)
    except Cancelled:
        return job, {}, ""
    except ApiError as error:
        if error.status != 404:
            return job, {}, f"could not ask Attentive about bulk job {job.job_id}: {error}"
        reason = f"Attentive does not know bulk job {job.job_id} (404); check these people"
        return (*_end_all(ledger, job, "NOT_FOUND", "unknown", reason), "")
    except Exception as error:  # the network: rows stay submitted, asked again later
        return job, {}, f"could not ask Attentive about bulk job {job.job_id}: {error}"
    status, total = str(answer.get("status") or "UNKNOWN").upper(), _count(answer)
    if status == "FAILED":
        reason = f"bulk job {job.job_id} ended FAILED: Attentive applied none of it; send again"
        return (*_end_all(ledger, job, "FAILED", "failed", reason, total), "")
    if status != "COMPLETED" or not results:
        return ledger_jobs.note(ledger, job, status, total), {}, ""
    return _read(client, ledger, job, answer, stop)


def _ask(client: Client, job: Job, stop: threading.Event) -> dict[str, Any]:
    body = client.request("bulk_job", path_args={"id": job.job_id}, stop=stop).body
    return body if isinstance(body, dict) else {}


def _count(answer: dict[str, Any]) -> int | None:
    total = answer.get("totalRecords")
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _end_all(
    ledger: Ledger, job: Job, status: str, state: str, reason: str, total: int | None = None
) -> tuple[Job, Outcomes]:
    """Every record of the job ends the same way."""
    keys = [record.key for record in ledger_jobs.records(ledger, job.company_id, job.job_id)]
    settled = ledger_jobs.settle(ledger, job, status, dict.fromkeys(keys, state), total)
    return settled, dict.fromkeys(keys, (state, reason))


def _read(
    client: Client, ledger: Ledger, job: Job, answer: dict[str, Any], stop: threading.Event
) -> tuple[Job, Outcomes, str]:
    """A completed job: its results matched to its records, and the ledger settled."""
    total = _count(answer)
    if not answer.get("url"):
        reason = f"applied in bulk job {job.job_id} (Attentive gave no per-person results)"
        return (*_end_all(ledger, job, "COMPLETED", "sent", reason, total), "")
    try:
        text = _download(client, job, str(answer["url"]), stop)
    except TooLarge as error:  # asking again would fetch the same file: nobody's outcome is known
        reason = f"bulk job {job.job_id} ran, but {error}; check these people in Attentive"
        return (*_end_all(ledger, job, "COMPLETED", "unknown", reason, total), reason)
    except Exception as error:  # the job ran; only its details are missing for now
        problem = f"the results of bulk job {job.job_id} could not be read ({error}); ask again"
        return ledger_jobs.note(ledger, job, "COMPLETED", total), {}, problem
    lines = bulk.read_results(text, job.endpoint)
    records = ledger_jobs.records(ledger, job.company_id, job.job_id)
    matched, unmatched = bulk.match(lines, records)
    unreadable = lines.unreadable
    outcomes = {r.key: _from_line(job, matched.get(r.key)) for r in records}
    states = {key: status for key, (status, _) in outcomes.items()}
    settled = ledger_jobs.settle(ledger, job, "COMPLETED", states, total)
    lineless = len(records) - len(matched)
    return settled, outcomes, _unmatched(job, unmatched, unreadable, lineless)


def _download(client: Client, job: Job, url: str, stop: threading.Event) -> str:
    """The results file; a link that has expired is asked for anew, once."""
    try:
        return client.download(url, stop=stop)
    except ApiError as error:
        fresh = _ask(client, job, stop).get("url") if error.status in _LINK_EXPIRED else None
        if not fresh:
            raise
        return client.download(str(fresh), stop=stop)


def _from_line(job: Job, line: bulk.Result | None) -> tuple[str, str]:
    name = f"bulk job {job.job_id}"
    if line is None:
        return "unknown", f"{name} gave no line for this person; check them in Attentive"
    if line.status == "sent":
        return "sent", f"applied in {name}" + (f": {line.message}" if line.message else "")
    if line.status == "rejected":
        return "rejected", line.message or f"{name} refused this person's record"
    return "failed", (line.message or f"{name} could not apply it") + "; safe to send again"


def _unmatched(job: Job, unmatched: int, unreadable: int, lineless: int) -> str:
    """What did not pair up between the job's result lines and its people, in words."""
    parts = []
    if unmatched:
        parts.append(f"{unmatched:,} result line{'s' * (unmatched != 1)} named nobody it carried")
    if unreadable:
        parts.append(f"{unreadable:,} line{'s' * (unreadable != 1)} could not be read")
    if lineless:
        parts.append(f"{lineless:,} of its people had no line (their rows are unknown)")
    return f"in the results of bulk job {job.job_id}, {', '.join(parts)}" if parts else ""
