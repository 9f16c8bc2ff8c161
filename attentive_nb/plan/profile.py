"""The v2 person fields of a bulk record: names, demographic, location, locale, subscriptions.

Columns name them by convention (``first_name``, ``dob``, ``city``, ``zip``,
``locale``, ``sign_up_source_id``…: :data:`attentive_nb.plan.mapping.PERSON_FIELDS`).
Each value is checked once per distinct value, with the reason in words, and
sent as written; where Attentive's document asks for text (a zip code, a
latitude) a number is sent as its text.

``subscriptions[]`` subscribes people. A row with a ``sign_up_source_id``
subscribes on the channels of its ``channel`` column, else on the channel of
each identifier it has (a phone: TEXT, an email: EMAIL), as the v1 subscribe
does; a channel needs its identifier.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from phonenumbers import SUPPORTED_REGIONS

from attentive_nb.plan.cells import quote
from attentive_nb.plan.mapping import PERSON_FIELDS
from attentive_nb.plan.model import Payload
from attentive_nb.plan.prepare import Rows, missing
from attentive_nb.plan.validate import checked_text

Check = Callable[[str], tuple[Any, str | None]]

SOURCE, CHANNEL, SINGLE = (
    "subscriptions.signUpSourceId",
    "subscriptions.channel",
    "subscriptions.singleOptIn",
)
COUNTRY, REGION, ZIP = (
    "attributes.location.country",
    "attributes.location.region",
    "attributes.location.zip",
)
_NAMES = frozenset(f.name for f in PERSON_FIELDS)
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_REGION = re.compile(r"([A-Z]{2})-[A-Z0-9]{1,3}")
_LOCALE = re.compile(r"([a-z]{2})[-_]([A-Z]{2})")
_CHANNELS = {"TEXT": "TEXT", "SMS": "TEXT", "EMAIL": "EMAIL"}
_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_NEEDS = {"TEXT": "phone", "EMAIL": "email"}  # the identifier each channel reaches


# -- one value at a time (the checks see the cell as text, blanks already left out) ----------


def _text(text: str) -> tuple[Any, str | None]:
    return text, None


def _date_of_birth(text: str) -> tuple[Any, str | None]:
    found = _DATE.fullmatch(text)
    if not found:
        return None, "is not a date written YYYY-MM-DD, such as 1990-11-16"
    try:
        dt.date.fromisoformat(found[1])
    except ValueError:
        return None, "is not a real date"
    return found[1], None


def _age(text: str) -> tuple[Any, str | None]:
    if not text.isascii() or not text.isdigit():
        return None, "is not a whole number of years"
    return (int(text), None) if int(text) <= 150 else (None, "is not an age (0 to 150)")


def _website(text: str) -> tuple[Any, str | None]:
    if "." not in text or re.search(r"\s", text):
        return None, "is not a web address"
    return text, None


def _country(text: str) -> tuple[Any, str | None]:
    if text in SUPPORTED_REGIONS:
        return text, None
    hint = f": write {text.upper()}" if text.upper() in SUPPORTED_REGIONS else ""
    return None, f"is not an ISO-3166-1 country code such as US{hint}"


def _region(text: str) -> tuple[Any, str | None]:
    found = _REGION.fullmatch(text)
    if found and found[1] in SUPPORTED_REGIONS:
        return text, None
    return None, "is not an ISO-3166-2 region code such as US-NY or AU-NSW"


def _coordinate(name: str, limit: int) -> Check:
    def check(text: str) -> tuple[Any, str | None]:
        if _DECIMAL.fullmatch(text) and abs(float(text)) <= limit:
            return text, None
        return None, f"is not a {name} (-{limit} to {limit})"

    return check


def _locale(text: str) -> tuple[Any, str | None]:
    found = _LOCALE.fullmatch(text)
    if found and found[2] in SUPPORTED_REGIONS:
        return {"language": found[1], "country": found[2]}, None
    return None, "is not a locale such as en-US"


def _channels(text: str) -> tuple[Any, str | None]:
    words = [w for w in re.split(r"[\s,;/+&]+", text.upper()) if w]
    if not words or any(w not in _CHANNELS for w in words):
        return None, "is not TEXT or EMAIL (or both, as TEXT,EMAIL)"
    return tuple(dict.fromkeys(_CHANNELS[w] for w in words)), None


def _flag(text: str) -> tuple[Any, str | None]:
    found = _FLAGS.get(text.lower())
    return (found, None) if found is not None else (None, "is not true or false")


CHECKS: dict[str, Check] = {
    "attributes.demographic.dateOfBirth": _date_of_birth,
    "attributes.demographic.age": _age,
    "attributes.demographic.website": _website,
    COUNTRY: _country,
    REGION: _region,
    "attributes.location.latitude": _coordinate("latitude", 90),
    "attributes.location.longitude": _coordinate("longitude", 180),
    "attributes.locale": _locale,
    CHANNEL: _channels,
    SINGLE: _flag,
}  # every other person field is text


# -- the fields of every row ----------------------------------------------------------------


@dataclass
class Profile:
    """Every row's person fields, checked: field -> values (None: leave it out)."""

    columns: dict[str, object]  # field -> the input column it came from
    values: dict[str, np.ndarray] = field(default_factory=dict)

    def attributes_reader(self) -> Callable[[int], Payload]:
        """A function of a row giving its ``attributes`` object, custom attributes aside.

        The columns are read once as Python lists: a bulk load asks for every row, and a
        list is indexed several times faster than an object array.
        """
        places = [(groups, last, values.tolist()) for groups, last, values in self._places]

        def attributes(p: int) -> Payload:
            out: Payload = {}
            for groups, last, values in places:
                value = values[p]
                if value is not None:
                    target = out
                    for group in groups:
                        target = target.setdefault(group, {})
                    target[last] = value
            return out

        return attributes

    @property
    def subscribes(self) -> bool:
        """A sign-up source is mapped: rows may carry ``subscriptions[]``."""
        return self.values.get(SOURCE) is not None

    @cached_property
    def _places(self) -> list[tuple[list[str], str, np.ndarray]]:
        """(enclosing objects, name, values) of each ``attributes.*`` field, worked out once."""
        places = []
        for name, values in self.values.items():
            if name.startswith("attributes."):
                *groups, last = name.split(".")[1:]
                places.append((groups, last, values))
        return places

    def subscriptions(self, p: int, rows: Rows) -> list[Payload]:
        """Row ``p``'s ``subscriptions[]``: one per channel, when it has a sign-up source."""
        source = self.value(SOURCE, p)
        if source is None:
            return []
        single = self.value(SINGLE, p)
        extra = {} if single is None else {"singleOptIn": single}
        return [{"signUpSourceId": source, "channel": c, **extra} for c in self.channels(p, rows)]

    def value(self, name: str, p: int) -> Any:
        values = self.values.get(name)
        return None if values is None else values[p]

    def channels(self, p: int, rows: Rows) -> tuple[str, ...]:
        """The channels row ``p`` subscribes on: its ``channel`` column, else its identifiers."""
        chosen = self.value(CHANNEL, p)
        if chosen is not None:
            return tuple(chosen)
        return tuple(c for c, name in _NEEDS.items() if _has(rows, name, p))

    def given(self) -> np.ndarray:
        """Rows with at least one person field or subscription to send."""
        found = np.zeros(len(next(iter(self.values.values()))), dtype=bool)
        for values in self.values.values():
            found |= ~missing(values)
        return found

    def subscribing(self, valid: np.ndarray) -> int:
        """How many of the ``valid`` rows also subscribe people."""
        source = self.values.get(SOURCE)
        return 0 if source is None else int((valid & ~missing(source)).sum())


