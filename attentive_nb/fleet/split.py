"""Which input rows belong to which company: positions per company, and the blanks."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from attentive_nb.errors import ArgumentError


def by_company(df: pd.DataFrame, by: Hashable) -> tuple[dict[str, list[int]], list[int]]:
    """``({company: positions}, blank positions)``: 0-based, each in input order.

    A company is the cell as text, trimmed; an empty or missing cell names none.
    """
    if by not in df.columns:
        raise ArgumentError(f"by={by!r} is not a column of the frame (it has {list(df.columns)}).")
    if sum(1 for c in df.columns if c == by) > 1:
        raise ArgumentError(f"The frame has two columns named {by!r}: rename one.")
    cells = df[by]
    text = np.array(["" if pd.isna(v) else str(v).strip() for v in cells.tolist()], dtype=object)
    parts: dict[str, list[int]] = {}
    for position, company in enumerate(text):
        parts.setdefault(company, []).append(position)
    blanks = parts.pop("", [])
    return parts, blanks
