"""The per-endpoint rate governor, driven by a fake clock."""

from __future__ import annotations

import pytest

from attentive_nb.http.ratelimit import HEADROOM, Governors, RateGovernor


def governor(rate, fake_time):
    return RateGovernor(rate, clock=fake_time.clock, sleep=fake_time.sleep)


def test_first_request_goes_at_once_then_they_are_spaced_under_the_limit(fake_time):
    gov = governor(10, fake_time)
    waits = [gov.acquire() for _ in range(11)]
    assert waits[0] == 0
    assert all(w == pytest.approx(1 / (10 * HEADROOM)) for w in waits[1:])
    assert fake_time.now >= 1.0  # 11 requests never fit in one second at 10/s


def test_no_wait_when_requests_are_already_far_apart(fake_time):
    gov = governor(5, fake_time)
    gov.acquire()
    fake_time.now += 10
    assert gov.acquire() == 0
    assert fake_time.sleeps == []


def test_lower_announced_limit_is_adopted_and_a_higher_one_ignored(fake_time):
    gov = governor(150, fake_time)
    gov.observe(limit=300, remaining=299)
    assert gov.ceiling == pytest.approx(150 * HEADROOM)
    gov.observe(limit=20, remaining=19)
    assert gov.ceiling == pytest.approx(20 * HEADROOM)
    assert gov.rate <= gov.ceiling
    assert (gov.limit, gov.remaining) == (20, 19)


def test_missing_headers_keep_the_last_known_limit(fake_time):
    gov = governor(150, fake_time)
    gov.observe(limit=100, remaining=5)
    gov.observe(limit=None, remaining=None)
    assert gov.limit == 100 and gov.remaining is None


def test_slow_down_pauses_everyone_and_lowers_the_pace(fake_time):
    gov = governor(10, fake_time)
    pause = gov.slow_down(retry_after=None)
    assert pause == 1.0
    assert gov.rate < gov.ceiling and gov.throttled == 1
    assert "rate limited" in gov.waiting_reason
    assert gov.acquire() == pytest.approx(1.0)


def test_slow_down_uses_retry_after(fake_time):
    gov = governor(10, fake_time)
    assert gov.slow_down(retry_after=3) == 3
    assert gov.acquire() == pytest.approx(3)


def test_pace_recovers_step_by_step_after_a_slowdown(fake_time):
    gov = governor(10, fake_time)
    gov.slow_down()
    rates = []
    for _ in range(30):
        gov.observe(None, None)
        rates.append(gov.rate)
    assert rates == sorted(rates)
    assert rates[-1] == pytest.approx(gov.ceiling)
    assert gov.waiting_reason is None


def test_pace_never_drops_to_zero(fake_time):
    gov = governor(10, fake_time)
    for _ in range(100):
        gov.slow_down(0)
    assert gov.rate >= gov.ceiling * 0.05 > 0


def test_governors_are_one_per_endpoint(fake_time):
    govs = Governors(clock=fake_time.clock, sleep=fake_time.sleep)
    assert govs.for_endpoint("subscribe", 10) is govs.for_endpoint("subscribe", 10)
    assert govs.for_endpoint("subscribe", 10) is not govs.for_endpoint("events", 150)
