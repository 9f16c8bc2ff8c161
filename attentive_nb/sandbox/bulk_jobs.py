"""The v2 bulk user-attributes endpoint, its job status, and the JSON-lines results.

Each record is checked on its own: a bad record FAILS its result line, the
others still succeed. Only the envelope (``users``, 1 to 256 objects) can
turn the whole request into a 400.
"""

from __future__ import annotations

import json

from attentive_nb.sandbox import validation
from attentive_nb.sandbox.base import ApiHandler, Reject, SandboxHandler, same_secret

_JOB_FAILED = {"status": "FAILED", "message": "the job failed; nothing was applied"}


class BulkAttributesHandler(ApiHandler):
    """POST /v2/bulk/user/attributes: 202 with a ``batchJobId`` to poll."""

    endpoints = {"POST": "attributes_bulk"}

    def handle_post(self):
        body = self.json_body()
        if self.ctx.faults.fail_bulk_jobs:  # the job will end FAILED: nothing is applied
            lines = [{"request": user, "response": _JOB_FAILED} for user in body["users"]]
        else:
            lines = [{"request": user, "response": self._process(user)} for user in body["users"]]
        job = self.ctx.state.add_job(lines, failed=self.ctx.faults.fail_bulk_jobs)
        self.accepted(body)
        return 202, {
            "message": "Bulk user attributes job successfully submitted",
            "batchJobId": job.id,
        }

    def _process(self, user: dict) -> dict:
        problem = validation.problem("bulk_user", user)
        if problem is None and not user.get("identifiers"):
            problem = "identifiers is required to find the person"
        if problem is None:
            problem = self.ctx.state.set_attributes(
                _people(user["identifiers"]), user.get("attributes", {}).get("custom", {})
            )
            problem = problem and problem.replace("properties.", "attributes.custom.", 1)
        if problem:
            return {"status": "FAILED", "message": problem}
        return {"status": "SUCCESS", "message": "Record processed"}


class BulkJobHandler(ApiHandler):
    """GET /v2/bulk/job/{id}: IN_PROGRESS for a few polls, then COMPLETED with a ``url``."""

    endpoints = {"GET": "bulk_job"}

    def handle_get(self, job_id: str):
        found = self.ctx.state.poll_job(job_id)
        if found is None:
            raise Reject(404, "Not found: no bulk job has that id")
        job, earlier_polls = found
        self.accepted({"bulkJobId": job_id})
        answer = {"bulkJobId": job.id, "totalRecords": len(job.lines)}
        if earlier_polls < self.ctx.bulk_polls_before_done:
            return 200, {**answer, "status": "IN_PROGRESS"}
        if job.failed:
            return 200, {**answer, "status": "FAILED"}
        url = f"{self.ctx.url}/v2/bulk/job/{job.id}/results.jsonl?sig={job.download_token}"
        return 200, {**answer, "status": "COMPLETED", "url": url}


class BulkResultsHandler(SandboxHandler):
    """GET /v2/bulk/job/{id}/results.jsonl?sig=...: a signed link, no bearer token needed."""

    def get(self, job_id: str) -> None:
        job = self.ctx.state.jobs.get(job_id)
        sig = self.get_query_argument("sig", "")
        if job is None or not same_secret(sig, job.download_token):
            self.send_error_json(403, "Forbidden: this download link is not valid")
            return
        broken = self.ctx.faults.bulk_results_status
        if broken is not None:
            self.send_error_json(broken, "Injected sandbox fault: the results are not available")
            return
        self.set_header("Content-Type", "application/jsonl")
        self.finish("".join(json.dumps(line) + "\n" for line in job.lines))


def _people(identifiers: dict) -> list[str]:
    return [identifiers[k] for k in ("phone", "email", "clientUserId") if k in identifiers]
