"""The v2 bulk attribute endpoint: wait for the job, fold its results back to rows.

``POST /v2/bulk/user/attributes`` answers 202 with a ``batchJobId``; the job
is polled at ``GET /v2/bulk/job/{id}`` until ``COMPLETED`` (or ``FAILED``),
and its ``url`` points to a JSON-lines file with one line per user, in the
order sent, each holding the request and its response. Attentive documents
the shape only loosely, so each line is read leniently.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests

from attentive_nb.client import USER_AGENT, Client
from attentive_nb.report import RowOutcome

DONE_STATES = ("COMPLETED", "FAILED")


def wait_for_job(
    client: Client,
    job_id: str,
    *,
    timeout_s: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll the job until it is done or ``timeout_s`` passes; return its last status."""
    deadline, delay = clock() + timeout_s, 0.5
    while True:
        job = client.request("bulk_job", path_args={"id": job_id}).body or {}
        if job.get("status") in DONE_STATES or clock() + delay > deadline:
            return job
        sleep(delay)
        delay = min(delay * 2, 30.0)


def fetch_results(url: str, *, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Download the job's JSON-lines results; the link is pre-signed, so no credentials."""
    response = requests.get(url, timeout=timeout, headers={"User-Agent": USER_AGENT})
    response.raise_for_status()
    lines = []
    for raw in response.text.splitlines():
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
    latency_ms: float,
) -> list[RowOutcome]:
    """One outcome per row of the request, from the job's per-user lines."""
    job_id = job.get("bulkJobId", "?")
    if lines is None:
        reason = (
            f"accepted in bulk job {job_id}; its result was not ready when we stopped "
            f"waiting (status {job.get('status', 'unknown')})"
        )
        return [RowOutcome(p, "sent", 202, reason, attempts, latency_ms) for p in positions]
    outcomes = []
    for index, position in enumerate(positions):
        line = lines[index] if index < len(lines) else None
        outcomes.append(_line_outcome(position, line, job_id, attempts, latency_ms))
    return outcomes


def _line_outcome(
    position: int, line: dict[str, Any] | None, job_id: str, attempts: int, latency_ms: float
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
