"""Request bodies for subscribe, unsubscribe, attributes (v1 and v2 bulk) and custom events.

Each builder checks its call-level options (ConfigError), prepares the rows,
and returns a Draft whose ``payload(positions)`` builds one body on demand.
"""

from __future__ import annotations

import json
import uuid

import numpy as np

from attentive_nb import options, validate
from attentive_nb.errors import ConfigError
from attentive_nb.prepare import Draft, Rows, first, first_seen, lowered, missing, prepare

BULK_SIZE = 256
# Kinds where a person is a phone or an email, and a repeated person is sent once.
SEND_ONCE = ("subscribe", "unsubscribe")
# Fixed forever: changing it would change every generated externalEventId.
EVENT_NAMESPACE = uuid.UUID("5d0c8f4e-6a0b-4f43-9f43-7e1c0b6f2a91")
TYPE_FORBIDDEN = "\"'(){}[]\\|,"
# One encoder for every payload: json.dumps with options builds a new one per call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(payload: dict) -> str:
    """The one text form of a payload (request keys, event ids): sorted keys, no spaces, no NaN."""
    return _CANONICAL.encode(payload)


def _singles(positions: np.ndarray):
    """Units of one row each, as plain-int tuples."""
    return lambda: ((int(p),) for p in positions)


def _draft(rows: Rows, df, positions, payload, duplicates=None, prefix="properties.") -> Draft:
    return Draft(
        kind=rows.kind,
        rows=rows,
        identifiers=rows.identifiers_frame(df.index),
        duplicates=duplicates or {},
        units=_singles(positions),
        count=len(positions),
        payload=payload,
        column_map=rows.cmap.column_map(prefix),
    )


def _person_duplicates(rows: Rows) -> dict[int, int]:
    """Rows naming a person (same phone, same email, ...) an earlier valid row already named."""
    messaging = rows.kind in SEND_ONCE
    ids = {k: v for k, v in rows.ids.items() if not messaging or k in ("phone", "email")}
    keys = [lowered(v) if k == "email" else v for k, v in ids.items()]
    keys += [] if messaging else list(rows.custom.values())
    dups = first_seen(keys, rows.valid_mask())
    if dups:
        rows.notes.append(_duplicate_note(len(dups), rows.kind))
    return dups


def _duplicate_note(count: int, kind: str) -> str:
    rows = "row repeats" if count == 1 else "rows repeat"
    if kind in SEND_ONCE:
        return f"{count} {rows} a person named earlier in the data; each person is sent once."
    return f"{count} {rows} a person named earlier in the data; all are sent, the last one wins."


def _send_positions(rows: Rows, skipped: dict[int, int] | None = None) -> np.ndarray:
    mask = rows.valid_mask()
    if skipped:
        mask[list(skipped)] = False
    return np.flatnonzero(mask)


# -- subscribe / unsubscribe -------------------------------------------------------------------


def subscribers(
    df, *, sign_up_source_id, locale, subscription_type, single_opt_in, columns, region
):
    """Draft for POST /v1/subscriptions."""
    fixed = options.subscribe_options(sign_up_source_id, locale, subscription_type, single_opt_in)
    rows = prepare(df, "subscribe", columns=columns, region=region)
    external = {k: v for k, v in rows.ids.items() if k not in ("phone", "email")}

    def payload(positions):
        p = positions[0]
        body = {"user": _user(rows, p, ("phone", "email")), **fixed}
        ext = {k: v[p] for k, v in external.items() if v[p] is not None}
        custom = rows.custom_ids(p)
        if custom:
            ext["customIdentifiers"] = custom
        if ext:
            body["externalIdentifiers"] = ext
        return body

    dups = _person_duplicates(rows)
    return _draft(rows, df, _send_positions(rows, dups), payload, dups)


def unsubscribe(df, *, subscriptions, notify, columns, region):
    """Draft for POST /v1/subscriptions/unsubscribe."""
    fixed = options.unsubscribe_options(subscriptions, notify)
    rows = prepare(df, "unsubscribe", columns=columns, region=region)

    def payload(positions):
        return {"user": _user(rows, positions[0], ("phone", "email")), **fixed}

    dups = _person_duplicates(rows)
    return _draft(rows, df, _send_positions(rows, dups), payload, dups)


def _user(rows: Rows, p: int, fields) -> dict:
    return {k: rows.ids[k][p] for k in fields if k in rows.ids and rows.ids[k][p] is not None}


def event_user(rows: Rows, unit: tuple[int, ...]) -> dict:
    """The v1 EventUser: phone, email, externalIdentifiers{clientUserId, customIdentifiers}.

    Each identifier comes from the first row of ``unit`` that has it (an
    ecommerce event spans the lines of its order).
    """
    user = _firsts(rows.ids, ("phone", "email"), unit)
    ext = _firsts(rows.ids, ("clientUserId",), unit)
    custom = [{"name": k, "value": v} for k, v in _firsts(rows.custom, rows.custom, unit).items()]
    if custom:
        ext["customIdentifiers"] = custom
    if ext:
        user["externalIdentifiers"] = ext
    return user


