"""Plans for custom attributes: v1, one person a request, or the v2 bulk endpoint, 256 a request.

Every row is sent (setting an attribute twice is harmless); rows naming the
same person are flagged, and the later values win.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.plan.model import Columns, Payload, Plan, Unit
from attentive_nb.plan.prepare import Rows, first_seen, lowered, missing, prepare
from attentive_nb.plan.users import event_user

BULK_SIZE = 256


def plan_attributes(
    df: pd.DataFrame,
    *,
    bulk: bool = False,
    columns: Columns | None = None,
    default_region: str = "US",
    timezone: str = "UTC",
) -> Plan:
    """Plan custom attributes; see :meth:`Connection.send_attributes` for the options."""
    endpoint = "attributes_bulk" if bulk else "attributes"
    rows = prepare(df, endpoint, columns=columns, default_region=default_region, timezone=timezone)
    _require_properties(rows)
    repeats = _repeats(rows)
    positions = np.flatnonzero(rows.valid_mask())
    if bulk:
        return Plan.of(
            "attributes",
            rows,
            df.index,
            units=lambda: _chunks(positions, BULK_SIZE),
            count=-(-len(positions) // BULK_SIZE),
            payload=lambda unit: _bulk_body(rows, unit),
            duplicates=repeats,
            property_prefix="attributes.custom.",
        )

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


def _chunks(positions: np.ndarray, size: int) -> Iterator[Unit]:
    for start in range(0, len(positions), size):
        yield tuple(int(p) for p in positions[start : start + size])


def _bulk_body(rows: Rows, unit: Unit) -> Payload:
    users = []
    for p in unit:
        identifiers: Payload = dict(rows.user_ids(p))
        if rows.custom_ids(p):
            identifiers["customIdentifiers"] = rows.custom_ids(p, key="key")
        users.append({"identifiers": identifiers, "attributes": {"custom": rows.properties(p)}})
    return {"users": users}
