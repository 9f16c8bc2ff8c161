"""Fixtures of the unit tests (no sockets, no real waiting)."""

from __future__ import annotations

import pytest
from fakes import FakeTime

import attentive_nb as att


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def conn() -> att.Connection:
    """A connection by API key to Attentive's address (tests mock it), waiting for nothing."""
    return att.Connection.from_api_key("test-key-0123456789", sleep=lambda _s: None)
