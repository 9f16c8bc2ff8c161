"""What a streamed run checks of each request against the chunks read before it.

A chunk's own plan checks its rows as a whole frame would; what spans chunks is
decided here, for each kind that needs it, from 64-bit hashes of what earlier
chunks sent (:class:`~attentive_nb.plan.hashes.Hashes64`), never their rows. A
request (a draft, before it is keyed) is kept, *carried* by an earlier row (the
same request was sent before: the row gets that row's outcome at the end, as one
request carrying both would), or *refused* with a reason (the earlier row was
sent already, so only the later one can be). Each check sees the drafts in
stream order, a list at a time, on the one thread that plans the stream.

- events: the same event id with the same text is carried; with another text the
  later row is refused.
- id links: the same link is carried; an id an earlier chunk gave to a different
  phone or email is refused (Attentive would make the two people one). An id keeps
  the first phone and email any row linked it with, and a row's other ids lend it
  theirs, so a chain of rows across chunks is followed forward.
- look-ups: the same question is carried (one answer is both rows').
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np
import pandas as pd

from attentive_nb.plan.hashes import Hashes64, hash64
from attentive_nb.plan.model import _Draft
from attentive_nb.plan.prepare import lowered


class Carried(NamedTuple):
    """The draft's rows take the outcome of row ``first`` (its request was sent before)."""

    first: int


class Refused(NamedTuple):
    """The draft's rows are invalid, for ``reason``."""

    reason: str


Verdict = Carried | Refused | None  # None: sent


class Check(Protocol):
    def verdicts(self, drafts: Sequence[_Draft]) -> list[Verdict]: ...


def check_for(kind: str) -> Check | None:
    """The cross-chunk check of ``kind`` (None: its requests need none)."""
    make = _CHECKS.get(kind)
    return make() if make else None


def _texts(drafts: Sequence[_Draft]) -> np.ndarray:
    return hash64(np.array([text for _, _, text, _ in drafts], dtype=object))


def _firsts(drafts: Sequence[_Draft]) -> np.ndarray:
    return np.array([positions[0] for positions, _, _, _ in drafts], dtype=np.int64)


class _Events:
    """An event id seen before: the same event is carried, another one refused."""

    def __init__(self) -> None:
        self._events = Hashes64(width=2)  # event id -> first row, its text's hash

    def verdicts(self, drafts: Sequence[_Draft]) -> list[Verdict]:
        ids = hash64(np.array([payload["externalEventId"] for _, payload, _, _ in drafts]))
        texts = _texts(drafts).view(np.int64)
        found, earlier = self._events.find(ids)
        self._events.add(ids, np.column_stack([_firsts(drafts), texts]))
        out: list[Verdict] = []
        for i, (_, payload, _, _) in enumerate(drafts):
            first = int(earlier[i, 0])
            if not found[i]:
                out.append(None)
            elif earlier[i, 1] == texts[i]:
                out.append(Carried(first))
            else:
                out.append(
                    Refused(
                        f"event id {payload['externalEventId']!r} is also used by row {first} "
                        "(an earlier chunk) for a different event; give each event its own id"
                    )
                )
        return out


class _Lookups:
    """The same question asked before: its one answer is the later row's too."""

    def __init__(self) -> None:
        self._asked = Hashes64(width=1)  # the query's text -> first row

    def verdicts(self, drafts: Sequence[_Draft]) -> list[Verdict]:
        texts = _texts(drafts)
        found, earlier = self._asked.find(texts)
        self._asked.add(texts, _firsts(drafts).reshape(-1, 1))
        return [Carried(int(earlier[i, 0])) if found[i] else None for i in range(len(drafts))]


_PERSON = ("phone", "email")


