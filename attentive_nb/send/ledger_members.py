"""Segment members in the ledger: whom this folder put in a segment, and took out.

Attentive has no way to list a segment's members, so a mirror works from
what this ledger did: table ``segment_members`` holds, per company, segment
(external id) and person (a digest of the identifiers, as bulk results are
matched), whether the last sync wanted the person ``in`` or ``out``, and the
member record itself, sealed (:func:`seal`), because taking someone out means
naming them to Attentive again. The key that seals sits beside the ledger in
``members.key`` (0600); the ledger file alone names nobody.

The member requests themselves go through the ledger like any bulk record
(claimed, submitted, settled). When a person's wish flips (taken out, later
put back), the record of the earlier request the other way round is dropped,
so the new one is sent rather than skipped as "sent before".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attentive_nb.errors import LedgerError
from attentive_nb.plan.model import canonical_json, text_key
from attentive_nb.send.ledger import Ledger, chunks

SCHEMA = """
CREATE TABLE IF NOT EXISTS segment_members (
    company_id TEXT NOT NULL,
    segment TEXT NOT NULL,
    who TEXT NOT NULL,
    wanted TEXT NOT NULL,
    sealed TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (company_id, segment, who)
) WITHOUT ROWID;
"""
KEY_FILE = "members.key"
_OPPOSITE = {"in": "segment_add", "out": "segment_remove"}  # the request a wish sends
Record = dict[str, Any] | str  # a member's record, or its canonical JSON text


@dataclass(frozen=True)
class Member:
    """One person of a segment as the ledger knows them: who, the wish, the record."""

    who: str
    wanted: str
    record: dict[str, Any]


def _ready(ledger: Ledger) -> None:
    with ledger.transaction() as db:
        db.execute(SCHEMA)


def recorded(ledger: Ledger, company_id: str, segment: str) -> list[Member]:
    """Every person the ledger has put in (or taken out of) the segment."""
    _ready(ledger)
    with ledger.reading() as db:
        rows = db.execute(
            "SELECT who, wanted, sealed FROM segment_members WHERE company_id = ? AND segment = ?"
            " ORDER BY updated_at, who",
            (str(company_id), segment),
        ).fetchall()
    if not rows:
        return []  # no key made for nothing: a first dry run leaves no members.key
    sealer = Sealer.beside(ledger.path)
    return [Member(who, wanted, sealer.open(sealed)) for who, wanted, sealed in rows]


def want(
    ledger: Ledger,
    company_id: str,
    segment: str,
    wanted: str,
    members: Iterable[tuple[str, Record]],
) -> None:
    """Record that these (who, record) are wanted ``in`` or ``out`` of the segment.

    A record is the member's dict, or its canonical JSON text (a plan's
    ``Request.text``: a sync of a million members writes no text twice).
    A person whose wish flips has the record of their earlier request this
    way dropped (unless a run holds it), so the new request is sent.
    """
    _ready(ledger)
    sealer = Sealer.beside(ledger.path)
    people = [(who, _as_text(record)) for who, record in members]
    sealed = sealer.seal_texts([text for _, text in people])  # before the write lock is taken
    endpoint = _OPPOSITE[wanted]
    now = ledger.now()
    with ledger.transaction() as db:
        before: dict[str, str] = {}
        for chunk in chunks([who for who, _ in people]):
            marks = ",".join("?" * len(chunk))
            before.update(
                db.execute(
                    "SELECT who, wanted FROM segment_members WHERE company_id = ? AND segment = ?"
                    f" AND who IN ({marks})",
                    (str(company_id), segment, *chunk),
                ).fetchall()
            )
        flipped = [text for who, text in people if before.get(who, wanted) != wanted]
        db.executemany(
            "DELETE FROM requests WHERE company_id = ? AND endpoint = ? AND key = ?"
            " AND state != 'claimed'",
            [(str(company_id), endpoint, text_key(endpoint + "\n" + segment, t)) for t in flipped],
        )
        db.executemany(
            "INSERT OR REPLACE INTO segment_members VALUES (?, ?, ?, ?, ?, ?)",
            [
                (str(company_id), segment, who, wanted, seal, now)
                for (who, _), seal in zip(people, sealed)
            ],
        )


def _as_text(record: Record) -> str:
    return record if isinstance(record, str) else canonical_json(record)


def forget_segment(ledger: Ledger, company_id: str, segment: str) -> int:
    """Drop what the ledger knows of a segment's members (it was deleted); returns rows dropped."""
    _ready(ledger)
    with ledger.transaction() as db:
        return db.execute(
            "DELETE FROM segment_members WHERE company_id = ? AND segment = ?",
            (str(company_id), segment),
        ).rowcount


