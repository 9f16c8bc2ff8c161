"""Request bodies for subscribe, unsubscribe, attributes (v1 and v2 bulk) and custom events.

Each builder checks its call-level options (ConfigError), prepares the rows,
and returns a Draft whose ``payload(positions)`` builds one body on demand.
"""

from __future__ import annotations

import json
import uuid

import numpy as np

from attentive_nb import merge, options, validate
from attentive_nb.errors import ConfigError
from attentive_nb.merge import Grouping
from attentive_nb.prepare import Draft, Rows, first, first_seen, lowered, missing, prepare

BULK_SIZE = 256
# Fixed forever: changing it would change every generated externalEventId.
EVENT_NAMESPACE = uuid.UUID("5d0c8f4e-6a0b-4f43-9f43-7e1c0b6f2a91")
TYPE_FORBIDDEN = "\"'(){}[]\\|,"
# One encoder for every payload: json.dumps with options builds a new one per call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
PERSON_KEYS = ("phone", "email")


def canonical_json(payload: dict) -> str:
    """The one text form of a payload (request keys, event ids): sorted keys, no spaces, no NaN."""
    return _CANONICAL.encode(payload)


def _singles(positions: np.ndarray) -> Grouping:
    """One request per row."""
    return Grouping(positions)


def _draft(rows: Rows, df, grouping: Grouping, payload, repeats=None, prefix="properties."):
    return Draft(
        kind=rows.kind,
        rows=rows,
        identifiers=rows.identifiers_frame(df.index),
        duplicates={**(repeats or {}), **grouping.merged},
        units=grouping.units,
        count=len(grouping),
        payload=payload,
        column_map=rows.cmap.column_map(prefix),
    )


def _person_keys(rows: Rows) -> list[np.ndarray]:
    """What names a person: the phone, and the email without regard to case."""
    return [lowered(v) if k == "email" else v for k, v in rows.ids.items() if k in PERSON_KEYS]


def _person_fields(rows: Rows) -> dict[str, np.ndarray]:
    """Every identifier a request for a person carries, by the column it came from."""
    columns = rows.cmap.fields
    fields = {str(columns[k]): (lowered(v) if k == "email" else v) for k, v in rows.ids.items()}
    fields.update({str(rows.cmap.custom_ids[k]): v for k, v in rows.custom.items()})
    return fields


def _people(rows: Rows, labels, *, refuse_conflicts: bool) -> Grouping:
    """Rows naming the same person merged into one request when that loses no identifier.

    Rows that share a phone or an email but disagree on another identifier are
    refused (``refuse_conflicts``: a second request would message the person
    twice) or sent each as written (every phone and email reached).
    """
    valid = rows.valid_mask()
    groups = merge.linked_groups(_person_keys(rows), valid)
    grouping = merge.group_rows(
        groups, _person_fields(rows), valid, split_conflicts=not refuse_conflicts
    )
    for group, differ in grouping.conflicts:
        for p in group:
            others = merge.name_rows(labels, [q for q in group if q != p])
            if refuse_conflicts:
                rows.problems.add(p, _refused(others, differ))
    if grouping.merged:
        rows.notes.append(_merged_note(len(grouping.merged)))
    if grouping.conflicts and not refuse_conflicts:
        rows.notes.append(_split_note(grouping.conflicts))
    return grouping


def _refused(others: str, differ: list[str]) -> str:
    return (
        f"same person as {others} (a shared phone or email) but a different "
        f"{' and '.join(differ)}: one request would drop a value and two would message "
        "this person twice; keep one row per person"
    )


def _merged_note(count: int) -> str:
    rows = "row names" if count == 1 else "rows name"
    return (
        f"{count} {rows} a person named earlier in the data with nothing new or different; "
        "each person is sent once, with every identifier their rows give."
    )


