"""Which rows are one request: merged only when merging loses nothing.

Two rows are *linked* when they share a key (the same phone, the same email,
the same event id). Linked rows form a group. A group is **consistent** when
every field holds at most one distinct value across its rows (blanks aside):
then one request with the group's values carries every row, and nothing any
row said is lost. A group whose rows disagree (one phone with two emails, one
event id for two different events) is a **conflict**; what happens to it is
the caller's rule (subscribe refuses it, unsubscribe sends every row as
written, so every phone and email is reached).

Most rows share no key, so only the few that do are looked at one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_NAMED = 3  # rows named in a conflict reason before "and N more"


@dataclass
class Grouping:
    """The requests' rows, built lazily: one unit per request, in input order.

    ``firsts`` are the first rows of the units. ``together`` maps the first row
    of a merged unit to every row its request carries; ``merged`` maps each
    carried row to that first row. ``conflicts`` lists the groups whose rows
    disagree, each as its positions with the names of the fields they differ on.
    """

    firsts: np.ndarray
    together: dict[int, tuple[int, ...]] = field(default_factory=dict)
    merged: dict[int, int] = field(default_factory=dict)
    conflicts: list[tuple[tuple[int, ...], list[str]]] = field(default_factory=list)

    def units(self) -> Iterator[tuple[int, ...]]:
        """The row positions of each request, in input order."""
        for p in self.firsts:
            yield self.together.get(int(p), (int(p),))

    def __len__(self) -> int:
        return len(self.firsts)


def linked_groups(keys: Sequence[np.ndarray], valid: np.ndarray) -> list[list[int]]:
    """Groups (two rows or more, sorted positions) of valid rows linked by any shared key.

    ``keys`` are arrays aligned with the rows (object arrays: ``None`` for blank).
    """
    parent: dict[int, int] = {}

    def root(p: int) -> int:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for values in keys:
        for members in _sharing(values, valid):
            for p in members:
                parent.setdefault(p, p)
            first = root(members[0])
            for p in members[1:]:
                other = root(p)
                if other != first:
                    parent[max(first, other)] = min(first, other)
                    first = min(first, other)
    groups: dict[int, list[int]] = {}
    for p in sorted(parent):
        groups.setdefault(root(p), []).append(p)
    return list(groups.values())


def _sharing(values: np.ndarray, valid: np.ndarray) -> Iterator[list[int]]:
    """Positions of valid rows sharing each non-blank value held by more than one row."""
    present = valid & ~pd.isna(values)
    positions = np.flatnonzero(present)
    if len(positions) < 2:
        return
    taken = values[positions]
    maybe = _maybe_repeated(taken)
    if not maybe.any():  # most columns share nothing: no grouping to do
        return
    # Only values whose hash repeats can repeat: the exact grouping among them, by a dict
    # (Python's own equality, as a set would; 1 == 1.0).
    seen: dict[object, list[int]] = {}
    for p, value in zip(positions[maybe].tolist(), taken[maybe].tolist()):
        seen.setdefault(value, []).append(p)
    yield from (members for members in seen.values() if len(members) > 1)


def _maybe_repeated(taken: np.ndarray) -> np.ndarray:
    """True for each value whose hash another one shares: every repeated value among them.

    Equal values have equal hashes. A million fresh strings are hashed by
    ``map`` in C and the hashes sorted, in a third of what a set of them costs
    (and each string keeps its hash for the dicts and sets that come after).
    """
    hashes = np.fromiter(map(hash, taken.tolist()), dtype=np.int64, count=len(taken))
    ordered = np.sort(hashes)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(repeated):
        return np.zeros(len(taken), dtype=bool)
    return np.isin(hashes, repeated)


def disagreements(group: Sequence[int], fields: dict[str, np.ndarray]) -> list[str]:
    """The fields on which the rows of ``group`` hold more than one distinct value."""
    out = []
    for name, values in fields.items():
        distinct = {values[p] for p in group if values[p] is not None}
        if len(distinct) > 1:
            out.append(name)
    return out


def group_rows(
    groups: list[list[int]],
    fields: dict[str, np.ndarray],
    valid: np.ndarray,
    *,
    split_conflicts: bool,
) -> Grouping:
    """Units of rows to send together: consistent groups merged, the rest one row each.

    ``groups`` come from :func:`linked_groups`; ``fields`` (display name ->
    values) are what the rows of a group must agree on. A conflicting group is
    left out of the units (the caller refuses it) unless ``split_conflicts``:
    then each distinct row of it is sent on its own, rows identical in every
    field still sharing one request.
    """
    together: dict[int, tuple[int, ...]] = {}
    conflicts, left_out = [], []
    for group in groups:
        differ = disagreements(group, fields)
        if differ:
            conflicts.append((tuple(group), differ))
        if differ and not split_conflicts:
            left_out.extend(group)
            continue
        for unit in _identical(group, fields) if differ else [tuple(group)]:
            together[unit[0]] = unit
    merged = {p: unit[0] for unit in together.values() for p in unit[1:]}
    keep = valid.copy()
    keep[list(merged) + left_out] = False
    return Grouping(np.flatnonzero(keep), together, merged, conflicts)


def _identical(group: Sequence[int], fields: dict[str, np.ndarray]) -> list[tuple[int, ...]]:
    """The rows of ``group`` bunched by identical values in every field, in input order."""
    bunches: dict[tuple[object, ...], list[int]] = {}
    for p in group:
        bunches.setdefault(tuple(values[p] for values in fields.values()), []).append(p)
    return [tuple(members) for members in bunches.values()]


def name_rows(labels: pd.Index, positions: Sequence[int]) -> str:
    """``row 'a'``, ``rows 3 and 7``, ``rows 1, 2, 3 and 4 more``: how reasons name rows."""
    shown = [_label(labels[p]) for p in positions]
    if len(shown) == 1:
        return f"row {shown[0]}"
    if len(shown) > MAX_NAMED:
        return f"rows {', '.join(shown[:MAX_NAMED])} and {len(shown) - MAX_NAMED} more"
    return f"rows {', '.join(shown[:-1])} and {shown[-1]}"


def _label(label: object) -> str:
    """An index label as written in a reason: text quoted, numbers plain (never ``np.int64``)."""
    plain = label.item() if isinstance(label, np.generic) else label
    return repr(plain) if isinstance(plain, str) else str(plain)
