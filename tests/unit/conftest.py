"""Fixtures of the unit tests (no sockets, no real waiting)."""

from __future__ import annotations

import pytest
from fakes import FakeTime


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
