"""Value rules: blanks, identifiers, phones, emails, JSON scalars; reasons per row.

Every check works on a whole column and looks at each *distinct* value once
(``pandas.factorize``), so a million rows with a few thousand distinct values
cost a few thousand checks. Results are numpy object arrays aligned with the
input rows, holding the value to send or ``None`` for "omit this key".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers

from attentive_nb.controls import code_points, hidden_characters
from attentive_nb.plan import emails, numbers, phone_pool, timestamps
from attentive_nb.plan.cells import Problems, is_blank, pair_column, per_distinct, quote, report
from attentive_nb.plan.phones import E164, is_valid_e164, valid_e164_many, written_problem
from attentive_nb.plan.phones_whole import valid_e164_column

_DIGITS = re.compile(r"[0-9]{8,15}")
# \Z, not $: '$' also matches before a final newline, which would let one be sent.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z"
)
# The same pattern for RE2 (Arrow): "\\z" is its end of text; the rest means the same there.
_EMAIL_RE2 = _EMAIL.pattern.replace(r"\Z", r"\z")
# Identifiers with nothing to strip: printable ASCII, not a space, at both ends (Python's
# strip() removes only whitespace, and no character from '!' to '~' is whitespace).
_ID_RE2 = r"(?s)\A[!-~](?:.*[!-~])?\z"
_ARROW_FROM = 1000  # fewer values than this: Python's regex is as quick
_NESTED = (list, tuple, set, frozenset, dict, np.ndarray, pd.Series)
# What ``json_scalar`` gives for a cell: (the JSON value, None to omit; the problem, None if
# fine; whether it was a naive timestamp). The value is arbitrary JSON, nested or not.
Converted = tuple[Any, str | None, bool]
# A set's order changes from one process to the next: its request (and ledger key) would too.
_UNORDERED = "is a set, which has no order: make it a list (sorted(...))"
_BLANK_ITEM = "is blank (None or NaN): a list is sent whole, so fill the item or take it out"


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
        return numbers.id_number_text(value)
    text = str(value).strip()
    return (text or None), None


def _text(value: object) -> tuple[str | None, str | None]:
    """``id_text``, with a fast path for the common case of a str."""
    return ((value.strip() or None), None) if type(value) is str else id_text(value)


def identifier_column(series: pd.Series, label: str, problems: Problems) -> np.ndarray:
    """Identifier values as stripped text (None where blank); problems named by ``label``."""

    def as_written(values: list[Any]) -> list[bool]:
        # Text with nothing to strip is sent as it is: a million ids need no call each.
        return [type(v) is str and v != "" and v.strip() == v for v in values]

    return checked_text(
        series, label, problems, lambda text: (text, None), as_written, _re2(_ID_RE2)
    )[0]


def checked_text(
    series: pd.Series,
    label: str,
    problems: Problems,
    convert: Callable[[str], tuple[str | None, str | None]],
    sent_as_written: Callable[[list[Any]], list[bool]] | None = None,
    whole: Callable[[Any], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cells as identifier text, then ``convert(text) -> (value, problem)``.

    ``sent_as_written(values)``, when given, picks out at once the many values
    that need no converting (a phone already in E.164, a well-formed email):
    ``convert`` sees only the others. ``whole(column)``, when given, is the
    same test over an Arrow text column (a numpy bool per row; True only
    where ``sent_as_written`` is): with pyarrow, a text column is tested whole first
    (no distinct values to find), and only the rows it leaves go the way above.

    Returns the values to send (None where blank or refused) and the text the
    report shows (the sent value, or the raw text where refused).
    """

    def check(value: object) -> tuple[str | None, str | None]:
        text, problem = _text(value)
        if problem:
            return None, f"{label} {quote(value)} {problem}"
        if text is None:
            return None, None
        sent, problem = convert(text)
        return (None, f"{label} {quote(text)} {problem}") if problem else (sent, None)

    def fast(values: list[Any]) -> list[Any]:
        assert sent_as_written is not None
        return [v if ok else None for v, ok in zip(values, sent_as_written(values))]

    settled = _matched_whole(series, whole) if whole else None
    if settled is None:
        sent, row_problems = per_distinct(series, check, fast if sent_as_written else None)
    else:  # the rows the pattern matched are sent as written; the rest are checked as above
        sent, matched = settled
        row_problems = np.full(len(series), None, dtype=object)
        rest = np.flatnonzero(~matched)
        if len(rest):
            sent[rest], row_problems[rest] = per_distinct(
                series.iloc[rest], check, fast if sent_as_written else None
            )
    report(problems, row_problems)
    # The report shows what was sent, and the text as written where it was refused.
    shown = sent.copy()
    refused = np.flatnonzero(row_problems != None)  # noqa: E711  (elementwise comparison)
    shown[refused] = [_text(v)[0] for v in series.iloc[refused].tolist()]
    return sent, shown


