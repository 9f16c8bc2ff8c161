"""Fixtures shared by the integration tests (the sandbox itself is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from attentive_nb.signin.tokens import TokenStore


@pytest.fixture
def three(sandbox):
    """Three companies of the sandbox, their tokens stored as the OAuth sign-in stores them."""
    store = TokenStore()
    made = [sandbox.add_company(name) for name in ("Alpha", "Beta", "Gamma")]
    for company in made:
        store.save(company.company_id, company.access_token, company_name=company.company_name)
    return made
