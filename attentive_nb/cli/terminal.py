"""Text for a terminal: no control characters, no escape sequences.

A server message, a company name or a value from a file can hold terminal
escape sequences (set the window title, clear the screen, write the clipboard
with OSC 52, hide a link with OSC 8) that act on the analyst's terminal when
printed raw. The command line prints through :class:`CleanStream`, which
removes them with :func:`attentive_nb.controls.clean`, keeping line breaks and
tabs; carriage returns are kept only on standard error, where the progress
bar redraws its line with them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from attentive_nb.controls import clean


class CleanStream:
    """A text stream that cleans everything written to it (see :func:`clean`)."""

    def __init__(self, stream: TextIO, keep: str = "\n\t") -> None:
        self._stream, self._keep = stream, keep

    def write(self, text: str) -> int:
        self._stream.write(clean(text, self._keep))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding: the real stream's
        return getattr(self._stream, name)


@contextlib.contextmanager
def cleaned_output() -> Iterator[None]:
    """Standard output and error cleaned inside the block (stderr keeps the progress bar's CR)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = CleanStream(out), CleanStream(err, keep="\n\t\r")
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
