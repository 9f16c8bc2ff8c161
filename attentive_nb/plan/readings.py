"""How each input column was read, and which unread columns look like phone numbers or emails.

A dry run shows the readings (column, what it was read as, the type its
values are sent as, an example), so a column read as text where a number was
meant, or not read at all, is seen before anything is sent. A column that no
field reads but whose values (or name) look like phone numbers or email
addresses is a *look-alike*: most likely the person's phone or email under a
name the mapping does not know (``mobile_no``). A real send stops on it and
asks (see :mod:`attentive_nb.send.runner`), because sending without it would
quietly drop a channel.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attentive_nb.plan import mapping, validate
from attentive_nb.plan.cells import is_blank
from attentive_nb.plan.phones import written_problem

#: How many non-blank values of a column are looked at to tell what they look like.
SAMPLE = 50
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
_NAME_WORDS = {
    "phone": ("phone", "mobile", "cell", "sms", "tel", "telephone", "msisdn"),
    "email": ("email", "mail"),
}
_ID_TYPES = {"phone": "phone number", "email": "email address"}
#: What a look-alike column looks like, in words.
LOOKS_LIKE = {"phone": "phone numbers", "email": "email addresses"}
_PROPERTY_WORDS = {"events": "event property"}


@dataclass(frozen=True)
class ColumnReading:
    """One input column: what it was read as, the type sent, an example, what it looks like.

    ``example`` is the first non-blank value as it would be sent (a phone in
    E.164), or as written when the column is not sent. ``mask`` says how a
    report masks it (``"phone"``, ``"email"``, ``"id"``; None: shown as is).
    ``looks_like`` is ``"phone"`` or ``"email"`` for a look-alike, else None.
    """

    column: Hashable
    read_as: str
    type: str
    example: object
    mask: str | None = None
    looks_like: str | None = None

    def __repr__(self) -> str:  # the example may be a phone or an email: keep it out
        return f"ColumnReading({self.column!r}: {self.read_as}, {self.type})"


def read_columns(
    frame: dict[Hashable, pd.Series],
    cmap: mapping.ColumnMap,
    shown: dict[str, np.ndarray],
    props: list[tuple[str, np.ndarray]],
    endpoint: str,
    region: str,
) -> list[ColumnReading]:
    """A reading of every column of ``frame``, in its order."""
    fields = {col: name for name, col in cmap.fields.items()}
    sent_props = {str(col): values for col, values in props}
    out = []
    for col, series in frame.items():
        if col in fields:
            out.append(_field_reading(col, fields[col], series, shown))
        elif col in cmap.properties:
            words = _PROPERTY_WORDS.get(endpoint, "attribute")
            values = sent_props.get(str(col), np.array([], dtype=object))
            out.append(_unread(col, f"{words} {col}", _first(values), series, region))
        else:
            left_out = col in cmap.dropped
            read_as = "left out (columns=)" if left_out else "not used"
            reading = _unread(col, read_as, _first_raw(series), series, region)
            out.append(_without_question(reading) if left_out else reading)
    return out


def _field_reading(
    col: Hashable, name: str, series: pd.Series, shown: dict[str, np.ndarray]
) -> ColumnReading:
    if name in shown:
        kind = _ID_TYPES.get(name, "id")
        return ColumnReading(col, name, kind, _first(shown[name]), _mask_of(name))
    if name in mapping.IDENTIFIERS or name.startswith(mapping.CUSTOM_PREFIX):
        return ColumnReading(col, f"not used ({name})", "id", _first_raw(series), "id")
    example = _first_raw(series)
    kind = "date and time" if name == "occurredAt" else _type_of(example)
    return ColumnReading(col, name, kind, example)


def _unread(
    col: Hashable, read_as: str, example: object, series: pd.Series, region: str
) -> ColumnReading:
    """A column no identifier field reads: sent as a property, or not at all."""
    looks = looks_like(col, series, region)
    return ColumnReading(col, read_as, _type_of(example), example, looks and _mask_of(looks), looks)


def _without_question(reading: ColumnReading) -> ColumnReading:
    """A column left out with ``columns={col: None}``: a decision, so no question (still masked)."""
    return dataclasses.replace(reading, looks_like=None)


def _mask_of(field: str) -> str:
    return field if field in ("phone", "email") else "id"


def looks_like(col: Hashable, series: pd.Series, region: str) -> str | None:
    """``"phone"`` or ``"email"`` when the column's values, or its name, say it holds them.

    Values: at least half of the first :data:`SAMPLE` non-blank values are
    valid phone numbers (for ``region``) or email addresses. Name: it has a
    word like ``phone``, ``mobile`` or ``email`` and one such value at least.
    """
    texts = [t for t in map(_text, _sample(series)) if t]
    if not texts:
        return None
    for kind, test in (("phone", lambda t: _is_phone(t, region)), ("email", validate.is_email)):
        hits = sum(1 for t in texts if test(t))
        if hits * 2 >= len(texts) or (hits and _name_says(col, kind)):
            return kind
    return None


def _sample(series: pd.Series) -> list[object]:
    """The first :data:`SAMPLE` non-blank values."""
    head = series.dropna().head(SAMPLE * 4).tolist()
    return [v for v in head if not is_blank(v)][:SAMPLE]


def _text(value: object) -> str | None:
    text, problem = validate.id_text(value)
    return None if problem else text


def _is_phone(text: str, region: str) -> bool:
    return written_problem(text) is None and validate.to_e164(text, region) is not None


def _name_says(col: Hashable, kind: str) -> bool:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(col)).lower()
    words = re.split(r"[^a-z0-9]+", spaced)
    return any(w.startswith(stem) for w in words for stem in _NAME_WORDS[kind])


def _first(values: np.ndarray) -> object:
    """The first value that is not None (values to send: blanks are None already)."""
    return next((v for v in values if v is not None), None)


def _first_raw(series: pd.Series) -> object:
    """The first non-blank input value, as plain JSON where it converts."""
    found = _sample(series)[:1]
    if not found:
        return None
    converted, problem, _ = validate.json_scalar(found[0])
    return found[0] if problem else converted


def _type_of(example: object) -> str:
    """The type of a value as Attentive would take it, in words."""
    if example is None:
        return "blank"
    if isinstance(example, bool):
        return "true/false"
    if isinstance(example, (int, float)):
        return "number"
    if isinstance(example, (list, dict)):
        return "list or mapping"
    if isinstance(example, str) and _ISO_DATE.match(example):
        return "date (as text)"
    return "text"
