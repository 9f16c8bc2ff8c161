"""Text for a terminal: no control characters, no escape sequences.

A server message, a company name or a value from a file can hold terminal
escape sequences (set the window title, clear the screen, write the clipboard
with OSC 52, hide a link with OSC 8) that act on the analyst's terminal when
printed raw. The command line prints through :class:`CleanStream`, which
removes escape sequences whole and every other control character (C0, DEL,
C1, and the bidirectional overrides that reorder what is shown), keeping line
breaks and tabs; carriage returns are kept only on standard error, where the
progress bar redraws its line with them.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

_SEQUENCES = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]                # CSI: colours, cursor moves, clear screen
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?     # OSC: window title, clipboard, hyperlinks
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?          # DCS, SOS, PM, APC strings
    | \x1b[ -/]*[0-~]?                       # any other escape
    | \x9b[0-?]*[ -/]*[@-~]                  # 8-bit CSI
    """,
    re.VERBOSE,
)
_CONTROLS = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)])) + "\u202a\u202b\u202c\u202d\u202e"
_CONTROLS += "\u2066\u2067\u2068\u2069"


def clean(text: str, keep: str = "\n\t") -> str:
    """``text`` without escape sequences or control characters other than ``keep``."""
    text = _SEQUENCES.sub("", text)
    return text.translate({ord(c): None for c in _CONTROLS if c not in keep})


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
