"""Shared helpers for the plan tests: every payload built is checked against the spec."""

from __future__ import annotations

from attentive_spec import validate_payload

from attentive_nb.plan.model import Plan, request_key


def sent(plan: Plan, chunk_size: int = 5000) -> list[tuple[tuple[int, ...], dict]]:
    """(positions, payload) of every request, each payload validated against its schema."""
    out = []
    for batch in plan.requests(chunk_size):
        for request in batch:
            validate_payload(plan.endpoint.method, plan.endpoint.path, request.payload)
            assert request.key == request_key(plan.endpoint.name, request.payload)
            out.append((request.positions, request.payload))
    assert len(out) == plan.n_requests
    return out
