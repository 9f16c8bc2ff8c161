"""Shared helpers for the plan tests: every payload built is checked against the spec.

The literal assertions of a plan test never need Attentive's documents; the
cross-check against them runs whenever they are beside the project (the
schema tests in test_openapi_foundation say so when they are not).
"""

from __future__ import annotations

from attentive_spec import documents_present, validate_payload, validate_query

from attentive_nb.plan.model import Plan, request_key


def sent(plan: Plan, chunk_size: int = 5000) -> list[tuple[tuple[int, ...], dict]]:
    """(positions, payload) of every request, each payload validated against its schema."""
    out = []
    check = documents_present()
    for batch in plan.requests(chunk_size):
        for request in batch:
            if check and plan.endpoint.reads:  # a look-up's payload is its query
                validate_query(plan.endpoint.path, request.payload)
            elif check:
                validate_payload(plan.endpoint.method, plan.endpoint.path, request.payload)
            assert request.key == request_key(plan.endpoint.name, request.payload)
            out.append((request.positions, request.payload))
    assert len(out) == plan.n_requests
    return out
