"""Phone numbers parsed in a worker process while a stream plans a chunk (plan/phone_pool.py).

Most tests give the pool an executor running in a thread (the same calls, no process);
one starts the real spawned worker, checks its results against in-process parsing, then
kills it and checks that parsing goes on in-process with nothing lost.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import types
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pandas as pd
import pytest
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.plan import phone_pool, validate
from attentive_nb.plan.cells import Problems
from attentive_nb.send import stream

API = "https://api.attentivemobile.com"

WRITTEN = [
    "+44 7911 123456",
    "07911 123457",
    "(201) 555-0124",
    "+44 20 7183 8750",
    "442071838750",
    "555-0100",
    "+1555",
    "call me",
    "+447911 1234 ext 5",
    "  +44 (0) 7911 123458 ",
    "+12015550123",  # E.164: the fast check, never the worker
    "",
    None,
]


def column(values, region="GB"):
    """phone_column's (sent, shown, problems) of ``values``."""
    problems = Problems()
    sent, shown = validate.phone_column(pd.Series(values, dtype=object), region, problems)
    return list(sent), list(shown), problems.by_row


def threaded():
    return ThreadPoolExecutor(max_workers=1)


@pytest.fixture
def few(monkeypatch):
    """The worker is worth it from 3 numbers (a chunk of a test is small)."""
    monkeypatch.setattr(phone_pool, "START_AT", 3)
    monkeypatch.setattr(phone_pool, "USE_AT", 2)


def test_a_chunk_parsed_by_the_pool_is_the_chunk_parsed_here(few):
    values = WRITTEN * 3 + [7911123459, 447911123460]
    pool = phone_pool.PhonePool(threaded)
    with phone_pool.used(pool):
        through_pool = column(values)
    assert through_pool == column(values)
    assert pool.parsed_there == 12  # each distinct text once; not E.164, not blank
    pool.close()


def test_the_worker_starts_only_for_a_chunk_with_enough_numbers_then_serves_smaller(
    monkeypatch,
):
    monkeypatch.setattr(phone_pool, "START_AT", 5)
    monkeypatch.setattr(phone_pool, "USE_AT", 2)
    started = []
    pool = phone_pool.PhonePool(lambda: started.append(1) or threaded())
    with phone_pool.used(pool):
        column(["07911 123456", "07911 123457", "+12015550123"])  # 2 to parse: here
        assert started == [] and pool.parsed_there == 0
        column([f"07911 1234{i:02d}" for i in range(5)])  # 5: the worker starts
        column(["07911 223456", "07911 223457"])  # 2: it is running, worth the trip
        column(["07911 323456"])  # 1: here
    assert started == [1] and pool.parsed_there == 7
    pool.close()


def test_a_worker_that_cannot_start_leaves_parsing_here_and_is_not_tried_again(few):
    tries = []

    def cannot() -> ThreadPoolExecutor:
        tries.append(1)
        raise OSError("no more processes")

    pool = phone_pool.PhonePool(cannot)
    with phone_pool.used(pool):
        first, second = column(WRITTEN), column(WRITTEN[::-1])
    assert (first, second) == (column(WRITTEN), column(WRITTEN[::-1]))
    assert tries == [1] and pool.broken


class Dead(ThreadPoolExecutor):
    """A pool whose worker died: every call fails as a broken ProcessPoolExecutor's does."""

    def submit(self, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return future


def test_a_worker_that_dies_leaves_the_chunk_parsed_here_with_nothing_lost(few):
    pool = phone_pool.PhonePool(lambda: Dead(max_workers=1))
    with phone_pool.used(pool):
        assert column(WRITTEN) == column(WRITTEN)
    assert pool.broken


def test_no_pool_outside_a_stream():
    assert phone_pool.current() is None
    with phone_pool.used(phone_pool.PhonePool(threaded)):
        assert phone_pool.current() is not None
    assert phone_pool.current() is None


def test_the_spawned_worker_parses_as_this_process_does_and_its_death_loses_nothing(few):
    values = WRITTEN * 2 + [f"07911 {i:06d}" for i in range(0, 2000, 7)]
    pool = phone_pool.PhonePool()  # the real one: a spawned process
    try:
        with phone_pool.used(pool):
            assert column(values) == column(values)
            assert pool.parsed_there > 200 and not pool.broken
            for pid in list(pool._executor._processes):  # type: ignore[union-attr]
                os.kill(pid, signal.SIGKILL)
            later = [f"+44 7911 {i:06d}" for i in range(50)]
            assert column(later) == column(later)
        assert pool.broken
    finally:
        pool.close()


def test_a_stream_parses_later_chunks_numbers_in_its_worker(monkeypatch, few, tmp_path):
    monkeypatch.setattr(stream, "STREAM_ROWS", 40)
    monkeypatch.setattr(stream, "FIRST_ROWS", 40)
    pools = []
    real = phone_pool.PhonePool

    def recorded() -> phone_pool.PhonePool:
        pools.append(real(threaded))
        return pools[-1]

    monkeypatch.setattr(phone_pool, "PhonePool", recorded)
    rows = pd.DataFrame({"phone": [f"07911 {100000 + i}" for i in range(150)], "sku": "A"})
    conn = att.Connection.from_api_key("test-key-0123456789", sleep=lambda _s: None)
    with responses.RequestsMock() as mocked:
        mocked.get(f"{API}/v1/me", json=ME)
        mocked.post(f"{API}/v1/events/custom", status=200)
        report = conn.send_events(
            rows,
            event_type="Viewed",
            progress=False,
            default_region="GB",
            ledger=tmp_path / "ledger.sqlite",
        )
        sent = [json.loads(c.request.body) for c in mocked.calls if c.request.method == "POST"]
    assert report.counts["sent"] == 150
    phones = sorted(body["user"]["phone"] for body in sent)
    assert phones == sorted(f"+447911{100000 + i}" for i in range(150))
    (pool,) = pools
    assert pool.parsed_there == 110  # every row but the first chunk's (40 rows)
    assert pool._executor is None  # closed at the stream's end


def test_the_worker_never_runs_the_callers_main_script(few, monkeypatch, tmp_path):
    """A script without an ``if __name__ == "__main__":`` guard is not run again in the
    worker (spawn would import it as __mp_main__): it could send again from there."""
    marker = tmp_path / "ran"
    script = tmp_path / "nightly.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    pool = phone_pool.PhonePool()
    try:
        with phone_pool.used(pool):
            assert column(WRITTEN) == column(WRITTEN)
        assert pool.parsed_there > 0 and not pool.broken
    finally:
        pool.close()
    assert not marker.exists()
    assert sys.modules["__main__"] is main