def _matched_whole(
    series: pd.Series, whole: Callable[[Any], np.ndarray]
) -> tuple[np.ndarray, np.ndarray] | None:
    """The column's text where ``whole`` (over the column in Arrow) is True, None
    elsewhere, and where it is.

    Passes of Arrow's RE2 over a column of text, so a million distinct values
    cost no factorize. None (the caller checks value by value) without pyarrow,
    for a column that is not all text, or for text Arrow cannot hold.
    """
    if not _is_text_column(series):
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pyarrow is optional
        return None
    try:  # Arrow-backed text is taken as it is; other text is copied into Arrow
        cells = series.array if isinstance(series.dtype, pd.StringDtype) else series.to_numpy()
        column = pa.array(cells, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, UnicodeEncodeError):  # a lone surrogate
        return None
    matched = whole(column)
    sent = pc.if_else(pa.array(matched), column, pa.scalar(None, pa.string()))
    return sent.to_numpy(zero_copy_only=False), matched


def _re2(pattern: str, longest: int | None = None) -> Callable[[Any], np.ndarray]:
    """``whole`` for :func:`checked_text`: text that ``pattern`` matches (RE2), and at
    most ``longest`` characters long (RE2 cannot count and match at once)."""

    def matches(column: Any) -> np.ndarray:
        import pyarrow.compute as pc

        matched = pc.match_substring_regex(column, pattern)
        if longest is not None:
            matched = pc.and_(matched, pc.less_equal(pc.utf8_length(column), longest))
        bools: np.ndarray = pc.fill_null(matched, False).to_numpy(zero_copy_only=False)
        return bools

    return matches


def _is_text_column(series: pd.Series) -> bool:
    """Text (or missing) in every cell: a string dtype, or objects that are all ``str``."""
    if isinstance(series.dtype, pd.StringDtype):
        return True
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "string"


