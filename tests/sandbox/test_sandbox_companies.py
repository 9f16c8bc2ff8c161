"""Several companies in one sandbox: each key names its own company and has its own limits."""

from __future__ import annotations

import pytest
import requests

from attentive_nb.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

EVENT = {"type": "Visit", "user": {"phone": "+13115552368"}}


def call(sandbox, key, method, path, body=None):
    headers = {"Authorization": f"Bearer {key}"}
    return requests.request(method, sandbox.url + path, json=body, headers=headers, timeout=5)


def test_each_added_company_is_its_own_on_me(sandbox):
    a, b = sandbox.add_company("Alpha"), sandbox.add_company("Beta")
    assert a.company_id != b.company_id != sandbox.company["companyId"]
    assert call(sandbox, a.access_token, "GET", "/v1/me").json()["companyName"] == "Alpha"
    assert call(sandbox, b.access_token, "GET", "/v1/me").json()["companyId"] == b.company_id
    assert call(sandbox, sandbox.api_key, "GET", "/v1/me").json() == sandbox.company


def test_the_key_never_shows_in_the_companys_repr(sandbox):
    a = sandbox.add_company("Alpha")
    assert a.access_token not in repr(a) and "Alpha" in repr(a)


def test_received_and_history_say_which_company_sent(sandbox):
    a, b = sandbox.add_company("Alpha"), sandbox.add_company("Beta")
    for key, n in ((a.access_token, 2), (b.access_token, 1)):
        for i in range(n):
            assert call(
                sandbox, key, "POST", "/v1/events/custom", {**EVENT, "properties": {"i": i}}
            ).ok
    assert len(sandbox.received("/v1/events/custom")) == 3
    assert [e["properties"]["i"] for e in sandbox.received("/v1/events/custom", a.company_id)] == [
        0,
        1,
    ]
    assert len(sandbox.received("/v1/events/custom", company=b.company_id)) == 1
    companies = [e["company"] for e in sandbox.history]
    assert companies == [a.company_id, a.company_id, b.company_id]


def test_each_companys_key_has_its_own_rate_limit():
    # A clock that stands still: both calls fall in one window. /v1/me: 1 a second a token.
    with Sandbox(port=0, rate_scale=0.005, clock=lambda: 1_000.0) as sandbox:
        a, b = sandbox.add_company("Alpha"), sandbox.add_company("Beta")
        assert call(sandbox, a.access_token, "GET", "/v1/me").status_code == 200
        assert call(sandbox, a.access_token, "GET", "/v1/me").status_code == 429
        assert call(sandbox, b.access_token, "GET", "/v1/me").status_code == 200
