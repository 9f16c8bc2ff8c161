"""Seeded fault injection: 500/503, resets before and after processing, slow answers, latency."""

from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.sandbox

PHONE = "+13115552368"
SUBSCRIBE = {"user": {"phone": PHONE}, "signUpSourceId": "1"}


def outcome(api, path="/v1/me", **kwargs):
    try:
        return api.get(path, **kwargs).status_code
    except requests.ConnectionError:
        return "reset"


def test_error_rate_gives_500_and_503_without_effect(make_sandbox, make_api):
    sb = make_sandbox(error_rate=1.0, seed=3, rate_scale=10)
    api = make_api(sb)
    answers = [api.post("/v1/subscriptions", json=SUBSCRIBE) for _ in range(20)]
    assert {a.status_code for a in answers} == {500, 503}
    assert all("x-ratelimit-remaining" in a.headers for a in answers)
    assert "Injected sandbox fault" in answers[0].json()["error"]["message"]
    assert sb.subscribe_count(PHONE) == 0 and sb.received("/v1/subscriptions") == []
    assert sb.counters["500"] + sb.counters["503"] == 20


def test_same_seed_same_faults(make_sandbox, make_api):
    def run(seed):
        api = make_api(make_sandbox(error_rate=0.3, reset_rate=0.2, seed=seed))
        return [outcome(api) for _ in range(40)]

    first = run(7)
    assert first == run(7)
    assert {200, "reset"} <= set(first) and ({500, 503} & set(first))
    assert first != run(8)


def test_reset_after_processing_keeps_the_effect(make_sandbox, make_api):
    sb = make_sandbox(reset_rate=1.0, seed=1)
    api = make_api(sb)
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/subscriptions", json=SUBSCRIBE)
    assert sb.subscribe_count(PHONE) == 1 and sb.subscribed(PHONE)
    assert sb.counters["reset"] == 1 and sb.history[0]["outcome"] == "reset"
    sb.faults.reset_rate = 0  # faults can be switched off mid-test
    again = api.post("/v1/subscriptions", json=SUBSCRIBE).json()
    assert again["subscriptionResponses"][0]["subscriptionCreationStatus"] == "PREVIOUSLY_CREATED"


def test_reset_before_processing_has_no_effect(make_sandbox, make_api):
    sb = make_sandbox(reset_rate=1.0, seed=1)
    sb.faults.reset_after = False
    api = make_api(sb)
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/subscriptions", json=SUBSCRIBE)
    assert sb.subscribe_count(PHONE) == 0 and sb.received("/v1/subscriptions") == []


def test_slow_answer_passes_the_client_timeout(make_sandbox, make_api):
    sb = make_sandbox(slow_rate=1.0, slow_seconds=30, seed=1)
    api = make_api(sb)
    with pytest.raises(requests.ReadTimeout):
        api.post("/v1/subscriptions", json=SUBSCRIBE, timeout=0.2)
    assert sb.subscribe_count(PHONE) == 1 and sb.counters["slow"] == 1
    sb.faults.slow_rate = 0
    started = time.perf_counter()
    assert api.get("/v1/me").status_code == 200  # the sleeping answer blocks nothing
    assert time.perf_counter() - started < 1
    started = time.perf_counter()
    sb.stop()  # a pending slow answer does not hold up stopping
    assert time.perf_counter() - started < 2


def test_slow_answer_arrives_after_slow_seconds(make_sandbox, make_api):
    api = make_api(make_sandbox(slow_rate=1.0, slow_seconds=0.2, seed=1))
    started = time.perf_counter()
    assert api.get("/v1/me").status_code == 200
    assert time.perf_counter() - started >= 0.2


def test_latency_and_jitter(make_sandbox, make_api):
    sb = make_sandbox(latency_ms=100, jitter_ms=50, seed=2)
    api = make_api(sb)
    for _ in range(3):
        started = time.perf_counter()
        assert api.get("/v1/me").status_code == 200
        assert 0.1 <= time.perf_counter() - started < 1
    sb.faults.latency_ms = sb.faults.jitter_ms = 0
    started = time.perf_counter()
    api.get("/v1/me")
    assert time.perf_counter() - started < 0.1


def test_faults_and_429_never_count_as_accepted(make_sandbox, make_api, clock):
    sb = make_sandbox(clock=clock, error_rate=0.5, seed=11, rate_scale=0.5)  # subscribe: 5/s
    api = make_api(sb)
    codes = [api.post("/v1/subscriptions", json=SUBSCRIBE).status_code for _ in range(12)]
    assert 429 in codes and ({500, 503} & set(codes))
    assert sb.subscribe_count(PHONE) == codes.count(202) == len(sb.received("/v1/subscriptions"))
