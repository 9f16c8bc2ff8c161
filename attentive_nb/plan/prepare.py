"""One call's rows, normalised: identifiers, properties, reasons, notes.

``prepare`` runs every column check once over the whole frame and keeps the
results as numpy object arrays aligned with the rows (``None`` = omit), so
payloads can be built later, a chunk at a time, without touching pandas.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.errors import ConfigError
from attentive_nb.plan import cells, mapping, timestamps, validate
from attentive_nb.plan.readings import ColumnReading, read_columns

ATTRIBUTE_NAME_LIMIT = 200


@dataclass
class Rows:
    """Normalised columns of one call, aligned with the input rows."""

    endpoint: str
    n: int
    cmap: mapping.ColumnMap
    problems: cells.Problems = field(default_factory=cells.Problems)
    # Rows with nothing to send (no error): position -> why; they are ``skipped``, never sent.
    skips: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    ids: dict[str, np.ndarray] = field(default_factory=dict)  # usable identifiers, sendable
    shown: dict[str, np.ndarray] = field(default_factory=dict)  # identifiers for the report
    custom: dict[str, np.ndarray] = field(default_factory=dict)  # custom id name -> values
    unusable: dict[str, np.ndarray] = field(default_factory=dict)  # ids this endpoint cannot send
    props: list[tuple[str, np.ndarray]] = field(default_factory=list)
    naive: int = 0  # timestamps without a time zone, taken in ``timezone``
    timezone: str = "UTC"
    frame: dict[object, pd.Series] = field(default_factory=dict)  # input columns, 0..n-1 index
    stamps: np.ndarray | None = None  # occurredAt as sent (events), None where absent
    now: pd.Timestamp | None = None  # when the plan is made: what "12 hours old" counts from
    events: np.ndarray | None = None  # the event each row belongs to (ecommerce: its order)
    readings: list[ColumnReading] = field(default_factory=list)  # how each column was read

    def __repr__(self) -> str:  # the arrays hold phones and emails: keep them out of reprs
        return f"Rows(endpoint={self.endpoint!r}, n={self.n}, invalid={len(self.problems.by_row)})"

    def all_notes(self) -> list[str]:
        """The notes, with the one remark about naive timestamps when there were any."""
        extra = [timestamps.naive_note(self.naive, self.timezone)] if self.naive else []
        return self.notes + extra

    def user_ids(self, p: int) -> dict[str, str]:
        """The standard identifiers of row ``p`` that are present (field -> value)."""
        return {k: value for k, v in self.ids.items() if (value := v[p]) is not None}

    def custom_ids(self, p: int, key: str = "name") -> list[dict[str, str]]:
        """Row ``p``'s custom identifiers as [{name|key, value}]."""
        return [{key: k, "value": v[p]} for k, v in self.custom.items() if v[p] is not None]

    def properties(self, p: int) -> dict[str, Any]:
        """Row ``p``'s properties, blanks left out."""
        return {k: value for k, v in self.props if (value := v[p]) is not None}

    def valid_mask(self) -> np.ndarray:
        """True for the rows to send: without a problem, and not skipped."""
        mask = np.ones(self.n, dtype=bool)
        mask[list(self.problems.by_row)] = False
        mask[list(self.skips)] = False
        return mask

    def skip_many(self, positions: np.ndarray, reason: str) -> None:
        """Rows with nothing to send: ``skipped`` with ``reason``, unless they have a problem."""
        for p in map(int, positions):
            if p not in self.problems.by_row:
                self.skips[p] = reason

    def identifiers_frame(self, index: pd.Index) -> pd.DataFrame:
        """Identifiers as the report shows them: normalised, or raw where invalid."""
        # (pandas' stubs type this constructor loosely)
        frame: pd.DataFrame = pd.DataFrame(dict(self.shown), index=index)
        return frame


