"""The ledger knows its own file: another program's database, or a newer ledger, is refused."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading

import pandas as pd
import pytest
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.errors import LedgerError
from attentive_nb.send.ledger import Ledger, Verdict
from attentive_nb.send.ledger_file import APPLICATION_ID, SCHEMA_VERSION, UNMARKED_TABLES
from attentive_nb.send.processes import Process, process_start


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pragmas(path):
    db = sqlite3.connect(path)
    try:
        return tuple(
            db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("application_id", "user_version")
        )
    finally:
        db.close()


def foreign(path, *statements):
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    return path.read_bytes()


def test_a_new_ledger_is_marked_as_this_toolkits_with_its_schema_version(tmp_path):
    Ledger(tmp_path / "ledger.sqlite").close()
    assert pragmas(tmp_path / "ledger.sqlite") == (APPLICATION_ID, SCHEMA_VERSION)


@pytest.mark.parametrize(
    "statements",
    [
        [
            "CREATE TABLE customers (id INTEGER, phone TEXT)",
            "INSERT INTO customers VALUES (1, 'x')",
        ],
        ["PRAGMA application_id = 1234", "CREATE TABLE runs (x)"],
        # the ledger's tables, and one of someone else's: not ours to write into
        ["CREATE TABLE runs (x)", "CREATE TABLE requests (y)", "CREATE TABLE customers (z)"],
        ["PRAGMA application_id = 1234"],
    ],
    ids=["customers", "other-application-id", "extra-table", "other-id-no-tables"],
)
def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path, statements):
    (tmp_path / "nb").mkdir()
    path = tmp_path / "nb" / "ledger.sqlite"
    before = foreign(path, *statements)
    with pytest.raises(LedgerError, match="not an attentive_nb send ledger") as caught:
        Ledger(path)
    assert str(path) in str(caught.value) and caught.value.path == path
    assert "nothing was sent" in str(caught.value)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["ledger.sqlite"]  # no -wal, no -shm


def test_a_ledger_from_a_newer_version_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = path.read_bytes()
    with pytest.raises(LedgerError, match="newer version of attentive_nb") as caught:
        Ledger(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before
    assert pragmas(path)[1] == SCHEMA_VERSION + 1


def test_a_ledger_written_by_0_2_0_still_opens_keeps_its_rows_and_is_marked(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        run = ledger.open_run("co", "subscribe")
        run.claim([_key("a")], lambda seen: Verdict(True), max_claims=1)
        run.settle(_key("a"), "sent")
        run.finish()
    db = sqlite3.connect(path)  # 0.2.0 wrote neither mark, nor the tables added since
    db.execute("PRAGMA application_id = 0")
    db.execute("PRAGMA user_version = 0")
    names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name in names - UNMARKED_TABLES:
        db.execute(f"DROP TABLE {name}")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.states("co", "subscribe", [_key("a")]) == {_key("a"): "sent"}
    assert pragmas(path) == (APPLICATION_ID, SCHEMA_VERSION)


def test_an_empty_file_left_by_a_crash_before_the_first_write_becomes_a_ledger(tmp_path):
    path = tmp_path / "ledger.sqlite"
    path.touch(mode=0o600)
    Ledger(path).close()
    assert pragmas(path) == (APPLICATION_ID, SCHEMA_VERSION)


def test_an_older_schema_of_this_toolkit_is_brought_up_to_date(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE job_records")  # as if written before that table existed
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    db.close()
    Ledger(path).close()
    db = sqlite3.connect(path)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert "job_records" in tables and pragmas(path)[1] == SCHEMA_VERSION


def _truncated(path):
    with Ledger(path) as ledger:
        run = ledger.open_run("co", "events")
        run.claim([_key(str(i)) for i in range(3000)], lambda seen: Verdict(True), max_claims=3000)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"a shopping list, not a database\n" * 40),
        lambda path: path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 84),
        _truncated,
    ],
    ids=["garbage", "garbage-behind-a-header", "truncated"],
)
def test_a_damaged_file_is_refused_and_not_overwritten(tmp_path, damage):
    (tmp_path / "nb").mkdir()
    path = tmp_path / "nb" / "ledger.sqlite"
    damage(path)
    before = path.read_bytes()
    with pytest.raises(LedgerError, match="damaged"):
        Ledger(path)
    assert path.read_bytes() == before


def test_a_claim_of_a_dead_process_whose_id_now_belongs_to_another_is_not_held(tmp_path):
    """The id is alive (our parent process) but started at another time: not the claimant."""
    path = tmp_path / "ledger.sqlite"
    here = Process.current()
    reused = Process(os.getppid(), here.host, "1")  # a start time the live process does not have
    live = Process(os.getppid(), here.host, process_start(os.getppid()))
    with Ledger(path, process=reused) as theirs, Ledger(path, process=here) as ours:
        theirs.open_run("co", "subscribe").claim([_key("a")], lambda s: Verdict(True), 1)
        seen = []
        ours.open_run("co", "subscribe").claim(
            [_key("a")], lambda s: seen.append(s) or Verdict(False), 1
        )
        assert seen[0].state == "unknown" and seen[0].stale  # not resent, not blocked for ever
    with Ledger(path, process=live) as theirs, Ledger(path, process=here) as ours:
        theirs.open_run("co", "subscribe").claim([_key("b")], lambda s: Verdict(True), 1)
        seen = []
        ours.open_run("co", "subscribe").claim(
            [_key("b")], lambda s: seen.append(s) or Verdict(False), 1
        )
        assert seen[0].state == "claimed"  # the same process, still running: its claim holds


def test_six_openers_of_one_new_ledger_at_once_all_get_it(tmp_path):
    # Seen in the concurrent-runs property test: an opener read the mark of a file another
    # was building before its commit and the tables after, and called it another program's;
    # or SQLite answered "locked" at once to the switch into WAL mode.
    failures: list[str] = []

    def open_at_once(path, barrier):
        barrier.wait()
        try:
            Ledger(path).close()
        except LedgerError as error:
            failures.append(str(error))

    for attempt in range(25):
        path = tmp_path / str(attempt) / "ledger.sqlite"
        barrier = threading.Barrier(6)
        openers = [threading.Thread(target=open_at_once, args=(path, barrier)) for _ in range(6)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join()
    assert failures == []


@responses.activate
def test_a_dry_run_refuses_another_programs_database_too_and_leaves_it(tmp_path):
    # The dry run reads the ledger to count what it would skip; a foreign file must be
    # refused there as the real send refuses it, not read as if it knew nothing.
    responses.get("https://api.attentivemobile.com/v1/me", json=ME)
    path = tmp_path / "ledger.sqlite"
    before = foreign(
        path, "CREATE TABLE runs (x)", "CREATE TABLE requests (y)", "PRAGMA application_id = 1234"
    )
    conn = att.Connection.from_api_key("test-key-0123456789")
    frame = pd.DataFrame({"phone": ["+12015550100"]})
    with pytest.raises(LedgerError, match="not an attentive_nb send ledger"):
        conn.send_subscribers(
            frame, sign_up_source_id="42", dry_run=True, ledger=path, progress=False
        )
    assert path.read_bytes() == before
