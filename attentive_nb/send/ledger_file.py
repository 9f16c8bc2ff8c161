"""The ledger's file: created private, checked before it is trusted, failures in words.

The file says it is a ledger: SQLite's ``application_id`` is :data:`APPLICATION_ID`
and its ``user_version`` the :data:`SCHEMA_VERSION` it was written with. A file
that is another program's database, or a ledger written by a newer
attentive_nb, is refused before anything writes to it (:func:`check_identity`).

Also takes over, once, the journal that attentive_nb 0.1 kept in the same
folder (it recorded accepted requests under the same keys).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

if sys.platform != "win32":
    import fcntl

from attentive_nb.errors import LedgerError

OLD_JOURNAL = "journal.sqlite"  # what attentive_nb 0.1 kept where the ledger now lives
APPLICATION_ID = 0x61744E62  # "atNb": SQLite's header field naming the program that owns a file
# The ledger's tables, version by version. A change that adds a table (to the schema in
# ledger.py) adds one here: opening an older ledger creates the new tables and marks it.
SCHEMA_VERSION = 1
# What attentive_nb 0.2.0 created, before files were marked: such a file is a ledger.
UNMARKED_TABLES = frozenset({"runs", "requests", "jobs", "job_records"})


def create_private(path: Path) -> bool:
    """Create the file (0600) before SQLite opens it (its folder: :func:`opening`); True if new."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


