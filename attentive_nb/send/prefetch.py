"""A plan's units built ahead, on a thread of their own.

Building request bodies and their ledger keys is pure Python; claiming them
in the ledger is mostly SQLite, which lets go of the interpreter while it
works. Building the next chunk while the engine claims the last one keeps a
bulk send of 100,000 people from waiting on either.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
AHEAD = 2  # chunks built ahead at most: a few thousand units, never the whole plan
_DONE = object()


class Prefetched(Generic[T]):
    """Iterate ``chunks`` (an iterable of lists) while a daemon thread builds the next ones.

    An error while building is raised where the chunk would have been taken.
    ``close()`` ends the thread at its next chunk (it is a daemon: it never
    keeps the process alive).
    """

    def __init__(self, chunks: Iterable[list[T]]) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._build, args=(iter(chunks),), name="attentive-plan", daemon=True
        )
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item  # type: ignore[misc]

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
