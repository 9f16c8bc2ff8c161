"""Where a send's lines go (the estimate, notes, waiting for bulk jobs): printed, or kept.

A send says a few lines while it runs. Alone in a notebook they are printed;
a fan-out runs many sends at once, where twenty interleaved estimates would
be noise, so it keeps each part's lines in that part's report instead
(:func:`kept`). A context variable, so each part's thread (or process) has
its own sink and a send never needs a parameter for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_sink: ContextVar[Callable[[str], None]] = ContextVar("attentive_nb_say", default=print)


def say(line: str) -> None:
    """Say ``line`` where this context's send lines go (printed unless :func:`kept`)."""
    _sink.get()(line)


@contextmanager
def kept() -> Iterator[list[str]]:
    """Keep the lines said in this context in a list instead of printing them."""
    lines: list[str] = []
    token = _sink.set(lines.append)
    try:
        yield lines
    finally:
        _sink.reset(token)
