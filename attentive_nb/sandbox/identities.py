"""Who is who in the sandbox: identifiers linked to people, as Attentive's identity resolution.

A phone or an email names a person by itself (the person is made the first
time one is seen). An external id (``clientUserId``, ``shopifyId``,
``klaviyoId``, a custom id) names a person only once it has been linked to
them: by ``POST /v1/identity-resolution/user-identifiers``, or by a
subscribe that carries ``externalIdentifiers``. An event or attribute naming
only unlinked external ids reaches nobody. Linking ids that already name two
different people makes them one person ("bridging", which Attentive warns of).

Emails are matched trimmed and without case, the local part included:
Attentive documents no rule, and where it is silent the toolkit treats an
address as mail providers do, one mailbox whatever the capitals (the
library's ledger matches people the same way, :mod:`attentive_nb.plan.people`).

Identifiers are keys ``(kind, value)``: ``("phone", "+1…")``,
``("clientUserId", "u1")``, ``("custom:loyaltyId", "L1")``. Not thread safe
on its own: :class:`~attentive_nb.sandbox.state.State` holds the lock.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

Key = tuple[str, str]
PERSON_KINDS = ("phone", "email")
EXTERNAL_KINDS = ("clientUserId", "shopifyId", "klaviyoId")


def matched(kind: str, value: str) -> str:
    """A value as people are matched by: an email trimmed and lower-cased, the rest as is."""
    return value.strip().lower() if kind == "email" else value


def key_for(who: str | Key) -> Key:
    """A key from a bare value as tests write it: ``+1…`` a phone, ``a@b`` an email,
    anything else a ``clientUserId``; a key is returned matched (emails without case)."""
    if isinstance(who, tuple):
        return (who[0], matched(*who))
    if who.startswith("+"):
        return ("phone", who)
    return ("email", matched("email", who)) if "@" in who else ("clientUserId", who)


def user_keys(user: dict[str, Any]) -> list[Key]:
    """Every identifier of a request's person, phone and email first.

    Takes v1's ``EventUser`` (``externalIdentifiers`` inside ``user``), a
    subscribe body's ``user`` and ``externalIdentifiers`` merged by the
    caller, or an identity body (identifiers at the top).
    """
    flat = {**user, **(user.get("externalIdentifiers") or {})}
    keys = [(k, matched(k, str(flat[k]))) for k in (*PERSON_KINDS, *EXTERNAL_KINDS) if flat.get(k)]
    for custom in flat.get("customIdentifiers") or []:
        if isinstance(custom, dict) and custom.get("name") and custom.get("value"):
            keys.append((f"custom:{custom['name']}", str(custom["value"])))
    return keys


class Identities:
    """Keys -> person numbers."""

    def __init__(self) -> None:
        self._person: dict[Key, int] = {}
        self._numbers = itertools.count(1)

    def find(self, keys: Iterable[Key]) -> int | None:
        """The person the first known key names, or None."""
        return next((self._person[k] for k in keys if k in self._person), None)

    def resolve(self, keys: Iterable[Key]) -> int | None:
        """The person a request names: found by any linked key, else made for its phone or
        email; its new phones and emails join that person. None: nobody (unlinked ids only)."""
        keys = list(keys)
        person = self.find(keys)
        direct = [k for k in keys if k[0] in PERSON_KINDS]
        if person is None and not direct:
            return None
        if person is None:
            person = next(self._numbers)
        for key in direct:
            self._person.setdefault(key, person)
        return person

    def link(self, keys: Iterable[Key]) -> tuple[int, set[int]]:
        """Make every key one person; returns it and the people merged into it (bridged)."""
        keys = list(keys)
        found = {self._person[k] for k in keys if k in self._person}
        person = min(found) if found else next(self._numbers)
        merged = found - {person}
        for key, other in self._person.items():
            if other in merged:
                self._person[key] = person
        for key in keys:
            self._person[key] = person
        return person, merged

    def keys_of(self, person: int) -> list[Key]:
        """Every key linked to ``person``, in the order they were first seen."""
        return [k for k, p in self._person.items() if p == person]
