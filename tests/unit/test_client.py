"""The HTTP client: headers, the status table, lenient errors, retries and their limits."""

from __future__ import annotations

import json
import random
import time
from email.utils import formatdate

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from attentive_nb import __version__
from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.errors import (
    ApiError,
    AttentiveError,
    AuthError,
    ConfigError,
    RateLimited,
    ScopeError,
    ServerError,
    TransportError,
)
from attentive_nb.http.auth import ApiKeyAuth
from attentive_nb.http.client import (
    USER_AGENT,
    Client,
    JsonText,
    RetryPolicy,
)
from attentive_nb.http.statuses import parse_error_body

API = "https://api.attentivemobile.com"
KEY = "key_0123456789abcdefghijklmnopqrstuv"


@pytest.fixture
def client(fake_time):
    return Client(ApiKeyAuth(KEY), sleep=fake_time.sleep, clock=fake_time.clock, seed=1)


@pytest.fixture
def mock():
    with responses.RequestsMock() as rsps:
        yield rsps


def url(name: str) -> str:
    return API + ENDPOINTS[name].path


def refused() -> requests.exceptions.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/v1/me", reason=reason))


def reset() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    )


# --- what every request carries ------------------------------------------------


def test_request_sends_bearer_user_agent_and_timeouts(client, mock):
    mock.get(url("me"), json={"companyName": "Acme"}, headers={"x-ratelimit-limit": "150"})
    answer = client.request("me")
    sent = mock.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.headers["User-Agent"].startswith(f"attentive-nb/{__version__}")
    assert USER_AGENT.startswith(f"attentive-nb/{__version__}")
    assert sent.req_kwargs["timeout"] == (5.0, 30.0)
    assert answer.status == 200 and answer.body == {"companyName": "Acme"}
    assert answer.attempts == 1
    assert answer.headers["x-ratelimit-limit"] == "150"


def test_json_body_params_and_path_args(client, mock):
    mock.post(url("events"), status=200)
    mock.get(API + "/v2/bulk/job/job-7", json={"status": "done"})
    mock.get(url("subscriptions"), json={})
    assert client.request("events", json_body={"type": "Viewed"}).body is None
    assert client.request("bulk_job", path_args={"id": "job-7"}).body == {"status": "done"}
    client.request(ENDPOINTS["subscriptions"], params={"phone": "+15551234567"})
    assert json.loads(mock.calls[0].request.body) == {"type": "Viewed"}
    assert "phone=%2B15551234567" in mock.calls[2].request.url


def test_a_body_already_written_as_json_is_sent_byte_for_byte(client, mock):
    mock.post(url("events"), status=200)
    text = '{"properties":{"city":"Montréal","n":1.0},"type":"Viewed"}'
    client.request("events", json_body=JsonText(text))
    sent = mock.calls[0].request
    assert sent.body == text.encode("utf-8")  # not re-serialised: 1.0 stays 1.0, é stays é
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"


def test_base_url_comes_from_the_environment(monkeypatch, mock):
    monkeypatch.setenv("ATTENTIVE_API_URL", "http://127.0.0.1:8765/")
    mock.get("http://127.0.0.1:8765/v1/me", json={})
    Client(ApiKeyAuth(KEY)).request("me")
    assert mock.calls[0].request.url == "http://127.0.0.1:8765/v1/me"


def test_latency_is_the_last_attempt_without_the_backoff_waits(client, mock, fake_time):
    # The fake clock only moves when the client sleeps, so time on the wire is zero.
    mock.get(url("me"), status=500)
    mock.get(url("me"), json={})
    answer = client.request("me")
    assert answer.attempts == 2
    assert sum(fake_time.sleeps) > 0
    assert answer.elapsed_s == 0


# --- bad settings: refused before any request ------------------------------------


@pytest.mark.parametrize(
    "base", ["api.attentivemobile.com", "https://api.attentivemobile.com/v1", "http://example.com"]
)
def test_bad_base_url_is_a_config_error_naming_the_variable(base, mock):
    with pytest.raises(ConfigError, match="ATTENTIVE_API_URL"):
        Client(ApiKeyAuth(KEY), base)
    assert len(mock.calls) == 0


@pytest.mark.parametrize("blank", ["", "  ", "\t\n"])
def test_blank_key_is_a_config_error_before_any_request(blank, mock):
    with pytest.raises(ConfigError, match="API key"):
        Client(ApiKeyAuth(blank))
    assert len(mock.calls) == 0


