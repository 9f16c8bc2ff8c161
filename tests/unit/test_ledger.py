"""The send ledger: claims on disk before a request leaves, outcomes after, runs told apart."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import threading

import pytest

from attentive_nb.errors import LedgerError
from attentive_nb.send.ledger import STALE_AFTER_S, Ledger, Seen, Verdict, default_path
from attentive_nb.send.processes import Process


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


K1, K2, K3 = _key("a"), _key("b"), _key("c")
SEND, SKIP = Verdict(True), Verdict(False, "skipped", "no")
HERE = Process(os.getpid(), "this-host", None)


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def seen_by(run, keys):
    """What a run's policy is shown for each key (it sends nothing)."""
    shown = []
    run.claim(keys, lambda seen: shown.append(seen) or SKIP, max_claims=len(keys))
    return shown


def raw_rows(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT key, state, prior FROM requests ORDER BY key").fetchall()
    finally:
        db.close()


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite", process=HERE) as opened:
        yield opened


def test_lives_beside_the_notebook_and_is_private(clean_environment):
    with Ledger() as ledger:
        assert (
            ledger.path == clean_environment / ".attentive_nb" / "ledger.sqlite" == default_path()
        )
        assert stat.S_IMODE(ledger.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(ledger.path.parent.stat().st_mode) == 0o700


def test_a_claim_is_committed_before_the_claim_call_returns(ledger):
    run = ledger.open_run("co", "subscribe")
    assert run.claim([K1, K2], lambda seen: SEND, max_claims=1) == [SEND]
    # Another connection (another process, a crash right after) already sees the claim.
    assert raw_rows(ledger.path) == [(K1, "claimed", None)]


def test_outcomes_are_recorded_and_seen_by_the_next_run(ledger):
    first = ledger.open_run("co", "subscribe")
    first.claim([K1, K2, K3], lambda seen: SEND, max_claims=3)
    first.settle(K1, "sent")
    first.settle(K2, "unknown")
    first.settle(K3, "rejected")
    first.finish()
    shown = seen_by(ledger.open_run("co", "subscribe"), [K1, K2, K3, _key("new")])
    assert [s.state for s in shown] == ["sent", "unknown", "rejected", None]
    assert ledger.states("co", "subscribe", [K1, K3]) == {K1: "sent", K3: "rejected"}
    assert seen_by(ledger.open_run("other-company", "subscribe"), [K1]) == [Seen(None)]
    assert seen_by(ledger.open_run("co", "events"), [K1]) == [Seen(None)]


def test_a_new_outcome_never_weakens_what_was_known(ledger):
    run = ledger.open_run("co", "subscribe")
    run.claim([K1, K2], lambda seen: SEND, max_claims=2)
    run.settle(K1, "unknown")
    run.settle(K2, "sent")
    again = ledger.open_run("co", "subscribe")
    again.claim([K1, K2], lambda seen: SEND, max_claims=2)  # resent on purpose...
    again.settle(K1, "failed")  # ...and refused: Attentive may still have the first copy
    again.settle(K2, "rejected")
    assert dict((k, s) for k, s, _ in raw_rows(ledger.path)) == {K1: "unknown", K2: "sent"}


def test_release_puts_back_what_was_known_before_the_claim(ledger):
    run = ledger.open_run("co", "subscribe")
    run.claim([K1], lambda seen: SEND, max_claims=1)
    run.settle(K1, "unknown")
    again = ledger.open_run("co", "subscribe")
    again.claim([K1, K2], lambda seen: SEND, max_claims=2)
    again.release([K1, K2])
    assert raw_rows(ledger.path) == [(K1, "unknown", None)]


def test_max_claims_stops_the_batch_but_skips_cost_nothing(ledger):
    run = ledger.open_run("co", "events")
    run.claim([K1], lambda seen: SEND, max_claims=1)
    run.settle(K1, "sent")
    decide = lambda seen: SKIP if seen.state == "sent" else SEND  # noqa: E731
    verdicts = ledger.open_run("co", "events").claim([K1, K2, K3], decide, max_claims=1)
    assert verdicts == [SKIP, SEND]  # K3 not decided: it comes back in the next batch


def test_a_live_run_holds_its_claims(tmp_path):
    clock = Clock()
    path = tmp_path / "ledger.sqlite"
    with Ledger(path, clock=clock) as one, Ledger(path, clock=clock) as two:
        holder = one.open_run("co", "subscribe")
        holder.claim([K1], lambda seen: SEND, max_claims=1)
        shown = seen_by(two.open_run("co", "subscribe"), [K1])
        assert shown[0].state == "claimed"
        assert f"process {os.getpid()}" in shown[0].holder


def test_a_finished_run_no_longer_holds_its_claims_they_are_unknown(ledger):
    run = ledger.open_run("co", "purchase")
    run.claim([K1, K2], lambda seen: SEND, max_claims=2)
    run.settle(K2, "sent")
    run.finish()
    assert dict((k, s) for k, s, _ in raw_rows(ledger.path)) == {K1: "unknown", K2: "sent"}


def test_a_silent_run_is_dead_and_its_claim_counts_as_unknown(tmp_path):
    clock = Clock()
    with Ledger(tmp_path / "ledger.sqlite", clock=clock) as ledger:
        ledger.open_run("co", "subscribe").claim([K1], lambda seen: SEND, max_claims=1)
        clock.now += STALE_AFTER_S + 1
        later = ledger.open_run("co", "subscribe")
        assert seen_by(later, [K1]) == [Seen("unknown", clock.now - STALE_AFTER_S - 1, stale=True)]
        assert raw_rows(ledger.path) == [(K1, "unknown", None)]  # written down as such


def test_a_run_whose_process_has_exited_is_dead_at_once(tmp_path):
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    gone = Process(int(child.stdout), HERE.host, None)
    path = tmp_path / "ledger.sqlite"
    with Ledger(path, process=gone) as theirs, Ledger(path, process=HERE) as ours:
        theirs.open_run("co", "subscribe").claim([K1], lambda seen: SEND, max_claims=1)
        assert seen_by(ours.open_run("co", "subscribe"), [K1])[0].stale


def test_a_dead_run_that_was_resending_a_sent_request_leaves_it_sent(ledger):
    run = ledger.open_run("co", "subscribe")
    run.claim([K1], lambda seen: SEND, max_claims=1)
    run.settle(K1, "sent")
    resend = ledger.open_run("co", "subscribe")
    resend.claim([K1], lambda seen: SEND, max_claims=1)
    resend.finish()
    assert raw_rows(ledger.path) == [(K1, "sent", None)]


def test_heartbeats_keep_a_long_run_alive(tmp_path):
    clock = Clock()
    path = tmp_path / "ledger.sqlite"
    with Ledger(path, clock=clock) as one, Ledger(path, clock=clock) as two:
        holder = one.open_run("co", "events")
        holder.claim([K1], lambda seen: SEND, max_claims=1)
        for _ in range(5):
            clock.now += STALE_AFTER_S / 2
            holder.heartbeat()
        assert seen_by(two.open_run("co", "events"), [K1])[0].state == "claimed"


@pytest.mark.parametrize("key", ["+12015550123", "jane@example.com", K1.upper(), K1[:-1], 5])
def test_refuses_anything_but_a_digest(ledger, key):
    run = ledger.open_run("co", "subscribe")
    with pytest.raises(ValueError, match="sha256"):
        run.claim([K2, key], lambda seen: SEND, max_claims=2)
    assert ledger.count("co") == 0  # the whole batch is refused


def test_stores_only_digests_times_and_states(ledger):
    run = ledger.open_run("co", "subscribe")
    run.claim([K1], lambda seen: SEND, max_claims=1)
    db = sqlite3.connect(ledger.path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(requests)")]
    assert columns == ["company_id", "endpoint", "key", "state", "prior", "run_id", "updated_at"]
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


def test_big_batches_are_read_in_chunks(ledger):
    keys = [_key(str(i)) for i in range(1_234)]
    run = ledger.open_run("co", "events")
    assert len(run.claim(keys, lambda seen: SEND, max_claims=len(keys))) == 1_234
    for key in keys[::2]:
        run.settle(key, "sent")
    states = ledger.states("co", "events", keys)
    assert sum(state == "sent" for state in states.values()) == 617
    assert ledger.count("co", "events", "claimed") == 617


def test_outcomes_may_come_from_many_threads(ledger):
    run = ledger.open_run("co", "events")
    keys = [_key(str(i)) for i in range(200)]
    run.claim(keys, lambda seen: SEND, max_claims=200)
    threads = [
        threading.Thread(
            target=lambda part: [run.settle(k, "sent") for k in part], args=(keys[i::4],)
        )
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ledger.count("co", "events", "sent") == 200


def test_forget(ledger):
    run = ledger.open_run("co", "subscribe")
    run.claim([K1, K2], lambda seen: SEND, max_claims=2)
    assert ledger.forget("co", "subscribe") == 2
    assert ledger.count("co") == 0


def test_takes_over_the_old_journal_once(tmp_path):
    old = tmp_path / "journal.sqlite"
    db = sqlite3.connect(old)
    db.execute("CREATE TABLE accepted (company_id TEXT, endpoint TEXT, key TEXT, accepted_at REAL)")
    db.execute("INSERT INTO accepted VALUES ('co', 'subscribe', ?, 42.0)", (K1,))
    db.commit()
    db.close()
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert ledger.states("co", "subscribe", [K1]) == {K1: "sent"}
    assert not old.exists() and (tmp_path / "journal.sqlite.imported").exists()


# -- a ledger that cannot be used says so, in words, before anything is sent ---------------------


def test_a_garbage_file_is_called_damaged(tmp_path):
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 40)
    with pytest.raises(LedgerError, match="damaged.*move it aside") as caught:
        Ledger(path)
    assert str(path) in str(caught.value) and caught.value.path == path


def test_a_truncated_file_is_called_damaged(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        run = ledger.open_run("co", "events")
        keys = [_key(str(i)) for i in range(3000)]
        run.claim(keys, lambda seen: SEND, max_claims=3000)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)
    with pytest.raises(LedgerError, match="damaged"):
        Ledger(path)


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path):
    (tmp_path / "blocked").write_text("a file where the ledger's folder should be")
    with pytest.raises(LedgerError, match="cannot be opened") as caught:
        Ledger(tmp_path / "blocked" / "ledger.sqlite")
    assert "nothing more was sent" in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(LedgerError, match="read-only"):
            Ledger(folder / "ledger.sqlite")
    finally:
        folder.chmod(0o700)


class ReadOnly(Ledger):
    """A ledger SQLite may only read: its own 'attempt to write a readonly database'."""

    def _connect(self):
        db = super()._connect()
        db.execute("PRAGMA query_only = 1")
        return db


def test_a_file_that_may_only_be_read_is_a_clear_error_even_for_root(tmp_path):
    Ledger(tmp_path / "ledger.sqlite").close()
    with pytest.raises(LedgerError, match="read-only.*ledger="):
        ReadOnly(tmp_path / "ledger.sqlite").open_run("co", "subscribe")


class SmallDisk(Ledger):
    """A ledger whose file may not grow past a few pages: SQLite's own 'disk is full'."""

    pages = 0

    def _connect(self):
        db = super()._connect()
        if self.pages:
            db.execute(f"PRAGMA max_page_count = {self.pages}")
        return db


def test_a_full_disk_mid_run_is_a_ledger_error_naming_the_cause(tmp_path):
    SmallDisk.pages = 8
    try:
        ledger = SmallDisk(tmp_path / "ledger.sqlite")
        run = ledger.open_run("co", "events")
        with pytest.raises(LedgerError, match="disk is full"):
            for i in range(10_000):
                run.claim([_key(str(i))], lambda seen: SEND, max_claims=1)
        ledger.close()
    finally:
        SmallDisk.pages = 0