def member_key(endpoint: str, segment: str, record: dict[str, Any]) -> str:
    """The ledger key of a member request, as :meth:`Plan.requests` makes it."""
    return text_key(endpoint + "\n" + segment, canonical_json(record))


# -- sealing -------------------------------------------------------------------------------


class Sealer:
    """Seal and open member records with the key beside the ledger (made on first use).

    HMAC-SHA256 as a keystream (counter mode) with a random nonce, then an HMAC
    tag over nonce and text: only the standard library, and the ledger file
    on its own names nobody.
    """

    def __init__(self, key: bytes) -> None:
        self._enc = hmac.new(key, b"encrypt", hashlib.sha256).digest()
        self._mac = hmac.new(key, b"authenticate", hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "Sealer(…)"

    @classmethod
    def beside(cls, ledger_path: Path) -> Sealer:
        path = ledger_path.with_name(KEY_FILE)
        try:
            if not path.exists():
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(secrets.token_bytes(32))
            key = path.read_bytes()
        except FileExistsError:
            key = path.read_bytes()
        except OSError as error:
            raise LedgerError(
                f"The segment members' key {path} cannot be read or made ({error}); "
                "nothing was sent. Check the folder, or pass ledger='<another path>'.",
                path=path,
            ) from None
        if len(key) != 32:
            raise LedgerError(
                f"The segment members' key {path} is damaged: the members this folder put "
                "in segments cannot be read; move it aside and sync again with mode='add'.",
                path=path,
            )
        return cls(key)

    def _stream(self, nonce: bytes, size: int) -> bytes:
        # hmac.digest: OpenSSL's one-shot HMAC, the same bytes as hmac.new(...).digest()
        # without an HMAC object per block (a million members are sealed in one sync).
        blocks = (
            hmac.digest(self._enc, nonce + i.to_bytes(4, "big"), "sha256")
            for i in range(-(-size // 32))
        )
        return b"".join(blocks)[:size]

    def seal(self, record: dict[str, Any]) -> str:
        return self.seal_texts([canonical_json(record)])[0]

    def seal_texts(self, texts: Sequence[str]) -> list[str]:
        """Records written as canonical JSON, sealed: one random draw for every nonce."""
        nonces = secrets.token_bytes(16 * len(texts))
        digest, mac, stream = hmac.digest, self._mac, self._stream
        out = []
        for i, text in enumerate(texts):
            plain, nonce = text.encode("utf-8"), nonces[16 * i : 16 * i + 16]
            body = _xor(plain, stream(nonce, len(plain)))
            tag = digest(mac, nonce + body, "sha256")[:16]
            out.append(base64.b64encode(nonce + tag + body).decode("ascii"))
        return out

    def open(self, sealed: str) -> dict[str, Any]:
        raw = base64.b64decode(sealed)
        nonce, tag, body = raw[:16], raw[16:32], raw[32:]
        expected = hmac.digest(self._mac, nonce + body, "sha256")[:16]
        if not hmac.compare_digest(tag, expected):
            raise LedgerError(
                "A segment member in the ledger does not match the key beside it "
                f"({KEY_FILE}): was the ledger copied without its key? Sync with mode='add'.",
            )
        plain = _xor(body, self._stream(nonce, len(body)))
        record: dict[str, Any] = json.loads(plain)
        return record


def _xor(data: bytes, stream: bytes) -> bytes:
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")
    return mixed.to_bytes(len(data), "big")


__all__: Sequence[str] = ("Member", "Sealer", "member_key", "recorded", "want")
