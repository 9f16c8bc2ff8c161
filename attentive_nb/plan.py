"""What a send would do, decided before anything is sent: the Plan.

``plan_*`` functions are pure: a DataFrame and options in, a :class:`Plan`
out. The plan knows every invalid row and why, the duplicates, the notes for
the report, and builds the request bodies lazily, a chunk at a time, so a
million-row frame never holds a million payloads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd

from attentive_nb import ecommerce, payloads
from attentive_nb.endpoints import ENDPOINTS, Endpoint
from attentive_nb.payloads import canonical_json
from attentive_nb.prepare import Draft

__all__ = [
    "Plan",
    "Request",
    "plan_attributes",
    "plan_ecommerce",
    "plan_events",
    "plan_subscribers",
    "plan_unsubscribe",
    "request_key",
]


def request_key(endpoint_name: str, payload: dict, occurrence: int = 0) -> str:
    """The ledger key: sha256 of the endpoint name and the canonical payload (no PII in clear).

    ``occurrence`` tells identical requests of one plan apart (two identical
    product views with no time are two views): the n-th copy gets its own key,
    the first keeps the plain one.
    """
    text = endpoint_name + "\n" + canonical_json(payload)
    if occurrence:
        text += f"\n#{occurrence}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Request:
    """One HTTP request body and the input rows it carries."""

    positions: tuple[int, ...]
    payload: dict
    key: str

    def __repr__(self) -> str:  # payloads hold phones and emails: keep them out of reprs
        return f"Request(positions={self.positions!r}, key={self.key[:12]}…)"


@dataclass
class Plan:
    """The outcome of mapping and validation for one send call.

    ``invalid`` maps a row position to every reason it cannot be sent.
    ``duplicates`` maps a row position to the earlier row it repeats: either
    carried by that row's request (the same person or event, merged because
    nothing is lost) or sent on its own and only flagged. ``requests()``
    yields every valid row's request in input order.
    """

    kind: str
    endpoint: Endpoint
    n_rows: int
    invalid: dict[int, list[str]]
    duplicates: dict[int, int]
    notes: list[str]
    identifiers: pd.DataFrame
    column_map: dict[str, str]
    _units: Callable[[], Iterator[tuple[int, ...]]] = field(repr=False, compare=False)
    _count: int = field(repr=False, compare=False)
    _payload: Callable[[tuple[int, ...]], dict] = field(repr=False, compare=False)

    @classmethod
    def from_draft(cls, draft: Draft) -> Plan:
        """Assemble a Plan from what a payload module built."""
        rows = draft.rows
        return cls(
            kind=draft.kind,
            endpoint=ENDPOINTS[draft.kind],
            n_rows=rows.n,
            invalid=dict(sorted(rows.problems.by_row.items())),
            duplicates=draft.duplicates,
            notes=rows.all_notes(),
            identifiers=draft.identifiers,
            column_map=draft.column_map,
            _units=draft.units,
            _count=draft.count,
            _payload=draft.payload,
        )

    @property
    def n_valid(self) -> int:
        """Rows that passed validation: every one is carried by a request."""
        return self.n_rows - len(self.invalid)

    @property
    def n_requests(self) -> int:
        """How many requests ``requests()`` yields in all."""
        return self._count

    def requests(self, chunk_size: int = 5000) -> Iterator[list[Request]]:
        """Requests in input order, in lists covering about ``chunk_size`` input rows each."""
        batch: list[Request] = []
        carried = 0
        seen: set[int] = set()  # 64 bits of each key: a million requests in ~60 MB
        copies: dict[int, int] = {}  # the few keys seen more than once: copies so far
        for positions in self._units():
            payload = self._payload(positions)
            key = request_key(self.endpoint.name, payload)
            short = int(key[:16], 16)
            if short in seen:
                copies[short] = copies.get(short, 0) + 1
                key = request_key(self.endpoint.name, payload, copies[short])
            seen.add(short)
            batch.append(Request(positions, payload, key))
            carried += len(positions)
            if carried >= chunk_size:
                yield batch
                batch, carried = [], 0
        if batch:
            yield batch

    def __repr__(self) -> str:
        return (
            f"Plan(kind={self.kind!r}, rows={self.n_rows}, valid={self.n_valid}, "
            f"invalid={len(self.invalid)}, duplicates={len(self.duplicates)}, "
            f"requests={self.n_requests})"
        )


def plan_subscribers(
    df: pd.DataFrame,
    *,
    sign_up_source_id: str | None = None,
    locale=None,
    subscription_type: str | None = None,
    single_opt_in: bool = False,
    columns: dict | None = None,
    default_region: str = "US",
) -> Plan:
    """Plan ``POST /v1/subscriptions``: one request per person, repeats sent once.

    Needs ``sign_up_source_id``, or ``locale`` ("en-US" or {"language", "country"})
    with ``subscription_type`` ("MARKETING" or "TRANSACTIONAL").
    """
    return Plan.from_draft(
        payloads.subscribers(
            df,
            sign_up_source_id=sign_up_source_id,
            locale=locale,
            subscription_type=subscription_type,
            single_opt_in=single_opt_in,
            columns=columns,
            region=default_region,
        )
    )


def plan_unsubscribe(
    df: pd.DataFrame,
    *,
    subscriptions=None,
    notify: bool = True,
    columns: dict | None = None,
    default_region: str = "US",
) -> Plan:
    """Plan ``POST /v1/subscriptions/unsubscribe``; ``notify=False`` suppresses the confirmation.

    ``subscriptions``: None for all, or a list of {"type", "channel"} dicts or
    ("MARKETING", "TEXT") pairs.
    """
    return Plan.from_draft(
        payloads.unsubscribe(
            df,
            subscriptions=subscriptions,
            notify=notify,
            columns=columns,
            region=default_region,
        )
    )


def plan_attributes(
    df: pd.DataFrame,
    *,
    bulk: bool = False,
    columns: dict | None = None,
    default_region: str = "US",
    timezone: str = "UTC",
) -> Plan:
    """Plan custom attributes: v1 one person per request, or ``bulk=True``: v2, 256 per request."""
    return Plan.from_draft(
        payloads.attributes(
            df,
            bulk=bulk,
            columns=columns,
            region=default_region,
            timezone=timezone,
        )
    )


def plan_events(
    df: pd.DataFrame,
    *,
    event_type: str | None = None,
    type_column=None,
    occurred_at_column=None,
    event_id_column=None,
    columns: dict | None = None,
    default_region: str = "US",
    timezone: str = "UTC",
) -> Plan:
    """Plan ``POST /v1/events/custom``: one event per row.

    The type comes from ``event_type=`` or ``type_column=``. ``externalEventId``
    comes from ``event_id_column`` or is a UUID5 of the event's content, the same
    in every run.
    """
    return Plan.from_draft(
        payloads.events(
            df,
            event_type=event_type,
            type_column=type_column,
            occurred_at_column=occurred_at_column,
            event_id_column=event_id_column,
            columns=columns,
            region=default_region,
            timezone=timezone,
        )
    )


def plan_ecommerce(
    df: pd.DataFrame,
    *,
    event: str = "purchase",
    group_by=None,
    currency: str = "USD",
    occurred_at_column=None,
    columns: dict | None = None,
    default_region: str = "US",
    timezone: str = "UTC",
) -> Plan:
    """Plan ecommerce events (purchase, add-to-cart, product-view): one row per item.

    Rows sharing ``group_by`` (default: the ``order_id`` column when there is
    one) become one event with several items.
    """
    return Plan.from_draft(
        ecommerce.plan(
            df,
            event=event,
            group_by=group_by,
            currency=currency,
            occurred_at_column=occurred_at_column,
            columns=columns,
            region=default_region,
            timezone=timezone,
        )
    )
