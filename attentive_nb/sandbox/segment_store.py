"""The sandbox's segments: name, description, times, and their members once jobs have run.

A member is the identifiers it was added with; adding someone who shares an
identifier with a member merges the two (adding twice is adding once), and
removing takes out every member sharing an identifier with the one named.
The caller holds the state's lock.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

MEMBER_IDS = ("email", "phone", "clientUserId")


Key = tuple[str, str]  # (identifier name, value), emails without case


@dataclass
class Segment:
    external_id: str
    name: str
    description: str
    created: str
    updated: str
    _members: dict[int, dict[str, str]] = field(default_factory=dict)
    _index: dict[Key, int] = field(default_factory=dict)  # identifier -> member number
    _next: int = 0

    @property
    def members(self) -> list[dict[str, str]]:
        return list(self._members.values())

    def answer(self) -> dict[str, Any]:
        """The segment as ``SegmentResponse``."""
        return {
            "externalId": self.external_id,
            "name": self.name,
            "description": self.description,
            "created": self.created,
            "updated": self.updated,
        }

    def add(self, member: dict[str, str]) -> None:
        """Put the person in: merged with every member sharing one of their identifiers."""
        merged: dict[str, str] = {}
        for number in self._sharing(member):
            merged.update(self._drop(number))
        merged.update({k: member[k] for k in MEMBER_IDS if k in member})
        number, self._next = self._next, self._next + 1
        self._members[number] = merged
        for key in _keys(merged):
            self._index[key] = number

    def remove(self, member: dict[str, str]) -> bool:
        """Take out every member sharing an identifier with ``member``; True if any was in."""
        numbers = self._sharing(member)
        for number in numbers:
            self._drop(number)
        return bool(numbers)

    def _sharing(self, member: dict[str, str]) -> set[int]:
        return {self._index[k] for k in _keys(member) if k in self._index}

    def _drop(self, number: int) -> dict[str, str]:
        gone = self._members.pop(number)
        for key in _keys(gone):
            if self._index.get(key) == number:
                del self._index[key]
        return gone


def _keys(member: dict[str, str]) -> list[Key]:
    return [
        (k, member[k].lower() if k == "email" else member[k]) for k in MEMBER_IDS if k in member
    ]


class SegmentStore:
    """Every segment by external id, in the order made."""

    def __init__(self) -> None:
        self.by_id: dict[str, Segment] = {}

    def create(self, name: str, description: str | None, external_id: str | None) -> Segment:
        now = _now()
        segment = Segment(
            external_id or f"SEG_{secrets.token_hex(6)}",
            name,
            description or "Manual Segment Upload Public API V2",
            now,
            now,
        )
        self.by_id[segment.external_id] = segment
        return segment

    def touch(self, segment: Segment) -> None:
        segment.updated = _now()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
