"""The rate governor in a model of Attentive's limiter, beside attentive_nb 0.1's governor.

Run: ``.venv/bin/python benchmarks/sim_ratelimit.py [--requests 3000]``

A discrete-event model, no sockets and no real time, seeded: a server that
counts requests per token in fixed one-second windows (not aligned to the
client's clock), answers with ``x-ratelimit-limit`` / ``-remaining`` as
Attentive does and 429 past the limit, every request taking a latency drawn
from a range; the engine's worker threads (``default_workers``: 61 at 150/s,
5 at 10/s) share one governor, or, for the "4 processes" line, four processes'
workers each their governor on one shared pace record (a file in a temporary
folder, the model's clock). Each line is the mean over four seeds and window
phases of a whole call (the first request at 0 to the last answer, start and
tail included: issue 23's measure) and the share of answers that were 429.

Lines: 0.1's policy (95 % of the documented limit; after every 429 a 1 s
pause for all and a 30 % cut, won back 2 % per answer), today's even pace
(windows never learned: what happens without the headers), and filling the
windows once learned (today). Unlike ``bench_shared_pace.py`` (the sandbox,
real processes and time, noisy on a busy machine) the figures do not depend on
the machine's load; unlike the unit tests' model (unlimited senders) the
workers are few, as the engine's, and 429s are retried with the client's
backoff. A model, not the server: it explains the constants' choice.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from attentive_nb.http.client import RetryPolicy
from attentive_nb.http.ratelimit import BOOK_TRIES, RateGovernor
from attentive_nb.http.shared_pace import SharedPace

SETTINGS = ((150, 61, 1), (10, 5, 30))  # (limit, workers, a fraction of --requests)
SEEDS = ((1, 0.37), (2, 0.81), (3, 0.05), (4, 0.5))  # (seed, window phase in seconds)
LATENCIES = ((0.1, 0.1), (0.05, 0.3))


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


class EvenGovernor(RateGovernor):
    """Today's governor that never fills windows: its pace without Attentive's headers."""

    def _zone(self, at: float) -> None:
        return None


def today(limit: float, clock: Clock) -> RateGovernor:
    return RateGovernor(limit, clock=clock, sleep=lambda _s: None, wall=clock)


def even(limit: float, clock: Clock) -> RateGovernor:
    return EvenGovernor(limit, clock=clock, sleep=lambda _s: None, wall=clock)


def simulate(
    governors: list,
    clock: Clock,
    n: int,
    limit: int,
    workers: int,
    latency_range: tuple[float, float],
    seed: int,
    phase: float,
) -> tuple[float, float]:
    """(whole-call requests/s, share of 429 answers): ``n`` rows split between the
    governors (processes), ``workers`` worker threads for each."""
    rng, retry_rng = random.Random(seed), random.Random(seed + 1)
    retry, windows = RetryPolicy(), {}
    events: list[tuple[float, int, str, int, int, float, int]] = []
    answers = refused = 0
    last = 0.0
    queues = [n // len(governors)] * len(governors)
    order = 0

    def at(
        time: float, what: str, who: int, attempt: int = 1, latency: float = 0.0, left: int = 0
    ) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (time, order, what, who, attempt, latency, left))

    for who in range(len(governors)):
        for _ in range(workers):
            at(0.0, "next", who)
    while events:
        clock.now, _, what, who, attempt, latency, left = heapq.heappop(events)
        governor = governors[who]
        if what == "next" and queues[who]:
            queues[who] -= 1
            at(clock.now, "acquire", who)
        elif what == "acquire":  # a worker's call to acquire(): its waits, then its slot
            delay = getattr(governor, "claim_delay", float)()
            if delay > 0 and left < BOOK_TRIES:  # ``left``: the waits so far
                at(clock.now + delay, "acquire", who, attempt, left=left + 1)
            else:
                at(governor.reserve(), "send", who, attempt)
        elif what == "send":
            arrives = clock.now + rng.uniform(*latency_range)
            window = math.floor(arrives - phase)
            used = windows.get(window, 0)
            windows[window] = used + (used < limit)
            answers += 1
            answer = "ok" if used < limit else "429"
            at(arrives, answer, who, attempt, arrives - clock.now, max(0, limit - used - 1))
        elif what == "ok":
            governor.observe(limit, left, latency)
            last = clock.now
            at(clock.now, "next", who)
        elif what == "429":
            refused += 1
            governor.observe(limit, 0, latency)
            governor.slow_down(None)
            at(clock.now + retry.delay(attempt, retry_rng), "acquire", who, attempt + 1)
    return n / last, refused / answers


def alone(make: Callable[[float, Clock], object]) -> Callable[..., tuple[float, float]]:
    def run(n: int, limit: int, workers: int, latency: tuple[float, float], *seed) -> tuple:
        clock = Clock()
        return simulate([make(limit, clock)], clock, n, limit, workers, latency, *seed)

    return run


def shared(processes: int) -> Callable[..., tuple[float, float]]:
    def run(n: int, limit: int, workers: int, latency: tuple[float, float], *seed) -> tuple:
        clock = Clock()
        with tempfile.TemporaryDirectory() as folder:
            record = Path(folder) / "record"
            governors = [
                RateGovernor(
                    limit,
                    clock=clock,
                    sleep=lambda _s: None,
                    wall=clock,
                    shared=SharedPace(record, clock=clock, wall=clock),
                )
                for _ in range(processes)
            ]
            return simulate(governors, clock, n, limit, workers, latency, *seed)

    return run


LINES = {
    "attentive_nb 0.1 (baseline)": alone(lambda limit, clock: Governor01(limit, clock)),
    "even pace (no headers)": alone(even),
    "filling windows (today)": alone(today),
    "4 processes, one shared pace": shared(4),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    print(
        f"Model of a fixed-window limiter, {args.requests:,} requests at 150/s, "
        f"{args.requests // 30:,} at 10/s; whole call, mean of 4 seeds:"
    )
    print(f"{'governor':<30}{'limit':>6}{'latency':>12}{'req/s':>9}{'of limit':>10}{'429s':>8}")
    for limit, workers, fraction in SETTINGS:
        for name, run in LINES.items():
            for lo, hi in LATENCIES:
                n = args.requests // fraction
                runs = [run(n, limit, workers, (lo, hi), s, p) for s, p in SEEDS]
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
