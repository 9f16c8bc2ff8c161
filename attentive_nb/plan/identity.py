"""Plans for identity links: external ids attached to the person a phone or email names.

``POST /v1/identity-resolution/user-identifiers``. Attentive finds a person
named only by ``client_user_id`` or a custom id (in an event or an attribute)
once that id has been linked to them here. Each row names the person (a
phone and/or an email) and the ids to attach (``client_user_id``,
``shopify_id``, ``klaviyo_id``, ``custom_id:<name>``); ids are at most 100
characters, and blanks are left out, never sent empty (Attentive's notes).

Attentive warns that one id given to two people bridges them into one person.
So an id that rows with a different phone or email share is refused on every
one of those rows, naming the others; rows that only repeat a link are sent
once, with every identifier their rows give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.plan import cells, merge
from attentive_nb.plan.mapping import CUSTOM_PREFIX
from attentive_nb.plan.model import Columns, Payload, Plan, Unit
from attentive_nb.plan.prepare import Rows, lowered, missing, prepare
from attentive_nb.plan.users import PERSON_KEYS, firsts

ID_LIMIT = 100  # characters, for every identifier but the phone
ATTACHED = "client_user_id, shopify_id, klaviyo_id or custom_id:<name>"


def plan_links(
    df: pd.DataFrame, *, columns: Columns | None = None, default_region: str = "US"
) -> Plan:
    """Plan identity links; see :meth:`Connection.link_identifiers` for the options."""
    rows = prepare(
        df, "identity", columns=columns, default_region=default_region, per_row_identifier=False
    )
    _require_columns(rows)
    _require_per_row(rows)
    _check_lengths(rows)
    grouping = _one_person_per_id(rows, df.index)

    def payload(unit: Unit) -> Payload:
        body: Payload = firsts(rows.ids, rows.ids, unit)
        custom = firsts(rows.custom, rows.custom, unit)
        if custom:
            body["customIdentifiers"] = [{"name": k, "value": v} for k, v in custom.items()]
        return body

    return Plan.of(
        "link_identifiers",
        rows,
        df.index,
        units=grouping.units,
        count=len(grouping),
        payload=payload,
        duplicates=grouping.merged,
    )


def _attached(rows: Rows) -> dict[str, np.ndarray]:
    """The ids to attach, by the input column they come from."""
    fields = rows.cmap.fields
    out = {str(fields[k]): v for k, v in rows.ids.items() if k not in PERSON_KEYS}
    out.update({str(fields[CUSTOM_PREFIX + k]): v for k, v in rows.custom.items()})
    return out


def _require_columns(rows: Rows) -> None:
    has_person = any(k in rows.ids for k in PERSON_KEYS)
    if not has_person or not _attached(rows):
        given = ", ".join(repr(c) for c in rows.cmap.fields.values()) or "none"
        raise ConfigError(
            "link_identifiers needs a phone or email column (the person) and at least one "
            f"column of ids to link to them ({ATTACHED}); the identifier columns found: {given}."
        )


def _require_per_row(rows: Rows) -> None:
    person = np.zeros(rows.n, dtype=bool)
    for key in PERSON_KEYS:
        if key in rows.ids:
            person |= ~missing(rows.shown[key])
    attached = np.zeros(rows.n, dtype=bool)
    for values in _attached(rows).values():
        attached |= ~missing(values)
    rows.problems.add_many(np.flatnonzero(~person), "no phone or email to link the ids to")
    rows.problems.add_many(np.flatnonzero(~attached), f"no id to link ({ATTACHED})")


def _check_lengths(rows: Rows) -> None:
    named = {str(rows.cmap.fields["email"]): rows.ids["email"]} if "email" in rows.ids else {}
    for col, values in {**named, **_attached(rows)}.items():
        for p in np.flatnonzero(~missing(values)):
            if len(values[p]) > ID_LIMIT:
                rows.problems.add(
                    int(p),
                    f"{col} {cells.quote(values[p])} is longer than {ID_LIMIT} characters "
                    "(Attentive's limit)",
                )


def _one_person_per_id(rows: Rows, labels: pd.Index) -> merge.Grouping:
    """Refuse an id shared by different people; send rows that only repeat a link once."""
    attached = _attached(rows)
    groups = merge.linked_groups(list(attached.values()), rows.valid_mask())
    people = {
        str(rows.cmap.fields[k]): lowered(v) if k == "email" else v
        for k, v in rows.ids.items()
        if k in PERSON_KEYS
    }
    for group in groups:
        differ = merge.disagreements(group, people)
        for p in group if differ else ():
            others = merge.name_rows(labels, [q for q in group if q != p])
            rows.problems.add(
                p,
                f"shares an id with {others}, which give a different {' and '.join(differ)}: "
                "linking both would make two people one at Attentive; give each id to one person",
            )
    valid = rows.valid_mask()
    kept = [g for g in groups if valid[g].all()]
    grouping = merge.group_rows(kept, {**people, **attached}, valid, split_conflicts=True)
    if grouping.merged:
        count = len(grouping.merged)
        rows.notes.append(
            f"{count:,} {'row repeats' if count == 1 else 'rows repeat'} a link given earlier "
            "in the data; each link is sent once, with every identifier its rows give."
        )
    return grouping
