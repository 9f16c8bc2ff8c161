"""Where Attentive's one-second windows begin, learned from ``x-ratelimit-remaining``.

Attentive counts requests per token and endpoint in fixed one-second windows.
Spacing requests evenly just under the limit wastes the margin that latency
jitter needs at every moment; knowing where the windows begin, a governor can
instead fill each window to the limit and keep the margin only at its edges.

What an answer tells: its request was the ``limit - remaining``-th counted in
its window. While requests go out evenly at ``rate``, the first few counted in
a window were sent about ``k / rate`` after the send time whose request is the
first one counted (the *edge*), give or take where in its round trip the
request was counted and the latency's jitter; so each such answer is a sample
of the edge. Where in the round trip the count falls is not assumed (the
sandbox counts after its latency, Attentive presumably half-way): the edge is
a send time, and it is fuzzy by the spread of the latencies. So the *zone* of
sends that surely land in window ``n`` is ``edge + n + half .. edge + n + 1 -
half`` with ``half`` = half the latency spread, the samples' uncertainty and a
safety margin.

Samples are taken only while sending evenly: filling windows, the first
request counted is merely the first sent, which says nothing about the edge.
A 429 while filling widens the margin; the third one forgets the edge (back to
even pacing, which learns it again). So does a suspend and resume (the
monotonic clock stands still while the server's windows go on), seen as the
wall clock drifting from the monotonic one. With no headers, or headers that
make no sense, nothing is learned and the governor paces as it always did.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

# Samples from the first counted requests of a window only: later ones carry the
# jitter of every request before them in their count. At least EARLY_FEW of them.
EARLY_SHARE = 0.1
EARLY_FEW = 3
MIN_SAMPLES = 3  # distinct ones: consecutive sends counted in order tell one thing
MIN_WINDOWS = 2  # samples from this many windows before filling any
# ... and one more at a high limit, where a window more of even pacing costs little
HIGH_LIMIT, HIGH_LIMIT_WINDOWS = 50, 3
MAX_SAMPLES = 64
BASE_MARGIN_S = 0.02  # beyond half the spread, at each edge: thread wake-ups, server load
SIGMAS = 2.0  # the edge's estimate is good to this many of its standard errors
STRIKE_MARGIN_S = 0.03  # a 429 while filling widens each edge's margin this much
STRIKES = 3  # 429 windows while filling before the edge is forgotten
DRIFT_S = 0.05  # the wall clock left the monotonic one (a suspend): the edge is lost
MIN_ZONE_S = 0.2  # a zone shorter than this is not worth filling: pace evenly
PLAUSIBLE = 100  # a limit over this many times the documented one is garbage
# A zone's slots are spaced over its first FRONT, not the whole of it: the last window of
# a call (a part of the limit) is sent and answered sooner, and senders that wake late
# or wait for a free worker still find room in the zone (its slots are counted).
FRONT = 0.5


@dataclass(frozen=True)
class Zone:
    """The send times that surely land in one window, the slots it holds and their spacing
    (they fill the zone's first FRONT: the rest is room for late senders)."""

    start: float
    end: float
    spacing: float
    slots: int


class WindowLearner:
    """Learns the windows' edge on a governor's clock; not thread safe (the governor locks)."""

    def __init__(
        self,
        documented: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] | None = None,
    ) -> None:
        """``wall``: the wall clock, to see a suspend and resume by (None: not watched)."""
        self._documented = documented
        self._clock, self._wall = clock, wall
        self._samples: list[float] = []  # edge estimates (send times), the first as reference
        self.edge: float | None = None  # a send time on the clock; None: not known
        self.uncertainty = 0.0  # the edge estimate's SIGMAS standard errors
        self.margin = BASE_MARGIN_S
        self.strikes = 0
        self.forgotten = 0  # how often the edge was forgotten (shared: all forget with it)
        self._last = clock()
        self._drift_ref = self._offset()

    @property
    def known(self) -> bool:
        return self.edge is not None

    def observe(
        self,
        sent_at: float,
        limit: int | None,
        remaining: int | None,
        *,
        rate: float,
        paced_since: float,
        spread: float,
    ) -> None:
        """One answer's headers, for a request sent at ``sent_at`` while pacing evenly at
        ``rate`` without a break since ``paced_since``, latencies spreading ``spread``."""
        self.check_clock()
        if self.known or not _sane(limit, remaining, self._documented) or rate <= 0:
            return
        assert limit is not None and remaining is not None  # _sane
        counted_before = limit - 1 - remaining
        if counted_before > max(EARLY_FEW - 1, limit * EARLY_SHARE):
            return
        # The k-th counted came about k + 1/2 send spacings after the window began.
        sample = sent_at - (counted_before + 0.5) / rate
        # The first counted after a break (the very first request too) may have come
        # long after its window began: only a window entered while sending says where.
        if sample - paced_since < spread + BASE_MARGIN_S:
            return
        self._samples.append(sample)
        del self._samples[:-MAX_SAMPLES]
        self._estimate(spread)

    def _estimate(self, spread: float) -> None:
        """The edge: the samples' mean. Its uncertainty from the spread (a sample is off by
        where its latency fell in it: sd spread / sqrt(12)), not from a few samples' scatter."""
        ref = self._samples[0]
        offsets = [(s - ref + 0.5) % 1.0 - 0.5 for s in self._samples]
        windows = {round(s - ref - o) for s, o in zip(self._samples, offsets, strict=True)}
        distinct = len({round(o, 3) for o in offsets})
        needed = HIGH_LIMIT_WINDOWS if self._documented >= HIGH_LIMIT else MIN_WINDOWS
        if len(windows) < needed or distinct < MIN_SAMPLES:
            return
        self.edge = ref + sum(offsets) / len(offsets)
        self.uncertainty = SIGMAS * spread / math.sqrt(12 * distinct)

    def recent(self, count: int) -> list[float]:
        """The latest ``count`` samples, for the other processes of a shared pace."""
        return self._samples[-count:]

    def merge(self, samples: list[float], spread: float) -> None:
        """Samples other processes took (one pace shared): the first counted of a window
        come in runs from one process's workers, so alone each would learn from a part
        of them, several windows later."""
        if self.known:
            return
        new = [sample for sample in samples if sample not in self._samples]
        if new:
            self._samples.extend(new)
            del self._samples[:-MAX_SAMPLES]
            self._estimate(spread)

    def half(self, spread: float) -> float:
        """How far from the edge a zone keeps its slots, latencies spreading ``spread``."""
        return spread / 2 + self.uncertainty + self.margin

    def zone(
        self,
        at: float,
        spread: float,
        budget: float,
        *,
        after: float = -math.inf,
        wider: float = 0.0,
    ) -> Zone | None:
        """The zone that holds a slot at ``at``, else the next one, with ``budget`` slots in
        it, starting at ``after`` or later (the end of the zone just filled: with another
        spread, the same window's zone may reach past it, room for more than the limit),
        its half at least ``wider`` (another process's); None when the edge is not known
        or the margins leave too little to fill."""
        if self.edge is None or budget < 1:
            return None
        half = max(self.half(spread), wider)
        length = 1.0 - 2 * half
        if length < MIN_ZONE_S:
            return None
        slots = math.floor(budget)
        spacing = FRONT * length / slots
        start = self.edge + math.floor(at - self.edge - half) + half
        if at > start + length - spacing / 2 or start < after:
            start += 1.0
        return Zone(start, start + length, spacing, slots)

    def throttled(self) -> None:
        """A 429 window while filling: the edges were too close; widen them, or relearn."""
        if not self.known:
            return
        self.margin += STRIKE_MARGIN_S
        self.strikes += 1
        if self.strikes >= STRIKES:
            self.forget()

    def forget(self) -> None:
        if self.edge is None:
            return
        self.edge, self.uncertainty = None, 0.0
        self._samples.clear()
        self.strikes = 0
        self.forgotten += 1

    def adopt(self, edge: float, margin: float) -> None:
        """The edge another process learned (from the shared record)."""
        self.edge, self.margin = edge, max(self.margin, margin)
        self.uncertainty = 0.0  # the record's margin already holds it

    def shared_margin(self) -> float:
        return self.uncertainty + self.margin

    def _offset(self) -> float:
        return 0.0 if self._wall is None else self._wall() - self._clock()

    def check_clock(self) -> None:
        """Forget the edge when the clock went back, or left the wall clock (a suspend)."""
        now, offset = self._clock(), self._offset()
        if now < self._last or abs(offset - self._drift_ref) > DRIFT_S:
            self.forget()
        self._last, self._drift_ref = now, offset


def _sane(limit: int | None, remaining: int | None, documented: float) -> bool:
    """Headers worth learning from: both there, 0 <= remaining < limit, a plausible limit."""
    if limit is None or remaining is None:
        return False
    return 0 <= remaining < limit <= max(documented, 1) * PLAUSIBLE
