"""Shared helpers for the plan tests: every payload built is checked against the spec.

The literal assertions of a plan test never need Attentive's documents; the
cross-check against them runs whenever they are beside the project (the
schema tests in test_openapi_foundation say so when they are not).
"""

from __future__ import annotations

import json

from attentive_spec import documents_present, validate_payload, validate_query

from attentive_nb.plan.model import Plan, request_key


def sent(plan: Plan, chunk_size: int = 5000) -> list[tuple[tuple[int, ...], dict]]:
    """(positions, body) of every HTTP request, each body validated against its schema.

    The plan's units are keyed one by one (a bulk plan: one record per person);
    ``plan.batch`` of them travel in one request body (``plan.body``).
    """
    units = [unit for batch in plan.requests(chunk_size) for unit in batch]
    for unit in units:
        assert unit.key == request_key(plan.endpoint.name, unit.payload)
    out = []
    check = documents_present()
    for start in range(0, len(units), plan.batch):
        group = units[start : start + plan.batch]
        body = plan.body(group)
        if not plan.endpoint.reads:  # what is sent is the same, written once
            assert json.loads(plan.wire(group)) == body
        if check and plan.endpoint.reads:  # a look-up's payload is its query
            validate_query(plan.endpoint.path, body)
        elif check:
            validate_payload(plan.endpoint.method, plan.endpoint.path, body)
        out.append((tuple(p for unit in group for p in unit.positions), body))
    assert len(out) == plan.n_requests
    return out


def example_numbers() -> list:
    """phonenumbers' example number of every region and number type, and of every
    non-geographic calling code (the phone tests' sample of every numbering plan)."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    numbers = [
        phonenumbers.example_number_for_type(region, kind)
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in sorted(vars(PhoneNumberType).values(), key=str)
        if isinstance(kind, int)
    ]
    numbers += [
        phonenumbers.example_number_for_non_geo_entity(cc)
        for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    ]
    return [n for n in numbers if n is not None]
