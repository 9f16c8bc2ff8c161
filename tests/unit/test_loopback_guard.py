"""The suite itself refuses to leave this machine (tests/conftest.py::loopback_only)."""

from __future__ import annotations

import pytest
import requests


def test_a_request_to_attentive_fails_loudly_inside_the_suite():
    # RuntimeError, not OSError: nothing in requests or our client can swallow it.
    with pytest.raises(RuntimeError, match="only loopback is allowed"):
        requests.get("https://api.attentivemobile.com/v1/me", timeout=1)