def _firsts(columns: dict[str, np.ndarray], names, unit: tuple[int, ...]) -> dict:
    """name -> first value in ``unit``, for the ``names`` in ``columns`` that have one."""
    found = {k: first(columns[k], unit) for k in names if k in columns}
    return {k: v for k, v in found.items() if v is not None}


# -- attributes --------------------------------------------------------------------------------


def attributes(df, *, bulk, columns, region, timezone):
    """Draft for POST /v1/attributes/custom, or the v2 bulk endpoint when ``bulk``."""
    kind = "attributes_bulk" if bulk else "attributes"
    rows = prepare(df, kind, columns=columns, region=region, timezone=timezone)
    _require_properties(rows)
    dups = _person_duplicates(rows)
    positions = _send_positions(rows)
    if not bulk:

        def payload(units):
            return {"user": event_user(rows, units), "properties": rows.properties(units[0])}

        return _draft(rows, df, positions, payload, dups)
    draft = _draft(
        rows,
        df,
        positions,
        lambda units: _bulk_body(rows, units),
        dups,
        prefix="attributes.custom.",
    )
    draft.units = lambda: _chunks(positions, BULK_SIZE)
    draft.count = -(-len(positions) // BULK_SIZE)
    return draft


def _require_properties(rows: Rows) -> None:
    if not rows.props:
        raise ConfigError(
            f"There are no attribute columns to send: every column was read as an identifier "
            f"({', '.join(map(str, rows.cmap.fields.values()))})."
        )
    empty = np.ones(rows.n, dtype=bool)
    for _, values in rows.props:
        empty &= missing(values)
    rows.problems.add_many(np.flatnonzero(empty), "no attribute values to send (all blank)")


def _chunks(positions: np.ndarray, size: int):
    for start in range(0, len(positions), size):
        yield tuple(int(p) for p in positions[start : start + size])


def _bulk_body(rows: Rows, units: tuple[int, ...]) -> dict:
    users = []
    for p in units:
        identifiers = rows.user_ids(p)
        if rows.custom_ids(p):
            identifiers["customIdentifiers"] = rows.custom_ids(p, key="key")
        users.append({"identifiers": identifiers, "attributes": {"custom": rows.properties(p)}})
    return {"users": users}


# -- custom events -----------------------------------------------------------------------------


def events(
    df, *, event_type, type_column, occurred_at_column, event_id_column, columns, region, timezone
):
    """Draft for POST /v1/events/custom: one event per valid row."""
    reserved = options.event_columns(
        df, event_type, type_column, occurred_at_column, event_id_column
    )
    if event_type is not None:
        check_event_type(event_type)
    rows = prepare(
        df, "events", columns=columns, region=region, timezone=timezone, reserved=reserved
    )
    types = _types(rows, event_type)
    stamps = options.occurred_at(rows, timezone)
    given_ids = _given_ids(rows)
    positions = _send_positions(rows)

    def body(p):
        out = {"type": types[p], "user": event_user(rows, (p,))}
        properties = rows.properties(p)
        if properties:
            out["properties"] = properties
        if stamps is not None and stamps[p] is not None:
            out["occurredAt"] = stamps[p]
        return out

    ids = np.empty(rows.n, dtype=object)
    ids[positions] = [
        given_ids[p] if given_ids is not None else event_uuid(body(p)) for p in positions
    ]
    dups = first_seen([ids], rows.valid_mask())
    if dups:
        rows.notes.append(f"{len(dups)} rows repeat an earlier event (same externalEventId).")
    return _draft(rows, df, positions, lambda u: {**body(u[0]), "externalEventId": ids[u[0]]}, dups)


def event_uuid(body: dict) -> str:
    """A UUID5 of the event's content and type: the same for the same row in every run."""
    return str(uuid.uuid5(EVENT_NAMESPACE, canonical_json(body)))


def check_event_type(event_type: object) -> None:
    """ConfigError for an ``event_type=`` Attentive would refuse."""
    problem = type_problem(str(event_type))
    if problem:
        raise ConfigError(problem[0].upper() + problem[1:] + ".")


def type_problem(text: str) -> str | None:
    """Why an event type is refused, naming the characters; None if it is fine."""
    if not text.strip():
        return "event type is empty"
    found = validate.forbidden_in(text, TYPE_FORBIDDEN)
    if found:
        return (
            f"event type {validate.quote(text)} contains {' '.join(found)}, which Attentive forbids"
        )
    return None


def _types(rows: Rows, event_type) -> np.ndarray:
    if event_type is not None:
        out = np.empty(rows.n, dtype=object)
        out[:] = str(event_type)
        return out

    def check(value):
        text, problem = validate.id_text(value)
        return text, (type_problem(text or "") if problem is None else f"event type {problem}")

    col = rows.cmap.fields["type"]
    values, row_problems = validate.per_distinct(rows.frame[col], check)
    validate.report(rows.problems, row_problems)
    rows.problems.add_many(np.flatnonzero(missing(values)), "event type is empty")
    return values


def _given_ids(rows: Rows) -> np.ndarray | None:
    col = rows.cmap.fields.get("externalEventId")
    if col is None:
        return None
    values = validate.identifier_column(rows.frame[col], str(col), rows.problems)
    rows.problems.add_many(np.flatnonzero(missing(values)), f"event id ({col}) is empty")
    return values
