"""A plan's units built ahead, on a thread of their own.

Building request bodies and their ledger keys is pure Python; claiming them
in the ledger is mostly SQLite, which lets go of the interpreter while it
works. Building the next chunk while the engine claims the last one keeps a
bulk send of 100,000 people from waiting on either.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
AHEAD = 2  # chunks built ahead at most: a few thousand units, never the whole plan
_DONE = object()


class Prefetched(Generic[T]):
    """Iterate ``chunks`` (an iterable of lists) while a daemon thread builds the next ones.

    :meth:`take` gives what is built already, waiting only when nothing is: the
    first request of a stream leaves once its first list is built, not once as many
    units as the workers have room for are. An error while building is raised where
    the chunk would have been taken. ``close()`` ends the thread at its next chunk
    (it is a daemon: it never keeps the process alive).
    """

    def __init__(self, chunks: Iterable[list[T]]) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
        self._closed = threading.Event()
        self._current: deque[T] = deque()  # the rest of the list being taken
        self._done = False
        self._thread = threading.Thread(
            target=self._build, args=(iter(chunks),), name="attentive-plan", daemon=True
        )
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        while self._current or self._next_list(wait=True):
            while self._current:
                yield self._current.popleft()

    def take(self, n: int) -> list[T]:
        """Up to ``n`` units: those built, waiting for a list only when none is at hand
        ([] once every unit was taken)."""
        out: list[T] = []
        while len(out) < n:
            if not self._current and not self._next_list(wait=not out):
                break
            while self._current and len(out) < n:
                out.append(self._current.popleft())
        return out

    def _next_list(self, *, wait: bool) -> bool:
        """The next built list into ``_current``; False when none is (or the end came)."""
        if self._done:
            return False
        try:
            item = self._queue.get() if wait else self._queue.get_nowait()
        except queue.Empty:
            return False
        if item is _DONE:
            self._done = True
            return False
        if isinstance(item, BaseException):
            self._done = True
            raise item
        self._current.extend(item)  # type: ignore[arg-type]
        return True

    def close(self) -> None:
        """Stop building (the chunk being built is dropped)."""
        self._closed.set()

    def _build(self, chunks: Iterator[list[T]]) -> None:
        try:
            for chunk in chunks:
                if not self._put(chunk):
                    return
        except Exception as error:  # raised again in the engine's thread
            self._put(error)
            return
        self._put(_DONE)

    def _put(self, item: object) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False
