"""Plans for look-ups: what Attentive knows of each row's person, asked by phone or email.

``GET /v1/subscriptions`` (subscription eligibility) takes a phone and/or an
email; ``GET /v1/attributes/custom`` exactly one of them (both is a 400), so
a row giving both is looked up by its phone. The payload of a look-up is its
query (``{"phone": "+1…"}``): nothing is sent in a body. Rows asking the same
question are asked once, and the one answer is every such row's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.plan import merge
from attentive_nb.plan.model import Columns, Payload, Plan, canonical_json
from attentive_nb.plan.prepare import Rows, missing, prepare
from attentive_nb.plan.users import PERSON_KEYS


def plan_subscription_lookup(
    df: pd.DataFrame, *, columns: Columns | None = None, default_region: str = "US"
) -> Plan:
    """Plan ``GET /v1/subscriptions``; see :meth:`Connection.lookup_subscriptions`."""
    return _lookups("lookup_subscriptions", "subscriptions", df, columns, default_region)


def plan_attribute_lookup(
    df: pd.DataFrame, *, columns: Columns | None = None, default_region: str = "US"
) -> Plan:
    """Plan ``GET /v1/attributes/custom``; see :meth:`Connection.lookup_attributes`."""
    return _lookups("lookup_attributes", "attributes_read", df, columns, default_region)


def _lookups(
    kind: str, endpoint: str, df: pd.DataFrame, columns: Columns | None, default_region: str
) -> Plan:
    rows = prepare(df, endpoint, columns=columns, default_region=default_region)
    _one_note_for_other_columns(rows)
    one_of_them = endpoint == "attributes_read"
    if one_of_them:
        _note_phone_first(rows)
    queries = np.empty(rows.n, dtype=object)
    for p in np.flatnonzero(rows.valid_mask()):
        queries[p] = _query(rows, int(p), one_of_them)
    grouping = _same_questions(rows, queries)
    return Plan.of(
        kind,
        rows,
        df.index,
        units=grouping.units,
        count=len(grouping),
        payload=lambda unit: dict(queries[unit[0]]),
        duplicates=grouping.merged,
    )


def _one_note_for_other_columns(rows: Rows) -> None:
    """A look-up's frame often holds much more than phones and emails: one note, not one each."""
    words = ENDPOINTS[rows.endpoint].words
    each = {f"column {c!r} is not used by {words}." for c in rows.cmap.unused}
    if len(each) > 1:
        listed = ", ".join(repr(c) for c in rows.cmap.unused)
        rows.notes[:] = [n for n in rows.notes if n not in each]
        rows.notes.append(f"{len(each)} columns are not used by {words}: {listed}.")


def _query(rows: Rows, p: int, one_of_them: bool) -> Payload:
    """The row's phone and email (only the first of them where the endpoint takes one)."""
    query = {k: rows.ids[k][p] for k in PERSON_KEYS if k in rows.ids and rows.ids[k][p]}
    return dict([next(iter(query.items()))]) if one_of_them else query


def _same_questions(rows: Rows, queries: np.ndarray) -> merge.Grouping:
    """Rows asking exactly the same question: one request answers them all."""
    valid = rows.valid_mask()
    keys = np.empty(rows.n, dtype=object)
    keys[valid] = [canonical_json(q) for q in queries[valid]]
    grouping = merge.group_rows(
        merge.linked_groups([keys], valid), {"query": keys}, valid, split_conflicts=False
    )
    count = len(grouping.merged)
    if count:
        rows.notes.append(
            f"{count:,} {'row asks' if count == 1 else 'rows ask'} about a person asked about "
            "earlier in the data; one look-up answers them all."
        )
    return grouping


def _note_phone_first(rows: Rows) -> None:
    if not all(k in rows.ids for k in PERSON_KEYS):
        return
    both = ~missing(rows.ids["phone"]) & ~missing(rows.ids["email"]) & rows.valid_mask()
    count = int(both.sum())
    if count:
        rows.notes.append(
            f"{count:,} {'row gives' if count == 1 else 'rows give'} both a phone and an email: "
            "Attentive looks attributes up by one of them, so these are looked up by the phone."
        )