# --- the status table ------------------------------------------------------------


@pytest.mark.parametrize(
    "status, cls",
    [
        (400, ApiError),
        (401, AuthError),
        (403, ScopeError),
        (404, ApiError),
        (409, ApiError),
        (429, RateLimited),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
    ],
)
def test_status_becomes_its_exception(status, cls, client, mock):
    mock.post(url("subscribe"), status=status, json={"error": {"id": 42, "message": "nope"}})
    with pytest.raises(cls) as info:
        client.request("subscribe", json_body={})
    error = info.value
    assert type(error) is cls
    assert isinstance(error, AttentiveError)
    assert error.status == status
    assert error.message == "nope" and error.error_id == 42
    assert error.response.status_code == status
    assert f"Attentive answered {status}: nope (error id 42)" in str(error)


def test_401_tells_the_analyst_what_to_check(client, mock):
    mock.get(url("me"), status=401, body="Unauthorized")
    with pytest.raises(AuthError, match="ATTENTIVE_API_KEY, or sign in again"):
        client.request("me")


@pytest.mark.parametrize(
    "name, scope",
    [
        ("subscribe", "subscriptions:write"),
        ("events", "events:write"),
        ("purchase", "ecommerce:write"),
        ("attributes", "attributes:write"),
    ],
)
def test_403_names_the_scope_the_endpoint_needs(name, scope, client, mock):
    endpoint = ENDPOINTS[name]
    mock.add(endpoint.method, url(name), status=403, body="Forbidden")
    with pytest.raises(ScopeError) as info:
        client.request(name, json_body={})
    assert info.value.scope == scope
    assert f"'{scope}' scope" in str(info.value)
    assert endpoint.path in str(info.value)


def test_403_on_an_endpoint_without_scope_says_not_allowed(client, mock):
    mock.get(url("me"), status=403)
    with pytest.raises(ScopeError, match="not allowed") as info:
        client.request("me")
    assert info.value.scope is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_are_never_retried(status, client, mock, fake_time):
    mock.post(url("events"), status=status)
    with pytest.raises(ApiError) as info:
        client.request("events", json_body={})
    assert len(mock.calls) == 1
    assert info.value.attempts == 1
    assert fake_time.sleeps == []


# --- lenient error bodies ----------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message, error_id",
    [
        (
            {"json": {"error": {"id": 123456789, "message": "Invalid phone"}}},
            "Invalid phone",
            123456789,
        ),
        (
            {"json": {"error": "Must either specify subscriberPhone or subscriberEmail"}},
            "Must either specify subscriberPhone or subscriberEmail",
            None,
        ),
        (
            {"json": {"message": "Invalid parameter in request query or body"}},
            "Invalid parameter in request query or body",
            None,
        ),
        ({"json": {"error": {"id": 7}}}, "{'id': 7}", 7),
        ({"json": ["odd", "shape"]}, '["odd", "shape"]', None),
        (
            {"body": "Invalid parameter in request query or body"},
            "Invalid parameter in request query or body",
            None,
        ),
        ({"body": ""}, "Bad Request", None),
    ],
)
def test_error_bodies_are_read_leniently(kwargs, message, error_id, client, mock):
    mock.post(url("events"), status=400, **kwargs)
    with pytest.raises(ApiError) as info:
        client.request("events", json_body={})
    assert (info.value.message, info.value.error_id) == (message, error_id)


def test_html_error_page_gives_status_and_the_first_part_of_the_text(client, mock):
    page = (
        "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>"
        + "x" * 5000
        + "</body></html>"
    )
    mock.get(url("me"), status=404, body=page, content_type="text/html")
    with pytest.raises(ApiError) as info:
        client.request("me")
    error = info.value
    assert error.status == 404
    assert error.message.startswith("<html> <head><title>502 Bad Gateway</title></head>")
    assert len(error.message) <= 200
    assert "404" in str(error)


@responses.activate
def test_parse_error_body_can_scrub_before_shortening():
    secret = "S" * 30
    responses.get("https://x.example/", status=400, body="y" * 185 + secret)
    response = requests.get("https://x.example/")
    message, _ = parse_error_body(response, lambda text: text.replace(secret, "S…S"))
    assert "SSSS" not in message


# --- retries -----------------------------------------------------------------------------


def test_5xx_then_success_is_retried(client, mock, fake_time):
    mock.post(url("events"), status=500)
    mock.post(url("events"), status=503)
    mock.post(url("events"), status=200)
    answer = client.request("events", json_body={})
    assert answer.attempts == 3
    assert len(mock.calls) == 3
    assert len(fake_time.sleeps) == 2