@contextlib.contextmanager
def opening(path: Path) -> Iterator[None]:
    """Held while a ledger file is created, checked and built: one opener at a time.

    Two processes opening one new ledger at once would otherwise collide: SQLite
    refuses to switch a file into WAL mode while another connection reads it, and
    answers "locked" at once instead of waiting. The lock is an ``flock`` on the
    ledger's folder (made here, 0700), so it leaves no file behind; SQLite's own locks
    are untouched.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if sys.platform == "win32":  # no flock: openers are not serialised there
        yield
        return
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def import_journal(db: sqlite3.Connection, old: Path) -> None:
    """Take over what the journal of attentive_nb 0.1 knew was accepted (same keys), once."""
    if not old.is_file():
        return
    try:
        db.execute("ATTACH DATABASE ? AS old", (str(old),))
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT OR IGNORE INTO requests SELECT company_id, endpoint, key, 'sent', NULL,"
            " 'journal', accepted_at FROM old.accepted"
        )
        db.execute("COMMIT")
        db.execute("DETACH DATABASE old")
    except sqlite3.Error as error:
        raise LedgerError(explain(old, "read", error), path=old) from None
    old.rename(old.with_name(old.name + ".imported"))


def check_identity(path: Path, db: sqlite3.Connection | None = None) -> None:
    """Refuse a file that is not this toolkit's ledger, or is one from a newer version.

    Read only: a refused file is left exactly as it was. ``db``, when given, is a
    connection already open on the file (a read-only one, for a dry run).
    """
    reader = db or sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None
    )
    try:
        owner, version, tables = _identity(reader)
    finally:
        if reader is not db:
            reader.close()
    if owner == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise LedgerError(_newer(path, version), path=path)
    elif owner != 0 or not tables <= UNMARKED_TABLES or (tables and "requests" not in tables):
        raise LedgerError(_foreign(path, owner, tables), path=path)


def _identity(db: sqlite3.Connection) -> tuple[int, int, set[str]]:
    """The file's mark, schema version and tables, read in one snapshot.

    One snapshot: another process may be building this very file, and the mark read
    before its commit with the tables read after would look like a foreign file.
    """
    outside = not db.in_transaction
    if outside:
        db.execute("BEGIN")
    try:
        owner = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        }
    finally:
        if outside:
            db.execute("COMMIT")
    return owner, version, tables


def build(db: sqlite3.Connection, schema: str) -> None:
    """Create what is missing of ``schema`` and write the mark, in one transaction.

    One transaction, because another process may open the same new file at the same
    moment: it must see either an empty file or a whole, marked ledger, never tables
    without the mark (which :func:`check_identity` would take for another program's).
    """
    db.executescript(
        f"BEGIN IMMEDIATE;\n{schema}\n"
        f"PRAGMA application_id = {APPLICATION_ID};\n"
        f"PRAGMA user_version = {SCHEMA_VERSION};\n"
        "COMMIT;"
    )


def _foreign(path: Path, owner: int, tables: set[str]) -> str:
    what = f"tables {', '.join(sorted(tables))}" if tables else "no tables"
    marked = f", marked as program {owner:#x}" if owner else ""
    return (
        f"The file {path} is not an attentive_nb send ledger (it holds {what}{marked}): "
        "it was left as it was and nothing was sent. Pass ledger='<another path>', or move "
        "that file away if it does not belong there."
    )


def _newer(path: Path, version: int) -> str:
    return (
        f"The send ledger {path} was written by a newer version of attentive_nb (ledger "
        f"version {version}; this one knows up to {SCHEMA_VERSION}): it was left as it was and "
        "nothing was sent. Upgrade attentive_nb (pip install -U attentive_nb) and run again."
    )


def check_not_truncated(path: Path) -> None:
    """A file shorter than its own header says is a damaged copy: refuse it before trusting it."""
    with open(path, "rb") as handle:
        header = handle.read(100)
    if len(header) < 100:
        if header:
            raise sqlite3.DatabaseError("file is not a database")
        return  # a new, empty file
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    counter, pages, valid_for = (struct.unpack(">I", header[o : o + 4])[0] for o in (24, 28, 92))
    # With a write-ahead log beside it the file may be mid-checkpoint (another process
    # copying pages in, page 1 first): shorter than its header says, and not damaged.
    in_use = path.with_name(path.name + "-wal").exists()
    if counter == valid_for and pages and not in_use and path.stat().st_size < pages * page_size:
        raise sqlite3.DatabaseError("database disk image is malformed")


def explain(path: Path, doing: str, error: BaseException) -> str:
    """What went wrong with the ledger file, and what to do, in an analyst's words."""
    text = str(error).lower()
    code = getattr(error, "errno", None)
    full = code == errno.ENOSPC or "full" in text
    read_only = code in (errno.EACCES, errno.EPERM, errno.EROFS) or "readonly" in text
    read_only |= "read-only" in text
    damaged = "not a database" in text or "malformed" in text or "corrupt" in text
    if not (full or read_only or damaged or "locked" in text or "busy" in text):
        # SQLite's words do not always say why ("unable to open database file" for a -shm
        # file it could not make, "no transaction is active" after it rolled back on a full
        # disk): the folder does
        full, read_only = _folder_full(path), _folder_read_only(path)
    if full:
        why = "the disk is full"
        todo = "free some space, then run the same cell again"
    elif read_only:
        why = "the file or its folder is read-only"
        todo = "run from a folder you can write to, or pass ledger='<a writable path>'"
    elif damaged:
        why = "the file is damaged"
        todo = (
            f"move it aside (rename it to {path.name}.damaged) and run again; rows sent before "
            "cannot be recognised without it, so check them before resending"
        )
    elif "locked" in text or "busy" in text:
        why = "another program has held it locked for too long"
        todo = "wait for the other send to finish, then run again"
    else:
        why = f"{type(error).__name__}: {error}"
        todo = "check the file and its folder, or pass ledger='<another path>'"
    return (
        f"The send ledger {path} cannot be {doing}: {why}. attentive_nb records there what "
        f"may have reached Attentive before sending it, so nothing more was sent. To go on, {todo}."
    )


def _folder_read_only(path: Path) -> bool:
    """The ledger's folder cannot be written (a read-only mount, or no write permission)."""
    folder = path.parent
    with contextlib.suppress(OSError, AttributeError):  # no statvfs on Windows
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    return folder.exists() and not os.access(folder, os.W_OK)


def _folder_full(path: Path) -> bool:
    """No byte left for the ledger on its folder's file system."""
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except (OSError, AttributeError):
        return False
