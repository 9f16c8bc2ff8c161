"""Mask identifiers (phone, email, ids) for reports that end up in saved notebooks.

Every function is vectorised over a pandas Series and keeps missing values missing.
Short values are masked harder so that a mask never shows most of what it hides.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
import pandas as pd

from attentive_nb.plan.cells import quote
from attentive_nb.plan.readings import LOOKS_LIKE, ColumnReading

DOTS = "•••"

# (minimum length, characters kept at the start, characters kept at the end), longest first.
_PHONE_RULES = ((12, 5, 4), (8, 2, 2))
_OTHER_RULES = ((5, 2, 0),)


def _as_text(values: pd.Series) -> pd.Series:
    """The values as pandas' string dtype on a 0..n-1 index, missing values kept missing."""
    return values.astype("str").reset_index(drop=True)


def _patch(
    out: pd.Series, where: pd.Series, text: pd.Series, rule: Callable[[pd.Series], pd.Series]
) -> pd.Series:
    """Apply ``rule`` to the few rows in ``where`` only; the common case stays vectorised."""
    positions = np.flatnonzero(where.to_numpy(dtype=bool, na_value=False))
    if len(positions):
        out = out.copy()
        out.iloc[positions] = rule(text.iloc[positions]).to_numpy()
    return out


def _dots_unless_empty(text: pd.Series) -> pd.Series:
    # (pandas' stubs type the results of Series methods loosely: hence the typed names here)
    dots: pd.Series = text.where(text.isna() | (text == ""), DOTS)
    return dots


def _mask_by_length(text: pd.Series, rules: tuple[tuple[int, int, int], ...]) -> pd.Series:
    """Keep a head and a tail chosen by length; values shorter than every rule become dots."""
    if not rules:
        return _dots_unless_empty(text)
    min_len, head, tail = rules[0]
    out = text.str.slice(0, head) + DOTS
    if tail:
        out = out + text.str.slice(-tail)
    short = text.str.len() < min_len
    return _patch(out, short, text, lambda sub: _mask_by_length(sub, rules[1:]))


def mask_phone(values: pd.Series) -> pd.Series:
    """``+12015550123`` -> ``+1201•••0123``: country code and area kept, the middle hidden."""
    masked: pd.Series = _mask_by_length(_as_text(values), _PHONE_RULES).set_axis(values.index)
    return masked


def mask_other(values: pd.Series) -> pd.Series:
    """``cust-9876`` -> ``cu•••``: enough to tell ids apart by eye, not to recover them."""
    masked: pd.Series = _mask_by_length(_as_text(values), _OTHER_RULES).set_axis(values.index)
    return masked


def mask_email(values: pd.Series) -> pd.Series:
    """``jane.doe@example.com`` -> ``j•••@example.com``; the domain stays readable.

    The domain is what follows the last ``@``. Local parts of one or two
    characters are hidden whole; a value without ``@`` is masked as an id.
    """
    text = _as_text(values)
    at = text.str.find("@")
    # Greedy ".+@" runs to the last "@"; the first character comes back in front.
    out = text.str.slice(0, 1) + text.str.replace(r"^.+@", DOTS + "@", regex=True)
    out = _patch(out, at.between(0, 2), text, _hide_local)
    out = _patch(out, at < 0, text, mask_other)
    masked: pd.Series = out.set_axis(values.index)
    return masked


def _hide_local(text: pd.Series) -> pd.Series:
    return text.str.replace(r"^.*@", DOTS + "@", regex=True)


# Keyed by column name, as ``identifiers.items()`` gives it.
_MASKERS: dict[Hashable, Callable[[pd.Series], pd.Series]] = {
    "phone": mask_phone,
    "email": mask_email,
}
EXAMPLE_CHARS = 40


def mask_identifiers(identifiers: pd.DataFrame) -> pd.DataFrame:
    """Mask every column: ``phone`` and ``email`` by their own rule, anything else as an id."""
    masked: pd.DataFrame = pd.DataFrame(
        {name: _MASKERS.get(name, mask_other)(col) for name, col in identifiers.items()},
        index=identifiers.index,
        columns=identifiers.columns,
    )
    return masked


def mask_reasons(reasons: pd.Series, identifiers: pd.DataFrame, masked: pd.DataFrame) -> pd.Series:
    """Reasons with each row's own identifiers masked where they quote them.

    Our reasons quote the value they refuse (``phone '555-0142' is not a
    valid number``), in the form :func:`~attentive_nb.plan.cells.quote`
    writes, so that form of the row's raw identifier is replaced by the same
    form of its masked one. Only rows whose reason quotes something are
    looked at, one by one; the others are left as they are.
    """
    rows = np.flatnonzero(reasons.str.contains("['\"]", regex=True).to_numpy(dtype=bool))
    if not len(rows):
        return reasons
    text: list[str] = reasons.iloc[rows].tolist()
    for name in identifiers.columns:
        raw = identifiers[name].iloc[rows].to_numpy(dtype=object)
        hidden = masked[name].iloc[rows].to_numpy(dtype=object)
        text = [
            r.replace(quote(v), quote(h)) if isinstance(v, str) and v else r
            for r, v, h in zip(text, raw, hidden)
        ]
    out: pd.Series = reasons.copy()
    out.iloc[rows] = text
    return out


def column_table(readings: list[ColumnReading]) -> pd.DataFrame:
    """The readings as a table for the report: examples shortened, and masked where they say."""
    table: pd.DataFrame = pd.DataFrame(
        {
            "column": [str(r.column) for r in readings],
            "read as": [_read_as(r) for r in readings],
            "type": [r.type for r in readings],
            "example": [_example(r) for r in readings],
        },
        columns=["column", "read as", "type", "example"],
    )
    return table


def _read_as(reading: ColumnReading) -> str:
    looks = LOOKS_LIKE.get(reading.looks_like or "")
    return f"{reading.read_as}: looks like {looks}" if looks else reading.read_as


def _example(reading: ColumnReading) -> str:
    if reading.example is None:
        return ""
    text = str(reading.example)
    if reading.mask is not None:
        text = str(_MASKERS.get(reading.mask, mask_other)(pd.Series([text])).iloc[0])
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"
