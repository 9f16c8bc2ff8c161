"""The direct path below requests (http/pool.py) is taken only where it changes nothing."""

from __future__ import annotations

import pytest
import requests
import responses
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from attentive_nb.http.auth import ApiKeyAuth
from attentive_nb.http.client import Client
from attentive_nb.http.pool import DeadlineAdapter, _as_requests_error, direct_for

KEY = "key_0123456789abcdefghijklmnopqrstuv"
API = "https://api.attentivemobile.com"
URL = API + "/v1/events/custom"


def client(**kwargs: object) -> Client:
    return Client(ApiKeyAuth(KEY), API, **kwargs)  # type: ignore[arg-type]


def test_the_clients_own_session_is_sent_directly():
    c = client()
    assert isinstance(direct_for(c.session, URL, c._settings(URL)["proxies"]), DeadlineAdapter)


def test_a_mocked_adapter_is_used_as_it_is():
    c = client()
    with responses.RequestsMock():
        assert direct_for(c.session, URL, {}) is None


def test_a_session_of_the_callers_own_goes_through_requests():
    c = client(session=requests.Session())
    assert direct_for(c.session, URL, {}) is None


def test_response_hooks_go_through_requests():
    c = client()
    c.session.hooks["response"].append(lambda r, *a, **k: r)
    assert direct_for(c.session, URL, {}) is None


def test_a_proxy_from_the_environment_goes_through_requests(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    c = client()
    assert direct_for(c.session, URL, c._settings(URL)["proxies"]) is None
    monkeypatch.setenv("NO_PROXY", "api.attentivemobile.com")
    c = client()  # the environment is read once per session: a new one sees NO_PROXY
    assert direct_for(c.session, URL, c._settings(URL)["proxies"]) is not None


def test_the_environment_is_read_once_per_session_not_per_request(monkeypatch):
    # requests reads proxies, NO_PROXY and the CA bundle from the environment at every
    # request (a tenth of the client's CPU against a real host): once per origin here.
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    c = client()
    reads = []
    merge = c.session.merge_environment_settings
    monkeypatch.setattr(
        c.session, "merge_environment_settings", lambda *a: reads.append(a) or merge(*a)
    )
    for path in ("/v1/events/custom", "/v1/subscriptions", "/v1/me?x=1"):
        assert c._settings(API + path)["proxies"]["https"] == "http://proxy.invalid:3128"
    assert len(reads) == 1
    c._settings("https://other.example.com/v1/me")  # another origin: its own NO_PROXY rule
    assert len(reads) == 2


def test_a_proxy_the_user_sets_on_the_session_is_honoured_at_once(monkeypatch):
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    c = client()
    assert direct_for(c.session, URL, c._settings(URL)["proxies"]) is not None
    c.session.proxies["https"] = "http://mine.invalid:8080"
    assert c._settings(URL)["proxies"]["https"] == "http://mine.invalid:8080"
    assert direct_for(c.session, URL, c._settings(URL)["proxies"]) is None
    local = Client(ApiKeyAuth(KEY), "http://127.0.0.1:8765")  # reads no environment
    local.session.proxies["http"] = "http://mine.invalid:8080"
    assert local._settings("http://127.0.0.1:8765/v1/me")["proxies"]["http"] == (
        "http://mine.invalid:8080"
    )


def test_the_ca_bundle_from_the_environment_is_used(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corporate.pem")
    assert client()._settings(URL)["verify"] == "/etc/ssl/corporate.pem"


def test_a_local_sandbox_reads_no_environment(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    c = Client(ApiKeyAuth(KEY), "http://127.0.0.1:8765")
    settings = c._settings("http://127.0.0.1:8765/v1/me")
    assert settings["proxies"] == {} and settings["verify"] is True


@pytest.mark.parametrize(
    "error, kind",
    [
        (
            MaxRetryError(None, "/", NewConnectionError(None, "refused")),  # type: ignore[arg-type]
            requests.exceptions.ConnectionError,
        ),
        (MaxRetryError(None, "/", ConnectTimeoutError()), requests.exceptions.ConnectTimeout),
        (ReadTimeoutError(None, "/", "slow"), requests.exceptions.ReadTimeout),  # type: ignore[arg-type]
        (ProtocolError("reset"), requests.exceptions.ConnectionError),
        (ConnectionResetError(), requests.exceptions.ConnectionError),
    ],
)
def test_urllib3s_errors_are_raised_as_requests_raises_them(error, kind):
    mapped = _as_requests_error(error, requests.PreparedRequest())
    assert type(mapped) is kind


def prepared(url: str) -> requests.PreparedRequest:
    return requests.Session().prepare_request(requests.Request("POST", url))


def test_an_origins_pool_is_looked_up_once_and_kept(monkeypatch):
    # The pool manager's look-up (its key normalised, its lock taken) was a tenth of what
    # the direct path cost a request: the adapter keeps each origin's pool while it is open.
    adapter = DeadlineAdapter()
    looks = []
    find = adapter.poolmanager.connection_from_host
    monkeypatch.setattr(
        adapter.poolmanager, "connection_from_host", lambda **kw: looks.append(kw) or find(**kw)
    )
    first = adapter._pool(prepared(URL), True, None)
    assert adapter._pool(prepared(API + "/v1/me?x=1"), True, None) is first
    assert len(looks) == 1
    other = adapter._pool(prepared("https://other.example.com/v1/me"), True, None)
    assert other is not first and len(looks) == 2
    unverified = adapter._pool(prepared(URL), False, None)  # other TLS settings: its own pool
    assert unverified is not first and unverified.cert_reqs == "CERT_NONE"
    assert first.cert_reqs == "CERT_REQUIRED"


def test_a_pool_the_adapter_closed_is_not_used_again():
    adapter = DeadlineAdapter()
    first = adapter._pool(prepared(URL), True, None)
    adapter.close()  # the session closed: its pools with it
    again = adapter._pool(prepared(URL), True, None)
    assert again is not first and again in adapter.poolmanager.pools._container.values()


def test_a_pool_the_manager_evicted_is_not_used_again():
    adapter = DeadlineAdapter(pool_connections=1)  # room for one origin's pool
    first = adapter._pool(prepared(URL), True, None)
    adapter._pool(prepared("https://other.example.com/v1/me"), True, None)  # evicts it
    again = adapter._pool(prepared(URL), True, None)
    assert again is not first and again in adapter.poolmanager.pools._container.values()
