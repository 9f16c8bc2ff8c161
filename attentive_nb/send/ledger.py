"""The send ledger: what may have reached Attentive is on disk before it leaves.

A small SQLite file beside the notebook (``.attentive_nb/ledger.sqlite``,
folder 0700, file 0600). One row per request, keyed by company id, endpoint
name and the request key (a sha256 of the payload, so no phone number or
email is stored in clear), holding its ``state``:

- ``claimed``: a run is sending it (``run_id`` says which) and has no answer yet;
- ``sent``: Attentive accepted it;
- ``unknown``: it may have reached Attentive, but no answer came;
- ``failed`` / ``rejected``: Attentive did not take it (retries ran out, or 4xx);
- ``submitted``: one person's record in a v2 bulk job Attentive accepted and
  has not reported on yet (:mod:`attentive_nb.send.ledger_jobs` keeps the
  jobs, the records each carries, and what became of them).

One row per run, too: its process id, host, start, heartbeat and end. For
the endpoints that record whom they reach, each claim also says which people
its request carries (:mod:`attentive_nb.send.ledger_people`), and a request
naming a person an earlier run reached is decided as that earlier request.

The protocol, which :class:`LedgerRun` carries out for the engine:

1. **claim**: in one transaction, read each key's row and let the caller's
   policy decide; the keys to send are written ``claimed`` by this run and
   committed (``synchronous=FULL``) before any of them leaves.
2. **settle**: once the answer is in, its outcome is recorded (the engine records
   the answers that came together in one transaction, before their rows go out).
3. **release**: a claimed request that never left goes back to what it was.
4. **finish**: the run is marked ended; a claim it still holds was in flight
   with no answer, so it becomes ``unknown``.

A claim held by another run belongs to that run while it is live (not ended,
a heartbeat in the last :data:`STALE_AFTER_S` seconds, and, on this host, its
process still running); a dead run's claim counts as ``unknown``.

Every SQLite or file-system failure becomes a :class:`LedgerError` that names
the file and says what to do.
"""

from __future__ import annotations

import contextlib
import re
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from attentive_nb.errors import LedgerError
from attentive_nb.plan.mapping import SEGMENT_MEMBERS
from attentive_nb.send import ledger_people
from attentive_nb.send.ledger_file import (
    OLD_JOURNAL,
    build,
    check_identity,
    check_not_truncated,
    create_private,
    explain,
    import_journal,
    opening,
)
from attentive_nb.send.processes import Process, process_alive

