"""Rate limits per token and endpoint, their headers, and the injected clock."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.sandbox

SUBSCRIBE = {"user": {"phone": "+13115552368"}, "signUpSourceId": "1"}


def test_subscribe_allows_ten_per_second_then_429(make_sandbox, make_api, clock):
    sb = make_sandbox(clock=clock)
    api = make_api(sb)
    answers = [api.post("/v1/subscriptions", json=SUBSCRIBE) for _ in range(11)]
    assert [a.status_code for a in answers] == [202] * 10 + [429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == [
        str(n) for n in range(9, -1, -1)
    ] + ["0"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"10"}
    assert "Too many requests" in answers[-1].json()["error"]["message"]
    assert sb.subscribe_count("+13115552368") == 10 and sb.counters["429"] == 1
    clock.advance(1)
    assert api.post("/v1/subscriptions", json=SUBSCRIBE).status_code == 202


@pytest.mark.parametrize(
    ("method", "path", "limit"),
    [
        ("GET", "/v1/me", "150"),
        ("POST", "/v1/subscriptions/unsubscribe", "5"),
        ("GET", "/v2/bulk/job/x", "100"),
        ("POST", "/v2/bulk/user/attributes", "100"),
        ("POST", "/v1/events/custom", "150"),
    ],
)
def test_documented_limits_in_headers(api, method, path, limit):
    answer = api.call(method, path, json={})
    assert answer.headers["x-ratelimit-limit"] == limit


def test_limits_are_per_token_and_per_endpoint(make_sandbox, make_api, clock):
    sb = make_sandbox(clock=clock, rate_scale=0.2)  # subscribe: 2/s, me: 30/s
    api = make_api(sb)
    assert [api.post("/v1/subscriptions", json=SUBSCRIBE).status_code for _ in range(3)] == [
        202,
        202,
        429,
    ]
    other = sb.token_for(["subscriptions:write"])
    assert api.post("/v1/subscriptions", token=other, json=SUBSCRIBE).status_code == 202
    assert api.get("/v1/me").headers["x-ratelimit-limit"] == "30"


def test_rate_scale_can_change_mid_test(make_sandbox, make_api, clock):
    sb = make_sandbox(clock=clock, rate_scale=0.01)
    api = make_api(sb)
    assert (
        api.post("/v1/subscriptions/unsubscribe", json={"user": {"phone": "+13115552368"}}).headers[
            "x-ratelimit-limit"
        ]
        == "1"
    )
    sb.rate_scale = 10
    assert api.get("/v1/me").headers["x-ratelimit-limit"] == "1500"


def test_windows_can_start_off_the_clocks_whole_seconds(make_sandbox, make_api, clock):
    sb = make_sandbox(clock=clock, window_offset_s=0.1)  # the clock reads x.25
    api = make_api(sb)
    assert [api.post("/v1/subscriptions", json=SUBSCRIBE).status_code for _ in range(11)] == [
        202
    ] * 10 + [429]
    clock.advance(0.8)  # (x+1).05: a new second on the clock, but the window runs to (x+1).10
    assert api.post("/v1/subscriptions", json=SUBSCRIBE).status_code == 429
    clock.advance(0.1)  # (x+1).15: the next window
    assert api.post("/v1/subscriptions", json=SUBSCRIBE).status_code == 202
