"""The chunk of the input each row of a streamed report came in, and its index there.

An input of chunks (an iterable of frames, Arrow record batches) has no one index:
a streamed report names its rows by their position in the stream, and the table
says besides which chunk a row came in (``chunk``, from 1, as the notes count
them) and its index within that chunk (``chunk_index``: a pandas chunk's own
index label, ``read_csv(chunksize=)``'s running row number for one; an Arrow
batch's row number from 0). Held per chunk, not per row: the chunk's first
position and its index (a ``RangeIndex`` is three numbers), and the two columns
built only for the rows a table (or a slice of one) shows.
"""

from __future__ import annotations

import bisect
import threading

import numpy as np
import pandas as pd


class ChunkIndex:
    """Each chunk's first position in the stream and its own index, in reading order."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._indexes: list[pd.Index] = []
        self._rows = 0
        self._lock = threading.Lock()  # chunks are read on the stream's planning thread

    def add(self, index: pd.Index) -> None:
        """The next chunk read: its rows' index."""
        with self._lock:
            self._starts.append(self._rows)
            self._indexes.append(index)
            self._rows += len(index)

    def upto(self, n: int) -> ChunkIndex:
        """The chunks of the first ``n`` positions (the rows a report holds), as a copy
        that reading on does not change."""
        out = ChunkIndex()
        with self._lock:
            for start, index in zip(self._starts, self._indexes):
                if start >= n:
                    break
                out.add(index[: n - start])
        return out

    def __len__(self) -> int:
        return self._rows

    def columns(self, where: slice) -> tuple[np.ndarray, pd.Index]:
        """The ``chunk`` numbers and ``chunk_index`` labels of positions ``where``."""
        start, stop, _ = where.indices(self._rows)
        stop = max(stop, start)
        number = np.zeros(stop - start, dtype=np.int64)
        parts = []
        first = max(bisect.bisect_right(self._starts, start) - 1, 0)
        for i in range(first, len(self._starts)):
            lo = self._starts[i]
            if lo >= stop:
                break
            a, b = max(start, lo), min(stop, lo + len(self._indexes[i]))
            number[a - start : b - start] = i + 1
            parts.append(self._indexes[i][a - lo : b - lo])
        within = parts[0].append(parts[1:]) if parts else pd.Index([], dtype=np.int64)
        return number, within
