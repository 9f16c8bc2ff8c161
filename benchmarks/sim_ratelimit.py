"""The rate governor in a model of Attentive's limiter, beside attentive_nb 0.1's governor.

Run: ``.venv/bin/python benchmarks/sim_ratelimit.py [--requests 3000]``

A discrete-event model, no sockets and no real time, seeded: a server that
counts requests per token in fixed one-second windows (not aligned to the
client's clock) and answers 429 past the limit, with every request taking a
latency drawn from a range; 38 worker threads share one governor, as the
engine's do at 150/s (3 at 10/s). Each line is the mean over four seeds and window
phases of the steady-state throughput (from 10 % to 90 % of the rows done)
and the share of answers that were 429. The baseline is 0.1's policy: 95 % of
the documented limit, and after every 429 a 1 s pause for all and a 30 % cut,
won back 2 % per answer. ``bench_send.py`` checks the same against the
sandbox; this model only explains the choice of constants.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import threading
from collections.abc import Callable

from attentive_nb.http.client import RetryPolicy
from attentive_nb.http.ratelimit import RateGovernor

SETTINGS = ((150, 38, 1), (10, 3, 5))  # (limit, workers, a fraction of --requests)
SEEDS = ((1, 0.37), (2, 0.81), (3, 0.05), (4, 0.5))  # (seed, window phase in seconds)


class Clock:
    """Model time: moved by the event loop only."""

    now = 0.0

    def __call__(self) -> float:
        return self.now


class Governor01:
    """attentive_nb 0.1's governor, as it was: the baseline."""

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        self.ceiling = self.rate = rate * 0.95
        self._clock, self._next = clock, 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        slot = max(self._clock(), self._next)
        self._next = slot + 1.0 / self.rate
        return slot

    def observe(self, limit: int | None, remaining: int | None, latency: float = 0.0) -> None:
        if limit:
            self.ceiling = min(self.ceiling, limit * 0.95)
        self.rate = min(self.ceiling, self.rate + self.ceiling * 0.02)

    def slow_down(self, retry_after: float | None = None) -> float:
        self.rate = max(self.ceiling * 0.05, self.rate * 0.7)
        self._next = max(self._next, self._clock() + 1.0)
        return 1.0


def simulate(
    make: Callable[[float, Clock], object],
    n: int,
    limit: int,
    workers: int,
    latency_range: tuple[float, float],
    seed: int,
    phase: float,
) -> tuple[float, float]:
    """(steady-state requests/s, share of 429 answers) for ``n`` requests."""
    rng, retry_rng, clock = random.Random(seed), random.Random(seed + 1), Clock()
    governor = make(limit, clock)
    retry, windows = RetryPolicy(), {}
    events: list[tuple[float, int, str, int, float]] = []
    answers = refused = 0
    done: list[float] = []
    queue, order = list(range(n)), 0

    def at(time: float, what: str, attempt: int = 1, latency: float = 0.0) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (time, order, what, attempt, latency))

    for _ in range(workers):
        at(0.0, "next")
    while events:
        clock.now, _, what, attempt, latency = heapq.heappop(events)
        if what == "next" and queue:
            queue.pop()
            at(clock.now, "acquire")
        elif what == "acquire":
            at(governor.reserve(), "send", attempt)
        elif what == "send":
            arrives = clock.now + rng.uniform(*latency_range)
            window = math.floor(arrives - phase)
            used = windows.get(window, 0)
            windows[window] = used + (used < limit)
            answers += 1
            at(arrives, "ok" if used < limit else "429", attempt, arrives - clock.now)
        elif what == "ok":
            governor.observe(limit, None, latency)
            done.append(clock.now)
            at(clock.now, "next")
        elif what == "429":
            refused += 1
            governor.observe(limit, 0, latency)
            governor.slow_down(None)
            at(clock.now + retry.delay(attempt, retry_rng), "acquire", attempt + 1)
    first, last = done[n // 10], done[9 * n // 10]
    return (9 * n // 10 - n // 10) / (last - first), refused / answers


GOVERNORS = {
    "attentive_nb 0.1 (baseline)": lambda limit, clock: Governor01(limit, clock),
    "attentive_nb": lambda limit, clock: RateGovernor(limit, clock=clock, sleep=lambda _s: None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    print(
        f"Model of a fixed-window limiter, {args.requests:,} requests at 150/s, "
        f"{args.requests // 5:,} at 10/s; steady state, mean of 4 seeds:"
    )
    print(f"{'governor':<30}{'limit':>6}{'latency':>12}{'req/s':>9}{'of limit':>10}{'429s':>8}")
    for limit, workers, fraction in SETTINGS:
        for name, make in GOVERNORS.items():
            for lo, hi in ((0.1, 0.1), (0.05, 0.3)):
                n = args.requests // fraction
                runs = [simulate(make, n, limit, workers, (lo, hi), s, p) for s, p in SEEDS]
                rate = sum(r for r, _ in runs) / len(runs)
                share = sum(s for _, s in runs) / len(runs)
                latency = (
                    f"{lo * 1000:.0f} ms" if lo == hi else f"{lo * 1000:.0f}-{hi * 1000:.0f} ms"
                )
                print(
                    f"{name:<30}{limit:>6}{latency:>12}{rate:>9.1f}{rate / limit:>10.1%}"
                    f"{share:>8.2%}"
                )


if __name__ == "__main__":
    main()
