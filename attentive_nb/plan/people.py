"""The people a request reaches, as the ledger records them: hashed, normalised identifiers.

A request body is keyed by its exact text; a person is keyed by what
Attentive would match them by, so a re-run whose rows were respelled (an
email in capitals, with spaces around it; a phone written another way, which
validation has already turned into E.164) is still known as the same person.

The rule for emails: trimmed, and compared without case, the local part
(before the ``@``) included. Attentive documents no rule for the local part;
where it is silent the toolkit treats addresses as the mail providers do, as
one mailbox whatever the capitals (the sandbox matches them the same way).
Values are still sent as written; only the ledger's digest uses this form.

Each person is one channel (a phone reaches TEXT, an email EMAIL) under one
scope (the sign-up source, or for an unsubscribe the subscriptions named),
for one action (:class:`~attentive_nb.endpoints.Reach`): the digest of
``action, channel, identifier, scope``, never the identifier in clear.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from attentive_nb.endpoints import Reach

Person = tuple[str, str]  # (sha256 hex digest, channel)


def normalised(channel: str, value: str) -> str:
    """The identifier as compared: an email trimmed and lower-cased, a phone trimmed."""
    text = value.strip()
    return text.lower() if channel == "EMAIL" else text


def person_key(action: str, channel: str, value: str, scope: Mapping[str, Any]) -> str:
    """The ledger's digest of one person on one channel (no identifier in clear)."""
    scoped = json.dumps(dict(scope), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = "\n".join(("person", action, channel, normalised(channel, value), scoped))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def people_of(reach: Reach, payload: Mapping[str, Any]) -> tuple[Person, ...]:
    """Every (digest, channel) a body reaches, by the endpoint's declaration."""
    found = {"TEXT": _at(payload, reach.phone), "EMAIL": _at(payload, reach.email)}
    if reach.channels is None:
        scope = {name: payload[name] for name in reach.scope if name in payload}
        wanted: list[tuple[str, dict[str, Any]]] = [(channel, scope) for channel in found]
    else:
        items = payload.get(reach.channels) or []
        wanted = [(str(i.get("channel")), _source(i)) for i in items if isinstance(i, dict)]
    out: dict[str, str] = {}
    for channel, scope in wanted:
        value = found.get(str(channel))
        if isinstance(value, str) and value.strip():
            out.setdefault(person_key(reach.action, channel, value, scope), channel)
    return tuple(out.items())


def _source(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"signUpSourceId": item["signUpSourceId"]} if "signUpSourceId" in item else {}


def _at(payload: Mapping[str, Any], path: str) -> object:
    value: object = payload
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value
