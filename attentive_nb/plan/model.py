"""What a send would do, decided before anything is sent: the Plan.

The builders (``plan_subscribers`` and the others, see :mod:`attentive_nb.plan`)
are pure: a DataFrame and options in, a :class:`Plan` out. The plan knows
every invalid row and why, the repeated rows, the notes for the report, and
builds the request bodies lazily, a chunk at a time, so a million-row frame
never holds a million payloads.

A plan's units are what the ledger keys one by one: a request each, or for
the v2 bulk endpoint one person's record each, ``batch`` (256) of them to a
request body (:meth:`Plan.body`), so a re-run can send again only the people
whose records did not apply.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from attentive_nb.endpoints import ENDPOINTS, Endpoint
from attentive_nb.plan.caveats import caveats
from attentive_nb.plan.hashes import Hashes64
from attentive_nb.plan.people import Person, people_of
from attentive_nb.plan.prepare import Rows
from attentive_nb.plan.readings import ColumnReading

#: What an analyst can ask for: the word of the CLI and of the ``send_*`` methods.
KINDS = ("subscribers", "unsubscribe", "attributes", "events", "ecommerce")
#: The other plans: linking ids to people, and the look-ups (``conn.<kind>(df)``).
OTHER_KINDS = (
    "link_identifiers",
    "lookup_subscriptions",
    "lookup_attributes",
    "deletions",
    "coupons",
)
#: How reports and progress bars name a kind whose own name is not words.
KIND_WORDS = {
    "link_identifiers": "id links",
    "lookup_subscriptions": "subscriptions look-up",
    "lookup_attributes": "attributes look-up",
    "segment_members": "segment members",
    "deletions": "deletion requests",
    "coupons": "coupon codes",
}


def kind_words(kind: str) -> str:
    """``subscribers``, ``id links``, ``subscriptions look-up``: a kind in words."""
    return KIND_WORDS.get(kind, kind)


Unit = tuple[int, ...]  # the row positions one request carries
Payload = dict[str, Any]  # one request body, as JSON
Columns = Mapping[Hashable, str | None]  # ``columns=``: input column -> field (None: leave out)

# One encoder for every payload: json.dumps with options builds a new one per call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(payload: Payload) -> str:
    """The one text form of a payload (request keys, event ids): sorted keys, no spaces, no NaN."""
    return _CANONICAL.encode(payload)


def request_key(endpoint_name: str, payload: Payload, occurrence: int = 0) -> str:
    """The ledger key: sha256 of the endpoint name and the canonical payload (no PII in clear).

    ``occurrence`` tells identical requests of one plan apart (two identical
    product views with no time are two views): the n-th copy gets its own key,
    the first keeps the plain one.
    """
    return text_key(endpoint_name, canonical_json(payload), occurrence)


def text_key(endpoint_name: str, text: str, occurrence: int = 0) -> str:
    """:func:`request_key` of a payload already written as canonical JSON."""
    keyed = endpoint_name + "\n" + text
    if occurrence:
        keyed += f"\n#{occurrence}"
    return hashlib.sha256(keyed.encode("utf-8")).hexdigest()


class Request(NamedTuple):
    """One HTTP request body and the input rows it carries.

    ``text`` is the payload as canonical JSON, written once: the ledger key is
    its digest, and it is what goes on the wire (a look-up sends ``payload``
    as its query instead). ``people`` are the people and channels it reaches,
    hashed, for an endpoint that records them (:mod:`attentive_nb.plan.people`).
    A named tuple, not a dataclass: a million-member plan makes a million of
    them, and a tuple is made in a fraction of the time.
    """

    positions: Unit
    payload: Payload
    key: str
    text: str
    people: tuple[Person, ...] = ()

    def __repr__(self) -> str:  # payloads hold phones and emails: keep them out of reprs
        return f"Request(positions={self.positions!r}, key={self.key[:12]}…)"


_Draft = tuple[Unit, Payload, str, str]  # positions, payload, its text, the text keyed


class KeyCounter:
    """The ledger keys of one run: identical requests told apart by their occurrence.

    The n-th copy of a key gets ``#n`` in its digest, the first keeps the plain
    one. 64 bits of every key are kept as numpy runs (:class:`Hashes64`: 8
    bytes a request); only the few keys seen more than once hold a counter.
    ``admit`` may leave drafts out before they are keyed (a streamed run's
    repeats of an earlier chunk's event, see :mod:`attentive_nb.send.stream`).
    """

    def __init__(self) -> None:
        self._seen = Hashes64()
        self._copies: dict[int, int] = {}

    def admit(self, drafts: list[_Draft]) -> list[_Draft]:
        return drafts

    def assign(self, name: str, texts: Sequence[str]) -> list[str]:
        """The key of each text, in order, counting the copies seen before."""
        keys = [text_key(name, text) for text in texts]
        shorts = np.array([int(k[:16], 16) for k in keys], dtype=np.uint64)
        before, _ = self._seen.find(shorts)
        local: set[int] = set()
        for i, short in enumerate(shorts.tolist()):
            if before[i] or short in local:
                copy = self._copies.get(short, 0) + 1
                self._copies[short] = copy
                keys[i] = text_key(name, texts[i], copy)
            local.add(short)
        self._seen.add(shorts)
        return keys


@dataclass
class Plan:
    """The outcome of mapping and validation for one send call.

    ``invalid`` maps a row position to every reason it cannot be sent;
    ``skipped`` a row with nothing to send (every value blank: not an error,
    nothing to fix) to why it is sent nowhere.
    ``duplicates`` maps a row position to the earlier row it repeats: either
    carried by that row's request (the same person or event, merged because
    nothing is lost) or sent on its own and only flagged. ``readings`` says
    how each input column was read (``lookalikes``: the unread ones that
    look like phone numbers or emails). ``requests()`` yields every valid
    row's unit in input order; ``body()`` makes the HTTP body of ``batch``
    units (one, except for a bulk endpoint) and ``wire()`` the same as the
    JSON text sent. ``warnings`` are the notes to
    say before sending: what Attentive will accept but not act on.
    """

    kind: str  # what the analyst asked for: one of KINDS or OTHER_KINDS
    endpoint: Endpoint
    n_rows: int
    invalid: dict[int, list[str]]
    duplicates: dict[int, int]
    notes: list[str]
    # Phones and emails (not for reprs), as the report shows them: made when first read
    # (the report's), not while planning (a million members: 0.12 s of a plan's 3).
    _identifiers: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    column_map: dict[Hashable, str]
    readings: list[ColumnReading] = field(repr=False)
    _units: Callable[[], Iterator[Unit]] = field(repr=False, compare=False)
    _count: int = field(repr=False, compare=False)
    _payload: Callable[[Unit], Payload] = field(repr=False, compare=False)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    batch: int = 1  # units per HTTP request
    batch_field: str | None = None  # a bulk body: {batch_field: [each unit's payload]}
    envelope: Payload = field(default_factory=dict)  # a bulk body's other fields (externalId)
    key_scope: str = ""  # told into every ledger key (a segment's id: one person, two segments)
    # What of a payload names the request for the ledger (default: all of it). A deletion
    # is keyed by the normalised person alone, so a new message cannot make them look new.
    _keyed: Callable[[Payload], Payload] | None = field(default=None, repr=False, compare=False)
    path_args: dict[str, str] | None = None  # the endpoint path's {names} (a coupon pool's id)
    # Builds every unit's Request a chunk at a time, column by column (segment members):
    # ``requests()`` then yields its chunks. It must give what the general path gives.
    _chunked: Callable[[int], Iterator[list[Request]]] | None = field(
        default=None, repr=False, compare=False
    )
    # Why a large input must be planned whole before sending (its units group rows from
    # anywhere in it); "" when it may be planned a chunk at a time (send/stream.py).
    whole_input: str = ""

    @classmethod
    def of(
        cls,
        kind: str,
        rows: Rows,
        index: pd.Index,
        *,
        units: Callable[[], Iterator[Unit]],
        count: int,
        payload: Callable[[Unit], Payload],
        duplicates: dict[int, int] | None = None,
        property_prefix: str = "properties.",
        batch: int = 1,
        batch_field: str | None = None,
        envelope: Payload | None = None,
        key_scope: str = "",
        keyed: Callable[[Payload], Payload] | None = None,
        chunked: Callable[[int], Iterator[list[Request]]] | None = None,
        whole_input: str = "",
    ) -> Plan:
        """The plan of ``kind`` for rows prepared for one endpoint (``rows.endpoint``)."""
        warnings = caveats(rows)
        return cls(
            kind=kind,
            endpoint=ENDPOINTS[rows.endpoint],
            n_rows=rows.n,
            invalid=dict(sorted(rows.problems.by_row.items())),
            duplicates=duplicates or {},
            notes=rows.all_notes() + warnings,
            _identifiers=lambda: rows.identifiers_frame(index),
            column_map=rows.cmap.column_map(property_prefix),
            readings=rows.readings,
            _units=units,
            _count=count,
            _payload=payload,
            warnings=warnings,
            skipped=dict(sorted(rows.skips.items())),
            batch=batch,
            batch_field=batch_field,
            envelope=dict(envelope or {}),
            key_scope=key_scope,
            _keyed=keyed,
            _chunked=chunked,
            whole_input=whole_input,
        )

    @cached_property
    def identifiers(self) -> pd.DataFrame:
        """The identifiers of every row, normalised (or raw where invalid), by input index."""
        return self._identifiers()

    @property
    def lookalikes(self) -> list[ColumnReading]:
        """Columns no field reads whose values (or name) look like phone numbers or emails."""
        return [r for r in self.readings if r.looks_like]

    @property
    def n_valid(self) -> int:
        """Rows that passed validation, skipped ones aside: every one is carried by a request."""
        return self.n_rows - len(self.invalid) - len(self.skipped)

    @property
    def n_requests(self) -> int:
        """How many HTTP requests carry every valid row (``batch`` units each, at most)."""
        return self._count

    def body(self, units: Sequence[Request]) -> Payload:
        """The HTTP body carrying ``units``: a unit's own payload, or the bulk envelope."""
        if self.batch_field is None:
            (unit,) = units
            return unit.payload
        return {**self.envelope, self.batch_field: [unit.payload for unit in units]}

    def wire(self, units: Sequence[Request]) -> str:
        """:meth:`body` as the JSON text sent, made of the units' texts (nothing written twice)."""
        if self.batch_field is None:
            (unit,) = units
            return unit.text
        head = canonical_json(self.envelope)[1:-1] + "," if self.envelope else ""
        texts = ",".join([unit.text for unit in units])  # a list: join reads it in one go
        return f'{{{head}"{self.batch_field}":[{texts}]}}'

    def rows_read(self) -> int:
        """The rows this plan has read: all of them (a streamed plan's, those read so far)."""
        return self.n_rows

    @property
    def key_name(self) -> str:
        """What every ledger key of this plan is a digest of, besides its payload."""
        return self.endpoint.name + self.key_scope

    def requests(
        self, chunk_size: int = 5000, keys: KeyCounter | None = None, offset: int = 0
    ) -> Iterator[list[Request]]:
        """Units in input order, in lists covering about ``chunk_size`` input rows each.

        ``keys`` counts identical requests across plans (a streamed run's chunks share
        one, so every key is the one a whole-frame run gives); ``offset`` is added to
        every row position (the chunk's place in the stream).
        """
        if self._chunked is not None:
            yield from self._chunked(chunk_size)
            return
        keys = keys if keys is not None else KeyCounter()
        drafts: list[_Draft] = []
        carried = 0
        for positions in self._units():
            payload = self._payload(positions)
            text = canonical_json(payload)
            keyed = text if self._keyed is None else canonical_json(self._keyed(payload))
            if offset:
                positions = tuple(p + offset for p in positions)
            drafts.append((positions, payload, text, keyed))
            carried += len(positions)
            if carried >= chunk_size:
                yield self._keyed_requests(drafts, keys)
                drafts, carried = [], 0
        if drafts:
            yield self._keyed_requests(drafts, keys)

    def _keyed_requests(self, drafts: list[_Draft], keys: KeyCounter) -> list[Request]:
        drafts = keys.admit(drafts)
        named = keys.assign(self.key_name, [keyed for _, _, _, keyed in drafts])
        reach = self.endpoint.reaches
        return [
            Request(positions, payload, key, text, people_of(reach, payload) if reach else ())
            for (positions, payload, text, _), key in zip(drafts, named)
        ]

    def __repr__(self) -> str:
        return (
            f"Plan(kind={self.kind!r}, rows={self.n_rows}, valid={self.n_valid}, "
            f"invalid={len(self.invalid)}, skipped={len(self.skipped)}, "
            f"duplicates={len(self.duplicates)}, requests={self.n_requests})"
        )