STALE_AFTER_S = 30.0  # a run silent this long is dead, whatever its process does
HEARTBEAT_S = 2.0
CHUNK = 500  # keys per IN (...) query; well under SQLite's limit on bound parameters
CACHE_KIB = 32 * 1024  # SQLite's page cache, at most (the default is 2 MiB)
_KEY = re.compile(r"[0-9a-f]{64}")
# How strongly a state says "Attentive may have it": a new outcome never weakens an old one.
_REACHED = {"sent": 3, "unknown": 2, "failed": 0, "rejected": 0}
# How firmly a person counts as reached, whatever carried them (0: not reached).
_PERSON_RANK = {"unknown": 1, "claimed": 2, "submitted": 3, "sent": 4}
People = Sequence[tuple[str, str]]  # one request's people: (digest, channel)
_ENDED_HERE: set[str] = set()  # runs of this process that ended, even if that was not written

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    process_start TEXT,
    started_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    ended_at REAL
);
CREATE TABLE IF NOT EXISTS requests (
    company_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    prior TEXT,
    run_id TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (company_id, endpoint, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS jobs (
    company_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    run_id TEXT NOT NULL,
    submitted_at REAL NOT NULL,
    records INTEGER NOT NULL,
    status TEXT NOT NULL,
    checked_at REAL,
    total_records INTEGER,
    outcome TEXT,
    PRIMARY KEY (company_id, job_id)
);
CREATE TABLE IF NOT EXISTS job_records (
    company_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    who TEXT NOT NULL,
    PRIMARY KEY (company_id, job_id, seq)
) WITHOUT ROWID;
"""


def default_path() -> Path:
    """``<working directory>/.attentive_nb/ledger.sqlite``: beside the notebook."""
    return Path.cwd() / ".attentive_nb" / "ledger.sqlite"


@dataclass(frozen=True)
class Seen:
    """What the ledger knows of one key, as the send policy needs it.

    ``state`` is None for a key never seen, else one of the states above, with
    a dead run's claim already read as ``unknown`` (``stale`` says so).
    ``holder`` describes the live run holding a claim ("process 123 on
    host, started 13:02"); ``when`` is the time of the last change.

    When the state comes from the people the request names rather than from
    its own body, ``via`` says which of their identifiers were reached
    (``phone and email``), ``run`` names the run that reached them, and
    ``new`` the identifiers of this request no run reached.
    """

    state: str | None
    when: float | None = None
    holder: str | None = None
    stale: bool = False
    via: str = ""
    run: str = ""
    new: str = ""


@dataclass(frozen=True)
class Verdict:
    """The policy's answer for one key: send it, or why not (the rows' status and reason)."""

    send: bool
    status: str = ""
    reason: str = ""
    tally: str = ""  # which note of the report this verdict counts towards


class Ledger:
    """The ledger file; :meth:`open_run` starts a run that claims and settles requests.

    One SQLite connection guarded by a lock, shared by the engine's main thread
    (claims) and its workers (outcomes). Usable as a context manager.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        process: Process | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._clock = clock
        self.process = process or Process.current()
        self._lock = threading.RLock()
        self._db = self._open()

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r})"

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file; calling it twice is harmless."""
        with self._lock:
            self._db.close()

    def now(self) -> float:
        """The ledger's clock (injected in tests)."""
        return self._clock()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, committed on exit (for the bulk jobs' tables)."""
        return self._write()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads, with failures in words."""
        with self._lock, self._translated("read"):
            yield self._db

    # -- opening -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        with self._translated("opened"), opening(self.path):
            created = create_private(self.path)
            check_not_truncated(self.path)
            check_identity(self.path)  # before anything writes to it
            db = self._connect()
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: a claim is on disk, not only in the operating system's cache, before
            # its request leaves; a power cut cannot lose it.
            db.execute("PRAGMA synchronous=FULL")
            # Keys are digests, so each one lands on a random page: keep the pages at hand.
            db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            build(db, _SCHEMA + ledger_people.SCHEMA)
            db.execute("SELECT COUNT(*) FROM runs").fetchone()
            if created:
                import_journal(db, self.path.with_name(OLD_JOURNAL))
        return db

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), never implicit.
        return sqlite3.connect(
            self.path, timeout=30.0, check_same_thread=False, isolation_level=None
        )

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        """Turn SQLite and file-system failures into a LedgerError an analyst can act on."""
        try:
            yield
        except sqlite3.Error as error:
            raise LedgerError(explain(self.path, doing, error), path=self.path) from None
        except OSError as error:
            raise LedgerError(explain(self.path, doing, error), path=self.path) from None

    @contextmanager
    def _write(self, doing: str = "written") -> Iterator[sqlite3.Connection]:
        """One write transaction, taken before reading (BEGIN IMMEDIATE), committed on exit."""
        with self._lock, self._translated(doing):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                # SQLite has rolled back on its own after some errors (a full disk).
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    # -- runs ----------------------------------------------------------------------------

    def open_run(self, company_id: str, endpoint: str) -> LedgerRun:
        """Register a run (this also proves the file can be written) and return it."""
        run = LedgerRun(self, str(company_id), endpoint, uuid.uuid4().hex)
        now = self._clock()
        with self._write():
            self._db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (run.id, self.process.pid, self.process.host, self.process.start, now, now),
            )
        return run

    def _holders(self, run_ids: set[str]) -> dict[str, tuple[bool, str]]:
        """For each run id: (is it live, how to name it)."""
        found: dict[str, tuple[bool, str]] = {}
        for chunk in chunks(sorted(run_ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT run_id, pid, host, process_start, started_at, heartbeat_at, ended_at "
                f"FROM runs WHERE run_id IN ({marks})",
                chunk,
            )
            for run_id, pid, host, start, started, beat, ended in rows:
                found[run_id] = (
                    self._live(run_id, pid, host, start, beat, ended),
                    _name_run(pid, host, started),
                )
        return found

    def _live(
        self, run_id: str, pid: int, host: str, start: str | None, beat: float, ended: float | None
    ) -> bool:
        if ended is not None or run_id in _ENDED_HERE:
            return False
        if self._clock() - beat > STALE_AFTER_S:
            return False
        return host != self.process.host or process_alive(pid, start)

    # -- reading (for reports and the command line) --------------------------------------

    def states(self, company_id: str, endpoint: str, keys: Sequence[str]) -> dict[str, str]:
        """The recorded state of each of ``keys`` that the ledger knows."""
        found: dict[str, str] = {}
        with self._lock, self._translated("read"):
            for chunk in chunks(list(dict.fromkeys(keys))):
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT key, state FROM requests WHERE company_id = ? AND endpoint = ?"
                    f" AND key IN ({marks})",
                    (str(company_id), endpoint, *chunk),
                )
                found.update(dict(rows))
        return found

    def count(self, company_id: str, endpoint: str | None = None, state: str | None = None) -> int:
        """How many requests the ledger holds for a company (one endpoint, one state)."""
        sql, args = "SELECT COUNT(*) FROM requests WHERE company_id = ?", [str(company_id)]
        for column, value in (("endpoint", endpoint), ("state", state)):
            if value is not None:
                sql, args = sql + f" AND {column} = ?", [*args, value]
        with self._lock, self._translated("read"):
            return int(self._db.execute(sql, args).fetchone()[0])

    def forget(self, company_id: str, endpoint: str | None = None) -> int:
        """Drop what is known for a company (or one of its endpoints); returns rows dropped.

        Its bulk jobs go too, with the records they carried, and (for the
        company or a members endpoint) whom it put in or took out of segments:
        a mirror left with those but without their requests would take people
        out that it no longer knows it sent.
        """
        where, args = "company_id = ?", [str(company_id)]
        if endpoint is not None:
            where, args = where + " AND endpoint = ?", [*args, endpoint]
        jobs = f"SELECT job_id FROM jobs WHERE {where}"
        with self._write() as db:
            db.execute(
                f"DELETE FROM job_records WHERE company_id = ? AND job_id IN ({jobs})",
                [str(company_id), *args],
            )
            db.execute(f"DELETE FROM jobs WHERE {where}", args)
            ledger_people.forget(db, where, args)
            if endpoint is None or endpoint in SEGMENT_MEMBERS:
                _forget_members(db, str(company_id))
            return db.execute(f"DELETE FROM requests WHERE {where}", args).rowcount


def _forget_members(db: sqlite3.Connection, company_id: str) -> None:
    # The table is ledger_members' and made on its first use, so it may not exist yet.
    made = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'segment_members'"
    ).fetchone()
    if made:
        db.execute("DELETE FROM segment_members WHERE company_id = ?", (company_id,))


class LedgerRun:
    """One send's claims and outcomes in the ledger; thread safe."""

    def __init__(self, ledger: Ledger, company_id: str, endpoint: str, run_id: str) -> None:
        self.ledger, self.company_id, self.endpoint, self.id = ledger, company_id, endpoint, run_id
        self._last_beat = ledger._clock()

    def __repr__(self) -> str:
        return f"LedgerRun({self.id[:8]}…, {self.endpoint})"

    def claim(
        self,
        keys: Sequence[str],
        decide: Callable[[Seen], Verdict],
        max_claims: int,
        people: Sequence[People] | None = None,
        every: bool = False,
    ) -> list[Verdict]:
        """Decide ``keys`` in order in one transaction, claiming those to send.

        Stops after ``max_claims`` claims; returns the verdicts of the keys
        decided (a prefix of ``keys``). Nothing is claimed unless committed.
        ``people``, aligned with ``keys``: the people each request reaches; a
        request naming people another run reached (any of them, or with
        ``every`` all of them) is decided as what reached them.
        """
        for key in keys:
            check_key(key)
        now = self.ledger._clock()
        verdicts: list[Verdict] = []
        claims: list[tuple[str, str, str, str | None, str, float]] = []
        with self.ledger._write() as db:
            seen = self.known(db, keys, people, every)
            for key, known in zip(keys, seen):
                if len(claims) >= max_claims:
                    break
                verdict = decide(known)
                verdicts.append(verdict)
                if verdict.send:
                    claims.append((self.company_id, self.endpoint, key, known.state, self.id, now))
                elif known.stale and not known.via:
                    self._write_state(db, key, "unknown", now)
            db.executemany(
                "INSERT OR REPLACE INTO requests VALUES (?, ?, ?, 'claimed', ?, ?, ?)", claims
            )
            if people:
                carried = [(k, p) for k, p, v in zip(keys, people, verdicts) if v.send]
                ledger_people.link(db, self.company_id, self.endpoint, self.id, carried)
            self._beat(db, now)
        return verdicts

    def known(
        self,
        db: sqlite3.Connection,
        keys: Sequence[str],
        people: Sequence[People] | None = None,
        every: bool = False,
    ) -> list[Seen]:
        """What the ledger knows of each key, or of the people it names when that is more."""
        seen = self._seen(db, keys)
        own = [seen.get(key, Seen(None)) for key in keys]
        if not people:
            return own
        derived = self._people_seen(db, people, every)
        return [d if d is not None and _rank(d) > _rank(o) else o for o, d in zip(own, derived)]

    def _people_seen(
        self, db: sqlite3.Connection, people: Sequence[People], every: bool
    ) -> list[Seen | None]:
        links: dict[str, list[ledger_people.Link]] = {}
        persons = [digest for unit in people for digest, _ in unit]
        for person, found in ledger_people.reached(db, self.company_id, persons, self.id):
            links.setdefault(person, []).append(found)
        holders = self.ledger._holders({found[3] for all_ in links.values() for found in all_})
        out = []
        for unit in people:
            each = [(channel, self._person(links.get(d, []), holders)) for d, channel in unit]
            out.append(_combined(each, every))
        return out

    def _person(
        self, found: list[ledger_people.Link], holders: dict[str, tuple[bool, str]]
    ) -> Seen:
        """One person as the firmest of the requests that carried them says."""
        return max((_link_seen(f, holders, self.id) for f in found), key=_rank, default=Seen(None))

    def _seen(self, db: sqlite3.Connection, keys: Sequence[str]) -> dict[str, Seen]:
        rows = []
        for chunk in chunks(list(keys)):
            marks = ",".join("?" * len(chunk))
            rows += db.execute(
                "SELECT key, state, prior, run_id, updated_at FROM requests"
                f" WHERE company_id = ? AND endpoint = ? AND key IN ({marks})",
                (self.company_id, self.endpoint, *chunk),
            ).fetchall()
        claimed_by = {run_id for _, state, _, run_id, _ in rows if state == "claimed"}
        holders = self.ledger._holders(claimed_by) if claimed_by else {}
        seen = {}
        for key, state, prior, run_id, when in rows:
            if state != "claimed":
                seen[key] = Seen(state, when)
                continue
            live, name = holders.get(run_id, (False, "an unknown run"))
            if live and run_id != self.id:
                seen[key] = Seen("claimed", when, holder=name)
            else:  # a dead run's claim: it may have left, with no answer recorded
                seen[key] = Seen(strongest(prior, "unknown"), when, stale=True)
        return seen

    def settle(self, keys: str | Sequence[str], state: str) -> None:
        """Record the outcome of claimed requests (never weakening what was known before).

        ``keys``: one request's key, or the keys of a bulk request's records, in one go.
        """
        self.record([([keys] if isinstance(keys, str) else keys, state)])

    def record(self, outcomes: Sequence[tuple[Sequence[str], str | None]]) -> None:
        """Several requests' outcomes in one transaction: one commit, one sync to disk.

        Each ``(keys, state)`` is settled as :meth:`settle` does, or released as
        :meth:`release` does when ``state`` is None (the request never left).
        """
        if not outcomes:
            return
        with self.ledger._write() as db:
            self.record_in(db, outcomes)

    def record_in(
        self, db: sqlite3.Connection, outcomes: Sequence[tuple[Sequence[str], str | None]]
    ) -> None:
        """:meth:`record`, inside a write transaction the caller holds (with its jobs)."""
        now = self.ledger._clock()
        for keys, state in outcomes:
            if state is None:
                self._release(db, keys)
                continue
            for key in keys:
                self._write_state(db, key, state, now)

    def _write_state(self, db: sqlite3.Connection, key: str, state: str, now: float) -> None:
        row = db.execute(
            "SELECT state, prior FROM requests WHERE company_id = ? AND endpoint = ? AND key = ?",
            (self.company_id, self.endpoint, key),
        ).fetchone()
        # A claim's own state says nothing; what was known before it is in ``prior``.
        before = row[1] if row and row[0] == "claimed" else (row[0] if row else None)
        db.execute(
            "INSERT OR REPLACE INTO requests VALUES (?, ?, ?, ?, NULL, ?, ?)",
            (self.company_id, self.endpoint, key, strongest(before, state), self.id, now),
        )

    def release(self, keys: Sequence[str]) -> None:
        """Claims whose requests never left go back to what they were before."""
        if not keys:
            return
        with self.ledger._write() as db:
            self._release(db, keys)

    def _release(self, db: sqlite3.Connection, keys: Sequence[str]) -> None:
        for key in keys:
            db.execute(
                "UPDATE requests SET state = prior, prior = NULL WHERE company_id = ?"
                " AND endpoint = ? AND key = ? AND state = 'claimed' AND run_id = ?"
                " AND prior IS NOT NULL",
                (self.company_id, self.endpoint, key, self.id),
            )
            db.execute(
                "DELETE FROM requests WHERE company_id = ? AND endpoint = ? AND key = ?"
                " AND state = 'claimed' AND run_id = ?",
                (self.company_id, self.endpoint, key, self.id),
            )

    def heartbeat(self) -> None:
        """Say this run is alive (cheap when called often: written every HEARTBEAT_S)."""
        now = self.ledger._clock()
        if now - self._last_beat >= HEARTBEAT_S:
            with self.ledger._write() as db:
                self._beat(db, now)

    def _beat(self, db: sqlite3.Connection, now: float) -> None:
        db.execute("UPDATE runs SET heartbeat_at = ? WHERE run_id = ?", (now, self.id))
        self._last_beat = now

    def finish(self) -> None:
        """End the run: claims still held were in flight with no answer, so they are unknown.

        Except the records of bulk jobs Attentive accepted: they are ``submitted``
        (written here, once, rather than job by job: each record is a random page).
        """
        _ENDED_HERE.add(self.id)
        now = self.ledger._clock()
        with self.ledger._write() as db:
            db.execute(
                "UPDATE requests SET state = 'submitted', updated_at = ? WHERE company_id = ?"
                " AND endpoint = ? AND run_id = ? AND state = 'claimed' AND key IN (SELECT key"
                " FROM job_records WHERE company_id = ? AND job_id IN (SELECT job_id FROM jobs"
                " WHERE company_id = ? AND run_id = ?))",
                (now, self.company_id, self.endpoint, self.id, *[self.company_id] * 2, self.id),
            )
            db.execute(
                "UPDATE requests SET state = CASE WHEN prior = 'sent' THEN 'sent'"
                " ELSE 'unknown' END, prior = NULL, updated_at = ?"
                " WHERE state = 'claimed' AND run_id = ?",
                (now, self.id),
            )
            db.execute("UPDATE runs SET ended_at = ? WHERE run_id = ?", (now, self.id))


def _rank(seen: Seen) -> int:
    return _PERSON_RANK.get(seen.state or "", 0)


def _link_seen(
    found: ledger_people.Link, holders: dict[str, tuple[bool, str]], own_run: str
) -> Seen:
    """What one request that carried a person says of them."""
    _, state, prior, run_id, when = found
    live, name = holders.get(run_id, (False, "an earlier run"))
    if state != "claimed":
        return Seen(state, when, run=name)
    if live and run_id != own_run:
        return Seen("claimed", when, holder=name, run=name)
    return Seen(strongest(prior, "unknown"), when, stale=True, run=name)


def _combined(each: list[tuple[str, Seen]], every: bool) -> Seen | None:
    """A request's people as one Seen: the firmest reached (``every``: the least firm,
    and only when every one was reached); None when that says nothing."""
    reached = [(channel, seen) for channel, seen in each if _rank(seen)]
    if not reached or (every and len(reached) < len(each)):
        return None
    pick = (min if every else max)((seen for _, seen in reached), key=_rank)
    fresh = [channel for channel, seen in each if not _rank(seen)]
    return replace(
        pick,
        via=ledger_people.words([c for c, _ in reached]),
        new=ledger_people.words(fresh),
    )


def strongest(before: str | None, after: str) -> str:
    """The state to keep: ``after``, unless ``before`` says more firmly that Attentive has it.

    A record ``submitted`` before, in a job whose outcome was never read, may have applied:
    it counts as ``unknown``.
    """
    before = "unknown" if before == "submitted" else before
    if before in _REACHED and _REACHED[before] > _REACHED.get(after, 0):
        return before
    return after


def _name_run(pid: int, host: str, started: float) -> str:
    when = time.strftime("%H:%M", time.localtime(started))
    here = "" if host == socket.gethostname() else f" on {host}"
    return f"process {pid}{here}, started {when}"


def check_key(key: str) -> str:
    # Refusing anything but a digest keeps personal data out of the file by construction.
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("ledger keys must be sha256 hex digests (64 lowercase hex characters)")
    return key


def chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
