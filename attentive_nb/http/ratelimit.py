"""Per-endpoint rate governor, fed by Attentive's ``x-ratelimit-*`` headers.

Attentive counts requests per access token and endpoint in one-second
windows (subscribe 10/s, unsubscribe 5/s, most endpoints 150/s) and answers
429 past the limit. The governor spaces requests evenly just under the limit
the headers announce (``x-ratelimit-limit``, up or down from the documented
one). Network jitter still bunches a few requests into one window now and
then; the 429s of one window are one event: the pace is cut once, the
refused requests are retried, and the pace climbs back over the next second.
``Retry-After``, when Attentive sends it, holds every sender that long.

The constants were tuned with ``benchmarks/sim_ratelimit.py`` (a fixed-window
server, uniformly 50–300 ms of latency, windows not aligned to the client's
clock) and checked against the sandbox in ``benchmarks/bench_send.py``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

# Aim just under the limit: evenly spaced requests still arrive a little
# bunched after network jitter, and every 429 costs a retry.
HEADROOM = 0.98
# After a window's 429s: multiply the pace by this (never below FLOOR of the
# ceiling), then win back RECOVERY of the ceiling per second.
SLOWDOWN = 0.9
FLOOR = 0.05
RECOVERY = 0.2
WINDOW_S = 1.0  # Attentive counts requests per second
# The headroom widens with the spread of the answers' latencies (see _headroom).
LATENCY_SAMPLES = 64
MIN_SAMPLES = 10
SPREAD_SIGMAS = 1.5
# Until MIN_SAMPLES answers have come, assume their latencies spread this much
# (a quarter second, a typical internet spread): a low limit's first second
# then stays under it, instead of learning the spread from its 429s.
PRIOR_SPREAD_S = 0.25


def pause(
    seconds: float, stop: threading.Event | None, sleep: Callable[[float], None] | None = None
) -> None:
    """Wait ``seconds``: with the injected ``sleep`` (tests), else in real time, cut short
    the moment ``stop`` is set."""
    if seconds <= 0:
        return
    if sleep is not None:
        sleep(seconds)
    elif stop is not None:
        stop.wait(seconds)
    else:
        time.sleep(seconds)


class RateGovernor:
    """Hands out evenly spaced send slots for one endpoint; thread safe."""

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.limit: float = rate_per_second
        self._latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self.ceiling = rate_per_second * self._headroom()
        self.rate = self.ceiling
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self.waiting_reason: str | None = None
        self.announced: int | None = None  # the limit the last headers announced
        self.remaining: int | None = None
        self.throttled = 0
        self._last_cut = float("-inf")
        self._cut_to = self.rate  # the pace right after the last cut

    def reserve(self) -> float:
        """The next free send slot (a time on this governor's clock), taken for the caller."""
        with self._lock:
            slot = max(self._clock(), self._next_slot)
            self._next_slot = slot + 1.0 / self.rate
        return slot

    def acquire(self, stop: threading.Event | None = None) -> float:
        """Block until this caller may send (or ``stop`` is set); return the seconds waited."""
        wait = self.reserve() - self._clock()
        pause(wait, stop, self._sleep)
        return max(wait, 0.0)

    def observe(
        self, limit: int | None, remaining: int | None, latency: float | None = None
    ) -> None:
        """Follow the limit the headers announce (up or down) and the latency the answers take;
        recover after a slowdown."""
        with self._lock:
            self.remaining = remaining
            if limit:
                self.announced = self.limit = limit
            if latency is not None:
                self._latencies.append(latency)
            self.ceiling = self.limit * self._headroom()
            now = self._clock()
            regained = self.ceiling * RECOVERY * max(0.0, now - self._last_cut)
            self.rate = min(self.ceiling, max(self.rate, self._cut_to + regained))
            if self.rate >= self.ceiling:
                self.waiting_reason = None

    def _headroom(self) -> float:
        """The share of the limit to aim at, wider when answers take more varied times.

        Requests sent evenly arrive bunched by the spread of their latencies; a
        window then counts its share of them give or take sqrt(limit * spread / 6)
        (uniformly spread latencies). Aim SPREAD_SIGMAS of that under the limit;
        before enough answers have come, with the spread assumed (PRIOR_SPREAD_S).
        """
        if len(self._latencies) < MIN_SAMPLES:
            spread = PRIOR_SPREAD_S
        else:
            ordered = sorted(self._latencies)
            tenth = len(ordered) // 10
            spread = (ordered[-1 - tenth] - ordered[tenth]) / 0.8  # p10..p90 -> the whole range
        margin = SPREAD_SIGMAS * math.sqrt(spread / (6 * self.limit))
        return min(HEADROOM, 1 - margin)

    def slow_down(self, retry_after: float | None = None) -> float:
        """After a 429: ease the pace (all senders wait for ``Retry-After`` when given)."""
        pause = retry_after or 0.0
        with self._lock:
            self.throttled += 1
            now = self._clock()
            if now - self._last_cut >= WINDOW_S:  # one cut per window: its 429s are one event
                self.rate = max(self.ceiling * FLOOR, self.rate * SLOWDOWN)
                self._last_cut, self._cut_to = now, self.rate
            self._next_slot = max(self._next_slot, now + pause)
            self.waiting_reason = f"rate limited by Attentive: pacing at {self.rate:.1f}/s"
        return pause


class Governors:
    """One governor per endpoint name, created on first use."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        scale: float = 1.0,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._scale = scale
        self._lock = threading.Lock()
        self._by_name: dict[str, RateGovernor] = {}

    def for_endpoint(self, name: str, rate_per_second: float) -> RateGovernor:
        with self._lock:
            if name not in self._by_name:
                self._by_name[name] = RateGovernor(
                    rate_per_second * self._scale, clock=self._clock, sleep=self._sleep
                )
            return self._by_name[name]
