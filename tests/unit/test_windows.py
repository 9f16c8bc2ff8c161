"""The governor learning where the server's one-second windows begin: injected clocks only.

``Server`` is a model of Attentive's limiter driven by the test's clock: every
request takes a seeded latency and is counted, in fixed one-second windows
``offset`` after the clock's whole seconds, when its answer leaves (as the
sandbox counts); one caller sends as fast as the governor lets it, answers
arrive in their own time.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter

import pytest

from attentive_nb.http.ratelimit import RateGovernor
from attentive_nb.http.windows import STRIKES, WindowLearner


class Clock:
    def __init__(self) -> None:
        self.now, self.wall_offset = 100.0, 1.7e9

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self.wall_offset


class Server:
    """Fixed windows, latency uniform in ``latency``; headers optional."""

    def __init__(self, limit: int, offset: float, *, headers: bool = True, seed: int = 1) -> None:
        self.limit, self.offset, self.headers = limit, offset, headers
        self.rng = random.Random(seed)
        self.used: dict[int, int] = {}
        self.refused = 0

    def count(self, at: float) -> tuple[bool, int]:
        window = math.floor(at - self.offset)
        used = self.used.get(window, 0)
        if used >= self.limit:
            self.refused += 1
            return False, 0
        self.used[window] = used + 1
        return True, self.limit - used - 1


def run(gov: RateGovernor, clock: Clock, server: Server, requests: int) -> list[float]:
    """Send ``requests`` through ``gov``; the send times (retries included)."""
    pending: list[tuple[float, float]] = []  # (answer time, send time)
    sent: list[float] = []
    left = requests

    def answer() -> None:
        nonlocal left
        at, sent_at = heapq.heappop(pending)
        clock.now = max(clock.now, at)
        ok, remaining = server.count(at)
        limit = server.limit if server.headers else None
        gov.observe(limit, remaining if server.headers else None, latency=at - sent_at)
        if not ok:
            gov.slow_down(None)
            left += 1

    while left or pending:
        if not left:
            answer()
            continue
        slot = gov.reserve()
        while pending and pending[0][0] <= slot:
            answer()
        clock.now = max(clock.now, slot)
        left -= 1
        sent.append(clock.now)
        heapq.heappush(pending, (clock.now + server.rng.uniform(0.05, 0.3), clock.now))
    return sent


def governor(limit: float, clock: Clock) -> RateGovernor:
    return RateGovernor(limit, clock=clock.clock, sleep=lambda _s: None, wall=clock.wall)


@pytest.mark.parametrize("limit, offset", [(150, 0.37), (150, 0.81), (10, 0.05), (10, 0.5)])
def test_the_edge_is_learned_from_the_remaining_header(limit, offset):
    clock = Clock()
    gov, server = governor(limit, clock), Server(limit, offset)
    run(gov, clock, server, limit * 4)
    assert gov.windows.known
    # Counted when the answer leaves: the first sent after (offset - mean latency) is first.
    error = (gov.windows.edge - (offset - 0.175) + 0.5) % 1.0 - 0.5
    assert abs(error) < 0.12  # 10/s learns from a handful of samples


@pytest.mark.parametrize("limit, offset", [(150, 0.37), (10, 0.5)])
def test_once_learned_every_window_is_filled_to_the_limit_without_a_429(limit, offset):
    clock = Clock()
    gov, server = governor(limit, clock), Server(limit, offset)
    run(gov, clock, server, limit * 12)
    windows = sorted(server.used)
    steady = [server.used[w] for w in windows[5:-1]]  # learned by then; the last is the tail
    assert steady == [limit] * len(steady)
    assert server.refused <= 0.005 * limit * 12  # only where even pacing hands over


def test_without_the_headers_the_pace_is_the_even_one_of_before():
    clock, reference = Clock(), Clock()
    gov, server = governor(150, clock), Server(150, 0.37, headers=False)
    sent = run(gov, clock, server, 600)
    assert not gov.windows.known
    before = governor(150, reference)
    before.windows.observe = lambda *_a, **_k: None  # type: ignore[method-assign]
    assert run(before, reference, Server(150, 0.37, headers=False), 600) == sent


@pytest.mark.parametrize(
    "limit, remaining",
    [
        (150, 150),  # remaining not below the limit: not counted, nothing to learn
        (150, 151),
        (150, -1),
        (10**12, 10**12 - 1),  # no endpoint allows a trillion a second
        (0, 0),
        (None, 149),
        (150, None),
    ],
)
def test_headers_that_make_no_sense_teach_nothing(limit, remaining):
    clock = Clock()
    learner = WindowLearner(150, clock=clock.clock, wall=clock.wall)
    for n in range(400):
        clock.now = 100 + n / 100
        learner.observe(clock.now - 0.1, limit, remaining, rate=140, paced_since=0.0, spread=0.25)
    assert not learner.known


def test_a_429_while_filling_widens_the_edges_and_cuts_the_budget_then_relearns():
    clock = Clock()
    gov, server = governor(150, clock), Server(150, 0.37)
    run(gov, clock, server, 900)
    clock.now += 2.0  # a second after any 429 of the run: this one cuts the pace
    at = clock.now
    before = gov.windows.zone(at, 0.25, 150)
    gov.slow_down(None)
    after = gov.windows.zone(at, 0.25, 150 * gov.rate / gov.ceiling)
    assert before is not None and after is not None
    assert after.end - after.start < before.end - before.start  # wider edges
    assert after.slots < 150  # fewer slots, for now
    for _ in range(STRIKES - 1):
        clock.now += 1.5
        gov.slow_down(None)
    assert not gov.windows.known  # the edge is forgotten: even pacing learns it again
    run(gov, clock, server, 900)
    assert gov.windows.known


@pytest.mark.parametrize("jump", [3600.0, -3600.0, 0.6, -0.6])
def test_a_clock_jump_neither_stalls_nor_bursts(jump):
    clock = Clock()
    gov, server = governor(150, clock), Server(150, 0.37)
    run(gov, clock, server, 900)
    clock.now += jump
    clock.wall_offset -= jump  # the wall clock did not move: the monotonic one jumped
    slots = [gov.reserve() for _ in range(300)]
    assert slots[0] - clock.now <= 1.0  # no stall
    assert not gov.windows.known  # the windows' edge on this clock is lost
    assert max(sum(1 for s in slots if t <= s < t + 1) for t in slots) <= 150  # no burst


def test_a_suspend_and_resume_forgets_the_edge_without_a_burst():
    clock = Clock()
    gov, server = governor(150, clock), Server(150, 0.37)
    run(gov, clock, server, 900)
    clock.wall_offset += 1234.5  # asleep: the wall clock went on, the monotonic one not
    gov.observe(150, 100, latency=0.1)
    assert not gov.windows.known
    slots = [gov.reserve() for _ in range(300)]
    assert slots[0] - clock.now <= 1.0
    assert max(sum(1 for s in slots if t <= s < t + 1) for t in slots) <= 150


def test_a_window_never_gets_more_than_the_limit_while_the_spread_estimate_shrinks():
    # The spread is re-estimated every few answers; a narrower one widens the zones. The
    # zone recomputed at the end of a full one must be the next window's, not a wider
    # zone of the same window with room for more slots (151-152 in a window, seen at
    # the sandbox, each a 429).
    clock = Clock()
    gov, server = governor(150, clock), Server(150, 0.37)
    run(gov, clock, server, 900)
    assert gov.windows.known
    edge = gov.windows.edge
    slots = []
    for n in range(1500):
        slot = gov.reserve()
        clock.now = max(clock.now, slot)
        slots.append(slot)
        gov.observe(150, 100, latency=0.175 + 0.001 * (n % 3))  # ever narrower latencies
    per_window = Counter(math.floor(s - edge) for s in slots)
    assert max(per_window.values()) <= 150, per_window


@pytest.mark.parametrize("offset", [0.37, 0.81, 0.05, 0.6])
def test_the_window_of_the_hand_over_gets_what_is_left_of_its_limit(offset):
    # Sending alone, the window the even pace is in when the edge is learned is filled up
    # to the limit over the rest of its zone (it lost a fifth of its limit, ~0.2 s a call,
    # when the even pace simply stopped short of its end).
    clock = Clock()
    gov, server = governor(150, clock), Server(150, offset)
    run(gov, clock, server, 150 * 8)
    full = [server.used[w] for w in sorted(server.used)[1:-1]]  # the first and last: partial
    assert server.refused == 0
    assert min(full) >= 133, full  # was 119-128: the even pace stopped short of its end


def learned(limit: float = 150) -> tuple[RateGovernor, Clock]:
    clock = Clock()
    gov = governor(limit, clock)
    run(gov, clock, Server(int(limit), 0.37), int(limit) * 6)
    assert gov.windows.known
    return gov, clock


def test_senders_that_come_late_still_fill_each_window():
    # A sender that wakes late (a busy machine) or waits for a free worker takes its slot
    # late; slots placed by their spacing alone then ran past the zone's end, and every
    # late one took a slot off its window. Counted, the zone's slots all go.
    gov, clock = learned()
    edge, sent = gov.windows.edge, []
    for n in range(150 * 8):
        slot = gov.reserve()
        clock.now = max(clock.now, slot) + (0.015 if n % 10 == 0 else 0.0)
        sent.append(clock.now)
    per_window = Counter(math.floor(s - edge) for s in sent)
    full = [per_window[w] for w in sorted(per_window)[1:-1]]  # the first and last: partial
    assert full == [150] * len(full)


def test_the_last_window_of_a_call_is_sent_in_the_first_half_of_its_zone():
    # The rows of a call's last window (a part of the limit) were spaced as if the whole
    # limit were to come: its last answer came up to the zone's length after its first.
    gov, clock = learned()
    zone = gov.windows.zone(clock.now + 2.0, gov._edge_spread, 150)
    assert zone is not None
    clock.now = zone.start - 0.01  # the previous window's rows sent; 100 rows left
    tail = [gov.reserve() for _ in range(100)]
    assert zone.start <= tail[0] and tail[-1] < zone.start + (zone.end - zone.start) / 2


def run_workers(
    gov: RateGovernor, clock: Clock, server: Server, requests: int, workers: int
) -> tuple[list[float], float]:
    """``workers`` callers, each taking a slot as soon as its last answer came (the
    engine's threads): slots are given ahead of the clock while they wait. The send
    times, and the clock when the edge was learned (inf: never)."""
    events: list[tuple[float, int, float]] = []  # (time, kind 0 answer / 1 take, sent at)
    for _ in range(workers):
        heapq.heappush(events, (clock.now, 1, 0.0))
    sent: list[float] = []
    left, learned_at = requests, math.inf
    while events:
        at, kind, sent_at = heapq.heappop(events)
        clock.now = max(clock.now, at)
        if kind == 0:  # an answer: counted as it leaves, then its worker takes a slot
            ok, remaining = server.count(at)
            gov.observe(server.limit, remaining, latency=at - sent_at)
            if not ok:
                gov.slow_down(None)
                left += 1
            if gov.windows.known and math.isinf(learned_at):
                learned_at = clock.now
            heapq.heappush(events, (clock.now, 1, 0.0))
        elif left:
            left -= 1
            slot = max(clock.now, gov.reserve())
            sent.append(slot)
            heapq.heappush(events, (slot + server.rng.uniform(0.05, 0.3), 0, slot))
    return sent, learned_at


@pytest.mark.parametrize("offset", [0.37, 0.81, 0.05, 0.6])
@pytest.mark.parametrize("workers", [5, 20])
def test_the_even_pace_hands_over_without_a_hole_when_callers_wait_ahead(offset, workers):
    # Callers waiting take even slots ahead of the clock; when the edge was learned the
    # even pace stopped at once, the first zone was often the next window's, and nothing
    # was sent from its last slot to that zone: 5-6 of 10 in the window (a 10 s call at
    # 10/s lost 4 % there). The even pace now goes on up to the next zone.
    clock = Clock()
    gov, server = governor(10, clock), Server(10, offset)
    run_workers(gov, clock, server, 120, workers)
    full = [server.used[w] for w in sorted(server.used)[1:-1]]  # the first and last: partial
    assert server.refused <= 1
    assert min(full) >= 8, full
