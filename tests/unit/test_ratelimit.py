"""The per-endpoint rate governor, driven by a fake clock."""

from __future__ import annotations

import pytest

from attentive_nb.http.ratelimit import FLOOR, HEADROOM, SLOWDOWN, Governors, RateGovernor


def governor(rate, fake_time):
    return RateGovernor(rate, clock=fake_time.clock, sleep=fake_time.sleep)


def test_first_request_goes_at_once_then_they_are_spaced_under_the_limit(fake_time):
    gov = governor(10, fake_time)
    waits = [gov.acquire() for _ in range(11)]
    assert waits[0] == 0
    assert all(w == pytest.approx(1 / gov.rate) for w in waits[1:]) and gov.rate < 10
    assert fake_time.now >= 1.0  # 11 requests never fit in one second at 10/s


def test_before_latencies_are_known_a_spread_is_assumed(fake_time):
    """A low limit starts well under it (10 answers later it knows better); a high one hardly."""
    low, high = governor(10, fake_time), governor(150, fake_time)
    assert 0.88 < low.rate / 10 < 0.92
    assert 0.96 < high.rate / 150 <= HEADROOM
    for _ in range(10):
        low.observe(10, 5, latency=0.1)
    assert low.ceiling == pytest.approx(10 * HEADROOM)


def test_no_wait_when_requests_are_already_far_apart(fake_time):
    gov = governor(5, fake_time)
    gov.acquire()
    fake_time.now += 10
    assert gov.acquire() == 0
    assert fake_time.sleeps == []


def test_the_announced_limit_is_followed_up_or_down(fake_time):
    gov = governor(150, fake_time)
    gov.observe(limit=300, remaining=299, latency=0.1)
    assert gov.limit == 300 and gov.ceiling > 150
    gov.observe(limit=20, remaining=19, latency=0.1)
    assert gov.limit == 20 and gov.ceiling < 20
    assert gov.rate <= gov.ceiling
    assert (gov.limit, gov.remaining) == (20, 19)


def test_missing_headers_keep_the_last_known_limit(fake_time):
    gov = governor(150, fake_time)
    gov.observe(limit=100, remaining=5)
    gov.observe(limit=None, remaining=None)
    assert gov.limit == 100 and gov.remaining is None


def test_a_429_lowers_the_pace_without_stopping_everyone(fake_time):
    gov = governor(10, fake_time)
    gov.acquire()
    assert gov.slow_down(retry_after=None) == 0
    assert gov.rate == pytest.approx(gov.ceiling * SLOWDOWN) and gov.throttled == 1
    assert "rate limited" in gov.waiting_reason
    assert gov.acquire() == pytest.approx(1 / gov.ceiling)  # the slot already due, no pause
    assert gov.acquire() == pytest.approx(1 / gov.rate)  # then spaced at the lower pace


def test_the_429s_of_one_window_cut_the_pace_once(fake_time):
    gov = governor(10, fake_time)
    for _ in range(5):
        gov.slow_down()
        fake_time.now += 0.1
    assert gov.rate == pytest.approx(gov.ceiling * SLOWDOWN) and gov.throttled == 5
    fake_time.now += 1.0
    gov.slow_down()
    assert gov.rate == pytest.approx(gov.ceiling * SLOWDOWN**2)


def test_retry_after_holds_every_sender(fake_time):
    gov = governor(10, fake_time)
    assert gov.slow_down(retry_after=3) == 3
    assert gov.acquire() == pytest.approx(3)


def test_pace_climbs_back_over_time_after_a_cut(fake_time):
    gov = governor(10, fake_time)
    gov.slow_down()
    rates = []
    for _ in range(12):
        fake_time.now += 0.05
        gov.observe(None, None)
        rates.append(gov.rate)
    assert rates == sorted(rates) and rates[0] < gov.ceiling
    assert rates[-1] == pytest.approx(gov.ceiling)
    assert gov.waiting_reason is None


def test_pace_never_drops_to_zero(fake_time):
    gov = governor(10, fake_time)
    for _ in range(100):
        gov.slow_down(0)
        fake_time.now += 1
    assert gov.rate >= gov.ceiling * FLOOR > 0


def test_governors_are_one_per_endpoint(fake_time):
    govs = Governors(clock=fake_time.clock, sleep=fake_time.sleep)
    assert govs.for_endpoint("subscribe", 10) is govs.for_endpoint("subscribe", 10)
    assert govs.for_endpoint("subscribe", 10) is not govs.for_endpoint("events", 150)


def test_steady_latencies_keep_the_pace_just_under_the_limit(fake_time):
    gov = governor(10, fake_time)
    for _ in range(40):
        gov.observe(10, 5, latency=0.1)
    assert gov.ceiling == pytest.approx(10 * HEADROOM)


def test_varied_latencies_widen_the_headroom(fake_time):
    gov = governor(10, fake_time)
    for i in range(64):
        gov.observe(10, 5, latency=0.05 + 0.25 * i / 63)  # spread evenly over 50-300 ms
    # a window's count varies by sqrt(10 * 0.25 / 6) = 0.65 requests: aim 1.5 of that lower
    assert gov.ceiling == pytest.approx(10 * (1 - 1.5 * (0.25 / 60) ** 0.5), rel=0.03)
    busy = governor(150, fake_time)
    for i in range(64):
        busy.observe(150, 5, latency=0.05 + 0.25 * i / 63)
    assert busy.ceiling == pytest.approx(150 * HEADROOM, rel=0.01)  # high limits barely move


def test_the_edges_spread_is_refreshed_every_few_answers_also_once_its_samples_are_full(
    fake_time,
):
    # Once EDGE_SAMPLES latencies were kept, their count stayed a multiple of EDGE_REFRESH:
    # all of them were sorted again at every answer (a tenth of the governor's CPU).
    from attentive_nb.http.ratelimit import EDGE_REFRESH, EDGE_SAMPLES

    gov = governor(150, fake_time)
    for _ in range(EDGE_SAMPLES):
        gov.observe(None, None, latency=0.1)
    before = gov._edge_spread
    spreads = []
    for _ in range(EDGE_REFRESH):
        gov.observe(None, None, latency=0.6)
        spreads.append(gov._edge_spread)
    assert spreads[:-1] == [before] * (EDGE_REFRESH - 1)
    assert spreads[-1] > before
