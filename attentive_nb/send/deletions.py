"""Deletion requests after Attentive accepted them: followed up like bulk jobs, one person each.

Attentive answers a deletion request with its id and deletes the person
within thirty days. The request is ``sent`` in the ledger at once (it is
never sent again), and written as a one-record job (:mod:`.ledger_jobs`)
under its id, with the person masked as the report shows them (the ledger
keeps nobody in clear). ``report.refresh()``, ``conn.deletion_requests(refresh=True)``
and ``attentive-nb delete --status`` ask ``GET /v1/privacy/delete-request/{id}``
(:func:`check`, called by :func:`~attentive_nb.send.follow_up.follow` for
these jobs): ``processed`` true ends the request ``COMPLETED`` and its row
``sent``; until then it is ``PENDING`` and the row stays ``submitted``.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import pandas as pd

from attentive_nb.errors import ApiError
from attentive_nb.http.client import Cancelled, Client
from attentive_nb.report.masking import mask_email, mask_other, mask_phone
from attentive_nb.send import ledger_jobs
from attentive_nb.send.ledger import Ledger
from attentive_nb.send.ledger_jobs import Job

ENDPOINT = "privacy_delete"
STATUS_ENDPOINT = "privacy_delete_status"
# "Alphanumeric ID of the request": it goes into a URL path, so nothing else is used.
_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MASKS = (("subjectPhone", mask_phone), ("subjectEmail", mask_email), ("clientUserId", mask_other))
FRAME_COLUMNS = ("person", "request_id", "requested_at", "status", "checked_at", "note")

Outcomes = dict[str, tuple[str, str]]  # record key -> (status, reason)


def request_id(body: Any) -> str | None:
    """The id of an accepted deletion request (``{"id": "123abc"}``), if it is one we can use."""
    found = body.get("id") if isinstance(body, dict) else None
    text = None if found is None else str(found)
    return text if text is not None and _REQUEST_ID.fullmatch(text) else None


def requested_reason(request_id: str) -> str:
    """An accepted row's reason, right after Attentive took its request."""
    return (
        f"deletion request '{request_id}' accepted by Attentive, which deletes the person "
        "within thirty days; report.refresh() asks how far it got"
    )


def masked(payload: dict[str, Any]) -> str:
    """The person a deletion names, masked as reports show them: ``+1201•••0123, j•••@x.com``."""
    parts = [
        str(mask(pd.Series([payload[name]], dtype=object)).iloc[0])
        for name, mask in _MASKS
        if payload.get(name)
    ]
    return ", ".join(parts)


def check(
    client: Client, ledger: Ledger, job: Job, stop: threading.Event
) -> tuple[Job, Outcomes, str]:
    """One deletion request: (as now known, its row's outcome once processed, a problem)."""
    name = f"deletion request {job.job_id}"
    try:
        answer = client.request(STATUS_ENDPOINT, path_args={"id": job.job_id}, stop=stop).body
    except Cancelled:
        return job, {}, ""
    except ApiError as error:
        if error.status != 404:
            return job, {}, f"could not ask Attentive about {name}: {error}"
        reason = f"Attentive does not know {name} (404); check this person in Attentive"
        return (*_end(ledger, job, "NOT_FOUND", "unknown", reason), "")
    except Exception as error:  # the network: the row stays submitted, asked again later
        return job, {}, f"could not ask Attentive about {name}: {error}"
    answer = answer if isinstance(answer, dict) else {}
    if answer.get("processed") is True:
        ended = answer.get("processingEndDateTime")
        reason = f"deleted: Attentive processed {name}" + (f" ({ended})" if ended else "")
        return (*_end(ledger, job, "COMPLETED", "sent", reason), "")
    status = "PROCESSING" if answer.get("processingStartDateTime") else "PENDING"
    return ledger_jobs.note(ledger, job, status), {}, ""


def _end(ledger: Ledger, job: Job, status: str, state: str, reason: str) -> tuple[Job, Outcomes]:
    """The request ended: its job settled (the ledger's ``sent`` for it never weakens)."""
    keys = [record.key for record in ledger_jobs.records(ledger, job.company_id, job.job_id)]
    settled = ledger_jobs.settle(ledger, job, status, dict.fromkeys(keys, state))
    return settled, dict.fromkeys(keys, (state, reason))


def deletions_frame(jobs: list[Job], ledger: Ledger, problems: dict[str, str]) -> pd.DataFrame:
    """One row per deletion request, newest first: masked person, id, times, status, note."""
    rows = []
    for job in jobs:
        records = ledger_jobs.records(ledger, job.company_id, job.job_id)
        person = records[0].who if records else ""
        note = problems.get(job.job_id) or _NOTES.get(job.status, "")
        rows.append([person, job.job_id, job.submitted_at, job.status, job.checked_at, note])
    frame: pd.DataFrame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    zone = dt.datetime.now().astimezone().tzinfo or dt.timezone.utc
    for column in ("requested_at", "checked_at"):
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True).dt.tz_convert(zone)
    return frame


_NOTES = {
    "SUBMITTED": "accepted by Attentive; not asked about yet (refresh=True asks)",
    "PENDING": "accepted; Attentive deletes the person within thirty days",
    "PROCESSING": "Attentive has started deleting this person",
    "COMPLETED": "deleted",
    "NOT_FOUND": "Attentive does not know this request: check this person in Attentive",
}