def prepare(
    df: pd.DataFrame,
    endpoint: str,
    *,
    columns: Mapping[Hashable, str | None] | None,
    default_region: str,
    timezone: str = "UTC",
    reserved: Mapping[Hashable, str] | None = None,
    per_row_identifier: bool = True,
) -> Rows:
    """Map and check every column of ``df`` for ``endpoint``; ConfigError for call-level faults."""
    check_frame(df)
    cmap = mapping.map_columns(df.columns, endpoint, columns, reserved)
    rows = Rows(endpoint, len(df), cmap, timezone=timezone, frame=_positional(df))
    words = ENDPOINTS[endpoint].words
    rows.notes.extend(f"column {c!r} is not used by {words}." for c in cmap.unused)
    rows.unusable = _identifiers(rows, default_region)
    _require_identifier_column(rows, df)
    if per_row_identifier:
        require_identifier(rows, np.arange(rows.n))
    if endpoint in mapping.WITH_PROPERTIES:
        _properties(rows, timezone, nested_ok=(endpoint == "events"))
    rows.readings = read_columns(rows.frame, cmap, rows.shown, rows.props, endpoint, default_region)
    return rows


def check_frame(df: object) -> None:
    """A pandas DataFrame with unique column names, or ConfigError."""
    if not isinstance(df, pd.DataFrame):
        raise ConfigError(f"Expected a pandas DataFrame, got {type(df).__name__}.")
    repeated = df.columns[df.columns.duplicated()].unique().tolist()
    if repeated:
        raise ConfigError(
            f"The DataFrame has repeated column names: {repeated}. Rename them first."
        )


def _positional(df: pd.DataFrame) -> dict[object, pd.Series]:
    """Each column with a 0..n-1 index, so positions and index labels never mix."""
    return {col: df[col].reset_index(drop=True) for col in df.columns}


def _identifiers(rows: Rows, default_region: str) -> dict[str, np.ndarray]:
    """Normalise identifier columns; return the ones this endpoint cannot send (for messages)."""
    usable = mapping.usable_ids(rows.endpoint)
    unusable: dict[str, np.ndarray] = {}
    words = ENDPOINTS[rows.endpoint].words
    for name, col in rows.cmap.fields.items():
        if name not in mapping.IDENTIFIERS and not name.startswith(mapping.CUSTOM_PREFIX):
            continue
        values, shown = _identifier(name, col, rows.frame[col], rows.problems, default_region)
        custom = name.startswith(mapping.CUSTOM_PREFIX)
        if (name in usable) or (custom and rows.endpoint in mapping.CUSTOM_IDS_OK):
            rows.shown[name] = shown
            target = rows.custom if custom else rows.ids
            target[name[len(mapping.CUSTOM_PREFIX) :] if custom else name] = values
        else:
            unusable[str(col)] = shown
            rows.notes.append(f"column {col!r} ({name}) is not used by {words}.")
    return unusable


def _identifier(
    name: str, col: object, series: pd.Series, problems: cells.Problems, default_region: str
) -> tuple[np.ndarray, np.ndarray]:
    if name == "phone":
        return validate.phone_column(series, default_region, problems)
    if name == "email":
        return validate.email_column(series, problems)
    values = validate.identifier_column(series, str(col), problems)
    return values, values


def _require_identifier_column(rows: Rows, df: pd.DataFrame) -> None:
    if rows.ids or rows.custom:
        return
    wanted = ", ".join(_accepted_names(rows.endpoint))
    words = ENDPOINTS[rows.endpoint].words
    raise ConfigError(
        f"No column identifies the people for {words}: the data has {list(df.columns)}. "
        f"Name a column {wanted}, or map one with columns={{'Your column': 'phone'}}."
    )


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _accepted_names(endpoint: str, custom: str = "custom_id:<name>") -> list[str]:
    names = {
        "phone": "phone",
        "email": "email",
        "clientUserId": "client_user_id",
        "shopifyId": "shopify_id",
        "klaviyoId": "klaviyo_id",
    }
    out = [names[k] for k in mapping.usable_ids(endpoint)]
    return out + ([custom] if endpoint in mapping.CUSTOM_IDS_OK else [])


