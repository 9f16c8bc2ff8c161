"""Plans for custom events: one event per row, with an externalEventId stable across runs.

The id comes from ``event_id_column`` or is a UUID5 of the event's content, so
the same row gets the same id in every run and Attentive can tell a retried
copy from a new event. Rows with one id and the same content are one event
(one request carries them all); one id for two different events is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Hashable

import numpy as np
import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.plan import cells, merge, options, validate
from attentive_nb.plan.caveats import as_now
from attentive_nb.plan.merge import Grouping
from attentive_nb.plan.model import Columns, Payload, Plan, Unit, canonical_json
from attentive_nb.plan.prepare import Rows, missing, prepare
from attentive_nb.plan.users import event_user

# Fixed forever: changing it would change every generated externalEventId.
EVENT_NAMESPACE = uuid.UUID("5d0c8f4e-6a0b-4f43-9f43-7e1c0b6f2a91")
TYPE_FORBIDDEN = "\"'(){}[]\\|,"
_SCALARS = frozenset({"string", "integer", "floating", "boolean", "empty"})


def plan_events(
    df: pd.DataFrame,
    *,
    event_type: str | None = None,
    type_column: Hashable | None = None,
    occurred_at_column: Hashable | None = None,
    event_id_column: Hashable | None = None,
    columns: Columns | None = None,
    default_region: str = "US",
    timezone: str = "UTC",
    now: dt.datetime | pd.Timestamp | None = None,
) -> Plan:
    """Plan ``POST /v1/events/custom``; see :meth:`Connection.send_events` for the options.

    ``now`` is when "more than 12 hours old" counts from (default: the current time).
    """
    reserved = options.event_columns(
        df, event_type, type_column, occurred_at_column, event_id_column
    )
    if event_type is not None:
        check_event_type(event_type)
    rows = prepare(
        df,
        "events",
        columns=columns,
        default_region=default_region,
        timezone=timezone,
        reserved=reserved,
    )
    types = _types(rows, event_type)
    rows.now = as_now(now)
    stamps = options.occurred_at(rows, timezone)
    given_ids = _given_ids(rows)

    def body(p: int) -> Payload:
        out: Payload = {"type": types[p], "user": event_user(rows, (p,))}
        properties = rows.properties(p)
        if properties:
            out["properties"] = properties
        if stamps is not None and stamps[p] is not None:
            out["occurredAt"] = stamps[p]
        return out

    def payload(unit: Unit) -> Payload:
        # Built only when a request is about to be sent: a dry run never serialises a body.
        content = body(unit[0])
        event_id = given_ids[unit[0]] if given_ids is not None else event_uuid(content)
        return {**content, "externalEventId": event_id}

    if given_ids is not None:
        grouping = _one_id_per_event(rows, df.index, given_ids, body)
    else:
        grouping = _same_content(rows, [types, stamps], body)
    _note_repeats(rows, grouping)
    return Plan.of(
        "events",
        rows,
        df.index,
        units=grouping.units,
        count=len(grouping),
        payload=payload,
        duplicates=grouping.merged,
    )


def _contents(groups: list[list[int]], n: int, body: Callable[[int], Payload]) -> np.ndarray:
    """The canonical text of each body in ``groups`` (None for the other rows)."""
    contents = np.empty(n, dtype=object)
    for p in (p for group in groups for p in group):
        contents[p] = canonical_json(body(p))
    return contents


def _one_id_per_event(
    rows: Rows, labels: pd.Index, ids: np.ndarray, body: Callable[[int], Payload]
) -> Grouping:
    """Rows given one externalEventId: one event sent once, refused if their contents differ."""
    valid = rows.valid_mask()
    groups = merge.linked_groups([ids], valid)
    contents = _contents(groups, rows.n, body)
    grouping = merge.group_rows(groups, {"event": contents}, valid, split_conflicts=False)
    for group, _ in grouping.conflicts:
        for p in group:
            others = merge.name_rows(labels, [q for q in group if q != p])
            rows.problems.add(
                p,
                f"event id {cells.quote(ids[p])} is also used by {others} for a different "
                "event; give each event its own id",
            )
    return grouping


def _same_content(
    rows: Rows, extra: list[np.ndarray | None], body: Callable[[int], Payload]
) -> Grouping:
    """Rows whose events are the same in every field get one id: one event, sent once.

    pandas finds the rows repeated in every column at once (usually none); a
    hash of those groups the candidates, whose bodies are then compared as
    text, so rows that merely look alike (``1`` and ``1.0``) merge nothing.
    """
    valid = rows.valid_mask()
    columns = [*rows.ids.values(), *rows.custom.values(), *(c for c in extra if c is not None)]
    columns += [_hashable(values) for _, values in rows.props]
    frame = pd.DataFrame(dict(enumerate(columns)))
    repeated = frame.duplicated(keep=False).to_numpy() & valid
    hashed = np.full(rows.n, None, dtype=object)
    if repeated.any():
        hashed[repeated] = pd.util.hash_pandas_object(frame[repeated], index=False).to_numpy()
    candidates = merge.linked_groups([hashed], valid)
    contents = _contents(candidates, rows.n, body)
    same = merge.linked_groups([contents], valid)
    return merge.group_rows(same, {}, valid, split_conflicts=False)


def _hashable(values: np.ndarray) -> np.ndarray:
    """Nested values (event properties may hold lists and maps) as their canonical text."""
    if pd.api.types.infer_dtype(values, skipna=True) in _SCALARS:
        return values  # a column of one kind of plain value: nothing nested (told in C)
    nested = [i for i, v in enumerate(values) if isinstance(v, dict | list)]
    if not nested:
        return values
    out: np.ndarray = values.copy()
    out[nested] = [canonical_json(values[i]) for i in nested]
    return out


def _note_repeats(rows: Rows, grouping: Grouping) -> None:
    if grouping.merged:
        count = len(grouping.merged)
        rows.notes.append(
            f"{count} {'row repeats' if count == 1 else 'rows repeat'} an earlier event "
            "(same externalEventId and content); each event is sent once."
        )


def event_uuid(body: Payload) -> str:
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
        return f"event type {cells.quote(text)} contains {' '.join(found)}, which Attentive forbids"
    hidden = validate.hidden_problem(text)
    return f"event type {cells.quote(text)} {hidden}" if hidden else None


def _types(rows: Rows, event_type: str | None) -> np.ndarray:
    if event_type is not None:
        out = np.empty(rows.n, dtype=object)
        out[:] = str(event_type)
        return out

    def check(value: object) -> tuple[str | None, str | None]:
        text, problem = validate.id_text(value)
        return text, (type_problem(text or "") if problem is None else f"event type {problem}")

    col = rows.cmap.fields["type"]
    values, row_problems = cells.per_distinct(rows.frame[col], check)
    cells.report(rows.problems, row_problems)
    rows.problems.add_many(np.flatnonzero(missing(values)), "event type is empty")
    return values


def _given_ids(rows: Rows) -> np.ndarray | None:
    col = rows.cmap.fields.get("externalEventId")
    if col is None:
        return None
    values = validate.identifier_column(rows.frame[col], str(col), rows.problems)
    rows.problems.add_many(np.flatnonzero(missing(values)), f"event id ({col}) is empty")
    return values
