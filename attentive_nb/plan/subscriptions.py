"""Plans for subscribe and unsubscribe: one request per person, merged only when nothing is lost.

Rows linked by a shared phone or email (emails without regard to case) that
agree on every identifier are one person: one request carries them all, with
every identifier their rows give. Rows that disagree are refused for
subscribe (a second request would message the person twice) and sent each as
written for unsubscribe, so that every phone and email in the data is reached.
An unsubscribe's confirmation can be in French (``language="fr-CA"``, or a
``language`` column of ``en-US`` / ``fr-CA``, written exactly so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from attentive_nb.plan import cells, merge, options
from attentive_nb.plan.merge import Grouping
from attentive_nb.plan.model import Columns, Payload, Plan, Unit
from attentive_nb.plan.prepare import Rows, first, lowered, prepare
from attentive_nb.plan.users import PERSON_KEYS, firsts


def plan_subscribers(
    df: pd.DataFrame,
    *,
    sign_up_source_id: str | int | None = None,
    locale: str | Mapping[str, str] | Sequence[str] | None = None,
    subscription_type: str | None = None,
    single_opt_in: bool = False,
    columns: Columns | None = None,
    default_region: str = "US",
) -> Plan:
    """Plan ``POST /v1/subscriptions``; see :meth:`Connection.send_subscribers` for the options."""
    fixed = options.subscribe_options(sign_up_source_id, locale, subscription_type, single_opt_in)
    rows = prepare(df, "subscribe", columns=columns, default_region=default_region)
    external = {k: v for k, v in rows.ids.items() if k not in PERSON_KEYS}

    def payload(unit: Unit) -> Payload:
        body: Payload = {"user": firsts(rows.ids, PERSON_KEYS, unit), **fixed}
        ext: dict[str, Any] = dict(firsts(external, external, unit))
        custom = firsts(rows.custom, rows.custom, unit)
        if custom:
            ext["customIdentifiers"] = [{"name": k, "value": v} for k, v in custom.items()]
        if ext:
            body["externalIdentifiers"] = ext
        return body

    grouping = people(rows, df.index, refuse_conflicts=True)
    return _plan("subscribers", rows, df, grouping, payload)


def plan_unsubscribe(
    df: pd.DataFrame,
    *,
    subscriptions: Any = None,
    notify: bool = True,
    language: str | None = None,
    columns: Columns | None = None,
    default_region: str = "US",
) -> Plan:
    """Plan ``POST /v1/subscriptions/unsubscribe``; see :meth:`Connection.unsubscribe`."""
    fixed = options.unsubscribe_options(subscriptions, notify, language)
    rows = prepare(df, "unsubscribe", columns=columns, default_region=default_region)
    languages = _languages(rows)

    def payload(unit: Unit) -> Payload:
        body: Payload = {"user": firsts(rows.ids, PERSON_KEYS, unit), **fixed}
        spoken = first(languages, unit)
        if spoken is not None:
            body["notification"] = {**fixed.get("notification", {}), "language": spoken}
        return body

    extra = {} if languages is None else {str(rows.cmap.fields["language"]): languages}
    grouping = people(rows, df.index, refuse_conflicts=False, extra=extra)
    return _plan("unsubscribe", rows, df, grouping, payload)


def _languages(rows: Rows) -> np.ndarray | None:
    """The ``language`` column's values (None where blank: the call's ``language=`` holds)."""
    col = rows.cmap.fields.get("language")
    if col is None:
        return None

    def check(value: object) -> tuple[str | None, str | None]:
        text, problem = options.language_text(value)
        return text, (f"{col} {cells.quote(value)} {problem}" if problem else None)

    values, problems = cells.per_distinct(rows.frame[col], check)
    cells.report(rows.problems, problems)
    return values


def _plan(kind: str, rows: Rows, df: pd.DataFrame, grouping: Grouping, payload: Any) -> Plan:
    return Plan.of(
        kind,
        rows,
        df.index,
        units=grouping.units,
        count=len(grouping),
        payload=payload,
        duplicates=grouping.merged,
    )


def people(
    rows: Rows,
    labels: pd.Index,
    *,
    refuse_conflicts: bool,
    extra: dict[str, np.ndarray] | None = None,
    link_on: Sequence[str] = PERSON_KEYS,
) -> Grouping:
    """Rows naming the same person merged into one request when that loses nothing.

    ``extra`` holds the other per-row fields a merged request must agree on;
    ``link_on`` the identifiers that, shared, make two rows one person.
    """
    valid = rows.valid_mask()
    person = _person_fields(rows)
    keys = [person[str(rows.cmap.fields[k])] for k in link_on if k in rows.ids]
    groups = merge.linked_groups(keys, valid)
    fields = {**person, **(extra or {})}
    grouping = merge.group_rows(groups, fields, valid, split_conflicts=not refuse_conflicts)
    if refuse_conflicts:
        for group, differ in grouping.conflicts:
            for p in group:
                others = merge.name_rows(labels, [q for q in group if q != p])
                rows.problems.add(p, _refused(others, differ))
    if grouping.merged:
        rows.notes.append(_merged_note(len(grouping.merged)))
    if grouping.conflicts and not refuse_conflicts:
        rows.notes.append(_split_note(grouping.conflicts))
    return grouping


def _person_fields(rows: Rows) -> dict[str, np.ndarray]:
    """Every identifier a request for a person carries, by the column it came from.

    Emails are compared without regard to case: the same mailbox whatever the capitals.
    """
    columns = rows.cmap.fields
    fields = {str(columns[k]): (lowered(v) if k == "email" else v) for k, v in rows.ids.items()}
    fields.update({str(rows.cmap.custom_ids[k]): v for k, v in rows.custom.items()})
    return fields


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


def _split_note(conflicts: list[tuple[Unit, list[str]]]) -> str:
    rows = sum(len(group) for group, _ in conflicts)
    fields = sorted({d for _, differ in conflicts for d in differ})
    return (
        f"{rows} rows share a phone or email with another row but differ in "
        f"{', '.join(fields)}; each is sent as written, so that every phone and email is reached."
    )
