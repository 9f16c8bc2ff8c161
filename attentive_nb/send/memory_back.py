"""Memory a streamed chunk freed, given back to the system once the chunk is sent on.

A chunk's planning makes and frees tens of megabytes (the Arrow batch read, its pandas
frame, the records' dicts and texts, the hash runs merged) between arrays held to the
end (the report's columns, the hashes of every key and person), and the allocators keep
what is freed for later: glibc's malloc the free pages of its heap, pyarrow's pool
(mimalloc) its segments. So after each chunk both are asked for their free pages back
(``malloc_trim``, ``release_unused``: a fraction of a millisecond every 25,000 rows; a
1,000,000-person bulk load peaked at 359 MB, not 374). No allocator setting is changed.
Where there is no glibc (macOS, Windows, musl), only pyarrow's pool is asked.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (None: not glibc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # the process's own symbols: libc's among them, found without a search
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl has none
        return None
    return trim


def give_back() -> None:
    """Free pages of glibc's heap and of pyarrow's pool (when loaded) back to the system."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    arrow = sys.modules.get("pyarrow")  # only when the input was Arrow: never imported here
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
