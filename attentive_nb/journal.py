"""The journal: which requests Attentive has accepted already, so a re-run does not resend.

A small SQLite file beside the notebook (``.attentive_nb/journal.sqlite``), one
row per accepted request: company id, endpoint name, the request key (a sha256
hex digest of the payload, so no phone number or email is stored in clear) and
when it was accepted. Each record is committed at once, in WAL mode, so a crash
or a kernel restart loses nothing that was accepted.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

CHUNK = 500  # keys per IN (...) query; well under SQLite's limit on bound parameters
_KEY = re.compile(r"[0-9a-f]{64}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accepted (
    company_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    key TEXT NOT NULL,
    accepted_at REAL NOT NULL,
    PRIMARY KEY (company_id, endpoint, key)
) WITHOUT ROWID
"""


def default_path() -> Path:
    """``<working directory>/.attentive_nb/journal.sqlite``: beside the notebook."""
    return Path.cwd() / ".attentive_nb" / "journal.sqlite"


def _create_private(path: Path) -> None:
    """Create the folder (0700) and the file (0600) before SQLite opens it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)


def _check_key(key: str) -> str:
    # Refusing anything but a digest keeps personal data out of the file by construction.
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("journal keys must be sha256 hex digests (64 lowercase hex characters)")
    return key


def _chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Journal:
    """Accepted requests keyed by (company id, endpoint name, request key).

    Usable as a context manager. One connection guarded by a lock, so it may be
    shared with worker threads, though the engine records from its main thread.
    """

    def __init__(self, path: str | Path | None = None, clock: Callable[[], float] = time.time):
        self.path = Path(path) if path is not None else default_path()
        self._clock = clock
        self._lock = threading.Lock()
        _create_private(self.path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a process crash
        self._db.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file; calling it twice is harmless."""
        with self._lock:
            self._db.close()

    def seen(self, company_id: str | int, endpoint: str, keys: Iterable[str]) -> set[str]:
        """The subset of ``keys`` already accepted for this company and endpoint."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        with self._lock:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT key FROM accepted WHERE company_id = ? AND endpoint = ?"
                    f" AND key IN ({marks})",
                    (str(company_id), endpoint, *chunk),
                )
                found.update(key for (key,) in rows)
        return found

    def record(self, company_id: str | int, endpoint: str, key: str) -> None:
        """Note one accepted request; committed before returning."""
        self.record_many(company_id, endpoint, [key])

    def record_many(self, company_id: str | int, endpoint: str, keys: Iterable[str]) -> None:
        """Note several accepted requests in one transaction (the first acceptance time is kept)."""
        now = self._clock()
        rows = [(str(company_id), endpoint, _check_key(k), now) for k in keys]
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR IGNORE INTO accepted VALUES (?, ?, ?, ?)", rows)

    def forget(self, company_id: str | int, endpoint: str | None = None) -> int:
        """Drop what is known for a company (or one of its endpoints); returns rows dropped."""
        sql, args = "DELETE FROM accepted WHERE company_id = ?", [str(company_id)]
        if endpoint is not None:
            sql, args = sql + " AND endpoint = ?", [*args, endpoint]
        with self._lock, self._db:
            return self._db.execute(sql, args).rowcount

    def count(self, company_id: str | int, endpoint: str | None = None) -> int:
        """How many accepted requests are recorded for a company (or one endpoint)."""
        sql, args = "SELECT COUNT(*) FROM accepted WHERE company_id = ?", [str(company_id)]
        if endpoint is not None:
            sql, args = sql + " AND endpoint = ?", [*args, endpoint]
        with self._lock:
            return self._db.execute(sql, args).fetchone()[0]
