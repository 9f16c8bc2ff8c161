"""Ecommerce events (purchase, add-to-cart, product-view): one DataFrame row per item.

Rows sharing ``group_by`` (default: the order id column when there is one)
become one event with several items. A group is sent whole or not at all:
one bad line makes every line of its order invalid, each with its reason.
A purchase may say where it was made (``salesChannel``: a ``sales_channel``
column, or ``sales_channel=`` for every order), e.g. ``IN_STORE``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.plan import cells, mapping, options, validate
from attentive_nb.plan.caveats import as_now
from attentive_nb.plan.model import Columns, Payload, Plan, Unit
from attentive_nb.plan.prepare import (
    Rows,
    first,
    has_identifier,
    missing,
    prepare,
    require_identifier,
)
from attentive_nb.plan.users import event_user

REQUIRED = {"productId": "product_id", "productVariantId": "product_variant_id", "price": "price"}
TEXT_FIELDS = ("name", "productUrl", "productImage")
_CURRENCY = re.compile(r"^[A-Z]{3}\Z")

GroupBy = Hashable | Sequence[Hashable] | None
Convert = Callable[[object], tuple[object, str | None]]


def plan_ecommerce(
    df: pd.DataFrame,
    *,
    event: str = "purchase",
    group_by: Hashable | Sequence[Hashable] | None = None,
    currency: str = "USD",
    occurred_at_column: Hashable | None = None,
    columns: Columns | None = None,
    default_region: str = "US",
    timezone: str = "UTC",
    sales_channel: str | None = None,
    now: dt.datetime | pd.Timestamp | None = None,
) -> Plan:
    """Plan ``POST /v1/events/ecommerce/{event}``; see :meth:`Connection.send_ecommerce`.

    ``now`` is when "more than 12 hours old" counts from (default: the current time).
    """
    if event not in mapping.ECOMMERCE:
        raise ConfigError(f"event={event!r}: use one of {', '.join(mapping.ECOMMERCE)}.")
    default_currency = _currency_option(currency)
    default_channel = options.sales_channel_option(sales_channel, event)
    reserved = (
        options.claimed_columns(df, {occurred_at_column: "occurredAt"})
        if isinstance(df, pd.DataFrame)
        else {}
    )
    reserved.update(_group_reserved(df, group_by, columns, event))
    rows = prepare(
        df,
        event,
        columns=columns,
        default_region=default_region,
        timezone=timezone,
        reserved=reserved,
        per_row_identifier=False,
    )
    _require_item_columns(rows)
    items = _items(rows, default_currency)
    rows.now = as_now(now)
    stamps = options.occurred_at(rows, timezone)
    order_ids = _text(rows, "orderId")
    channels = _checked(rows, "salesChannel", options.sales_channel_text)
    groups = Groups(df, _group_columns(group_by, rows), rows.cmap.fields.get("orderId"))
    rows.events = groups.gid
    event_fields = {"occurredAt": stamps, "orderId": order_ids, "salesChannel": channels}
    _check_groups(rows, groups, event_fields)
    if event != "purchase" and order_ids is not None:
        rows.notes.append(
            f"column {rows.cmap.fields['orderId']!r} groups items; "
            f"{event} events carry no order id."
        )
    sent_fields = {**event_fields, "orderId": order_ids if event == "purchase" else None}
    valid = groups.valid_units(rows.valid_mask())
    return Plan.of(
        "ecommerce",
        rows,
        df.index,
        units=lambda: groups.units(valid),
        count=int(valid.sum()),
        payload=lambda unit: _body(rows, unit, items, sent_fields, default_channel),
        whole_input=f"its {groups.noun}s' lines may be anywhere in the input"
        if groups.columns
        else "",
    )


def _currency_option(currency: object) -> str:
    text = str(currency).strip().upper()
    if not _CURRENCY.match(text):
        raise ConfigError(f"currency={currency!r} is not a three-letter ISO 4217 code like 'USD'.")
    return text


def _group_reserved(
    df: object, group_by: GroupBy, columns: Columns | None, endpoint: str
) -> dict[Hashable, str]:
    """Group columns that are no payload field, so they are not reported unused."""
    if group_by is None or not isinstance(df, pd.DataFrame):
        return {}
    named = options.claimed_columns(df, dict.fromkeys(_as_list(group_by), "group_by"))
    explicit = columns or {}
    return {
        c: t
        for c, t in named.items()
        if c not in explicit and mapping.target_field(c, endpoint) is None
    }


def _group_columns(group_by: GroupBy, rows: Rows) -> list[Hashable]:
    if group_by is None:
        order = rows.cmap.fields.get("orderId")
        return [order] if order is not None else []
    return _as_list(group_by)


def _as_list(group_by: Hashable | Sequence[Hashable]) -> list[Hashable]:
    if isinstance(group_by, list | tuple):
        return list(group_by)
    return [group_by]


def _require_item_columns(rows: Rows) -> None:
    missing = [name for field, name in REQUIRED.items() if field not in rows.cmap.fields]
    if missing:
        raise ConfigError(
            f"send_ecommerce needs one row per item with columns {', '.join(REQUIRED.values())}; "
            f"missing: {', '.join(missing)} (map yours with columns={{'SKU': 'product_id'}})."
        )


# -- items -------------------------------------------------------------------------------------


def _items(rows: Rows, default_currency: str) -> dict[str, np.ndarray]:
    """Each item field's values; the required columns are there (checked before)."""
    found = {f: _text(rows, f, required=True) for f in ("productId", "productVariantId")}
    found.update({f: _text(rows, f) for f in TEXT_FIELDS if f in rows.cmap.fields})
    found["price"] = _checked(rows, "price", _number, required=True)
    found["currency"] = _filled(_checked(rows, "currency", _currency), default_currency, rows.n)
    if "quantity" in rows.cmap.fields:
        found["quantity"] = _checked(rows, "quantity", _whole)
    return {name: values for name, values in found.items() if values is not None}


