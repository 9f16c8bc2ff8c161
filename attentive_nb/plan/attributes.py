"""Plans for attributes: v1, one person a request, or the v2 bulk endpoint, 256 a request.

Every row with a value is sent (setting an attribute twice is harmless), its
blank cells left out; a row with no value at all is ``skipped``, nothing to
send. Rows naming the same person are flagged, and the later values win. The bulk endpoint also
takes the person fields (names, demographic, location, locale) and
``subscriptions[]`` (:mod:`attentive_nb.plan.profile`); each person is one
unit of the plan, keyed on its own in the ledger.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.plan import mapping
from attentive_nb.plan.model import Columns, Payload, Plan, Unit
from attentive_nb.plan.prepare import Rows, first_seen, lowered, missing, prepare
from attentive_nb.plan.profile import Profile, read_profile
from attentive_nb.plan.users import event_user

BULK_SIZE = 256
#: The reason of a row ``skipped`` because it has no value to send.
NOTHING_TO_SEND = "nothing to send: every attribute is blank"


def plan_attributes(
    df: pd.DataFrame,
    *,
    bulk: bool = False,
    columns: Columns | None = None,
    default_region: str = "US",
    timezone: str = "UTC",
) -> Plan:
    """Plan attributes; see :meth:`Connection.send_attributes` for the options."""
    endpoint = "attributes_bulk" if bulk else "attributes"
    rows = prepare(df, endpoint, columns=columns, default_region=default_region, timezone=timezone)
    profile = read_profile(rows) if bulk else None
    _require_values(rows, profile)
    _skip_blank_rows(rows, profile)
    repeats = _repeats(rows)
    positions = np.flatnonzero(rows.valid_mask())
    if profile is not None:
        return _bulk_plan(df, rows, profile, positions, repeats)
    _note_person_fields(rows)

    def payload(unit: Unit) -> Payload:
        return {"user": event_user(rows, unit), "properties": rows.properties(unit[0])}

    return Plan.of(
        "attributes",
        rows,
        df.index,
        units=lambda: ((int(p),) for p in positions),
        count=len(positions),
        payload=payload,
        duplicates=repeats,
    )


def _bulk_plan(
    df: pd.DataFrame, rows: Rows, profile: Profile, positions: np.ndarray, repeats: dict[int, int]
) -> Plan:
    """One unit per person, ``BULK_SIZE`` of them to a request; at most once if it subscribes."""
    subscribing = profile.subscribing(rows.valid_mask())
    if subscribing:
        rows.notes.append(
            f"{subscribing:,} {'row subscribes' if subscribing == 1 else 'rows subscribe'} "
            "people (a sign-up source in subscriptions[]): Attentive may text or email them, "
            "so this send is at most once, and a request whose answer was lost is not resent."
        )
    plan = Plan.of(
        "attributes",
        rows,
        df.index,
        units=lambda: ((int(p),) for p in positions),
        count=-(-len(positions) // BULK_SIZE),
        payload=_bulk_records(rows, profile),
        duplicates=repeats,
        property_prefix="attributes.custom.",
        batch=BULK_SIZE,
        batch_field="users",
    )
    if subscribing:
        plan.endpoint = plan.endpoint.with_subscriptions()
    return plan


def _require_values(rows: Rows, profile: Profile | None) -> None:
    """A call-level error without any value column."""
    if not rows.props and not (profile is not None and profile.values):
        what = "attribute or person-field" if profile is not None else "attribute"
        raise ConfigError(
            f"There are no {what} columns to send: every column was read as an identifier "
            f"({', '.join(map(str, rows.cmap.fields.values()))})."
        )


def _skip_blank_rows(rows: Rows, profile: Profile | None) -> None:
    """A row whose every value is blank has nothing to send: ``skipped``, not an error.

    Blank cells are left out of a row's body one by one; only a row left with
    nothing is skipped. A row with a problem stays invalid with its own reasons
    (a refused value is blank here too, and must not be called blank).
    """
    if profile is not None and profile.values:
        empty = ~profile.given()
    else:
        empty = np.ones(rows.n, dtype=bool)
    for _, values in rows.props:
        empty &= missing(values)
    rows.skip_many(np.flatnonzero(empty), NOTHING_TO_SEND)


def _repeats(rows: Rows) -> dict[int, int]:
    """Rows naming a person an earlier valid row already named (flagged, all sent)."""
    keys = [lowered(v) if k == "email" else v for k, v in rows.ids.items()]
    dups = first_seen(keys + list(rows.custom.values()), rows.valid_mask())
    if dups:
        rows.notes.append(repeats_note(len(dups)))
    return dups


def repeats_note(n: int) -> str:
    """The note on ``n`` rows naming a person an earlier row named (a stream adds its own
    chunks' and those across chunks, said as one note)."""
    return (
        f"{n:,} {'row repeats' if n == 1 else 'rows repeat'} a person named "
        "earlier in the data; all are sent, the last one wins."
    )


def _note_person_fields(rows: Rows) -> None:
    """v1 has custom attributes only: say which columns bulk=True would send as person fields."""
    named = [col for col, _ in rows.props if mapping.field_for(col, "attributes_bulk")]
    if named:
        listed = ", ".join(repr(c) for c in named)
        rows.notes.append(
            f"{listed} {'is' if len(named) == 1 else 'are'} sent as custom attributes; "
            "bulk=True sends such columns as the person's own fields (name, location…)."
        )


def _bulk_records(rows: Rows, profile: Profile) -> Callable[[Unit], Payload]:
    """Each person's record of the bulk body: identifiers, attributes, subscriptions.

    The columns are read once as Python lists: a bulk load makes a record a row, and
    a list is indexed several times faster than a numpy object array.
    """
    ids = [(name, values.tolist()) for name, values in rows.ids.items()]
    custom = [(name, values.tolist()) for name, values in rows.custom.items()]
    props = [(name, values.tolist()) for name, values in rows.props]
    person = profile.attributes_reader()
    subscribes = profile.subscribes

    def record(unit: Unit) -> Payload:
        (p,) = unit
        identifiers: Payload = {k: value for k, v in ids if (value := v[p]) is not None}
        customs = [{"key": k, "value": value} for k, v in custom if (value := v[p]) is not None]
        if customs:
            identifiers["customIdentifiers"] = customs
        made: Payload = {"identifiers": identifiers}
        attributes = person(p)
        properties = {k: value for k, v in props if (value := v[p]) is not None}
        if properties:
            attributes["custom"] = properties
        if attributes:
            made["attributes"] = attributes
        subscriptions = profile.subscriptions(p, rows) if subscribes else []
        if subscriptions:
            made["subscriptions"] = subscriptions
        return made

    return record