def require_identifier(rows: Rows, positions: np.ndarray) -> None:
    """Rows at ``positions`` with no identifier the endpoint accepts get a reason."""
    needed = ("phone", "email") if rows.endpoint == "subscribe" else None
    blank = np.ones(len(positions), dtype=bool)
    for name, values in {**rows.ids, **rows.custom}.items():
        if needed is None or name in needed:
            blank &= missing(rows.shown.get(name, values)[positions])
    wanted = _either(list(needed) if needed else _accepted_names(rows.endpoint, "custom id"))
    for i in np.flatnonzero(blank):
        p = int(positions[i])
        others = [c for c, v in rows.unusable.items() if v[p] is not None]
        extra = f" ({', '.join(others)} cannot identify people here)" if others else ""
        rows.problems.add(p, f"no {wanted} to identify the person{extra}")


def has_identifier(rows: Rows) -> np.ndarray:
    """Rows with at least one identifier the endpoint accepts (raw presence, valid or not)."""
    found = np.zeros(rows.n, dtype=bool)
    for name, values in rows.ids.items():
        found |= ~missing(rows.shown.get(name, values))
    for values in rows.custom.values():
        found |= ~missing(values)
    return found


def missing(values: np.ndarray) -> np.ndarray:
    """True where a normalised column holds None (blank or refused)."""
    return pd.isna(values)  # normalised columns hold None, never NaN, for "nothing here"


def first(values: np.ndarray | None, unit: tuple[int, ...]) -> object:
    """The first value that is not None among the rows of ``unit`` (None if none is)."""
    if values is None:
        return None
    return next((values[p] for p in unit if values[p] is not None), None)


def _properties(rows: Rows, timezone: str, nested_ok: bool) -> None:
    for col in rows.cmap.properties:
        values, naive = validate.json_column(
            rows.frame[col], str(col), rows.problems, timezone, nested_ok
        )
        rows.naive += naive
        rows.props.append((str(col), values))
        bad = property_name_problem(str(col), rows.endpoint)
        if bad:
            rows.problems.add_many(np.flatnonzero(~missing(values)), bad)


def property_name_problem(name: str, endpoint: str) -> str | None:
    """Why a column name cannot be a property name for ``endpoint`` (None if it can)."""
    if endpoint == "events":
        problem = validate.key_problem(name)
        if problem:
            return f"property name {cells.quote(name)} {problem}"
    elif name == "":
        return "attribute name '' is empty, and an attribute needs a name"
    elif len(name) > ATTRIBUTE_NAME_LIMIT:
        return (
            f"attribute name {cells.quote(name)} is longer than "
            f"{ATTRIBUTE_NAME_LIMIT} characters ({len(name)})"
        )
    elif problem := validate.hidden_problem(name):
        return f"attribute name {cells.quote(name)} {problem}"
    return None


def first_seen(keys: list[np.ndarray], valid: np.ndarray) -> dict[int, int]:
    """Valid rows sharing a non-blank key with an earlier valid row -> that earlier row."""
    n = len(valid)
    best = np.arange(n)
    for values in keys:
        take = valid & ~missing(values)
        positions = np.flatnonzero(take)
        if not len(positions):
            continue
        codes, _ = pd.factorize(pd.Series(values[positions], dtype=object))
        _, first = np.unique(codes, return_index=True)
        earlier = positions[first[codes]]
        best[positions] = np.minimum(best[positions], earlier)
    dup = np.flatnonzero(best < np.arange(n))
    return {int(p): int(best[p]) for p in dup}


def lowered(values: np.ndarray) -> np.ndarray:
    """Emails compared without case: the same mailbox whatever the capitals."""
    joined = "\n".join(filter(None, values.tolist()))  # blanks (None, "") change nothing
    if joined == joined.lower():  # most columns are lower-case already: a copy will do
        same: np.ndarray = values.copy()
        return same
    out = np.empty(len(values), dtype=object)
    out[:] = [None if v is None else v.lower() for v in values]
    return out
