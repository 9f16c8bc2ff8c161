"""Plans for segment members: the v2 bulk members endpoints, 10,000 people a request.

A member is ``{email, phone, clientUserId}`` with at least one of them
(``SegmentMember`` in the v2 document). Rows naming one person (a shared
phone, email or client id) are one member carrying every identifier they give,
when they agree; rows that disagree are refused, naming each other, as
subscribe does. Each member is one unit, keyed in the ledger with the
segment's external id (:attr:`Plan.key_scope`), so one person in two segments
is two records. The segment's own fields (name, description, external id) are
checked here too, with Attentive's limits, before anything is sent.
"""

from __future__ import annotations

import pandas as pd

from attentive_nb.controls import code_points, hidden_characters
from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.errors import ConfigError
from attentive_nb.plan import members, merge
from attentive_nb.plan.model import Columns, Payload, Plan, Unit
from attentive_nb.plan.prepare import Rows, first, lowered, prepare

MEMBERS_PER_REQUEST = 10_000
MEMBER_IDS = ("phone", "email", "clientUserId")
MODES = ("mirror", "add", "remove")
# CreateSegmentRequest / PatchSegmentRequest: trimmed, then these lengths.
LIMITS = {"name": (1, 240), "description": (2, 500), "external_id": (1, 255)}


def segment_text(what: str, value: object) -> str:
    """A segment's name, description or external id, trimmed and within Attentive's lengths."""
    low, high = LIMITS[what]
    words = what.replace("_", " ")
    if not isinstance(value, str):
        raise ConfigError(f"The segment {words} must be text, not {type(value).__name__}.")
    text = value.strip()
    if not text:
        raise ConfigError(f"The segment {words} is blank: give it at least one character.")
    hidden = hidden_characters(text, keep="\n\t" if what == "description" else "")
    if hidden:
        raise ConfigError(
            f"The segment {words} {text!r} has a control character, {code_points(hidden)}: "
            "Attentive would keep it as written (a pasted escape or zero-width space); remove it."
        )
    if len(text) < low:
        raise ConfigError(f"The segment {words} {text!r} is too short: at least {low} characters.")
    if len(text) > high:
        raise ConfigError(
            f"The segment {words} is {len(text):,} characters long: Attentive takes {high} at most."
        )
    return text


def plan_members(
    df: pd.DataFrame,
    external_id: str,
    *,
    remove: bool = False,
    columns: Columns | None = None,
    default_region: str = "US",
) -> Plan:
    """Plan adding (or, ``remove=True``, removing) the frame's people to a segment."""
    external_id = segment_text("external_id", external_id)
    endpoint = "segment_remove" if remove else "segment_add"
    rows = prepare(df, endpoint, columns=columns, default_region=default_region)
    _only_bad_phones(rows, default_region)
    grouping = _people(rows, df.index)

    present = [(name, rows.ids[name]) for name in MEMBER_IDS if name in rows.ids]
    key_scope = "\n" + external_id

    def payload(unit: Unit) -> Payload:
        if len(unit) > 1:
            return member(rows, unit)
        p = unit[0]  # most people are one row: read the arrays directly
        return {name: value for name, values in present if (value := values[p]) is not None}

    return Plan.of(
        "segment_members",
        rows,
        df.index,
        units=grouping.units,
        count=-(-len(grouping) // MEMBERS_PER_REQUEST),
        payload=payload,
        duplicates=grouping.merged,
        batch=MEMBERS_PER_REQUEST,
        batch_field="members",
        envelope={"externalId": external_id},
        key_scope=key_scope,
        # The same units and payloads, built per column: a million members in seconds.
        chunked=members.chunked(
            rows,
            grouping.firsts,
            grouping.together,
            [name for name, _ in present],
            ENDPOINTS[endpoint].name + key_scope,
            lambda unit: member(rows, unit),
        ),
    )


def member(rows: Rows, unit: Unit) -> Payload:
    """One member: every identifier the unit's rows give (they agree, or were refused)."""
    out: Payload = {}
    for name in MEMBER_IDS:
        value = first(rows.ids.get(name), unit)
        if value is not None:
            out[name] = value
    return out


def _people(rows: Rows, labels: pd.Index) -> merge.Grouping:
    """Rows that are one person merged; rows that disagree about a person refused."""
    valid = rows.valid_mask()
    fields = {
        str(rows.cmap.fields[k]): (lowered(v) if k == "email" else v) for k, v in rows.ids.items()
    }
    groups = merge.linked_groups(list(fields.values()), valid)
    grouping = merge.group_rows(groups, fields, valid, split_conflicts=False)
    for group, differ in grouping.conflicts:
        for p in group:
            others = merge.name_rows(labels, [q for q in group if q != p])
            rows.problems.add(
                p,
                f"same person as {others} but a different {' and '.join(differ)}: "
                "keep one row per person",
            )
    if grouping.merged:
        count = len(grouping.merged)
        rows.notes.append(
            f"{count:,} {'row names' if count == 1 else 'rows name'} a person named earlier "
            "in the data: each person is one member, with every identifier their rows give."
        )
    return grouping


def _only_bad_phones(rows: Rows, default_region: str) -> None:
    """Every phone refused and nothing else to go on: one call-level reason, not N rows."""
    if set(rows.ids) != {"phone"} or rows.n == 0:
        return
    shown = rows.shown["phone"]
    given = ~pd.isna(shown)
    if given.any() and not (rows.valid_mask() & given).any():
        column = rows.cmap.fields["phone"]
        raise ConfigError(
            f"No phone in column {column!r} is a valid number (default_region="
            f"{default_region!r}): nothing could be sent. Check the column, or pass "
            "default_region= for numbers written without +."
        )
