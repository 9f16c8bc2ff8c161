"""Value rules: blanks, identifiers, phones, emails, JSON scalars; reasons per row.

Every check works on a whole column and looks at each *distinct* value once
(``pandas.factorize``), so a million rows with a few thousand distinct values
cost a few thousand checks. Results are numpy object arrays aligned with the
input rows, holding the value to send or ``None`` for "omit this key".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal

import numpy as np
import pandas as pd
import phonenumbers

from attentive_nb.phones import E164, is_valid_e164, written_problem

_DIGITS = re.compile(r"[0-9]{8,15}")
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_NESTED = (list, tuple, set, frozenset, dict, np.ndarray, pd.Series)


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


def per_distinct(series: pd.Series, check: Callable) -> tuple[np.ndarray, list[str | None]]:
    """Apply ``check(value) -> (result, problem)`` once per distinct non-missing value.

    ``check`` must treat blank text as missing (``id_text`` and ``json_scalar`` do).
    Values are distinct by type as well as by value: ``1``, ``True`` and ``1.0``
    are equal in Python but are sent differently, so each is checked on its own.

    Returns the results aligned with the rows (None for blanks) and the
    problem per row (None when fine). Unhashable values (lists) are checked
    one by one.
    """
    try:
        codes, uniques = _distinct(series)
    except TypeError:
        checked = [(None, None) if is_blank(v) else check(v) for v in series.tolist()]
        return _split(checked, None)
    checked = [check(v) for v in uniques]  # the missing values are left out of ``uniques``
    checked.append((None, None))  # code -1 (missing) picks this last entry
    return _split(checked, codes)


# ``infer_dtype`` names of object columns whose equal values may differ in type or text.
_MIXED = frozenset({"mixed", "mixed-integer", "mixed-integer-float", "decimal"})


def _distinct(series: pd.Series) -> tuple[np.ndarray, list]:
    """Codes per row (-1 = missing) and the distinct values as Python objects."""
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in _MIXED:
        return _distinct_by_kind(series.to_numpy(dtype=object))
    # A column of one dtype holds one kind of value: pandas' factorize is exact there.
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if isinstance(uniques, pd.Categorical):
        return codes, list(np.asarray(uniques, dtype=object))
    return codes, list(uniques)


def _distinct_by_kind(values: np.ndarray) -> tuple[np.ndarray, list]:
    """``factorize`` within each kind of value (bool, int, float, Decimal, other)."""
    keys = np.fromiter((_kind(v) for v in values), dtype=np.int8, count=len(values))
    codes = np.full(len(values), -1, dtype=np.intp)
    uniques: list = []
    for kind in np.unique(keys):
        where = np.flatnonzero(keys == kind)
        group = values[where]
        if kind == _DECIMAL:  # Decimal('1.50') == Decimal('1.5'), yet the text differs
            group = np.array([str(v) for v in group], dtype=object)
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


def _split(checked: list, codes: np.ndarray | None) -> tuple[np.ndarray, list]:
    values = np.empty(len(checked), dtype=object)
    values[:] = [c[0] for c in checked]
    problems = np.empty(len(checked), dtype=object)
    problems[:] = [c[1] for c in checked]
    if codes is None:
        return values, list(problems)
    return values[codes], problems[codes]


def report(problems: Problems, row_problems, prefix: str = "") -> None:
    """Copy per-row problems (None = fine) into ``problems``."""
    arr = np.asarray(row_problems, dtype=object)
    for pos in np.flatnonzero(arr != None):  # noqa: E711  (elementwise comparison)
        problems.add(int(pos), prefix + arr[pos])


# -- identifiers -------------------------------------------------------------------------------


def id_text(value: object) -> tuple[str | None, str | None]:
    """An identifier as text: ints without '.0', text stripped; lists refused."""
    if isinstance(value, _NESTED):
        return None, "is a list or mapping, not a single value"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower(), None
    if isinstance(value, (int, np.integer)):
        return str(int(value)), None
    if isinstance(value, (float, np.floating, Decimal)):
        if not math.isfinite(value):
            return None, "is not a finite number"
        return (str(int(value)) if float(value).is_integer() else str(value)), None
    text = str(value).strip()
    return (text or None), None


def _text(value: object) -> tuple[str | None, str | None]:
    """``id_text``, with a fast path for the common case of a str."""
    return ((value.strip() or None), None) if type(value) is str else id_text(value)


def identifier_column(series: pd.Series, label: str, problems: Problems) -> np.ndarray:
    """Identifier values as stripped text (None where blank); problems named by ``label``."""
    return _checked_text(series, label, problems, lambda text: (text, None))[0]


def _checked_text(
    series: pd.Series, label: str, problems: Problems, convert: Callable
) -> tuple[np.ndarray, np.ndarray]:
    """Cells as identifier text, then ``convert(text) -> (value, problem)``.

    Returns the values to send (None where blank or refused) and the text the
    report shows (the sent value, or the raw text where refused).
    """

    def check(value):
        text, problem = _text(value)
        if problem:
            return None, f"{label} {quote(value)} {problem}"
        if text is None:
            return None, None
        sent, problem = convert(text)
        if problem:
            return (None, text), f"{label} {quote(text)} {problem}"
        return (sent, sent), None

    pairs, row_problems = per_distinct(series, check)
    report(problems, row_problems)
    return pair_column(pairs, 0), pair_column(pairs, 1)


def phone_column(
    series: pd.Series, region: str, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Phones in E.164 (None where blank or invalid) and the raw text, for the report."""

    def convert(text: str) -> tuple[str | None, str | None]:
        problem = written_problem(text)
        if problem:
            return None, problem
        e164 = to_e164(text, region)
        where = "" if text.startswith("+") else f" for region {region}"
        return e164, (None if e164 else f"is not a valid number{where}")

    return _checked_text(series, "phone", problems, convert)