def _split_note(conflicts: list) -> str:
    rows = sum(len(group) for group, _ in conflicts)
    return (
        f"{rows} rows share a phone or email with another row but differ in "
        f"{', '.join(sorted({d for _, differ in conflicts for d in differ}))}; each is sent as "
        "written, so that every phone and email is reached."
    )


def _send_positions(rows: Rows) -> np.ndarray:
    return np.flatnonzero(rows.valid_mask())


def _repeats(rows: Rows) -> dict[int, int]:
    """Rows naming a person an earlier valid row already named (flagged, all sent)."""
    keys = [lowered(v) if k == "email" else v for k, v in rows.ids.items()]
    dups = first_seen(keys + list(rows.custom.values()), rows.valid_mask())
    if dups:
        rows.notes.append(
            f"{len(dups)} {'row repeats' if len(dups) == 1 else 'rows repeat'} a person named "
            "earlier in the data; all are sent, the last one wins."
        )
    return dups


# -- subscribe / unsubscribe -------------------------------------------------------------------


def subscribers(
    df, *, sign_up_source_id, locale, subscription_type, single_opt_in, columns, region
):
    """Draft for POST /v1/subscriptions: one request per person, refused if rows disagree."""
    fixed = options.subscribe_options(sign_up_source_id, locale, subscription_type, single_opt_in)
    rows = prepare(df, "subscribe", columns=columns, region=region)
    external = {k: v for k, v in rows.ids.items() if k not in PERSON_KEYS}

    def payload(unit):
        body = {"user": _firsts(rows.ids, PERSON_KEYS, unit), **fixed}
        ext = _firsts(external, external, unit)
        custom = _firsts(rows.custom, rows.custom, unit)
        if custom:
            ext["customIdentifiers"] = [{"name": k, "value": v} for k, v in custom.items()]
        if ext:
            body["externalIdentifiers"] = ext
        return body

    return _draft(rows, df, _people(rows, df.index, refuse_conflicts=True), payload)


def unsubscribe(df, *, subscriptions, notify, columns, region):
    """Draft for POST /v1/subscriptions/unsubscribe: every phone and email reached."""
    fixed = options.unsubscribe_options(subscriptions, notify)
    rows = prepare(df, "unsubscribe", columns=columns, region=region)

    def payload(unit):
        return {"user": _firsts(rows.ids, PERSON_KEYS, unit), **fixed}

    return _draft(rows, df, _people(rows, df.index, refuse_conflicts=False), payload)


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
    repeats = _repeats(rows)
    positions = _send_positions(rows)
    if not bulk:

        def payload(units):
            return {"user": event_user(rows, units), "properties": rows.properties(units[0])}

        return _draft(rows, df, _singles(positions), payload, repeats)
    draft = _draft(
        rows,
        df,
        _singles(positions),
        lambda units: _bulk_body(rows, units),
        repeats,
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
    grouping = _same_events(rows, df.index, ids, body)
    return _draft(rows, df, grouping, lambda u: {**body(u[0]), "externalEventId": ids[u[0]]})


def _same_events(rows: Rows, labels, ids: np.ndarray, body) -> Grouping:
    """Rows with one externalEventId: one event sent once, or refused if their contents differ."""
    valid = rows.valid_mask()
    groups = merge.linked_groups([ids], valid)
    contents = np.empty(rows.n, dtype=object)
    for p in (p for group in groups for p in group):
        contents[p] = canonical_json(body(p))
    grouping = merge.group_rows(groups, {"event": contents}, valid, split_conflicts=False)
    for group, _ in grouping.conflicts:
        for p in group:
            others = merge.name_rows(labels, [q for q in group if q != p])
            rows.problems.add(
                p,
                f"event id {validate.quote(ids[p])} is also used by {others} for a different "
                "event; give each event its own id",
            )
    if grouping.merged:
        count = len(grouping.merged)
        rows.notes.append(
            f"{count} {'row repeats' if count == 1 else 'rows repeat'} an earlier event "
            "(same externalEventId and content); each event is sent once."
        )
    return grouping


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