def test_retries_stop_at_the_policy_cap(client, mock):
    mock.post(url("events"), status=500)
    with pytest.raises(ServerError) as info:
        client.request("events", json_body={})
    assert len(mock.calls) == RetryPolicy().attempts == 5
    assert info.value.attempts == 5


def test_retry_cap_is_configurable(mock, fake_time):
    client = Client(
        ApiKeyAuth(KEY), retry=RetryPolicy(attempts=2), sleep=fake_time.sleep, clock=fake_time.clock
    )
    mock.post(url("events"), status=429)
    with pytest.raises(RateLimited) as info:
        client.request("events", json_body={})
    assert len(mock.calls) == 2 and info.value.attempts == 2


@pytest.mark.parametrize("seed", range(20))
def test_backoff_is_exponential_jittered_and_capped(seed):
    import random

    policy = RetryPolicy(base_delay=0.5, max_delay=30.0)
    rng = random.Random(seed)
    for attempt in range(1, 12):
        ceiling = min(30.0, 0.5 * 2 ** (attempt - 1))
        assert ceiling / 2 <= policy.delay(attempt, rng) <= ceiling


def test_backoff_jitter_differs_between_clients():
    import random

    delays = {RetryPolicy().delay(3, random.Random(seed)) for seed in range(10)}
    assert len(delays) > 5


