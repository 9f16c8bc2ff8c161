"""Per-endpoint rate governor, fed by Attentive's ``x-ratelimit-*`` headers.

Attentive counts requests per access token and endpoint in one-second
windows (subscribe 10/s, unsubscribe 5/s, most endpoints 150/s) and answers
429 past the limit. The governor spaces requests evenly a little under the
limit, adopts a lower limit when the headers announce one, and after a 429
pauses every worker and slows down, then recovers step by step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Aim a little under the documented limit: evenly spaced requests still
# arrive in bursts after network jitter, and every 429 costs a retry.
HEADROOM = 0.95
# After a 429: multiply the pace by this, then win back this share of the
# ceiling with every accepted request.
SLOWDOWN = 0.7
RECOVERY = 0.02


def pause(seconds: float, stop: threading.Event | None, sleep: Callable | None = None) -> None:
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
        self.ceiling = rate_per_second * HEADROOM
        self.rate = self.ceiling
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self.waiting_reason: str | None = None
        self.limit: int | None = None
        self.remaining: int | None = None
        self.throttled = 0

    def acquire(self, stop: threading.Event | None = None) -> float:
        """Block until this caller may send (or ``stop`` is set); return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.rate
        wait = slot - now
        pause(wait, stop, self._sleep)
        return max(wait, 0.0)

    def observe(self, limit: int | None, remaining: int | None) -> None:
        """Adopt a lower limit announced by the headers; recover after a slowdown."""
        with self._lock:
            self.remaining = remaining
            self.limit = limit if limit is not None else self.limit
            if limit:
                self.ceiling = min(self.ceiling, limit * HEADROOM)
            self.rate = min(self.ceiling, self.rate + self.ceiling * RECOVERY)
            if self.rate >= self.ceiling:
                self.waiting_reason = None

    def slow_down(self, retry_after: float | None = None) -> float:
        """After a 429: pause all senders and lower the pace. Returns the pause."""
        pause = retry_after if retry_after is not None else 1.0
        with self._lock:
            self.throttled += 1
            self.rate = max(self.ceiling * 0.05, self.rate * SLOWDOWN)
            self._next_slot = max(self._next_slot, self._clock() + pause)
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
