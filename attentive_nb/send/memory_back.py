"""Memory a streamed run frees, given back to the system rather than held to its end.

A chunk's planning makes and frees tens of megabytes (the Arrow batch read, its pandas
frame, the records' dicts and texts, the hash runs merged) between arrays held to the
end (the report's columns, the hashes of every key and person). glibc's malloc raises
the size it maps blocks at on its own each time a large mapped block is freed (up to
32 MB), so after the first chunks those arrays come from its heap, the held ones among
the freed, and the holes between them are never given back: a 10,000,000-row bulk load
held ~20 bytes a row more than its arrays (2,000,000 rows: 57 bytes a row of growth,
37 with the size fixed). So a streamed run fixes that size at glibc's own starting
value, 128 KiB (``mallopt``: it lasts for the process, as glibc's raise would have),
and after each chunk asks glibc and pyarrow's pool (mimalloc) for their free pages
back (``malloc_trim``, ``release_unused``: a fraction of a millisecond every 25,000
rows). Where there is no glibc (macOS, Windows, musl), only pyarrow's pool is asked.
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache
from typing import Any

#: glibc's ``M_MMAP_THRESHOLD`` (malloc.h) and its starting value: blocks this large or
#: larger are mapped on their own, and unmapped when freed.
_M_MMAP_THRESHOLD = -3
MAPPED_FROM = 128 * 1024


@cache
def _libc() -> Any | None:
    """glibc's functions (None: not glibc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # the process's own symbols: libc's among them, found without a search
        libc = ctypes.CDLL(None)
        libc.malloc_trim, libc.mallopt  # noqa: B018 (musl has neither)
    except (OSError, AttributeError):
        return None
    return libc


def map_large_blocks() -> None:
    """From now on, glibc maps every block of ``MAPPED_FROM`` bytes or more on its own."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, MAPPED_FROM)


def give_back() -> None:
    """Free pages of glibc's heap and of pyarrow's pool (when loaded) back to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
    arrow = sys.modules.get("pyarrow")  # only when the input was Arrow: never imported here
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
