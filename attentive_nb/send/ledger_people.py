"""The people each request reached, in the ledger: what makes at most once hold per person.

A request is keyed by its exact body, so a respelled row (an email in
capitals, a phone written another way) would look new. For an endpoint that
declares whom it reaches (:class:`~attentive_nb.endpoints.Reach`), each claim
also writes one row per person and channel the request carries into
``people``: the person's digest (:mod:`attentive_nb.plan.people`: normalised
identifiers, hashed, never in clear), its channel, and the request that
carried it. The person's state is never stored twice: it is the state of
the requests that carried it, read through ``requests`` (so a release, a
settle, a bulk job's outcome or a run's end need nothing more here).

This module holds the SQL; :meth:`~attentive_nb.send.ledger.LedgerRun.claim`
reads it in the same transaction as the claims, so two runs cannot both
reach one person.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    company_id TEXT NOT NULL,
    person TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    key TEXT NOT NULL,
    channel TEXT NOT NULL,
    run_id TEXT NOT NULL,
    PRIMARY KEY (company_id, person, endpoint, key)
) WITHOUT ROWID;
"""

#: How the report names a channel's identifier.
CHANNEL_WORDS = {"TEXT": "phone", "EMAIL": "email"}
_CHUNK = 400

Link = tuple[str, str, str | None, str, float]  # channel, state, prior, run id, when


def reached(
    db: sqlite3.Connection, company_id: str, persons: Sequence[str], run_id: str
) -> Iterator[tuple[str, Link]]:
    """(person, what carried it) for each request of another run that carried one of ``persons``."""
    unique = list(dict.fromkeys(persons))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT p.person, p.channel, r.state, r.prior, r.run_id, r.updated_at FROM people p"
            " JOIN requests r ON r.company_id = p.company_id AND r.endpoint = p.endpoint"
            f" AND r.key = p.key WHERE p.company_id = ? AND p.person IN ({marks})"
            " AND p.run_id != ?",
            (company_id, *chunk, run_id),
        )
        for person, *link in rows:
            yield person, (link[0], link[1], link[2], link[3], link[4])


def link(
    db: sqlite3.Connection,
    company_id: str,
    endpoint: str,
    run_id: str,
    carried: Sequence[tuple[str, Sequence[tuple[str, str]]]],
) -> None:
    """Write that each claimed request (key, its people) carries its people, for this run."""
    rows = [
        (company_id, person, endpoint, key, channel, run_id)
        for key, people in carried
        for person, channel in people
    ]
    db.executemany("INSERT OR REPLACE INTO people VALUES (?, ?, ?, ?, ?, ?)", rows)


def forget(db: sqlite3.Connection, where: str, args: Sequence[str]) -> None:
    """Drop the people of the requests ``where`` selects (the ledger's ``forget``)."""
    db.execute(f"DELETE FROM people WHERE {where}", args)


def words(channels: Sequence[str]) -> str:
    """``phone``, ``phone and email``: the identifiers of ``channels``, in words."""
    names = list(dict.fromkeys(CHANNEL_WORDS.get(c, c.lower()) for c in channels))
    return " and ".join(names)
