"""Journal: accepted requests survive restarts, and nothing personal is stored."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from attentive_nb.journal import Journal, default_path


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


K1, K2, K3 = _key("a"), _key("b"), _key("c")


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_default_path_is_beside_the_notebook_and_private(clean_environment):
    with Journal() as journal:
        assert journal.path == clean_environment / ".attentive_nb" / "journal.sqlite"
        assert journal.path == default_path()
        assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(journal.path.parent.stat().st_mode) == 0o700


def test_record_then_seen(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.seen("co1", "subscribe", [K1, K2]) == set()
        journal.record("co1", "subscribe", K1)
        assert journal.seen("co1", "subscribe", [K1, K2]) == {K1}
        # keyed by company and endpoint too
        assert journal.seen("co2", "subscribe", [K1]) == set()
        assert journal.seen("co1", "events", [K1]) == set()


def test_company_id_may_be_an_int(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record(123, "events", K1)
        assert journal.seen("123", "events", [K1]) == {K1}


def test_survives_reopening(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.record_many("co", "purchase", [K1, K2])
    with Journal(path) as journal:
        assert journal.seen("co", "purchase", [K1, K2, K3]) == {K1, K2}
        assert journal.count("co") == 2


def test_records_are_committed_at_once(tmp_path):
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    journal.record("co", "subscribe", K1)
    # a second reader sees it while the first connection is still open (no lost work on a crash)
    other = sqlite3.connect(path)
    assert other.execute("SELECT COUNT(*) FROM accepted").fetchone() == (1,)
    other.close()
    journal.close()


def test_stores_only_the_key_and_the_time(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path, clock=Clock(42.5)) as journal:
        journal.record("co", "subscribe", K1)
        journal.record("co", "subscribe", K1)  # a repeat keeps the first acceptance
    db = sqlite3.connect(path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(accepted)")]
    assert columns == ["company_id", "endpoint", "key", "accepted_at"]
    assert db.execute("SELECT * FROM accepted").fetchall() == [("co", "subscribe", K1, 42.5)]
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


@pytest.mark.parametrize("key", ["+12015550123", "jane@example.com", K1.upper(), K1[:-1], 5])
def test_refuses_anything_but_a_digest(tmp_path, key):
    with Journal(tmp_path / "j.sqlite") as journal:
        with pytest.raises(ValueError, match="sha256"):
            journal.record_many("co", "subscribe", [K2, key])
        assert journal.count("co") == 0  # the whole batch is refused


def test_seen_handles_big_lists_in_chunks(tmp_path):
    keys = [_key(str(i)) for i in range(2_345)]
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record_many("co", "events", keys[::2])
        assert journal.seen("co", "events", iter(keys)) == set(keys[::2])
        assert journal.seen("co", "events", []) == set()


def test_forget(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record_many("co", "subscribe", [K1, K2])
        journal.record("co", "events", K3)
        journal.record("other", "events", K3)
        assert journal.forget("co", "subscribe") == 2
        assert journal.seen("co", "events", [K3]) == {K3}
        assert journal.forget("co") == 1
        assert journal.count("co") == 0 and journal.count("other", "events") == 1


def test_usable_from_other_threads(tmp_path):
    journal = Journal(tmp_path / "j.sqlite")
    keys = [_key(str(i)) for i in range(200)]

    def work(part: list[str]) -> None:
        for key in part:
            journal.record("co", "subscribe", key)

    threads = [threading.Thread(target=work, args=(keys[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert journal.seen("co", "subscribe", keys) == set(keys)
    journal.close()
    journal.close()  # harmless twice


def test_repr_shows_the_path_only(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        assert repr(journal) == f"Journal({str(Path(tmp_path / 'j.sqlite'))!r})"
