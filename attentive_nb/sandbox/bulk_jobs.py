"""The v2 bulk user-attributes endpoint, its jobs, and their JSON-lines results.

Like Attentive, the sandbox accepts a bulk request at once (202 and a job id)
after checking only its envelope (``users``: 1 to 256 objects; anything else
is a 400), and runs the job later: it is ``PENDING`` for the first half of
``bulk_delay_s``, ``IN_PROGRESS`` for the second, then ``COMPLETED`` (or
``FAILED`` when ``Faults.fail_bulk_jobs`` was set as it was submitted). A job
runs, in the order submitted, the first time anyone looks once its time has
come; each record is checked on its own then, and a bad one FAILS its line
while the others apply (its custom attributes, and its ``subscriptions[]``
as v1 subscribes do). So a POST costs little, and the server is never what
holds a bulk send back.

The results link is signed and expires like a cloud storage link
(``RESULTS_LINK_S`` after the poll that gave it); a new poll gives a new one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from typing import Any

from attentive_nb.sandbox import validation
from attentive_nb.sandbox.base import ApiHandler, Reject, SandboxHandler, same_secret
from attentive_nb.sandbox.context import Context
from attentive_nb.sandbox.state import BulkJob

MAX_USERS = 256
RESULTS_LINK_S = 900.0
_APPLIED = {"status": "SUCCESS", "message": "Record processed"}


class BulkAttributesHandler(ApiHandler):
    """POST /v2/bulk/user/attributes: the envelope checked, 202 with a ``batchJobId``."""

    endpoints = {"POST": "attributes_bulk"}

    def handle_post(self, *args: str) -> tuple[int, dict[str, Any]]:
        body = self.json_body(checked=False)
        problem = envelope_problem(body)
        if problem:
            raise Reject(400, f"Invalid parameter in request body: {problem}")
        job = self.ctx.state.add_job(
            body["users"], self.ctx.clock(), failed=self.ctx.faults.fail_bulk_jobs
        )
        self.accepted(body, owned=True)  # the job reads its users; nothing changes them
        return 202, {
            "message": "Bulk user attributes job successfully submitted",
            "batchJobId": job.id,
        }


def envelope_problem(body: object) -> str | None:
    """What is wrong with a bulk body as a whole (``schemas.BULK_ENVELOPE``, checked by hand)."""
    if not isinstance(body, dict):
        return "body must be of type object"
    users = body.get("users")
    if "users" not in body:
        return "users is required"
    if not isinstance(users, list):
        return "users must be of type array"
    if not users:
        return "users needs at least 1 item(s)"
    if len(users) > MAX_USERS:
        return f"users takes at most {MAX_USERS} items"
    odd = next((i for i, user in enumerate(users) if not isinstance(user, dict)), None)
    return None if odd is None else f"users[{odd}] must be of type object"


class BulkJobHandler(ApiHandler):
    """GET /v2/bulk/job/{id}: the job's status, and a signed ``url`` once it has completed."""

    endpoints = {"GET": "bulk_job"}

    def handle_get(self, *args: str) -> tuple[int, dict[str, Any]]:
        (job_id,) = args
        run_due(self.ctx)
        job = self.ctx.state.jobs.get(job_id)
        if job is None:
            raise Reject(404, "Not found: no bulk job has that id")
        self.accepted({"bulkJobId": job_id})
        status = job_status(self.ctx, job)
        answer = {"bulkJobId": job.id, "status": status, "totalRecords": len(job.users)}
        if status == "COMPLETED":
            answer["url"] = results_link(self.ctx, job)
        return 200, answer


class BulkResultsHandler(SandboxHandler):
    """GET /v2/bulk/job/{id}/results.jsonl?expires=…&sig=…: a signed link, no bearer token."""

    def get(self, job_id: str) -> None:
        run_due(self.ctx)
        job = self.ctx.state.jobs.get(job_id)
        expires = self.get_query_argument("expires", "")
        sig = self.get_query_argument("sig", "")
        signed = job is not None and same_secret(sig, _signature(self.ctx, job_id, expires))
        if not signed or job is None or job.lines is None:
            self.send_error_json(403, "Forbidden: this download link is not valid")
            return
        if float(expires) < self.ctx.clock():
            self.send_error_json(403, "Forbidden: Request has expired")
            return
        broken = self.ctx.faults.bulk_results_status
        if broken is not None:
            self.send_error_json(broken, "Injected sandbox fault: the results are not available")
            return
        self.set_header("Content-Type", "application/jsonl")
        self.finish("".join(json.dumps(line) + "\n" for line in job.lines))


# -- running jobs -----------------------------------------------------------------------------


def job_status(ctx: Context, job: BulkJob) -> str:
    """Where the job is, by the sandbox's clock: PENDING, IN_PROGRESS, then how it ended."""
    elapsed = ctx.clock() - job.submitted_at
    if elapsed < ctx.bulk_delay_s / 2:
        return "PENDING"
    if elapsed < ctx.bulk_delay_s:
        return "IN_PROGRESS"
    return "FAILED" if job.failed else "COMPLETED"


def run_due(ctx: Context) -> None:
    """Run every job whose time has come, in the order submitted (attribute types follow it)."""
    with ctx.state.lock:  # a test thread looking and the server thread polling: one runs it
        for job in ctx.state.due_jobs(ctx.clock() - ctx.bulk_delay_s):
            run = job.run or (lambda user: _run_record(ctx, user))
            lines = [] if job.failed else [run(user) for user in job.users]
            if ctx.faults.shuffle_bulk_results:
                random.Random(job.id).shuffle(lines)
            job.lines = lines


def _run_record(ctx: Context, user: dict[str, Any]) -> dict[str, Any]:
    problem = validation.problem("bulk_user", user)
    if problem is None and not user.get("identifiers"):
        problem = "identifiers is required to find the person"
    if problem is None:
        custom = user.get("attributes", {}).get("custom", {})
        problem = ctx.state.set_attributes(_people(user["identifiers"]), custom)
        problem = problem and problem.replace("properties.", "attributes.custom.", 1)
    if problem is None:
        _subscribe(ctx, user)
    answer = {"status": "FAILED", "message": problem} if problem else _APPLIED
    return {"request": user, "response": answer}


_CHANNEL_IDS = {"TEXT": "phone", "EMAIL": "email"}


def _subscribe(ctx: Context, user: dict[str, Any]) -> None:
    """A record's ``subscriptions[]``: each subscribes the person on its channel, as v1
    subscribe does (counted in ``subscribe_count``), with the record's phone or email."""
    identifiers = user["identifiers"]
    for item in user.get("subscriptions") or ():
        kind = _CHANNEL_IDS.get(item.get("channel", "")) if isinstance(item, dict) else None
        if kind is not None and identifiers.get(kind):
            ctx.state.subscribe({kind: identifiers[kind]}, "MARKETING")


def results_link(ctx: Context, job: BulkJob) -> str:
    """A signed link to the job's results, valid for ``RESULTS_LINK_S`` from now."""
    expires = f"{ctx.clock() + RESULTS_LINK_S:.0f}"
    sig = _signature(ctx, job.id, expires)
    return f"{ctx.url}/v2/bulk/job/{job.id}/results.jsonl?expires={expires}&sig={sig}"


def _signature(ctx: Context, job_id: str, expires: str) -> str:
    message = f"{job_id}:{expires}".encode()
    return hmac.new(ctx.link_secret.encode(), message, hashlib.sha256).hexdigest()


def _people(identifiers: dict[str, Any]) -> list[str]:
    return [identifiers[k] for k in ("phone", "email", "clientUserId") if k in identifiers]
