"""The engine's send workers and the queue their answers come back on (no sockets)."""

from __future__ import annotations

import threading

import pytest

from attentive_nb.send.workers import Finished, Workers


def test_the_loop_takes_every_answer_come_at_once_without_waiting():
    finished: Finished[list[int], str] = Finished()
    a, b = [1], [2]
    finished.put(a, "one")
    finished.put(b, "two")
    taken = finished.take(0.5, 2, 0.05)
    assert [(units is a or units is b, answer) for units, answer in taken] == [
        (True, "one"),
        (True, "two"),
    ]
    assert finished.take(0.0, 1, 0.05) == []  # nothing come, no wait asked


def test_a_waiting_loop_is_woken_by_the_answer_it_waits_for():
    finished: Finished[list[int], str] = Finished()
    units = [1]
    waiting = threading.Thread(target=lambda: finished.put(units, "done"))
    waiting.start()
    taken = finished.take(10.0, 1, 10.0)  # returns when the one wanted is in
    waiting.join()
    assert taken == [(units, "done")]


def test_workers_answer_every_request_with_its_own_units():
    finished: Finished[list[int], int] = Finished()
    workers = Workers(3, lambda units: sum(units), finished, "test-send")
    requests = [[n, n] for n in range(20)]
    workers.submit(requests)
    taken: list[tuple[list[int], int | BaseException]] = []
    while len(taken) < 20:
        taken += finished.take(10.0, 20 - len(taken), 10.0)
    workers.shutdown(wait=True)
    assert sorted((units[0], answer) for units, answer in taken) == [(n, 2 * n) for n in range(20)]
    assert all(any(units is r for r in requests) for units, _ in taken)


def test_queued_requests_are_taken_back_and_never_run():
    finished: Finished[list[int], int] = Finished()
    started, release = threading.Event(), threading.Event()
    ran: list[list[int]] = []

    def call(units: list[int]) -> int:
        ran.append(units)
        started.set()
        assert release.wait(timeout=10)
        return 0

    workers = Workers(1, call, finished, "test-send")
    first, second, third = [1], [2], [3]
    workers.submit([first, second])
    workers.submit([third])
    assert started.wait(timeout=10)
    back = workers.take_back()
    release.set()
    workers.shutdown(wait=True)
    assert [units is second or units is third for units in back] == [True, True]
    assert ran == [first]
    assert finished.take(0.0, 1, 0.0) == [(first, 0)]


def test_a_worker_exception_is_handed_back_not_lost():
    finished: Finished[list[int], int] = Finished()

    def broken(units: list[int]) -> int:
        raise RuntimeError("a bug")

    workers = Workers(1, broken, finished, "test-send")
    workers.submit([[1]])
    ((_, answer),) = finished.take(10.0, 1, 0.0)
    workers.shutdown(wait=True)
    assert isinstance(answer, RuntimeError)


def test_no_request_is_taken_after_shutdown():
    finished: Finished[list[int], int] = Finished()
    workers = Workers(2, len, finished, "test-send")
    workers.shutdown(wait=True)
    with pytest.raises(RuntimeError, match="shut down"):
        workers.submit([[1]])


def test_shut_down_with_no_worker_left_they_hold_nothing_of_their_caller():
    import gc
    import weakref

    class Caller:
        workers: Workers[list[int], int] | None = None

        def call(self, units: list[int]) -> int:
            return len(units)

    caller, finished = Caller(), Finished[list[int], int]()
    workers = Workers(2, caller.call, finished, "test-send")
    caller.workers = workers  # as the engine holds its workers
    workers.submit([[1], [2]])
    answered = 0
    while answered < 2:
        answered += len(finished.take(10.0, 2 - answered, 10.0))
    workers.shutdown(wait=True)
    gone = weakref.ref(caller)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del caller
        assert gone() is None  # freed at once, not left to the collector
    finally:
        if was_enabled:
            gc.enable()