class _Links:
    """An id (field and value) -> the first row that linked it, and its person's phone and
    email (each kept where it was first known, so a later row filling one in counts).

    A list of drafts is checked in one go against the lists before it: the drafts of one
    list come from one chunk, whose plan has already refused its own clashes.
    """

    def __init__(self) -> None:
        self._links = Hashes64(width=1)  # the link's text -> first row
        self._person = {f: Hashes64(width=2) for f in _PERSON}  # id -> row, phone/email hash

    def verdicts(self, drafts: Sequence[_Draft]) -> list[Verdict]:
        texts = _texts(drafts)
        same, earlier = self._links.find(texts)
        firsts = _firsts(drafts)
        ids, owner = _ids(drafts)
        refused = np.full(len(drafts), -1, dtype=np.int64)  # the row it clashes with
        clash = np.empty(len(drafts), dtype=object)
        people = []
        for field in _PERSON:
            own, has = _person_hashes(drafts, field)
            known, source, row = self._known(field, ids, owner, own, has, len(drafts))
            new = (refused < 0) & (row >= 0)
            refused[new], clash[new] = row[new], field
            lent = ~has & (source >= 0)  # no value of its own: its ids' person's
            people.append(
                (field, np.where(has, own, known), np.where(has, firsts, source), has | lent)
            )
        keep = ~same & (refused < 0)
        for field, value, source, given in people:  # every id of a kept row: its person's
            at = keep[owner] & given[owner]
            rows = np.column_stack([source[owner[at]], value[owner[at]]])
            self._person[field].add(ids[at], rows)
        self._links.add(texts[keep], firsts[keep].reshape(-1, 1))
        out: list[Verdict] = []
        for i in range(len(drafts)):
            if same[i]:
                out.append(Carried(int(earlier[i, 0])))
            elif refused[i] >= 0:
                out.append(_shared(int(refused[i]), str(clash[i])))
            else:
                out.append(None)
        return out

    def _known(
        self,
        field: str,
        ids: np.ndarray,
        owner: np.ndarray,
        own: np.ndarray,
        has: np.ndarray,
        n: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per draft: the ``field`` its ids were linked with before, the row that gave
        it (-1: none; lent to a draft without one), and the row it clashes with (-1)."""
        found, earlier = self._person[field].find(ids)
        who, values, rows = owner[found], earlier[found, 1], earlier[found, 0]
        clash = np.full(n, -1, dtype=np.int64)
        differs = has[who] & (values != own[who])  # its own value is not the id's person's
        lowest = np.full(n, np.iinfo(np.int64).max)
        highest = np.full(n, np.iinfo(np.int64).min)
        np.minimum.at(lowest, who, values)
        np.maximum.at(highest, who, values)
        differs |= ~has[who] & (lowest[who] != highest[who])  # its ids are two people's
        for i, row in zip(who[differs][::-1], rows[differs][::-1]):  # the first clash named
            clash[i] = row
        source = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(source, who, rows)
        source[source == np.iinfo(np.int64).max] = -1
        known = np.where(source >= 0, lowest, 0)
        return known, source, clash


def _ids(drafts: Sequence[_Draft]) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of every draft's ids, flat, and the draft each belongs to."""
    written, owner = [], []
    for i, (_, payload, _, _) in enumerate(drafts):
        attached = _attached(payload)
        written += attached
        owner += [i] * len(attached)
    return hash64(np.array(written, dtype=object)), np.array(owner, dtype=np.intp)


def _person_hashes(drafts: Sequence[_Draft], field: str) -> tuple[np.ndarray, np.ndarray]:
    """Each draft's phone (or lowered email) as a hash, and whether it has one."""
    values = np.array([payload.get(field) for _, payload, _, _ in drafts], dtype=object)
    has = ~pd.isna(values)
    hashes = np.zeros(len(drafts), dtype=np.int64)
    if has.any():
        given = lowered(values[has]) if field == "email" else values[has]
        hashes[has] = hash64(np.asarray(given, dtype=object)).view(np.int64)
    return hashes, has


def _attached(payload: dict[str, Any]) -> list[str]:
    """The ids a link attaches, written ``field=value`` (custom ones by their name)."""
    out = [f"{k}={v}" for k, v in payload.items() if k not in _PERSON and k != "customIdentifiers"]
    out += [f"custom:{c['name']}={c['value']}" for c in payload.get("customIdentifiers", ())]
    return out


def _shared(first: int, field: str) -> Refused:
    return Refused(
        f"shares an id with row {first} (an earlier chunk), which gives a different {field}: "
        "linking both would make two people one at Attentive; give each id to one person "
        f"(row {first} was linked before this row was read)"
    )


_CHECKS: dict[str, type[_Events] | type[_Links] | type[_Lookups]] = {
    "events": _Events,
    "link_identifiers": _Links,
    "lookup_subscriptions": _Lookups,
    "lookup_attributes": _Lookups,
}