def read_profile(rows: Rows) -> Profile:
    """Check every person-field column of ``rows``; problems and notes go to ``rows``."""
    columns = {name: col for name, col in rows.cmap.fields.items() if name in _NAMES}
    profile = Profile(columns)
    for name, col in columns.items():
        check = CHECKS.get(name, _text)
        profile.values[name] = checked_text(rows.frame[col], str(col), rows.problems, check)[0]
    if ZIP in columns and pd.api.types.is_numeric_dtype(rows.frame[columns[ZIP]]):
        rows.notes.append(
            f"column {columns[ZIP]!r} holds numbers, so a zip code like 02138 has lost its "
            "leading 0; read the file with dtype=str to send zip codes as written."
        )
    _region_in_country(rows, profile)
    _subscriptions_complete(rows, profile)
    return profile


def _region_in_country(rows: Rows, profile: Profile) -> None:
    if REGION not in profile.values or COUNTRY not in profile.values:
        return
    region, country = profile.values[REGION], profile.values[COUNTRY]
    for p in map(int, np.flatnonzero(~missing(region) & ~missing(country))):
        if region[p][:2] != country[p]:
            rows.problems.add(
                p,
                f"{profile.columns[REGION]} {quote(region[p])} is not in "
                f"{profile.columns[COUNTRY]} {quote(country[p])}",
            )


def _subscriptions_complete(rows: Rows, profile: Profile) -> None:
    """A channel or opt-in needs a sign-up source; a subscription needs its identifier."""
    source = profile.values.get(SOURCE)
    no_source = missing(source) if source is not None else np.ones(rows.n, dtype=bool)
    source_name = str(profile.columns.get(SOURCE, "sign_up_source_id"))
    for name in (CHANNEL, SINGLE):
        if name not in profile.values:
            continue
        col = profile.columns[name]
        for p in map(int, np.flatnonzero(no_source & ~missing(profile.values[name]))):
            raw = quote(rows.frame[col].iloc[p])
            rows.problems.add(p, f"{col} {raw} needs a {source_name} to subscribe")
    for p in map(int, np.flatnonzero(~no_source)):
        channels = profile.channels(p, rows)
        if not channels:
            rows.problems.add(p, f"{source_name}: no phone or email to subscribe")
        for channel in channels:
            needed = _NEEDS[channel]
            if not _has(rows, needed, p):
                article = "an" if needed == "email" else "a"
                rows.problems.add(p, f"channel {channel} needs {article} {needed} to subscribe")


def _has(rows: Rows, identifier: str, p: int) -> bool:
    """Row ``p`` has this identifier as written (a malformed one is refused on its own)."""
    shown = rows.shown.get(identifier)
    return shown is not None and shown[p] is not None