def _text(rows: Rows, field: str, required: bool = False) -> np.ndarray | None:
    return _checked(rows, field, validate.id_text, required)


def _checked(rows: Rows, field: str, convert: Convert, required: bool = False) -> np.ndarray | None:
    """Convert one item column per distinct value; blanks in a required column are reasons."""
    col = rows.cmap.fields.get(field)
    if col is None:
        return None

    def check(value: object) -> tuple[object, str | None]:
        result, problem = convert(value)
        return result, (f"{col} {cells.quote(value)} {problem}" if problem else None)

    values, row_problems = cells.per_distinct(rows.frame[col], check)
    cells.report(rows.problems, row_problems)
    if required:
        blank = np.flatnonzero(missing(values))
        rows.problems.add_many(
            [int(p) for p in blank if row_problems[p] is None], f"{col} is empty"
        )
    return values


def _filled(values: np.ndarray | None, default: str, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = default if values is None else [default if v is None else v for v in values]
    return out


def _number(value: object) -> tuple[int | float | None, str | None]:
    if cells.is_blank(value):
        return None, None
    if isinstance(value, str):
        try:  # read exactly, then sent as json_scalar sends a Decimal: never through a float
            value = Decimal(value.strip())
        except ArithmeticError:
            return None, "is not a number"
    converted, problem, _ = validate.json_scalar(value)
    if problem or isinstance(converted, bool) or not isinstance(converted, (int, float)):
        return None, problem or "is not a number"
    return converted, None


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_INT64 = (-(2**63), 2**63 - 1)  # quantity is an int64 in Attentive's schema


def _whole(value: object) -> tuple[int | None, str | None]:
    """A quantity: a whole number within int64; text of digits read exactly, not via float."""
    number: int | float | None
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        number, problem = int(value.strip()), None
    else:
        number, problem = _number(value)
    if number is None:
        return None, problem
    if problem or not (isinstance(number, int) or number.is_integer()):
        return None, problem or "is not a whole number"
    if not _INT64[0] <= int(number) <= _INT64[1]:
        return None, f"is too large: Attentive takes quantities up to {_INT64[1]}"
    return int(number), None


def _currency(value: object) -> tuple[str | None, str | None]:
    text, problem = validate.id_text(value)
    if problem or text is None:
        return None, problem
    if not _CURRENCY.match(text.upper()):
        return None, "is not a three-letter currency code (ISO 4217) like USD"
    return text.upper(), None


def _body(
    rows: Rows,
    unit: Unit,
    items: dict[str, np.ndarray],
    event_fields: dict[str, np.ndarray | None],
    default_channel: str | None,
) -> Payload:
    """One event: its items, its person, and the event-level fields its lines give.

    ``default_channel`` (``sales_channel=``) is the channel of an order whose
    lines name none.
    """
    body: Payload = {"items": [_item(items, p) for p in unit], "user": event_user(rows, unit)}
    for name, values in event_fields.items():
        value = first(values, unit)
        if value is not None:
            body[name] = value
    channel = body.pop("salesChannel", default_channel)
    if channel is not None:
        body["salesChannel"] = {"channelType": channel}
    return body


def _item(items: dict[str, np.ndarray], p: int) -> Payload:
    out = {k: v[p] for k, v in items.items() if k not in ("price", "currency") and v[p] is not None}
    out["price"] = [{"value": items["price"][p], "currency": items["currency"][p]}]
    return out


# -- groups ------------------------------------------------------------------------------------


class Groups:
    """Row positions grouped into events, numbered in order of first appearance."""

    def __init__(
        self, df: pd.DataFrame, columns: list[Hashable], order_column: Hashable | None
    ) -> None:
        n = len(df)
        self.columns = columns
        self.frame = df[columns].reset_index(drop=True) if columns else None
        self.noun = "order" if columns == [order_column] else "group"
        self.gid = _group_ids(self.frame) if self.frame is not None else np.arange(n)
        self.order = np.argsort(self.gid, kind="stable")
        self.starts = np.flatnonzero(np.diff(self.gid[self.order], prepend=-1) != 0)
        self.n_groups = len(self.starts)
        self._labels: dict[int, str] = {}

    def label(self, p: int) -> str:
        """How messages name the event row ``p`` belongs to ("order 1001")."""
        if self.frame is None:
            return "this event"
        g = int(self.gid[p])
        if g not in self._labels:
            self._labels[g] = self._label(p)
        return self._labels[g]

    def _label(self, p: int) -> str:
        assert self.frame is not None
        key = "/".join(str(validate.id_text(v)[0]) for v in self.frame.iloc[p].tolist())
        return f"{self.noun} {key}"

    def members(self, groups: np.ndarray) -> np.ndarray:
        """Positions of every row in the given groups."""
        return np.flatnonzero(np.isin(self.gid, groups))

    def valid_units(self, valid_rows: np.ndarray) -> np.ndarray:
        """Per group: True when every line is valid."""
        bad = np.bincount(self.gid, weights=~valid_rows, minlength=self.n_groups)
        whole: np.ndarray = bad == 0
        return whole

    def units(self, valid_groups: np.ndarray) -> Iterator[Unit]:
        ends = np.r_[self.starts[1:], len(self.order)]
        for g in np.flatnonzero(valid_groups):
            yield tuple(int(p) for p in self.order[self.starts[g] : ends[g]])


def _group_ids(frame: pd.DataFrame) -> np.ndarray:
    """Group numbers by first appearance; a row with a blank key is an event of its own."""
    blank = frame.map(cells.is_blank).any(axis=1).to_numpy()
    n = len(frame)
    gid = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    gid = np.where(blank, n + np.arange(n), gid)
    _, first, inverse = np.unique(gid, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    ranked: np.ndarray = rank[inverse]
    return ranked


def _check_groups(rows: Rows, groups: Groups, extra: dict[str, np.ndarray | None]) -> None:
    """One person, one time and one order per group; one bad line spoils its group."""
    has_id = np.bincount(groups.gid, weights=has_identifier(rows), minlength=groups.n_groups) > 0
    require_identifier(rows, groups.members(np.flatnonzero(~has_id)))
    fields = {**rows.ids, **{f"custom id {k}": v for k, v in rows.custom.items()}, **extra}
    for name, values in fields.items():
        if values is None:
            continue
        for p in groups.members(_conflicting(groups.gid, values)):
            label = groups.label(int(p))
            rows.problems.add(int(p), f"lines of {label} have different {name} values")
    _spread(rows, groups)


def _conflicting(gid: np.ndarray, values: np.ndarray) -> np.ndarray:
    present = ~missing(values)
    if not present.any():
        return np.array([], dtype=np.int64)
    sub = pd.DataFrame({"g": gid[present], "v": pd.Series(values[present], dtype=object)})
    counts = sub.groupby("g")["v"].nunique()
    many: np.ndarray = counts.index[counts > 1].to_numpy()
    return many


def _spread(rows: Rows, groups: Groups) -> None:
    invalid = np.array(sorted(rows.problems.by_row), dtype=np.int64)
    if not len(invalid):
        return
    for p in groups.members(np.unique(groups.gid[invalid])):
        if p not in rows.problems:
            rows.problems.add(int(p), f"another line of {groups.label(int(p))} is invalid")
