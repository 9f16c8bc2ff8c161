"""Per-endpoint rate governor, fed by Attentive's ``x-ratelimit-*`` headers.

Attentive counts requests per access token and endpoint in one-second
windows (subscribe 10/s, unsubscribe 5/s, most endpoints 150/s) and answers
429 past the limit. The governor spaces requests evenly just under the limit
the headers announce (``x-ratelimit-limit``, up or down from the documented
one). Network jitter still bunches a few requests into one window now and
then; the 429s of one window are one event: the pace is cut once, the
refused requests are retried, and the pace climbs back over the next second.
``Retry-After``, when Attentive sends it, holds every sender that long.

Once ``x-ratelimit-remaining`` has told where the server's windows begin
(:mod:`attentive_nb.http.windows`), the governor fills each window to the
limit instead: the limit's slots, counted, in the part of the window that
latency jitter cannot push a request out of (spaced over its first half, the
rest room for late senders), and none at its edges.
Without those headers it never leaves the even pace.

With a :class:`~attentive_nb.http.shared_pace.SharedPace` record, the slots,
the pace and its cuts, the announced limit, the windows' edge and the zone being
filled (its half the widest any process needs) are read from and written to it
under its lock at every step (slots a few at a time while callers wait for
theirs), so the governors of one token in other processes pace as one; if the
record fails, the governor goes on alone and says so in :attr:`RateGovernor.shared_note`.

The constants were tuned with ``benchmarks/sim_ratelimit.py`` (a fixed-window
server, uniformly 50–300 ms of latency, windows not aligned to the client's
clock) and checked against the sandbox in ``benchmarks/bench_send.py``.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from attentive_nb import config
from attentive_nb.http.shared_pace import (
    SAMPLES,
    PaceState,
    SharedPace,
    SharedPaceError,
    record_path,
)
from attentive_nb.http.windows import FRONT, WindowLearner, Zone

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
# Filling windows, the edges must hold the whole spread, not a noisy estimate of it:
# the range of p1..p99 of this many latencies, refreshed every EDGE_REFRESH answers.
EDGE_SAMPLES = 256
EDGE_REFRESH = 16
# A slot whose waiter woke (or was scheduled) past its zone's end is given up and
# another taken, at most this many times: a late request would land in the next window.
LATE_TRIES = 3
# The even slots kept to count, at the hand-over to filling, those in the current window.
EVEN_SLOTS = 1024
# Sharing, the zones' half is the widest any process published within this long (one
# that stopped, or whose spread shrank, no longer widens the others' zones after it).
HALF_FRESH_S = 2.0
# Sharing, one read and write of the record claims at most the slots of this long at once
# (at most BATCH_MAX; see _reserve): a run that dies leaves no more than this unused.
BATCH_S = 0.05
BATCH_MAX = 32
# Sharing, while the windows' edge is being learned, a caller claims its even slot at most
# this far ahead, waiting first (claim_delay): callers claim on asking, and every process's
# callers waiting together (4 processes of 5 at 10/s) booked slots 2 s ahead, so the even
# pace went on that long after the edge was known (4 runs of 25 subscribes: 94.5 % of the
# limit in sim_ratelimit.py, 96.4 % with this). Alone, the few callers book 0.4-0.5 s
# ahead and the hand-over counts their slots, and a second wait costs a wake-up.
BOOK_AHEAD_S = 0.1
BOOK_TRIES = 3  # waits at most (others book on meanwhile): a wake-up each
ALONE = "Paced this run on its own, not with the other runs on this token: {}."


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
        shared: SharedPace | None = None,
        wall: Callable[[], float] | None = None,
    ) -> None:
        """``wall``: the wall clock to notice a suspend by (None: ``time.time`` with the
        machine's monotonic clock, else not watched)."""
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
        self.shared = shared
        self.shared_note: str | None = None  # why this run paces alone, if it had to
        if wall is None and clock is time.monotonic:
            wall = time.time
        self.windows = WindowLearner(rate_per_second, clock=clock, wall=wall)
        self._edge_latencies: deque[float] = deque(maxlen=EDGE_SAMPLES)
        self._edge_spread = PRIOR_SPREAD_S
        self._last_now = clock()
        self._paced_since = self._last_now  # slots back to back since then (even pace)
        self._even_slots: deque[float] = deque(maxlen=EVEN_SLOTS)  # for the hand-over
        # Sharing: slots claimed with an earlier one, not given yet (slot, latest, given
        # until): see _reserve.
        self._held: deque[tuple[float, float, float]] = deque()
        self._waiting = 0  # callers waiting for their slots (acquire)

    def reserve(self) -> float:
        """The next free send slot (a time on this governor's clock), taken for the caller."""
        return self._reserve()[0]

    def _reserve(self) -> tuple[float, float]:
        """A slot, and the latest time its request may still go (its window's zone's end)."""
        with self._lock:
            held = self._take_held()
            if held is not None:
                return held
            with self._synced():
                now = self._now()
                first = self._claim(now)
                # Sharing, while callers of this process wait for their slots (it gets
                # fewer than it could send), the slots of BATCH_S after its own are claimed with
                # this one, as many as callers wait, in one read and write of the record
                # (locking it costs more than the rest of a slot): the callers to come take
                # them before their time. Otherwise, and alone, one slot at a time: claimed
                # slots nobody takes in time would be lost to every process.
                ahead = self.shared is not None and self._callers_to_come
                wanted = min(BATCH_MAX, self._waiting) if ahead else 0
                while len(self._held) < wanted and self._next_slot < first[0] + BATCH_S:
                    slot, latest = self._claim(now)
                    late = latest if math.isfinite(latest) else slot + 1.0 / self.rate
                    self._held.append((slot, latest, late))
                return first

    def last_requests(self) -> None:
        """A send's last requests are on their way: no callers come after those asking now.
        The zone slots claimed ahead for them go back to the zone (any process may take
        them; each process's send ended holding some: at 10/s, 4 runs of 25 rows lost 4 %
        of the call), and none is claimed ahead until :meth:`more_requests`. Even slots
        claimed ahead are dropped (a spacing each; the pace goes on from the latest)."""
        with self._lock:
            self._callers_to_come = False
            if not self._held:
                return
            with self._synced():
                zone, held = self._zone_cache, list(self._held)
                self._held.clear()
                back = [slot for slot, latest, _ in held if zone is not None and latest == zone.end]
                if back:
                    self._zone_left += len(back)
                    self._next_slot = min(self._next_slot, max(self._now(), min(back)))

    def more_requests(self) -> None:
        """A send begins: callers come after those asking now (see :meth:`last_requests`)."""
        with self._lock:
            self._callers_to_come = True

    _callers_to_come = True  # see last_requests

    def _take_held(self) -> tuple[float, float] | None:
        """The next slot claimed with an earlier one that is still good: an even one at
        most a spacing late (a pause in the sending leaves no burst of old slots), one of a
        zone before its end. None: none left; a clock gone back drops them (no stall)."""
        if not self._held:
            return None
        now = self._clock()
        if now < self._last_now:
            self._held.clear()
        while self._held:
            slot, latest, late = self._held.popleft()
            if now <= late:
                return slot, latest
        return None

    def _claim(self, now: float) -> tuple[float, float]:
        """Take the next slot from the pace (under the locks, the record adopted)."""
        slot = max(now, self._next_slot)
        zone = self._zone(slot)
        if zone is None:
            if now > self._next_slot + 1.0 / self.rate:  # a break in the sending
                self._paced_since = now
            self._next_slot = slot + 1.0 / self.rate
            self._even_slots.append(slot)
            return slot, math.inf
        slot = max(slot, zone.start)
        self._zone_left -= 1
        self._next_slot = slot + zone.spacing
        return slot, zone.end

    def _zone(self, at: float) -> Zone | None:
        """Filling windows: the zone for a slot at ``at``; None: pace evenly."""
        if not self.windows.known:
            self._fill_from, self._zone_cache = math.nan, None
            return None
        if not math.isfinite(self._fill_from):
            self._fill_from, self._zone_cache = self._first_zone_start(at), None
        if not at >= self._fill_from:  # NaN too: no zone wide enough to fill
            return None
        zone = self._zone_cache
        if zone is None:  # from the even pace: what it left of the window's limit
            return self._new_zone(self._hand_over(self._fresh_zone(at, -math.inf), at))
        # One zone per window, fixed once its first slot is taken, its slots counted: a
        # zone that shrank or widened under slots given for the other would hold more
        # (or fewer) than the limit.
        if self._zone_left < 1 or not zone.end - 1.0 <= at < zone.end:
            after = -math.inf if at < zone.end - 1.0 else zone.end
            return self._new_zone(self._fresh_zone(at, after))
        return zone

    def _fresh_zone(self, at: float, after: float) -> Zone | None:
        return self.windows.zone(
            at, self._edge_spread, self._budget(), after=after, wider=self._wider()
        )

    def _first_zone_start(self, at: float) -> float:
        """The edge just learned: filling begins at ``at`` inside a zone, else with the next
        zone; the even pace goes on until then. (It stopped at once, and nothing was sent
        between its last slot and the next zone: the rest of that window and the next one's
        front, 5-6 of 10 in it at 10/s.) NaN: no zone wide enough to fill."""
        zone = self._fresh_zone(at, -math.inf)
        return math.nan if zone is None else max(at, zone.start)

    def _hand_over(self, zone: Zone | None, at: float) -> Zone | None:
        """The first zone filled after the even pace: what it left of the window's limit,
        over the rest of the zone. Even sends since the window's edge count as its own; of those in
        the fuzz before the edge, which land there with a chance under one half (a quarter
        on average), half count: enough to err safe."""
        if zone is None:
            return None
        gap = 1.0 - (zone.end - zone.start)  # both edges' fuzz, between two zones
        edge = zone.start - gap / 2  # the send time of the window's edge
        after = self._even_slots_in(edge, at)
        fuzz = self._even_slots_in(edge - gap / 2, at) - after
        taken = after + math.ceil(fuzz / 2)
        left = zone.slots - taken
        start = max(at, zone.start)
        if left < 1 or start >= zone.end:
            return self._fresh_zone(at, zone.end)
        return Zone(start, zone.end, FRONT * (zone.end - start) / left, left)

    def _even_slots_in(self, start: float, end: float) -> int:
        """The even pace's slots from ``start`` to ``end``: counted alone; sharing, other
        processes' are not seen here, so the most the pace can have given: its slots lie
        1 / rate apart at least (no process's rate exceeds HEADROOM of the limit), the
        last a spacing before the cursor or more. (Up to ``end`` alone, that bound took
        2-3 of 10 off the hand-over window at 10/s.)"""
        if self.shared is None:
            return sum(1 for slot in self._even_slots if start <= slot < end)
        per_second = self.limit * HEADROOM
        if end >= self._next_slot:  # the cursor, where the even pace stopped
            return max(0, math.floor((self._next_slot - start) * per_second))
        return max(0, math.ceil((end - start) * per_second))

    def _new_zone(self, zone: Zone | None) -> Zone | None:
        """The zone filled from now on, all its slots still to give."""
        self._zone_cache, self._zone_left = zone, 0 if zone is None else zone.slots
        return zone

    def _budget(self) -> float:
        """A zone's slots: the limit, fewer while the pace wins back a cut after 429s. The
        share won back is reckoned from the (shared) cut on this process's own ceiling, not
        from the rate: the record's rate is the last writer's, under its own ceiling (its
        own latency spread), and a lower one read as a cut took a slot off every window."""
        since = max(0.0, self._clock() - self._last_cut)
        regained = self._cut_to + self.ceiling * RECOVERY * since
        return self.limit * min(1.0, regained / self.ceiling)

    _fill_from = math.nan  # filling from this time on (the first zone's start)
    _zone_cache: Zone | None = None
    _zone_left = 0  # the slots of the zone being filled not given yet
    # Sharing: the widest half another process published, when; the record's forgettings.
    _shared_half, _shared_half_at, _forgotten = 0.0, -math.inf, 0.0

    def _wider(self) -> float:
        """The zones' half another process needs (0: alone, or none published lately)."""
        if self.shared is None or self._clock() - self._shared_half_at > HALF_FRESH_S:
            return 0.0
        return self._shared_half

    def _now(self) -> float:
        """The clock, with the slots moved back with it if it went back (no stall)."""
        now = self._clock()
        back = now - self._last_now
        if back < 0:
            self._next_slot += back
            self._last_cut += back
        self.windows.check_clock()  # a jump either way, or a suspend: the edge is lost
        self._last_now = now
        return now

    def claim_delay(self) -> float:
        """Seconds to wait before claiming a slot: sharing, while the windows' edge is being
        learned, until the pace's cursor is BOOK_AHEAD_S away (as last read from the record);
        else none."""
        with self._lock:
            if self.shared is None or self.windows.known:
                return 0.0
            return max(0.0, self._next_slot - BOOK_AHEAD_S - self._clock())

    def acquire(self, stop: threading.Event | None = None) -> float:
        """Block until this caller may send (or ``stop`` is set); return the seconds waited."""
        waited = 0.0
        for _ in range(BOOK_TRIES):  # others may have booked on meanwhile: look again
            early = self.claim_delay()
            if early <= 0 or (stop is not None and stop.is_set()):
                break
            pause(early, stop, self._sleep)
            waited += early
        for _ in range(LATE_TRIES):
            slot, latest = self._reserve()
            wait = slot - self._clock()
            if wait > 0:
                with self._lock:
                    self._waiting += 1
                try:
                    pause(wait, stop, self._sleep)
                finally:
                    with self._lock:
                        self._waiting -= 1
            waited += max(wait, 0.0)
            if self._clock() <= latest or (stop is not None and stop.is_set()):
                break
        return waited

    def observe(
        self, limit: int | None, remaining: int | None, latency: float | None = None
    ) -> None:
        """Follow the limit the headers announce (up or down) and the latency the answers take;
        recover after a slowdown."""
        with self._lock:
            if latency is not None:
                self._latencies.append(latency)
                self._latencies_seen += 1
                self._note_edge_latency(latency)
                self.windows.observe(
                    self._clock() - latency,
                    limit,
                    remaining,
                    rate=self.rate,
                    paced_since=self._paced_since,
                    spread=self._spread(),
                )
            # At full pace and the limit unchanged, nothing shared changes: skip the record
            # (half of what sharing costs a request).
            steady = (
                limit in (None, self.limit)
                and self.rate >= self.limit * self._headroom()
                and not self._unpublished()
            )
            with contextlib.nullcontext() if steady else self._synced():
                self._follow(limit, remaining)

    def _follow(self, limit: int | None, remaining: int | None) -> None:
        self.remaining = remaining
        if limit:
            self.announced = self.limit = limit
        self.ceiling = self.limit * self._headroom()
        now = self._clock()
        regained = self.ceiling * RECOVERY * max(0.0, now - self._last_cut)
        self.rate = min(self.ceiling, max(self.rate, self._cut_to + regained))
        if self.rate >= self.ceiling:
            self.waiting_reason = None

    @contextlib.contextmanager
    def _synced(self) -> Iterator[None]:
        """Inside (under ``self._lock``): this governor's state is the shared record's, and
        what it changes is written back before the record's lock is let go."""
        shared = self._lock_shared()
        try:
            yield
        finally:
            if shared is not None:
                self._store_and_unlock(shared)

    def _lock_shared(self) -> SharedPace | None:
        shared = self.shared
        if shared is None:
            return None
        try:
            shared.lock()
        except OSError as error:
            self._go_alone(SharedPaceError(f"{shared.path} cannot be locked ({error.strerror})"))
            return None
        try:
            self._adopt(shared.load())
        except SharedPaceError as error:
            with contextlib.suppress(OSError):
                shared.unlock()
            self._go_alone(error)
            return None
        return shared

    def _store_and_unlock(self, shared: SharedPace) -> None:
        try:
            shared.store(self._state())
            self._published = self.windows.known
        except SharedPaceError as error:
            self._go_alone(error)
        finally:
            with contextlib.suppress(OSError):
                shared.unlock()

    def _adopt(self, state: PaceState | None) -> None:
        if state is None:  # nothing shared yet, or stale: this governor's own state starts it
            return
        self._next_slot, self._last_cut, self._cut_to = (
            state.next_slot,
            state.last_cut,
            state.cut_to,
        )
        if state.limit > 0 and state.limit != self.limit:
            self.limit = state.limit
            self.ceiling = self.limit * self._headroom()
        self.rate = min(state.rate, self.ceiling) if state.rate > 0 else self.rate
        if state.forgotten > self._forgotten:  # another process forgot the edge (its 429s)
            self.windows.forget()
        self._forgotten = state.forgotten
        self.windows.merge([x for x in state.samples if math.isfinite(x)], self._spread())
        self._seen_forgotten = self.windows.forgotten
        self._shared_half, self._shared_half_at = state.half, state.half_at
        self._published = math.isfinite(state.edge)
        if self._published:  # one edge for every process, else their zones would differ
            self.windows.adopt(state.edge, state.margin)
            self.windows.strikes = int(state.strikes)
            self._fill_from = state.fill_from
            # ... and one zone: slots spaced for another half would over- or underfill it
            if math.isfinite(state.zone_start):
                self._zone_cache = Zone(
                    state.zone_start, state.zone_end, state.zone_spacing, int(state.zone_slots)
                )
                self._zone_left = int(state.zone_left)
            else:
                self._zone_cache, self._zone_left = None, 0

    def _state(self) -> PaceState:
        edge = self.windows.edge
        if self.windows.forgotten > self._seen_forgotten:  # forgotten here: tell the others
            self._forgotten += 1
            self._seen_forgotten = self.windows.forgotten
        zone = self._zone_cache if edge is not None else None
        half, half_at = self._shared_half, self._shared_half_at
        own = self.windows.half(self._edge_spread) if edge is not None else 0.0
        if own >= self._wider():  # the widest lately: this one's, for every zone to come
            half, half_at = own, self._clock()
        return PaceState(
            self._next_slot,
            self.rate,
            self._last_cut,
            self._cut_to,
            self.limit,
            math.nan if edge is None else edge,
            self.windows.shared_margin(),
            self._fill_from,
            half,
            half_at,
            math.nan if zone is None else zone.start,
            math.nan if zone is None else zone.end,
            math.nan if zone is None else zone.spacing,
            0 if zone is None else zone.slots,
            0 if zone is None else self._zone_left,
            self._forgotten,
            self.windows.strikes,
            tuple(self.windows.recent(SAMPLES)),
        )

    def _unpublished(self) -> bool:
        """An edge learned here that the shared record does not hold yet."""
        return self.shared is not None and self.windows.known and not self._published

    _published = False
    _seen_forgotten = 0

    def _go_alone(self, error: SharedPaceError) -> None:
        if self.shared is not None:
            with contextlib.suppress(OSError):
                self.shared.close()
        self.shared = None
        self.shared_note = ALONE.format(error)

    def _headroom(self) -> float:
        """The share of the limit to aim at, wider when answers take more varied times.

        Requests sent evenly arrive bunched by the spread of their latencies; a
        window then counts its share of them give or take sqrt(limit * spread / 6)
        (uniformly spread latencies). Aim SPREAD_SIGMAS of that under the limit;
        before enough answers have come, with the spread assumed (PRIOR_SPREAD_S).
        """
        margin = SPREAD_SIGMAS * math.sqrt(self._spread() / (6 * self.limit))
        return min(HEADROOM, 1 - margin)

    def _note_edge_latency(self, latency: float) -> None:
        self._edge_latencies.append(latency)
        self._edge_answers += 1
        if self._edge_answers % EDGE_REFRESH == 0 or self._edge_answers == 1:
            ordered = sorted(self._edge_latencies)
            cut = len(ordered) // 100
            whole = (ordered[-1 - cut] - ordered[cut]) / (1 - 2 * cut / len(ordered))
            prior = PRIOR_SPREAD_S if len(ordered) < LATENCY_SAMPLES else 0.0
            self._edge_spread = max(whole, prior, self._spread())

    _edge_answers = 0  # answers noted for the edges' spread (their samples are bounded)

    def _spread(self) -> float:
        """How far apart the answers' latencies lie (seconds, their whole range); worked out
        once per answer (it is asked for several times each)."""
        if self._spread_at != self._latencies_seen:  # a latency came since (only appended)
            self._spread_at, self._spread_value = self._latencies_seen, self._worked_out_spread()
        return self._spread_value

    _spread_at, _spread_value, _latencies_seen = 0, PRIOR_SPREAD_S, 0

    def _worked_out_spread(self) -> float:
        if len(self._latencies) < MIN_SAMPLES:
            return PRIOR_SPREAD_S
        ordered = sorted(self._latencies)
        tenth = len(ordered) // 10
        return (ordered[-1 - tenth] - ordered[tenth]) / 0.8  # p10..p90 -> the whole range

    def slow_down(self, retry_after: float | None = None) -> float:
        """After a 429: ease the pace (all senders wait for ``Retry-After`` when given)."""
        pause = retry_after or 0.0
        with self._lock, self._synced():
            self.throttled += 1
            self._held.clear()  # claimed at the pace before the cut (and Retry-After)
            now = self._now()
            if now - self._last_cut >= WINDOW_S:  # one cut per window: its 429s are one event
                self.rate = max(self.ceiling * FLOOR, self.rate * SLOWDOWN)
                self._last_cut, self._cut_to = now, self.rate
                self.windows.throttled()
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
        shared_in: tuple[Path | None, str, str] | None = None,
    ) -> None:
        """``shared_in``: (folder, API address, token id) to share each endpoint's pace
        in a record file there (see :mod:`attentive_nb.http.shared_pace`; folder None:
        ``pace/`` in the private state folder); None: each governor alone."""
        self._clock = clock
        self._sleep = sleep
        self._scale = scale
        self._shared_in = shared_in
        self._lock = threading.Lock()
        self._by_name: dict[str, RateGovernor] = {}

    def for_endpoint(self, name: str, rate_per_second: float) -> RateGovernor:
        with self._lock:
            if name not in self._by_name:
                shared, note = self._shared(name)
                governor = RateGovernor(
                    rate_per_second * self._scale,
                    clock=self._clock,
                    sleep=self._sleep,
                    shared=shared,
                )
                governor.shared_note = note
                self._by_name[name] = governor
            return self._by_name[name]

    def _shared(self, name: str) -> tuple[SharedPace | None, str | None]:
        if self._shared_in is None:
            return None, None
        folder, api_url, token_id = self._shared_in
        try:
            folder = folder or config.state_dir() / "pace"
            return SharedPace(record_path(folder, api_url, token_id, name), clock=self._clock), None
        except SharedPaceError as error:
            return None, ALONE.format(error)
        except config.StateDirError as error:  # HOME unusable: pace alone, send all the same
            return None, ALONE.format(error.what)
        except OSError as error:  # the pace folder inside it cannot be made
            return None, ALONE.format(f"{error.filename} cannot be made ({error.strerror})")


def shared_pace_in(
    api_url: str, auth: object, wanted: bool | None, *, real: bool
) -> tuple[Path | None, str, str] | None:
    """Where a client's governors share their pace: the private state folder's ``pace/``,
    for an auth that names its secret by a digest; None (alone) when not ``wanted``, or
    by default with a clock that is not the machine's (tests)."""
    token_id = getattr(auth, "pace_id", None)
    if not (real if wanted is None else wanted) or not isinstance(token_id, str):
        return None
    return None, api_url, token_id
