"""The distinct values of a column, told apart by type as well as by value.

``pandas.factorize`` finds them fast, but keys on Python equality, where
``1 == True == 1.0`` and ``Decimal("1.50") == Decimal("1.5")``: those are sent
differently (``1``, ``true``, ``1.0``; "1.50", "1.5"), so a cache keyed on
them would change what the analyst wrote. Columns of one dtype hold one kind
of value and are factorized as they are; object columns that mix kinds are
factorized kind by kind.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

# ``infer_dtype`` names of object columns whose equal values may differ in type or text.
_MIXED = frozenset({"mixed", "mixed-integer", "mixed-integer-float", "decimal"})


def distinct_values(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes per row (-1 = missing) and the distinct values as Python objects.

    Raises TypeError when a value cannot be hashed (a list).
    """
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in _MIXED:
        return _distinct_by_kind(series.to_numpy(dtype=object))
    # A column of one dtype holds one kind of value: pandas' factorize is exact there.
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if isinstance(series.dtype, pd.CategoricalDtype):  # the categories, as Python objects
        return codes, list(np.asarray(uniques, dtype=object))
    if pd.api.types.is_string_dtype(uniques.dtype):
        return codes, uniques.tolist()  # Python str at once (iterating Arrow text is slow)
    return codes, list(uniques)


def _distinct_by_kind(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """``factorize`` within each kind of value (bool, int, float, Decimal, other)."""
    keys = np.fromiter((_kind(v) for v in values), dtype=np.int8, count=len(values))
    codes = np.full(len(values), -1, dtype=np.intp)
    uniques: list[Any] = []
    for kind in np.unique(keys):
        where = np.flatnonzero(keys == kind)
        group = values[where]
        if kind == _DECIMAL:  # Decimal('1.50') == Decimal('1.5'), yet the text differs
            group = np.array([None if v.is_nan() else str(v) for v in group], dtype=object)
        group_codes, _ = pd.factorize(group, use_na_sentinel=True)
        found, first = np.unique(group_codes, return_index=True)  # codes in order of appearance
        codes[where] = np.where(group_codes >= 0, group_codes + len(uniques), -1)
        uniques.extend(values[where[first[found >= 0]]])
    return codes, uniques


_BOOL, _INT, _FLOAT, _DECIMAL, _OTHER = range(5)


def _kind(value: object) -> int:
    if isinstance(value, (bool, np.bool_)):
        return _BOOL
    if isinstance(value, (int, np.integer)):
        return _INT
    if isinstance(value, (float, np.floating)):
        return _FLOAT
    return _DECIMAL if isinstance(value, Decimal) else _OTHER
