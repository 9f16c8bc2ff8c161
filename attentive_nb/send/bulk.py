"""The v2 bulk attribute endpoint: wait for the job, fold its results back to rows.

``POST /v2/bulk/user/attributes`` answers 202 with a ``batchJobId``; the job
is polled at ``GET /v2/bulk/job/{id}`` until ``COMPLETED`` (or ``FAILED``),
and its ``url`` points to a JSON-lines file with one line per user, in the
order sent, each holding the request and its response. Attentive documents
the shape only loosely, so each line is read leniently. Every request,
the download included, goes through the one :class:`Client`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from attentive_nb.http.client import Client
from attentive_nb.report import RowOutcome

DONE_STATES = ("COMPLETED", "FAILED")


def wait_for_job(
    client: Client,
    job_id: str,
    *,
    timeout_s: float,
    clock: Callable[[], float] = time.monotonic,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """Poll the job until it is done, ``timeout_s`` passes or ``stop`` is set; its last status."""
    deadline, delay = clock() + timeout_s, 0.5
    while True:
        job = client.request("bulk_job", path_args={"id": job_id}, stop=stop).body or {}
        if job.get("status") in DONE_STATES or clock() + delay > deadline:
            return job
        if stop is not None and stop.is_set():
            return job
        client.pause(delay, stop)
        delay = min(delay * 2, 30.0)


def read_results(text: str) -> list[dict[str, Any]]:
    """The job's JSON-lines results, one dict per line; an unreadable line says so."""
    lines = []
    for raw in text.splitlines():
        if raw.strip():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"response": {"status": "UNREADABLE", "message": raw[:200]}})
    return lines


def fold(
    positions: Sequence[int],
    job: dict[str, Any],
    lines: list[dict[str, Any]] | None,
    attempts: int,
    latency_ms: float | None,
    *,
    unread: str = "",
) -> list[RowOutcome]:
    """One outcome per row of the request, from the job's status and per-user lines.

    ``lines`` is None when there are none to read: the job was not done when we
    stopped waiting, or (``unread`` says why) its results could not be downloaded.
    """
    job_id = job.get("bulkJobId", "?")
    state = job.get("status", "unknown")

    def every(status: str, reason: str) -> list[RowOutcome]:
        return [RowOutcome(p, status, 202, reason, attempts, latency_ms) for p in positions]

    if state == "FAILED":
        return every("failed", f"bulk job {job_id} ended FAILED: Attentive applied none of it")
    if lines is None and unread:
        return every(
            "sent",
            f"accepted in bulk job {job_id} ({state}); its per-row results could not be read "
            f"({unread}): look the job up later with GET /v2/bulk/job/{job_id}",
        )
    if lines is None:
        return every(
            "sent",
            f"accepted in bulk job {job_id}; its result was not ready when we stopped "
            f"waiting (status {state})",
        )
    outcomes = []
    for index, position in enumerate(positions):
        line = lines[index] if index < len(lines) else None
        outcomes.append(_line_outcome(position, line, job_id, attempts, latency_ms))
    return outcomes


def _line_outcome(
    position: int,
    line: dict[str, Any] | None,
    job_id: str,
    attempts: int,
    latency_ms: float | None,
) -> RowOutcome:
    if line is None:
        return RowOutcome(
            position,
            "unknown",
            202,
            f"bulk job {job_id} returned no line for this user; check it in Attentive",
            attempts,
            latency_ms,
        )
    answer = line.get("response") if isinstance(line.get("response"), dict) else line
    state = str(answer.get("status", "")).upper()
    message = str(answer.get("message") or answer.get("error") or "")
    if state in ("SUCCESS", "SUCCEEDED", "OK", "COMPLETED") or state.startswith("2"):
        return RowOutcome(position, "sent", 202, message, attempts, latency_ms)
    reason = message or f"bulk job {job_id} reported {state or 'no status'} for this user"
    return RowOutcome(position, "rejected", 202, reason, attempts, latency_ms)