def test_5xx_backoff_sleeps_grow(client, mock, fake_time):
    mock.post(url("events"), status=500)
    with pytest.raises(ServerError):
        client.request("events", json_body={})
    for attempt, slept in enumerate(fake_time.sleeps, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= slept <= ceiling


def test_retry_after_seconds_is_honoured(client, mock, fake_time):
    mock.post(url("events"), status=429, headers={"Retry-After": "7"})
    mock.post(url("events"), status=200)
    client.request("events", json_body={})
    assert fake_time.sleeps[0] == 7
    assert sum(fake_time.sleeps) == pytest.approx(7)


def test_retry_after_http_date_is_honoured(client, mock, fake_time):
    mock.post(
        url("events"),
        status=429,
        headers={"Retry-After": formatdate(time.time() + 30, usegmt=True)},
    )
    mock.post(url("events"), status=200)
    client.request("events", json_body={})
    assert 27 <= fake_time.sleeps[0] <= 31


def test_retry_after_on_503_is_honoured(client, mock, fake_time):
    mock.get(url("me"), status=503, headers={"Retry-After": "4"})
    mock.get(url("me"), json={})
    client.request("me")
    assert fake_time.sleeps == [4]


def test_huge_retry_after_is_capped(client, mock, fake_time):
    mock.post(url("events"), status=429, headers={"Retry-After": "86400"})
    mock.post(url("events"), status=200)
    client.request("events", json_body={})
    assert sum(fake_time.sleeps) == pytest.approx(RetryPolicy().max_retry_after)


def test_unreadable_retry_after_falls_back_to_backoff(client, mock, fake_time):
    mock.post(url("events"), status=429, headers={"Retry-After": "soon"})
    mock.post(url("events"), status=200)
    client.request("events", json_body={})
    backoff = RetryPolicy().delay(1, random.Random(0))
    assert max(fake_time.sleeps) == pytest.approx(backoff, abs=0.25)  # 0.25 to 0.5 s


def test_429_without_retry_after_backs_off_and_slows_the_governor(client, mock, fake_time):
    mock.post(url("events"), status=429)
    mock.post(url("events"), status=200)
    client.request("events", json_body={})
    governor = client.governors.for_endpoint("events", 150)
    assert governor.throttled == 1
    assert governor.rate < governor.ceiling
    assert 0.25 <= max(fake_time.sleeps) <= 0.5  # this request's backoff; nobody else waits


def test_rate_headers_are_observed_by_the_governor(client, mock):
    mock.post(
        url("subscribe"),
        status=202,
        headers={"x-ratelimit-limit": "4", "x-ratelimit-remaining": "3"},
    )
    client.request("subscribe", json_body={})
    governor = client.governors.for_endpoint("subscribe", 10)
    assert (governor.limit, governor.remaining) == (4, 3)
    assert governor.ceiling <= 4


def test_rate_headers_on_an_error_answer_are_observed_too(client, mock):
    mock.get(
        url("me"), status=404, headers={"x-ratelimit-limit": "100", "x-ratelimit-remaining": "0"}
    )
    with pytest.raises(ApiError):
        client.request("me")
    assert client.governors.for_endpoint("me", 150).remaining == 0


# --- transport errors and the answer-lost rule -----------------------------------


@pytest.mark.parametrize("name", ["subscribe", "unsubscribe"])
@pytest.mark.parametrize("failure", [requests.exceptions.ReadTimeout("timed out"), reset()])
def test_lost_answer_of_a_messaging_call_is_never_resent(name, failure, client, mock):
    mock.post(url(name), body=failure)
    with pytest.raises(TransportError) as info:
        client.request(name, json_body={})
    assert info.value.answer_lost is True
    assert len(mock.calls) == 1
    assert info.value.attempts == 1
    assert "may or may not have been accepted" in str(info.value)


@pytest.mark.parametrize("failure", [requests.exceptions.ReadTimeout("timed out"), reset()])
def test_lost_answer_of_an_event_is_retried(failure, client, mock):
    mock.post(url("events"), body=failure)
    mock.post(url("events"), status=200)
    answer = client.request("events", json_body={})
    assert answer.attempts == 2 and len(mock.calls) == 2


@pytest.mark.parametrize("status", [429, 500, 503])
def test_subscribe_is_retried_after_an_answer_that_refused_it(status, client, mock):
    mock.post(url("subscribe"), status=status)
    mock.post(url("subscribe"), status=202, json={})
    assert client.request("subscribe", json_body={}).status == 202
    assert len(mock.calls) == 2


@pytest.mark.parametrize("failure", [refused, lambda: requests.exceptions.ConnectTimeout("slow")])
def test_connection_never_made_is_retried_even_for_subscribe(failure, client, mock):
    mock.post(url("subscribe"), body=failure())
    mock.post(url("subscribe"), status=202)
    assert client.request("subscribe", json_body={}).attempts == 2


def test_connection_refused_every_time_is_not_an_answer_lost(client, mock):
    mock.post(url("subscribe"), body=refused())
    with pytest.raises(TransportError) as info:
        client.request("subscribe", json_body={})
    assert info.value.answer_lost is False
    assert len(mock.calls) == 5 and info.value.attempts == 5
    assert "Could not reach api.attentivemobile.com" in str(info.value)
    assert "ATTENTIVE_API_URL" in str(info.value)


def test_transport_error_hides_the_requests_exception(client, mock):
    mock.get(url("me"), body=refused())
    with pytest.raises(TransportError) as info:
        client.request("me")
    assert info.value.__suppress_context__
    assert info.value.__cause__ is None


def test_repr_shows_url_and_masked_auth(client):
    assert repr(client) == f"Client({API}, auth=ApiKeyAuth(key_…stuv))"


def test_proxy_settings_apply_to_attentive_but_never_to_a_local_sandbox():
    assert Client(ApiKeyAuth(KEY), "https://api.attentivemobile.com").session.trust_env
    assert not Client(ApiKeyAuth(KEY), "http://127.0.0.1:8765").session.trust_env


@pytest.mark.parametrize("value", ["1e9", "inf", "1e999", "86400000"])
def test_every_retry_after_wait_is_capped(client, mock, fake_time, value):
    mock.post(url("events"), status=429, headers={"Retry-After": value})
    mock.post(url("events"), status=200)
    client.request("events", json_body={})
    assert 0 < max(fake_time.sleeps) <= RetryPolicy().max_retry_after


@pytest.mark.parametrize(
    "value", ["-5", "nan", "garbage", "Wed, 21 Oct 2015 07:28:00 GMT", "", "\x00"]
)
def test_a_negative_garbage_or_past_retry_after_never_waits_long_nor_crashes(
    client, mock, fake_time, value
):
    mock.post(url("events"), status=429, headers={"Retry-After": value})
    mock.post(url("events"), status=200)
    assert client.request("events", json_body={}).status == 200
    assert all(0 <= slept <= RetryPolicy().base_delay for slept in fake_time.sleeps)


def test_a_retry_after_wait_ends_when_the_run_is_stopped(mock):
    stop = __import__("threading").Event()
    mock.post(url("events"), status=429, headers={"Retry-After": "1e9"})
    client = Client(ApiKeyAuth(KEY), sleep=lambda s: stop.set(), seed=1)
    with pytest.raises(Exception, match="stopped before"):
        client.request("events", json_body={}, stop=stop)
    assert len(mock.calls) == 1


@pytest.mark.parametrize("value", ["1e999", "-5", "inf", "nan", "lots"])
def test_rate_limit_headers_of_any_value_never_crash_a_request(client, mock, value):
    headers = {"x-ratelimit-limit": value, "x-ratelimit-remaining": value}
    mock.post(url("events"), status=200, headers=headers)
    assert client.request("events", json_body={}).status == 200


@pytest.mark.parametrize(
    "error_id",
    [KEY, f"Bearer {KEY}", {"nested": KEY}, [KEY, 1], f"id%20{KEY.replace('_', '%5F')}"],
)
def test_an_echoed_key_is_masked_in_the_error_id_as_in_the_message(client, mock, error_id):
    body = {"error": {"message": f"bad {KEY}", "id": error_id}}
    mock.get(url("me"), status=400, json=body, headers={"X-Echo": KEY})
    with pytest.raises(ApiError) as info:
        client.request("me")
    error = info.value
    for text in (str(error), repr(error.args), str(error.error_id), error.response.text):
        assert KEY not in text and "0123456789abcdefghij" not in text, text
    assert error.response.headers["X-Echo"] != KEY
    assert KEY not in error.response.request.headers["Authorization"]


def test_a_numeric_error_id_stays_a_number(client, mock):
    mock.get(url("me"), status=400, json={"error": {"message": "no", "id": 910000001}})
    with pytest.raises(ApiError) as info:
        client.request("me")
    assert info.value.error_id == 910000001


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_never_followed(client, mock, status):
    mock.post(url("subscribe"), status=status, headers={"Location": "https://evil.example/x"})
    with pytest.raises(ApiError, match="redirect to evil.example") as info:
        client.request("subscribe", json_body={})
    assert info.value.status == status and len(mock.calls) == 1


# --- a prepared request per URL, copied -------------------------------------------


def test_requests_to_one_url_each_carry_their_own_body_query_and_token(client, mock):
    """The session's settings are merged once per URL; each request is a copy of that."""
    mock.post(url("events"), status=200)
    mock.get(url("subscriptions"), json={})
    client.request("events", json_body=JsonText('{"n":1}'))
    client.request("events", json_body={"n": 22})
    client.auth = ApiKeyAuth(KEY[:-1] + "w")  # a new token is used at once
    client.request("events", json_body=JsonText('{"n":333}'))
    client.request("subscriptions", params={"phone": "+15551234567"})
    client.request("subscriptions", params={"email": "a@example.com"})
    sent = [c.request for c in mock.calls]
    assert [s.body for s in sent[:3]] == [b'{"n":1}', b'{"n": 22}', b'{"n":333}']
    assert [s.headers["Content-Length"] for s in sent[:3]] == ["7", "9", "9"]
    assert all(s.headers["Content-Type"] == "application/json" for s in sent[:3])
    assert [s.headers["Authorization"][-1] for s in sent] == ["v", "v", "w", "w", "w"]
    assert "phone=" in sent[3].url and "phone=" not in sent[4].url and "email=" in sent[4].url


def test_a_cookie_the_session_holds_is_sent_as_it_is_now(client, mock):
    """Cookies may change between answers: a session holding any is prepared whole."""
    mock.post(url("events"), status=200)
    client.request("events", json_body={})
    client.session.cookies.set("seen", "1", domain="api.attentivemobile.com")
    client.request("events", json_body={})
    client.session.cookies.set("seen", "2", domain="api.attentivemobile.com")
    client.request("events", json_body={})
    assert [c.request.headers.get("Cookie") for c in mock.calls] == [None, "seen=1", "seen=2"]


def test_a_requests_headers_are_its_own_copy_of_the_templates():
    from requests.structures import CaseInsensitiveDict

    from attentive_nb.http.client import _headers_copy, _headers_dict

    template = CaseInsensitiveDict({"User-Agent": "u", "accept": "a", "Content-Type": "j"})
    copied = _headers_copy(template)
    assert list(copied.items()) == list(template.copy().items())
    copied["Authorization"], copied["ACCEPT"] = "Bearer k", "b"
    assert "authorization" not in template and template["Accept"] == "a"
    assert copied["accept"] == "b" and list(copied)[1] == "ACCEPT"  # as requests' copy does
    assert _headers_dict(copied) == dict(copied)
    assert _headers_dict({"X": "1"}) == {"X": "1"}  # any other mapping: as dict() makes it