def pair_column(pairs: np.ndarray, index: int) -> np.ndarray:
    """Item ``index`` of each pair (None where the pair is None), as an object array."""
    out = np.empty(len(pairs), dtype=object)
    out[:] = [None if p is None else p[index] for p in pairs]
    return out


def to_e164(text: str, region: str) -> str | None:
    """The number in E.164, or None when phonenumbers finds it invalid.

    Already-E.164 text valid as written takes a fast path (see ``phones``). Digits-only text
    that is not valid for the region is retried with a '+' (spreadsheets drop
    it from international numbers stored as numbers).
    """
    if E164.fullmatch(text):
        return text if is_valid_e164(text) else _valid(text, None)
    found = _valid(text, region)
    if found is None and _DIGITS.fullmatch(text):
        found = _valid("+" + text, None)
    return found


def _valid(text: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_column(series: pd.Series, problems: Problems) -> tuple[np.ndarray, np.ndarray]:
    """Emails that pass a syntax check (None otherwise) and the raw text, for the report."""

    def convert(text: str) -> tuple[str | None, str | None]:
        if len(text) > 254 or not _EMAIL.match(text):
            return None, "is not a valid address"
        return text, None

    return _checked_text(series, "email", problems, convert)


# -- JSON values -------------------------------------------------------------------------------


def json_scalar(value: object, nested_ok: bool = False, timezone: str = "UTC"):
    """A cell as plain JSON: (value or None to omit, problem or None, was_naive_timestamp).

    Timestamps become RFC 3339 text, naive ones taken in ``timezone``.
    """
    if isinstance(value, _NESTED):
        if not nested_ok:
            kind = "mapping" if isinstance(value, dict) else "list"
            return None, f"is a {kind}; Attentive accepts only single values here", False
        converted, naive = _nested(value, timezone)
        return converted, None, naive
    if is_blank(value):
        return None, None, False
    if isinstance(value, (bool, np.bool_)):
        return bool(value), None, False
    if isinstance(value, (int, np.integer)):
        return int(value), None, False
    if isinstance(value, (float, np.floating, Decimal)):
        number = float(value)
        if not math.isfinite(number):
            return None, "is not a finite number", False
        return number, None, False
    if isinstance(value, str):
        return value, None, False
    if isinstance(value, (dt.datetime, np.datetime64)):
        return _timestamp_text(pd.Timestamp(value), timezone)
    if isinstance(value, dt.date):
        return value.isoformat(), None, False
    return None, f"has a value of type {type(value).__name__} that cannot be sent", False


def _timestamp_text(ts: pd.Timestamp, timezone: str):
    """A timestamp found in an object column or a nested value, as ``json_scalar`` returns it."""
    from attentive_nb import timestamps  # imports this module; loaded late to avoid a cycle

    if ts.tzinfo is not None:
        return timestamps.format_timestamp(ts), None, False
    local = timestamps.localize(ts, timezone)
    if local is None:
        return None, timestamps.clock_change(timezone), True
    return timestamps.format_timestamp(local), None, True


def _nested(value: object, timezone: str) -> tuple[dict | list, bool]:
    """Lists and dicts for event properties, blanks dropped, numpy made plain; any naive time."""
    pairs = value.items() if isinstance(value, dict) else enumerate(list(value))
    out, naive = {}, False
    for k, v in pairs:
        converted, _, was_naive = json_scalar(v, nested_ok=True, timezone=timezone)
        naive |= was_naive
        if converted is not None:
            out[str(k)] = converted
    return (out if isinstance(value, dict) else list(out.values())), naive


def json_column(
    series: pd.Series, label: str, problems: Problems, timezone: str, nested_ok: bool = False
) -> tuple[np.ndarray, int]:
    """A property column as plain JSON values (None = omit) and its count of naive timestamps."""
    from attentive_nb import timestamps  # imports this module; loaded late to avoid a cycle

    if timestamps.is_datetime(series):
        return timestamps.timestamp_column(series, label, problems, timezone)

    def check(value):
        converted, problem, naive = json_scalar(value, nested_ok, timezone)
        return (converted, naive), (f"{label} {quote(value)} {problem}" if problem else None)

    pairs, row_problems = per_distinct(series, check)
    report(problems, row_problems)
    return pair_column(pairs, 0), sum(1 for p in pairs if p is not None and p[1])


def forbidden_in(text: str, characters: str) -> list[str]:
    """The forbidden characters found in ``text``, in the order of ``characters``."""
    return [c for c in characters if c in text]