def phone_column(
    series: pd.Series, region: str, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Phones in E.164 (None where blank or invalid) and the raw text, for the report.

    While a stream plans a chunk (:func:`phone_pool.current`), the distinct numbers
    the fast check leaves are parsed in one go by its worker process, when there are
    enough of them; whatever it does not give is parsed here, the same way.
    """
    parsed: dict[str, PhoneResult] = {}

    def as_written(values: list[Any]) -> list[bool]:
        written = valid_e164_many(values)
        pool = phone_pool.current()
        if pool is not None:  # the values left are the ones ``convert`` will see
            left = (_text(v) for v, ok in zip(values, written) if not ok)
            texts = list(dict.fromkeys(t for t, problem in left if t and not problem))
            parsed.update(pool.parsed(phone_results, texts, region))
        return written

    def convert(text: str) -> PhoneResult:
        found = parsed.get(text)
        return found if found is not None else phone_result(text, region)

    return checked_text(series, "phone", problems, convert, as_written, valid_e164_column)


PhoneResult = phone_pool.Result


def phone_result(text: str, region: str) -> PhoneResult:
    """A phone cell's text (stripped, not blank) as sent, or why it cannot be."""
    problem = written_problem(text)
    if problem:
        return None, problem
    e164 = to_e164(text, region)
    where = "" if text.startswith("+") else f" for region {region}"
    return e164, (None if e164 else f"is not a valid number{where}")


def phone_results(texts: list[str], region: str) -> list[PhoneResult]:
    """:func:`phone_result` of each text: what a stream's worker process runs."""
    return [phone_result(text, region) for text in texts]


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
        return (text, None) if is_email(text) else (None, emails.problem(text))

    return checked_text(
        series, "email", problems, convert, emails_as_written, _re2(_EMAIL_RE2, 254)
    )


def emails_as_written(values: list[Any]) -> list[bool]:
    """Which values are emails sent as they are: Arrow's regex over the column when it can."""
    if len(values) >= _ARROW_FROM and all(type(v) is str for v in values):
        found = _arrow_emails(values)
        if found is not None:
            return found
    return emails_one_by_one(values)


def emails_one_by_one(values: list[Any]) -> list[bool]:
    """:func:`emails_as_written` with Python's regex, value after value."""
    match = _EMAIL.match  # a million calls: keep the lookup out of the loop
    return [type(v) is str and len(v) <= 254 and match(v) is not None for v in values]


def _arrow_emails(values: list[str]) -> list[bool] | None:
    """The same check in one pass of Arrow's RE2 (None: no pyarrow, or text it cannot hold)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pyarrow is optional
        return None
    try:
        column = pa.array(values, type=pa.string())
    except (pa.ArrowException, UnicodeEncodeError):  # a lone surrogate, say
        return None
    fits = pc.less_equal(pc.utf8_length(column), 254)
    found: list[bool] = pc.and_(pc.match_substring_regex(column, _EMAIL_RE2), fits).to_pylist()
    return found


def is_email(text: str) -> bool:
    """True when ``text`` passes the email syntax check (at most 254 characters)."""
    return len(text) <= 254 and _EMAIL.match(text) is not None


# -- JSON values -------------------------------------------------------------------------------


def json_scalar(value: object, nested_ok: bool = False, timezone: str = "UTC") -> Converted:
    """A cell as plain JSON: (value or None to omit, problem or None, was_naive_timestamp).

    Timestamps become RFC 3339 text, naive ones taken in ``timezone``. Nested
    values (``nested_ok``) follow the same rules at every depth.
    """
    if isinstance(value, _NESTED):
        if not nested_ok:
            kind = "mapping" if isinstance(value, dict) else "list"
            return None, f"is a {kind}; Attentive accepts only single values here", False
        if isinstance(value, (set, frozenset)):  # its order changes from one process to the next
            return None, _UNORDERED, False
        return _nested(value, timezone)
    if is_blank(value):
        return None, None, False
    if isinstance(value, (bool, np.bool_)):
        return bool(value), None, False
    if isinstance(value, (int, np.integer)):
        return int(value), None, False
    if isinstance(value, (float, np.floating, Decimal)):
        number, problem = numbers.json_number(value)
        return number, problem, False
    if isinstance(value, str):
        return value, None, False
    if isinstance(value, (dt.datetime, np.datetime64)):
        return _timestamp_text(pd.Timestamp(value), timezone)
    if isinstance(value, dt.date):
        return value.isoformat(), None, False
    return None, f"has a value of type {type(value).__name__} that cannot be sent", False


def _timestamp_text(ts: pd.Timestamp, timezone: str) -> Converted:
    """A timestamp found in an object column or a nested value, as ``json_scalar`` returns it."""
    if ts.tzinfo is not None:
        return timestamps.format_timestamp(ts), None, False
    local = timestamps.localize(ts, timezone)
    if local is None:
        return None, timestamps.clock_change(ts, timezone), True
    return timestamps.format_timestamp(local), None, True


def _nested(value: Iterable[Any], timezone: str, path: str = "") -> Converted:
    """A list or dict for event properties, as ``json_scalar`` returns it.

    A blank value of a mapping is left out, as a blank cell's key is; a blank
    item of a list is refused, since the list sent without it would be another
    list. The first problem found at any depth spoils the whole value, as at the
    top level, and says where it is (``at ['a'][0]``). Mapping keys follow the
    rule for property names.
    """
    mapping = isinstance(value, dict)
    out: dict[str, Any] = {}
    naive = False
    for k, v in value.items() if isinstance(value, dict) else enumerate(list(value)):
        key = str(k)
        here = f"{path}[{key!r}]" if mapping else f"{path}[{k}]"
        problem = _key_problem(key, out, path) if mapping else None
        inner: str | None
        if isinstance(v, (set, frozenset)):
            converted, inner, was_naive = None, f"at {here} {_UNORDERED}", False
        elif isinstance(v, _NESTED):
            converted, inner, was_naive = _nested(v, timezone, here)
        elif not mapping and is_blank(v):  # dropping it would move the items after it
            converted, inner, was_naive = None, f"at {here} {_BLANK_ITEM}", False
        else:
            converted, inner, was_naive = json_scalar(v, timezone=timezone)
            inner = inner and f"at {here} {inner}"
        problem = problem or inner
        if problem:
            return None, problem, False
        naive |= was_naive
        if converted is not None:
            out[key] = converted
    return (out if mapping else list(out.values())), None, naive


def _key_problem(key: str, seen: dict[str, Any], path: str) -> str | None:
    """Why a nested key cannot be sent: a character Attentive forbids, or a repeat."""
    where = f" at {path}" if path else ""
    forbidden = key_problem(key)
    if forbidden:
        return f"has the key {quote(key)}{where} that {forbidden}"
    if key in seen:  # {1: …, "1": …}: one would silently replace the other
        return f"has two keys that both read {quote(key)}{where}"
    return None


#: Characters Attentive forbids in event property names ("Keys must not contain …").
EVENT_KEY_FORBIDDEN = '"{}[]\\|'


def key_problem(name: str) -> str | None:
    """Why ``name`` cannot be an event property name, in words (None if it can)."""
    if name == "":  # Attentive's rule needs at least one character
        return "is empty, and a property needs a name"
    found = forbidden_in(name, EVENT_KEY_FORBIDDEN)
    if found:
        return f"contains {' '.join(found)}, which Attentive forbids"
    return hidden_problem(name)


def hidden_problem(name: str) -> str | None:
    """Why a name (an event type, a property or attribute name) has a character nobody sees.

    Attentive keeps a name as written, so ``"tier\u200b"`` would be another attribute
    that looks like ``tier``, and an escape would act on whoever prints it.
    """
    hidden = hidden_characters(name)
    return f"has a control character, {code_points(hidden)}" if hidden else None


def json_column(
    series: pd.Series, label: str, problems: Problems, timezone: str, nested_ok: bool = False
) -> tuple[np.ndarray, int]:
    """A property column as plain JSON values (None = omit) and its count of naive timestamps."""
    if timestamps.is_datetime(series):
        return timestamps.timestamp_column(series, label, problems, timezone)
    numbers = _plain_numbers(series)
    if numbers is not None:
        return numbers, 0

    def check(value: object) -> tuple[tuple[Any, bool | None], str | None]:
        converted, problem, naive = json_scalar(value, nested_ok, timezone)
        # (value, naive): naive None for a value that is not a time (text is never one here)
        zone = True if naive else (False if _is_aware_time(value) else None)
        return (converted, zone), (f"{label} {quote(value)} {problem}" if problem else None)

    pairs, row_problems = per_distinct(series, check)
    timestamps.refuse_naive_among_aware(series, label, pairs, row_problems)
    report(problems, row_problems)
    return pair_column(pairs, 0), sum(1 for p in pairs if p is not None and p[1])


def _is_aware_time(value: object) -> bool:
    return isinstance(value, dt.datetime) and value.tzinfo is not None


def _plain_numbers(series: pd.Series) -> np.ndarray | None:
    """A numeric column's values as plain JSON at once (None where blank), as ``json_scalar``
    would give them one by one; None when a value needs a closer look (a missing int, inf)."""
    kind = series.dtype.kind
    if kind in "biu" and not series.isna().any():
        out = np.empty(len(series), dtype=object)
        out[:] = series.tolist()  # Python ints and bools
        return out
    if kind == "f":
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        if (np.abs(values) >= numbers.EXACT_LIMIT).any():  # inf, or rounded by pandas
            return None
        out = np.empty(len(values), dtype=object)
        out[:] = values.tolist()
        out[np.isnan(values)] = None
        return out
    return None


def forbidden_in(text: str, characters: str) -> list[str]:
    """The forbidden characters found in ``text``, in the order of ``characters``."""
    return [c for c in characters if c in text]
