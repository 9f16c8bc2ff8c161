"""What a streamed run remembers of earlier chunks: 64-bit hashes, not rows.

A set (or a map to a few integers) of uint64 keys kept as a handful of sorted
numpy runs, merged when two neighbours grow alike (a log-structured merge):
10,000,000 keys hold 80 MB (plus 8 bytes a value), each chunk is looked up and
added with vectorised searches, runs stop growing at ``MAX_RUN`` keys (a merge's
copy stays small), and no Python object is kept per key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Runs stop merging at this many keys: a merge copies its runs (with their values and
#: the sort order, ~40 bytes a key at once), so the copy stays a few tens of MB while
#: 10,000,000 keys are held; a look-up searches the ten-odd runs that makes.
MAX_RUN = 1 << 20


def hash64(values: np.ndarray) -> np.ndarray:
    """A uint64 hash of each value (objects hashed by their text form, as pandas does)."""
    hashed: np.ndarray = pd.util.hash_array(np.asarray(values, dtype=object), categorize=False)
    return hashed


class Hashes64:
    """uint64 keys, each with ``width`` int64 values (0: a set); the first value given wins.

    ``small=True``: the values are held as int32 while they fit (row positions: 4 bytes
    a key less), as int64 once one does not.
    """

    def __init__(self, width: int = 0, *, small: bool = False) -> None:
        self.width = width
        self._dtype: type[np.signedinteger] = np.int32 if small else np.int64
        self._keys: list[np.ndarray] = []
        self._values: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(k) for k in self._keys)

    @property
    def nbytes(self) -> int:
        """The bytes its keys and values hold (what a streamed run keeps per person)."""
        return sum(k.nbytes for k in self._keys) + sum(v.nbytes for v in self._values)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, values: one row per key, -1 where not found)."""
        keys = np.asarray(keys, dtype=np.uint64)
        found = np.zeros(len(keys), dtype=bool)
        values = np.full((len(keys), self.width), -1, dtype=np.int64)
        for run, vals in zip(self._keys, self._values):
            if not len(run):
                continue
            at = np.minimum(np.searchsorted(run, keys), len(run) - 1)
            hit = (run[at] == keys) & ~found
            values[hit] = vals[at[hit]]
            found |= hit
        return found, values

    def add(self, keys: np.ndarray, values: np.ndarray | None = None) -> None:
        """Add keys not yet held (a key held already keeps its values; the first of a
        repeated new key wins)."""
        keys = np.asarray(keys, dtype=np.uint64)
        if values is None:
            values = np.zeros((len(keys), self.width), dtype=np.int64)
        found, _ = self.find(keys)
        keys, values = keys[~found], np.asarray(values, dtype=np.int64)[~found]
        if not len(keys):
            return
        keys, first = np.unique(keys, return_index=True)  # sorted; the first of each
        values = values[first]
        if self._dtype is np.int32 and len(values) and not _fits32(values):
            self._dtype = np.int64
            self._values = [held.astype(np.int64) for held in self._values]
        self._keys.append(keys)
        self._values.append(values.astype(self._dtype))
        self._merge()

    def _merge(self) -> None:
        while len(self._keys) > 1 and len(self._keys[-2]) <= 2 * len(self._keys[-1]):
            if len(self._keys[-2]) + len(self._keys[-1]) > MAX_RUN:
                return
            keys = np.concatenate([self._keys.pop(-2), self._keys.pop()])
            values = np.concatenate([self._values.pop(-2), self._values.pop()])
            order = np.argsort(keys, kind="stable")
            self._keys.append(keys[order])
            self._values.append(values[order])


def _fits32(values: np.ndarray) -> bool:
    limits = np.iinfo(np.int32)
    return bool(values.min() >= limits.min and values.max() <= limits.max)
