"""Timestamps as RFC 3339 with an offset, as Attentive requires.

Format: seconds precision, milliseconds added only when the value has a
fraction of a second, ``Z`` for UTC and ``+hh:mm`` otherwise (the offset the
value carries is kept). Naive values are taken in the ``timezone=`` the caller
passes (default UTC) and counted, so the plan can say so once. A naive time
that zone's clocks skip (spring forward) or show twice (fall back) is refused,
each with its own reason naming the day, the change and the offsets. A column
holding both naive and aware times has its naive rows refused: such a column
is most often two sources joined, and placing the naive ones in ``timezone=``
would move those events by hours without a word.

Epoch numbers are taken only where their unit cannot be mistaken: seconds in
[1e9, 1e10) (2001..2286) and milliseconds in [1e12, 1e13) (2001..2286). The
two ranges are a thousandfold apart, so no realistic value fits both; every
other number (5, 1e11, negative, 2e13) is refused with the ranges in the
reason rather than guessed. Booleans are never numbers. Epochs are UTC.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from attentive_nb.plan import cells

_LOOKS_LIKE_TIME = re.compile(r"^\s*\d")
_EXAMPLE = "e.g. 2024-05-01T12:00:00Z"


def format_timestamp(ts: pd.Timestamp) -> str:
    """An aware Timestamp as RFC 3339: ``2024-05-01T12:00:00Z`` or ``…+02:00``."""
    text = ts.isoformat(timespec="milliseconds" if ts.microsecond or ts.nanosecond else "seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def is_datetime(series: pd.Series) -> bool:
    """True for datetime64 columns, with or without a time zone."""
    return series.dtype.kind == "M"


def localize(ts: pd.Timestamp, timezone: str) -> pd.Timestamp | None:
    """A naive Timestamp placed in ``timezone``; None when a clock change skips or repeats it."""
    try:
        local: pd.Timestamp = ts.tz_localize(timezone)
    except (ValueError, OverflowError):  # pytz/zoneinfo ambiguous or non-existent times
        return None
    return local


def timestamp_column(
    series: pd.Series, label: str, problems: cells.Problems, timezone: str
) -> tuple[np.ndarray, int]:
    """A datetime64 column as RFC 3339 text (None where blank) and its count of naive values."""
    n_naive = 0
    if series.dt.tz is None:
        n_naive = int(series.notna().sum())
        local = series.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        lost = np.flatnonzero((local.isna() & series.notna()).to_numpy())
        reasons: dict[pd.Timestamp, str] = {}  # one reason per distinct lost time
        for pos in lost:
            ts = series.iloc[pos]
            if ts not in reasons:
                reasons[ts] = f"{label} {cells.quote(ts)} {clock_change(ts, timezone)}"
            problems.add(int(pos), reasons[ts])
        series = local
    values, _ = cells.per_distinct(series, lambda ts: (format_timestamp(ts), None))
    return values, n_naive


def clock_change(ts: pd.Timestamp, timezone: str) -> str:
    """Why the naive ``ts`` cannot be placed in ``timezone``: the clocks skipped it or repeat it.

    Both reasons say when the clocks changed and the offsets either side, so
    the analyst can write the value with the offset they mean.
    """
    try:
        first = ts.tz_localize(timezone, ambiguous=True)  # the earlier of two (summer time)
        second = ts.tz_localize(timezone, ambiguous=False)
    except ValueError:  # skipped: the clocks went forward over it
        after = ts.tz_localize(timezone, nonexistent="shift_forward")  # the first time after
        before = ts.tz_localize(timezone, nonexistent="shift_backward")
        jumped_from = after.tz_localize(None) - (after.utcoffset() - before.utcoffset())
        return (
            f"does not exist in {timezone}: on {after:%Y-%m-%d} the clocks went forward from "
            f"{jumped_from:%H:%M} to {after:%H:%M} ({_offset(before)} to {_offset(after)}); "
            "give it with an offset"
        )
    change = _change_between(first, second, timezone)
    went_back_from = change.tz_localize(None) + (first.utcoffset() - second.utcoffset())
    return (
        f"happens twice in {timezone}: on {change:%Y-%m-%d} the clocks went back from "
        f"{went_back_from:%H:%M} to {change:%H:%M}, so it was once at {_offset(first)} and "
        f"once at {_offset(second)}; give it with one of these offsets"
    )


def _change_between(first: pd.Timestamp, second: pd.Timestamp, timezone: str) -> pd.Timestamp:
    """The instant the clocks went back, between the two readings of one repeated local time.

    pandas does not expose a zone's transitions, so halve the interval (an hour
    or so) down to a second; clock changes fall on whole seconds.
    """
    late = second.utcoffset()
    lo, hi = first.tz_convert("UTC"), second.tz_convert("UTC")
    while hi - lo > pd.Timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.tz_convert(timezone).utcoffset() == late:
            hi = mid
        else:
            lo = mid
    change: pd.Timestamp = hi.floor("s").tz_convert(timezone)
    return change


def _offset(ts: pd.Timestamp) -> str:
    return ts.isoformat()[-6:]


def occurred_at_column(
    series: pd.Series, label: str, problems: cells.Problems, timezone: str
) -> tuple[np.ndarray, int]:
    """Event times from any column (datetimes or text) as RFC 3339, and the naive count."""
    if is_datetime(series):
        return timestamp_column(series, label, problems, timezone)

    def check(value: object) -> tuple[tuple[str, bool] | None, str | None]:
        if cells.is_blank(value):
            return None, None
        if _is_number(value):
            return _epoch(label, value)
        ts = _parse(value)
        if ts is None:
            return None, f"{label} {cells.quote(value)} is not a date and time ({_EXAMPLE})"
        if ts.tzinfo is not None:
            return (format_timestamp(ts), False), None
        local = localize(ts, timezone)
        if local is None:
            return None, f"{label} {cells.quote(value)} {clock_change(ts, timezone)}"
        return (format_timestamp(local), True), None

    pairs, row_problems = cells.per_distinct(series, check)
    refuse_naive_among_aware(series, label, pairs, row_problems)
    cells.report(problems, row_problems)
    return cells.pair_column(pairs, 0), sum(1 for p in pairs if p is not None and p[1])


def refuse_naive_among_aware(
    series: pd.Series, label: str, pairs: np.ndarray, row_problems: np.ndarray
) -> None:
    """Naive times in a column that also has aware ones: refused, never placed in a zone.

    ``pairs`` holds (value, naive) per row: naive True for a time without a
    zone, False for one with a zone (or an epoch, UTC), None for a value that
    is not a time. A column mixing both is usually two sources joined; taking
    the naive rows in ``timezone=`` would move those events by hours without a
    word. The refused rows get a reason and no value; nothing else changes.
    """
    kinds = [None if p is None else p[1] for p in pairs]
    if False not in kinds or True not in kinds:
        return
    reason = (
        f"has no time zone while other rows of {label} have one (two sources joined?); "
        "give it with an offset: its zone is not guessed"
    )
    for pos, kind in enumerate(kinds):
        if kind is True and row_problems[pos] is None:
            pairs[pos] = None
            row_problems[pos] = f"{label} {cells.quote(series.iloc[pos])} {reason}"


_SECONDS = (1e9, 1e10)
_MILLISECONDS = (1e12, 1e13)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def _epoch(label: str, value: object) -> tuple[tuple[str, bool] | None, str | None]:
    """Seconds or milliseconds since 1970 in UTC, only in the ranges that cannot be confused."""
    number = float(value)  # type: ignore[arg-type]  # a number, checked by _is_number
    for (low, high), unit in ((_SECONDS, "s"), (_MILLISECONDS, "ms")):
        if low <= number < high:
            # whole numbers as int so large milliseconds are not rounded through a float
            exact: int | float = int(number) if number.is_integer() else number
            ts = pd.Timestamp(exact, unit=unit, tz="UTC")
            return (format_timestamp(ts), False), None
    return None, (
        f"{label} {cells.quote(value)} is a number but not seconds (1e9..1e10) or "
        f"milliseconds (1e12..1e13) since 1970; give a date and time ({_EXAMPLE})"
    )


def _parse(value: object) -> pd.Timestamp | None:
    """A Timestamp from a datetime or date-like text; None for anything else (numbers too)."""
    if isinstance(value, str):
        if not _LOOKS_LIKE_TIME.match(value):
            return None  # pandas would read "now" or "today" as the current time
    elif isinstance(value, (bool, int, float, np.number)):
        return None  # booleans are not times; epoch numbers are read by _epoch
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]  # any object: refused below if odd
    except (ValueError, TypeError, OverflowError):
        return None
    return None if ts is pd.NaT else ts


def naive_note(count: int, timezone: str) -> str:
    """The one remark a plan makes about naive timestamps."""
    noun = (
        "timestamp without a time zone was" if count == 1 else "timestamps without a time zone were"
    )
    return f"{count} {noun} taken as {timezone}."
