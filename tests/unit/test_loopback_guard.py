"""The suite itself refuses to leave this machine (tests/conftest.py::loopback_only)."""

from __future__ import annotations

import pytest
import requests
from conftest import OffLoopback


def test_a_request_to_attentive_fails_loudly_inside_the_suite():
    with pytest.raises(OffLoopback):
        requests.get("https://api.attentivemobile.com/v1/me", timeout=1)
