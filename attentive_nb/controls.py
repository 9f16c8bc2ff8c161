"""Terminal escape sequences and control characters out of text.

A server message, a company name, a column name or a file name can hold
escape sequences (set the window title, clear the screen, write the
clipboard with OSC 52, hide a link with OSC 8) that act on the analyst's
terminal when printed raw. :func:`clean` removes escape sequences whole and
every other control character (C0, DEL, C1, line and paragraph separators,
and the bidirectional overrides that reorder what is shown). The command
line's output, the progress bar's text and file names go through it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

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
_CONTROLS += "\u2066\u2067\u2068\u2069\u2028\u2029"


def clean(text: str, keep: str = "\n\t") -> str:
    """``text`` without escape sequences or control characters other than ``keep``."""
    text = _SEQUENCES.sub("", text)
    return text.translate({ord(c): None for c in _CONTROLS if c not in keep})


def hidden_characters(text: str, keep: str = "") -> list[str]:
    """The control and format characters in ``text`` (zero-width ones too), once each."""
    return [
        c for c in dict.fromkeys(text) if c not in keep and unicodedata.category(c) in ("Cc", "Cf")
    ]


def code_points(characters: Iterable[str], most: int = 3) -> str:
    """``U+0000, U+200B (ZERO WIDTH SPACE)``: characters named so an analyst can search them."""
    named = []
    for char in list(characters)[:most]:
        name = unicodedata.name(char, "")
        named.append(f"U+{ord(char):04X}" + (f" ({name})" if name else ""))
    return ", ".join(named)


def has_controls(text: str) -> bool:
    """True when ``text`` holds an escape sequence or any control character (tabs too)."""
    return clean(text, keep="") != text
