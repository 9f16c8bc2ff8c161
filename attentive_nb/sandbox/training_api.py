"""Pages only the sandbox has, for the walkthroughs (Attentive has nothing like them).

The exercises' checks (:mod:`attentive_nb.training`) run in the notebook's
kernel, while a ``make demo`` sandbox runs in another process, so they ask
over HTTP, with the same key or token as the notebook:

- ``GET /sandbox/inspect``: ``{"company", "received", "history", "segments"}``,
  where ``received`` maps each endpoint path to the bodies whose effect
  happened (as ``Sandbox.received``), ``history`` is ``Sandbox.history`` and
  ``segments`` lists each segment's ``externalId``, ``name`` and ``members``
  (as ``Sandbox.segment_members``, once the due jobs have run).
- ``POST /sandbox/start-over``: the sandbox becomes a new, empty company (a
  new ``companyId``, nothing received or stored); keys and tokens keep
  working. Answers ``{"company": {...}}``.

Neither counts against a rate limit or shows in ``history``.
"""

from __future__ import annotations

import copy

from attentive_nb.sandbox.base import SandboxHandler
from attentive_nb.sandbox.bulk_jobs import run_due


class _KeyNeeded(SandboxHandler):
    """401 unless the bearer token is one this sandbox gave out (any app, any scope)."""

    def prepare(self) -> None:
        scheme, _, token = self.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() not in self.ctx.tokens:
            self.send_error_json(
                401, "Unauthorized: the API key or access token is missing or unknown"
            )


class InspectHandler(_KeyNeeded):
    """GET /sandbox/inspect: the company, what arrived, and every request's outcome."""

    def get(self) -> None:
        state = self.ctx.state
        run_due(self.ctx)  # members are what the jobs due by now made them
        with state.lock:
            seen = {
                "company": dict(self.ctx.company),
                "received": copy.deepcopy(state.received),
                "history": [dict(entry) for entry in state.log],
                "segments": [
                    {
                        "externalId": s.external_id,
                        "name": s.name,
                        "members": [dict(m) for m in s.members],
                    }
                    for s in state.segments.by_id.values()
                ],
            }
        self.send_json(200, seen)


class StartOverHandler(_KeyNeeded):
    """POST /sandbox/start-over: a new, empty company behind the same keys."""

    def post(self) -> None:
        self.send_json(200, {"company": self.ctx.start_over()})
