"""One pace per token across processes: governors sharing a record file, injected clocks.

Two governors on one record stand for two processes (each has its own lock and
state in memory; only the file joins them), with one monotonic clock (the
machine's) and a wall clock that a test can set apart from it.
"""

from __future__ import annotations

import math
import os
import random
import struct
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.http.ratelimit import ALONE, BATCH_MAX, Governors, RateGovernor
from attentive_nb.http.shared_pace import (
    MAGIC,
    RECORD,
    SharedPace,
    network_file_system,
    record_path,
)


class Clocks:
    """The machine's monotonic clock and its wall clock, moved by the test."""

    def __init__(self) -> None:
        self.mono, self.wall_offset = 1000.0, 1.7e9

    def clock(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self.mono + self.wall_offset


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


def process(path, clocks, rate=10.0):
    """A governor as another process would make it: its own state, the shared file."""
    shared = SharedPace(path, clock=clocks.clock, wall=clocks.wall)
    return RateGovernor(rate, clock=clocks.clock, sleep=lambda _s: None, shared=shared)


def test_two_processes_take_their_slots_from_one_pace(tmp_path, clocks):
    path = tmp_path / "pace" / "record"
    a, b = process(path, clocks), process(path, clocks)
    slots = [gov.reserve() for _ in range(10) for gov in (a, b)]
    assert slots == sorted(slots) and len(set(slots)) == 20
    # together they keep one governor's pace: 20 slots span 19 steps of it, not 9
    assert slots[-1] - slots[0] == pytest.approx(19 / a.rate)
    assert a.shared_note is None and b.shared_note is None


def test_alone_each_would_pace_at_the_full_rate(tmp_path, clocks):
    """The baseline of the test above: two unshared governors send twice the limit."""
    a = RateGovernor(10, clock=clocks.clock, sleep=lambda _s: None)
    b = RateGovernor(10, clock=clocks.clock, sleep=lambda _s: None)
    slots = sorted(gov.reserve() for _ in range(10) for gov in (a, b))
    assert slots[-1] - slots[0] == pytest.approx(9 / a.rate)


def test_a_429_in_one_process_slows_the_other_and_one_window_cuts_once(tmp_path, clocks):
    path = tmp_path / "record"
    a, b = process(path, clocks), process(path, clocks)
    full = b.rate
    a.slow_down()
    b.slow_down()  # the same window's 429, seen by the other run: no second cut
    assert b.reserve() is not None and b.rate == pytest.approx(full * 0.9)
    assert a.throttled == b.throttled == 1


def test_retry_after_holds_every_process(tmp_path, clocks):
    path = tmp_path / "record"
    a, b = process(path, clocks), process(path, clocks)
    a.slow_down(retry_after=3)
    assert b.reserve() == pytest.approx(clocks.mono + 3)


def test_the_announced_limit_reaches_the_other_processes(tmp_path, clocks):
    path = tmp_path / "record"
    a, b = process(path, clocks), process(path, clocks)
    a.observe(limit=20, remaining=19, latency=0.1)
    b.reserve()
    assert b.limit == 20


def test_a_dead_run_leaves_at_most_the_slots_it_took(tmp_path, clocks):
    path = tmp_path / "record"
    dead = process(path, clocks)
    for _ in range(5):  # five workers each took a slot, then the process died
        dead.reserve()
    dead.shared.close()  # the kernel lets go of its lock with the process
    survivor = process(path, clocks)
    assert survivor.reserve() - clocks.mono == pytest.approx(5 / dead.rate)
    assert 5 / dead.rate < 1.0


@pytest.mark.parametrize(
    "what, move",
    [
        ("suspend and resume (the wall clock ran on)", lambda c: setattr(c, "wall_offset", 3600)),
        ("the wall clock set back", lambda c: setattr(c, "wall_offset", -3600)),
        ("a reboot (the monotonic clock started again)", lambda c: setattr(c, "mono", 5.0)),
    ],
)
def test_a_clock_jump_neither_stalls_nor_bursts(tmp_path, clocks, what, move):
    path = tmp_path / "record"
    before = process(path, clocks)
    before.slow_down(retry_after=60)  # a record far ahead...
    move(clocks)
    after = process(path, clocks)
    first = after.reserve()
    assert first == pytest.approx(clocks.mono), what  # ...is stale: no stall
    slots = [first] + [after.reserve() for _ in range(5)]
    steps = [b - a for a, b in zip(slots, slots[1:])]
    assert all(s == pytest.approx(1 / after.rate) for s in steps), what  # no burst


def test_slots_in_the_past_after_a_pause_do_not_burst(tmp_path, clocks):
    path = tmp_path / "record"
    a = process(path, clocks)
    a.reserve()
    clocks.mono += 600  # the record's slot is far behind now
    b = process(path, clocks)
    slots = [b.reserve() for _ in range(3)]
    assert slots[0] == pytest.approx(clocks.mono)
    assert slots[2] - slots[0] == pytest.approx(2 / b.rate)


def corrupt(path):
    path.write_bytes(b"not a pace record at all")


def other_version(path):
    path.write_bytes(RECORD.pack(MAGIC, 99, 0, *([0.0] * ((RECORD.size - 16) // 8))))


@pytest.mark.parametrize("spoil, words", [(corrupt, "corrupt"), (other_version, "version")])
def test_a_record_not_ours_is_left_untouched_and_the_run_paces_alone(
    tmp_path, clocks, spoil, words
):
    path = tmp_path / "record"
    path.parent.mkdir(exist_ok=True)
    spoil(path)
    before = path.read_bytes()
    gov = process(path, clocks)
    slots = [gov.reserve() for _ in range(3)]
    assert slots[2] - slots[0] == pytest.approx(2 / gov.rate)  # paced, alone
    assert gov.shared is None and words in gov.shared_note and str(path) in gov.shared_note
    assert gov.shared_note.startswith(ALONE.split(":")[0])
    assert path.read_bytes() == before


def test_a_folder_that_cannot_be_made_means_pacing_alone_with_a_note(tmp_path, clocks):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    govs = Governors(clock=clocks.clock, sleep=lambda _s: None, shared_in=(blocker, "u", "t"))
    gov = govs.for_endpoint("events", 150)
    assert gov.shared is None and "cannot be opened" in gov.shared_note
    assert gov.reserve() == pytest.approx(clocks.mono)


def test_a_record_that_cannot_be_written_mid_run_means_pacing_alone(tmp_path, clocks):
    gov = process(tmp_path / "record", clocks)
    gov.reserve()
    readonly = os.open(tmp_path / "record", os.O_RDONLY)
    os.dup2(readonly, gov.shared._fd)  # as if the disk refused every write from now on
    os.close(readonly)
    second = gov.reserve()
    assert gov.shared is None and "cannot be written" in gov.shared_note
    assert gov.reserve() - second == pytest.approx(1 / gov.rate)


def test_records_are_named_by_a_digest_never_the_token(tmp_path):
    token = "sk_live_abcdefghijklmnop"
    path = record_path(tmp_path, "https://api.attentivemobile.com", token, "events")
    assert token not in str(path) and path.parent == tmp_path
    other = record_path(tmp_path, "http://127.0.0.1:9", token, "events")
    assert other != path  # a sandbox and Attentive never share a pace


def test_the_record_holds_numbers_only(tmp_path, clocks):
    gov = process(tmp_path / "record", clocks)
    gov.reserve()
    data = (tmp_path / "record").read_bytes()
    assert len(data) == RECORD.size
    assert struct.unpack_from("<8s", data)[0] == MAGIC


def test_a_network_file_system_is_recognised(tmp_path, monkeypatch):
    mounts = f"server:/export {tmp_path} nfs4 rw 0 0\n/dev/sda1 / ext4 rw 0 0\n"
    monkeypatch.setattr(
        "attentive_nb.http.shared_pace.Path.read_text", lambda self: mounts, raising=True
    )
    assert network_file_system(tmp_path / "pace") == "nfs4"
    assert network_file_system(tmp_path.parent) is None
    with pytest.raises(Exception, match="network file system"):
        SharedPace(tmp_path / "pace" / "record")


def test_a_client_on_the_real_clock_shares_and_one_on_a_test_clock_does_not(fake_time):
    home = Path(os.environ["ATTENTIVE_NB_HOME"])
    real = att.Connection.from_api_key("test-key-0123456789").client
    assert real.governors.for_endpoint("events", 150).shared is not None
    assert [p.name.endswith("-events") for p in (home / "pace").iterdir()] == [True]
    faked = att.Connection.from_api_key("test-key-0123456789", clock=fake_time.clock).client
    assert faked.governors.for_endpoint("events", 150).shared is None
    off = att.Connection.from_api_key("test-key-0123456789", shared_pace=False).client
    assert off.governors.for_endpoint("events", 150).shared is None


@responses.activate
def test_a_run_that_cannot_share_says_so_in_its_report_and_sends_everything():
    api, key = "https://api.attentivemobile.com", "test-key-0123456789"
    folder = Path(os.environ["ATTENTIVE_NB_HOME"]) / "pace"
    folder.mkdir(parents=True)
    pace_id = att.Connection.from_api_key(key).client.auth.pace_id
    corrupt(record_path(folder, api, pace_id, "events"))
    responses.get(f"{api}/v1/me", json=ME)
    responses.post(f"{api}/v1/events/custom", status=200)
    conn = att.Connection.from_api_key(key, sleep=lambda _s: None)
    df = pd.DataFrame({"phone": [f"+1201555{i:04d}" for i in range(3)], "n": range(3)})
    report = conn.send_events(df, event_type="Shared", progress=False)
    assert report.counts["sent"] == 3
    assert any("on its own" in n and "corrupt" in n for n in report.notes), report.notes
    assert key not in " ".join(report.notes)


def run_together(govs, spreads, clocks, server, requests, turns):
    """Governors sharing one record send ``requests`` together, taking slots in the
    order ``turns`` (indices into ``govs``, over and over), each as fast as the pace
    lets it, each with latencies uniform over its own ``spread`` around one mean (one
    server, one network: the processes differ only in what their own answers told
    them). The send times of each, retries included."""
    import heapq

    pending = []  # (answer time, sequence, sender, send time)
    sent = [[] for _ in govs]
    left, turn, seq = requests, 0, 0

    def answer():
        nonlocal left
        at, _, who, sent_at = heapq.heappop(pending)
        clocks.mono = max(clocks.mono, at)
        ok, remaining = server.count(at)
        govs[who].observe(server.limit, remaining, latency=at - sent_at)
        if not ok:
            govs[who].slow_down(None)
            left += 1

    while left or pending:
        if not left:
            answer()
            continue
        who = turns[turn % len(turns)]
        turn += 1
        slot = govs[who].reserve()
        while pending and pending[0][0] <= slot:
            answer()
        clocks.mono = max(clocks.mono, slot)
        left -= 1
        sent[who].append(clocks.mono)
        jitter = server.rng.uniform(-0.5, 0.5) * spreads[who]
        heapq.heappush(pending, (clocks.mono + 0.175 + jitter, seq, who, clocks.mono))
        seq += 1
    return sent


@pytest.mark.parametrize(
    "spreads, weights",
    [
        ((0.05, 0.25), (1, 1)),
        ((0.05, 0.25), (9, 1)),
        ((0.25, 0.05), (9, 1)),
        ((0.05, 0.25, 0.1, 0.25), (1, 1, 1, 1)),
        ((0.05, 0.25, 0.1, 0.25), (1, 9, 1, 9)),
    ],
)
def test_processes_that_see_different_spreads_fill_each_window_to_the_limit_and_no_more(
    tmp_path, clocks, spreads, weights
):
    # Each process fitted its zones to the latency spread its own answers showed, with
    # one next slot for all: a wide-zone process pushed the slot to its zone's start and,
    # at its end, to the next window's (the narrow ones' edges left empty: 120-135 of 150
    # in a window), and slots spaced for a narrow zone inside a wide one put more than
    # the limit in a window (151). One zone in the record, the widest: 150 each.
    from test_windows import Server

    turns = random.Random(3).choices(range(len(spreads)), weights=weights, k=997)
    path = tmp_path / "record"
    govs = [process(path, clocks, rate=150) for _ in spreads]
    server = Server(150, 0.37)
    run_together(govs, spreads, clocks, server, 150 * 6, turns)  # the edge is learned
    assert all(gov.windows.known for gov in govs)
    before, refused = set(server.used), server.refused
    sent = run_together(govs, spreads, clocks, server, 150 * 8, turns)
    edge = govs[0].windows.edge
    per_window = Counter(math.floor(s - edge) for each in sent for s in each)
    full = [per_window[w] for w in sorted(per_window)[1:-1]]  # the first and last: partial
    assert max(full) <= 150, full
    assert min(full) == 150, full
    assert server.refused == refused
    assert all(server.used[w] <= 150 for w in set(server.used) - before)


def test_429s_in_any_process_count_to_forgetting_the_edge_and_all_learn_it_again(tmp_path, clocks):
    # Each process counted its own strikes and re-adopted the shared edge at its next
    # slot: the edge of a run with 429s was never forgotten, so never learned again.
    from test_windows import Server

    path = tmp_path / "record"
    a, b = process(path, clocks, rate=150), process(path, clocks, rate=150)
    server, turns = Server(150, 0.37), (0, 1)
    run_together([a, b], (0.25, 0.25), clocks, server, 150 * 6, turns)
    assert a.windows.known and b.windows.known
    for gov in (a, b, a):  # three windows with 429s, a cut each, in one process or another
        clocks.mono += 1.5
        gov.slow_down(None)
    b.reserve()
    assert not a.windows.known and not b.windows.known  # even pacing, to learn it again
    run_together([a, b], (0.25, 0.25), clocks, server, 150 * 6, turns)
    assert a.windows.known and b.windows.known
    assert a.windows.edge == b.windows.edge


@pytest.mark.parametrize("limit", [10, 150])
def test_another_process_s_lower_ceiling_is_not_read_as_a_cut_of_the_zones(tmp_path, clocks, limit):
    # Each process's even pace aims under the limit by its own latency spread (its
    # ceiling); the record's rate is the last writer's. The zones' slots were the limit
    # times the rate over this process's own ceiling: a narrower-spread process read a
    # wider one's rate as a cut and filled 9 windows' slots of 10 (149 of 150): at
    # 10/s, 4 processes shared got 88-90 % of the limit.
    from test_windows import Server

    spreads = (0.05, 0.25, 0.1, 0.25)
    turns = random.Random(5).choices(range(len(spreads)), k=997)
    path = tmp_path / "record"
    govs = [process(path, clocks, rate=limit) for _ in spreads]
    server = Server(limit, 0.37)
    run_together(govs, spreads, clocks, server, limit * 6, turns)  # the edge is learned
    assert all(gov.windows.known for gov in govs)
    refused = server.refused
    sent = run_together(govs, spreads, clocks, server, limit * 8, turns)
    edge = govs[0].windows.edge
    per_window = Counter(math.floor(s - edge) for each in sent for s in each)
    full = [per_window[w] for w in sorted(per_window)[1:-1]]  # the first and last: partial
    assert full == [limit] * len(full)
    assert server.refused == refused


@pytest.mark.parametrize("offset", [0.37, 0.81, 0.05, 0.6])
@pytest.mark.parametrize("processes", [2, 4])
@pytest.mark.parametrize(
    ("rate", "requests", "least"),
    [(150, 1200, 130), (10, 100, 7)],  # alone, counting its own slots, 150/s gets 133
)
def test_the_window_of_the_hand_over_gets_what_is_left_of_its_limit_shared_too(
    tmp_path, clocks, offset, processes, rate, requests, least
):
    # Sharing, the even pace went on up to the next edge and sent nothing across it: the
    # window the edge was learned in got 117-119 of 150. The even slots any process took
    # since the edge are not seen, only bounded: up to the hand-over that bound took 2-3
    # of 10 too many off the window at 10/s (6 of 10 in it). The even pace's slots all lie
    # a spacing or more before its cursor, so what is left of the limit is filled.
    from test_windows import Server

    turns = random.Random(7).choices(range(processes), k=997)
    path = tmp_path / "record"
    govs = [process(path, clocks, rate=rate) for _ in range(processes)]
    server = Server(rate, offset)
    run_together(govs, (0.25,) * processes, clocks, server, requests, turns)
    full = [server.used[w] for w in sorted(server.used)[1:-1]]  # the first and last: partial
    assert server.refused == 0
    assert min(full) >= least, full


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_learn_the_edge_from_each_other_s_answers_as_fast_as_one_alone(
    tmp_path, clocks, processes
):
    # Only the first few requests counted in a window tell where it begins: 3 a window at
    # 10/s, and they come in runs from one process (its workers take slots one after the
    # other). Each process learned from its own answers alone: 5-7 windows of the even
    # pace (90 % of 10/s) before any filled, half of a 10 s call. The samples are shared.
    from test_windows import Server

    alone = RateGovernor(10, clock=clocks.clock, sleep=lambda _s: None, wall=clocks.wall)
    turns = [who for who in range(processes) for _ in range(5)]  # 5 workers each
    path = tmp_path / "record"
    govs = [process(path, clocks, rate=10) for _ in range(processes)]
    run_together([alone], (0.25,), clocks, Server(10, 0.37), 40, [0])
    assert alone.windows.known  # alone, 40 requests (4 s) are enough
    run_together(govs, (0.25,) * processes, clocks, Server(10, 0.37), 40, turns)
    assert all(gov.windows.known for gov in govs)


def waiting_callers(path, clocks, slots, reads, rate=150.0):
    """Governors as processes whose callers keep coming while earlier ones wait for their
    slots: each wait for a slot (the injected sleep, the caller counted as waiting) notes
    the slot and lets the other process's next caller in. The clock stands still, so a
    caller's waits before claiming (``claim_delay``) end with its claim all the same.
    ``reads`` counts each process's reads of the record."""
    govs: list[RateGovernor] = []
    early = [False, False]  # the process's last claim_delay said to wait
    for who in range(2):

        def sleep(seconds, who=who):
            if early[who]:  # a wait before claiming: the clock stands still, so it ends
                early[who] = False
                return
            slots[who].append(clocks.mono + seconds)
            if sum(map(len, slots)) < 60:
                govs[1 - who].acquire()

        shared = SharedPace(path, clock=clocks.clock, wall=clocks.wall)
        load = shared.load
        shared.load = lambda load=load, who=who: reads.update([who]) or load()  # type: ignore[method-assign]
        gov = RateGovernor(rate, clock=clocks.clock, sleep=sleep, shared=shared)

        def claim_delay(delay=gov.claim_delay, who=who):
            seconds = delay()
            early[who] = seconds > 0  # the sleep that follows is not for a slot
            return seconds

        gov.claim_delay = claim_delay  # type: ignore[method-assign]
        govs.append(gov)
    return govs


def test_callers_waiting_on_a_shared_pace_claim_their_slots_a_few_a_read(tmp_path, clocks):
    # Every slot locked, read and wrote the record: 17 % of a request's CPU at 150/s.
    # While callers wait for their slots, a process claims the next few in one go.
    slots, reads = [[], []], Counter()
    a, b = waiting_callers(tmp_path / "record", clocks, slots, reads)
    a.reserve(), a.acquire()  # the first slot is now; the second caller waits, and so on
    together = sorted(slots[0] + slots[1])
    assert len(set(together)) == len(together) >= 60 and min(map(len, slots)) >= 25
    steps = [y - x for x, y in zip(together, together[1:])]
    # one pace, none lost (but at the end: slots claimed ahead when the callers stopped)
    assert all(s == pytest.approx(1 / a.rate) for s in steps[:-BATCH_MAX])
    assert sum(reads.values()) < len(together) / 3


def test_a_dead_run_that_claimed_ahead_slows_the_others_a_twentieth_of_a_second(tmp_path, clocks):
    from attentive_nb.http.ratelimit import BATCH_S

    slots, reads = [[], []], Counter()
    a, b = waiting_callers(tmp_path / "record", clocks, slots, reads)
    a.reserve(), a.acquire()  # the first slot is now; the second caller waits, and so on
    a.shared.close(), b.shared.close()  # both die, holding the slots they claimed ahead
    survivor = process(tmp_path / "record", clocks, rate=150)
    taken = max(slots[0] + slots[1])
    assert survivor.reserve() - taken <= BATCH_S + 1 / survivor.rate


def test_slots_claimed_ahead_and_not_taken_in_time_are_dropped_not_burst(tmp_path, clocks):
    slots, reads = [[], []], Counter()
    a, b = waiting_callers(tmp_path / "record", clocks, slots, reads)
    a.reserve(), a.acquire()  # the first slot is now; the second caller waits, and so on
    clocks.mono = max(slots[0] + slots[1]) + 5  # the callers stopped coming for a while
    later = [a.reserve() for _ in range(4)]
    assert later[0] == pytest.approx(clocks.mono)
    assert all(y - x == pytest.approx(1 / a.rate) for x, y in zip(later, later[1:]))


def test_a_429_drops_the_slots_claimed_ahead(tmp_path, clocks):
    slots, reads = [[], []], Counter()
    a, b = waiting_callers(tmp_path / "record", clocks, slots, reads)
    a.reserve(), a.acquire()  # the first slot is now; the second caller waits, and so on
    a.slow_down(retry_after=2)  # every sender holds, this one's claimed slots too
    assert a.reserve() >= clocks.mono + 2


@pytest.mark.parametrize("limit", [10, 150])
def test_a_send_s_last_requests_give_back_the_slots_claimed_ahead_for_callers_to_come(
    tmp_path, clocks, limit
):
    # While its callers wait, a process claims the next slots for the callers to come; at
    # the end of its send none come, and those slots were lost to every process: at
    # 10/s, 4 runs of 25 rows each lost one (4 % of the call), 4 runs of 750 events 27.
    from test_windows import Server

    path = tmp_path / "record"
    a, b = process(path, clocks, rate=limit), process(path, clocks, rate=limit)
    run_together([a, b], (0.25, 0.25), clocks, Server(limit, 0.37), limit * 6, [0, 1])
    assert a.windows.known and b.windows.known
    zone = a.windows.zone(clocks.mono + 3.0, a._edge_spread, limit)
    assert zone is not None
    clocks.mono = zone.start  # the start of a window nobody sent in yet
    a._waiting = 8  # as if so many of its callers waited for their slots
    first = a.reserve()
    assert a._held  # claimed ahead for the callers to come
    a.last_requests()  # ... but none come: its send's last requests are on their way
    a._waiting = 0
    edge = a.windows.edge
    window = math.floor(first - edge)
    taken = [b.reserve() for _ in range(limit * 2)]
    assert 1 + sum(1 for s in taken if math.floor(s - edge) == window) == limit


def callers_together(govs, callers, server, requests, latency, clocks, seed=3):
    """As the engine sends: each process (governor) has ``callers`` worker threads, each
    asking for its slot as soon as its last answer came (waiting first as long as
    ``claim_delay`` says), so that callers wait for slots together. The send times of
    each, the time the edge was first known by any process."""
    import heapq

    rng, events, order = random.Random(seed), [], 0
    left, sent, learned = requests, [[] for _ in govs], None

    def at(time, what, who, sent_at=0.0):
        nonlocal order
        order += 1
        heapq.heappush(events, (time, order, what, who, sent_at))

    for who in range(len(govs)):
        for _ in range(callers):
            at(clocks.mono, "free", who)
    while events:
        now, _, what, who, sent_at = heapq.heappop(events)
        clocks.mono = max(clocks.mono, now)
        gov = govs[who]
        if what == "free" and left:
            left -= 1
            at(clocks.mono + gov.claim_delay(), "claim", who)
        elif what == "claim":
            at(gov.reserve(), "send", who)
        elif what == "send":
            sent[who].append(clocks.mono)
            at(clocks.mono + rng.uniform(*latency), "answer", who, clocks.mono)
        elif what == "answer":
            ok, remaining = server.count(clocks.mono)
            gov.observe(server.limit, remaining, latency=clocks.mono - sent_at)
            if learned is None and any(g.windows.known for g in govs):
                learned = clocks.mono
            if not ok:
                gov.slow_down(None)
                left += 1
            at(clocks.mono, "free", who)
    return sent, learned


@pytest.mark.parametrize("offset", [0.37, 0.81, 0.05, 0.6])
def test_callers_waiting_together_do_not_keep_the_even_pace_after_the_edge_is_known(
    tmp_path, clocks, offset
):
    # 4 processes of 5 callers each at 10/s: while the edge was learned, every caller
    # claimed its even slot on asking, so the slots booked ran 2 s ahead of the clock and
    # the even pace (9 a window) went on for 2 s after the edge was known: 4 runs of 25
    # subscribes got 94.5 % of the limit in the model, 88-92 % against the sandbox.
    from test_windows import Server

    path = tmp_path / "record"
    govs = [process(path, clocks, rate=10) for _ in range(4)]
    server = Server(10, offset)
    start = clocks.mono
    sent, learned = callers_together(govs, 5, server, 120, (0.05, 0.3), clocks)
    assert learned is not None and server.refused == 0
    counted = sorted(server.used)
    after = [w for w in counted[:-1] if w + offset >= learned + 1.0]  # the last: partial
    assert [server.used[w] for w in after] == [10] * len(after)
    assert len(after) >= 5
    assert min(min(each) for each in sent) == start
