"""Reading a column's cells: blanks, one check per distinct value, reasons kept per row.

Every check works on a whole column and looks at each *distinct* value once,
so a million rows with a few thousand distinct values cost a few thousand
checks. Results are numpy object arrays aligned with the input rows, holding
the value to send or ``None`` for "omit this key".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from attentive_nb.plan.distinct import distinct_values


class Problems:
    """Every reason found for every row, in the order the checks ran."""

    def __init__(self) -> None:
        self.by_row: dict[int, list[str]] = {}

    def add(self, position: int, message: str) -> None:
        """Record one reason for one row (a reason is never repeated)."""
        reasons = self.by_row.setdefault(int(position), [])
        if message not in reasons:
            reasons.append(message)

    def add_many(self, positions: Iterable[int], message: str) -> None:
        """Record the same reason for several rows."""
        for p in positions:
            self.add(p, message)

    def __contains__(self, position: int) -> bool:
        return position in self.by_row


def quote(value: object, limit: int = 60) -> str:
    """A value as an analyst reads it in a message: quoted, shortened."""
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def is_blank(value: object) -> bool:
    """NaN, None, NaT, pd.NA and blank text: omitted from payloads, never sent as null."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def per_distinct(
    series: pd.Series,
    check: Callable[[Any], tuple[Any, str | None]],
    fast: Callable[[list[Any]], list[Any]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``check(value) -> (result, problem)`` once per distinct non-missing value.

    ``check`` must treat blank text as missing (``id_text`` and ``json_scalar`` do).
    Values are distinct by type as well as by value: ``1``, ``True`` and ``1.0``
    are equal in Python but are sent differently, so each is checked on its own.
    ``fast(values)``, when given, settles many values in one go: the result of
    each value it accepts as it is (no problem), None for the others, which
    ``check`` then looks at one by one.

    Returns the results aligned with the rows (None for blanks) and the
    problem per row (None when fine). Unhashable values (lists) are checked
    one by one.
    """
    try:
        codes, uniques = distinct_values(series)
    except TypeError:
        checked = [(None, None) if is_blank(v) else check(v) for v in series.tolist()]
        return _split(checked, None)
    # The missing values are left out of ``uniques``.
    settled = fast(uniques) if fast is not None else [None] * len(uniques)
    checked = [check(v) if r is None else (r, None) for v, r in zip(uniques, settled)]
    checked.append((None, None))  # code -1 (missing) picks this last entry
    return _split(checked, codes)


def _split(
    checked: list[tuple[Any, str | None]], codes: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    values = np.empty(len(checked), dtype=object)
    values[:] = [c[0] for c in checked]
    problems = np.empty(len(checked), dtype=object)
    problems[:] = [c[1] for c in checked]
    if codes is None:
        return values, problems
    return values[codes], problems[codes]


def report(
    problems: Problems, row_problems: Iterable[str | None] | np.ndarray, prefix: str = ""
) -> None:
    """Copy per-row problems (None = fine) into ``problems``."""
    arr = np.asarray(row_problems, dtype=object)
    for pos in np.flatnonzero(arr != None):  # noqa: E711  (elementwise comparison)
        problems.add(int(pos), prefix + arr[pos])


def pair_column(pairs: np.ndarray, index: int) -> np.ndarray:
    """Item ``index`` of each pair (None where the pair is None), as an object array."""
    out = np.empty(len(pairs), dtype=object)
    out[:] = [None if p is None else p[index] for p in pairs]
    return out
