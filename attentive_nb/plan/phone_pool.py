"""Phone numbers parsed in a worker process, so that a stream's parsing overlaps its sending.

``phonenumbers`` is pure Python: a number that misses the E.164 fast path of
:mod:`~attentive_nb.plan.phones` costs some 30-75 µs to parse. A streamed send
plans chunk i+1 on its prefetch thread while chunk i is sent, but the
interpreter lock lets only one of them run at a time; a worker process parses
on the other core instead, while the planning thread waits without holding the lock.

:class:`PhonePool` is what a stream uses (:func:`used` makes it the current one
while a chunk is planned): it starts its one worker only when a chunk has at least
:data:`START_AT` distinct numbers to parse (starting a process costs about a
second of imports; fewer numbers are parsed sooner in-process), then uses it for every
chunk with :data:`USE_AT` or more. Each distinct text is parsed once, by the same
function as in-process (:func:`~attentive_nb.plan.validate.phone_results`), so
the results are the same (the function is the caller's: :mod:`~attentive_nb.plan.validate`
passes its own, so this module imports nothing of the package's and the worker imports
what that function needs). A worker that cannot start or dies gives nothing: the
caller parses in-process, and the pool is not tried again for that stream.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextvars import ContextVar

#: Distinct numbers to parse in one chunk that start the worker (~0.3-0.7 s of parsing).
START_AT = 10_000
#: Once started, a chunk with this many goes to the worker (fewer: not worth the trip).
USE_AT = 1_000

Result = tuple[str | None, str | None]  # (the number in E.164 or None, the problem or None)
#: What the worker runs: ``parse(texts, region)``, a result per text (module-level: pickled
#: by its name).
Parse = Callable[[list[str], str], Sequence[Result]]

_CURRENT: ContextVar[PhonePool | None] = ContextVar("attentive_phone_pool", default=None)


def _quiet() -> None:
    """The worker ignores Ctrl-C: the terminal sends it to the whole process group, and
    the stream, not the worker, decides what an interrupt stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _spawned() -> Executor:
    """The worker, started: spawned, not forked (this process has threads, the engine's,
    and a fork would copy their locks held), and without the caller's main module.

    A spawned child imports the parent's ``__main__`` script again (as ``__mp_main__``)
    unless it has no file, as in a notebook: a script that sends without an
    ``if __name__ == "__main__":`` guard would send again from the worker. So the
    process is started while ``__main__`` is a blank module (what an interactive
    session has); it imports only what the functions it runs need.
    """
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_quiet)
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        started = executor.submit(int)  # the first task starts the process, here and now
    finally:
        sys.modules["__main__"] = main
    try:
        started.result()  # raises when the process could not start
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    return executor


class PhonePool:
    """A stream's worker for parsing phone numbers, started when a chunk first needs it."""

    def __init__(self, start: Callable[[], Executor] = _spawned) -> None:
        self._start = start
        self._executor: Executor | None = None
        self.broken = False  # it could not start or died: parse in-process from now on
        self.parsed_there = 0  # numbers the worker parsed (for the benchmark and tests)

    def parsed(self, parse: Parse, texts: list[str], region: str) -> dict[str, Result]:
        """``parse(texts, region)`` run by the worker, as text -> result; empty when the
        worker is not worth it for so few, or cannot do it (the caller parses in-process)."""
        wanted = USE_AT if self._executor is not None else START_AT
        if self.broken or len(texts) < wanted:
            return {}
        try:
            if self._executor is None:
                self._executor = self._start()
            results = self._executor.submit(parse, texts, region).result()
        except Exception:  # no process, a broken pool, a pickling error: in-process then
            self._give_up()
            return {}
        if len(results) != len(texts):  # never from the caller's function; nothing lost
            self._give_up()
            return {}
        self.parsed_there += len(texts)
        return dict(zip(texts, results))

    def _give_up(self) -> None:
        self.broken = True
        self.close()

    def close(self) -> None:
        """End the worker (at once: nothing is waiting for it)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            with contextlib.suppress(Exception):
                executor.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def used(pool: PhonePool | None) -> Iterator[None]:
    """Make ``pool`` the one :func:`current` gives in this thread (None: parse in-process)."""
    token = _CURRENT.set(pool)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> PhonePool | None:
    """The pool of the stream whose chunk is being planned here, if any."""
    return _CURRENT.get()
