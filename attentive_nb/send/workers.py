"""The send engine's worker threads, and the queue their answers come back on.

A ``ThreadPoolExecutor`` hands each request over with a Future, its Condition
and a done-callback, and the engine's loop woke for every answer it gathered:
on a custom-events send at 150/s that was most of the client's thread
switches (issue 24). Here a request is its units (one list, known by its id);
long-lived workers take them from one queue under one Condition, without
waiting as long as some are queued, and put ``(units, answer)`` straight on
:class:`Finished`, which wakes the loop for the first answer and then once for
those gathered after it, not once each.

Work queued and not taken yet can be taken back (:meth:`Workers.take_back`:
after a Ctrl-C its claims are released); work a worker has taken runs to its
end. A worker idle for :data:`IDLE_S` ends (the next request starts another):
a pool its engine never closed keeps no thread, and the interpreter's exit
waits for no idle one, only for those still on the wire.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

U = TypeVar("U")  # a request's units: a list, known by its id
A = TypeVar("A")  # a worker's answer
IDLE_S = 1.0


def _ended(units: Any) -> Any:
    raise RuntimeError("the send workers were shut down")


class Finished(Generic[U, A]):
    """Answers the workers put, taken by one loop several at a time."""

    def __init__(self) -> None:
        self._items: deque[tuple[U, A | BaseException]] = deque()
        self._ready = threading.Condition(threading.Lock())
        self._wanted = 0  # the loop waits for this many (0: it is not waiting)

    def put(self, units: U, answer: A | BaseException) -> None:
        with self._ready:
            self._items.append((units, answer))
            if self._wanted and len(self._items) >= self._wanted:
                self._wanted = 0
                self._ready.notify()

    def take(
        self, first_s: float, wanted: int, gather_s: float
    ) -> list[tuple[U, A | BaseException]]:
        """Those come: waits up to ``first_s`` for one (0: no wait), then up to ``gather_s``
        for ``wanted`` in all; woken once for each of the two waits at most."""
        with self._ready:
            if not self._items and first_s > 0:
                self._wait(1, first_s)
            if self._items and len(self._items) < wanted and gather_s > 0:
                self._wait(wanted, gather_s)
            taken = list(self._items)
            self._items.clear()
            return taken

    def _wait(self, wanted: int, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._wanted = wanted
        try:  # a signal handler run inside the wait returns it early: waited again
            while len(self._items) < wanted and (left := until - time.monotonic()) > 0:
                self._ready.wait(left)
        finally:
            self._wanted = 0


class Workers(Generic[U, A]):
    """At most ``size`` threads calling ``call(units)`` for each request submitted."""

    def __init__(
        self, size: int, call: Callable[[U], A], finished: Finished[U, A], name: str
    ) -> None:
        self._size, self._call, self._finished, self._name = size, call, finished, name
        self._queue: deque[U] = deque()
        self._ready = threading.Condition(threading.Lock())
        # Workers waiting for work: not yet woken for some (idle), and woken but not yet
        # back (wakes). Each one back takes one from wakes, else from idle: the two add up to
        # those waiting even when one timed out just as it was woken.
        self._idle = self._wakes = 0
        self._threads: set[threading.Thread] = set()
        self._closed = False

    def submit(self, requests: list[U]) -> None:
        """Queue ``requests``, waking idle workers for them and starting more if too few."""
        with self._ready:
            if self._closed:
                raise RuntimeError("the send workers were shut down")
            self._queue.extend(requests)
            woken = min(self._idle, len(requests))
            if woken:
                self._idle -= woken
                self._wakes += woken
                self._ready.notify(woken)
            for _ in range(min(len(requests) - woken, self._size - len(self._threads))):
                thread = threading.Thread(
                    target=self._run, name=f"{self._name}_{len(self._threads)}"
                )
                self._threads.add(thread)
                thread.start()

    def take_back(self) -> list[U]:
        """The requests no worker has taken yet, no longer queued."""
        with self._ready:
            queued = list(self._queue)
            self._queue.clear()
            return queued

    def shutdown(self, *, wait: bool = False) -> None:
        """No more requests: the queued are dropped, idle workers end, busy ones finish theirs."""
        with self._ready:
            self._closed = True
            self._queue.clear()
            self._wakes += self._idle
            self._idle = 0
            self._ready.notify_all()
            threads = list(self._threads)
            self._let_go()
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()

    def _run(self) -> None:
        me = threading.current_thread()
        while (units := self._next()) is not None:
            try:
                answer: A | BaseException = self._call(units)
            except BaseException as error:  # a bug: raised by the loop, as a Future would
                answer = error
            self._finished.put(units, answer)
            del units, answer  # nothing of a request kept while waiting for the next
        with self._ready:
            self._threads.discard(me)
            self._let_go()

    def _let_go(self) -> None:
        """Shut down and no worker left: ``call`` let go (a bound method of the engine
        holding these workers: that cycle would leave the engine to the garbage collector,
        its finalisers run at any later moment, not when its last reference goes)."""
        if self._closed and not self._threads:
            self._call = _ended

    def _next(self) -> U | None:
        """The next request queued, waiting for one while idle; None: this worker ends."""
        with self._ready:
            while not self._queue:
                if self._closed:
                    return None
                self._idle += 1
                woken = self._ready.wait(IDLE_S)
                if self._wakes:
                    self._wakes -= 1
                else:
                    self._idle -= 1
                if not woken and not self._queue:  # idle too long
                    return None
            return self._queue.popleft()
