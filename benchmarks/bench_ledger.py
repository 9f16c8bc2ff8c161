"""What the send ledger costs per request, beside the journal it replaced.

Run: ``.venv/bin/python benchmarks/bench_ledger.py [--requests 3000]``

Per request the ledger commits twice: the claim before the request leaves
(``synchronous=FULL``: on disk, not only in the operating system's cache) and
the outcome after. The baseline is attentive_nb 0.1's journal: one commit
(``synchronous=NORMAL``) for each accepted request, written after the fact.
Both are timed on this machine's disk, in a temporary folder, one request at
a time (the engine's steady state), and set beside the time one request may
take at the custom events limit (150/s: 6.7 ms).
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
import time
from pathlib import Path

from attentive_nb.send.ledger import Ledger, Verdict

SEND = Verdict(True)


def keys(n: int, salt: str) -> list[str]:
    return [hashlib.sha256(f"{salt}{i}".encode()).hexdigest() for i in range(n)]


def journal_per_request(folder: Path, n: int) -> float:
    """The 0.1 journal: INSERT OR IGNORE of each accepted key, committed at once."""
    db = sqlite3.connect(folder / "journal.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE accepted (company_id TEXT, endpoint TEXT, key TEXT, accepted_at REAL,"
        " PRIMARY KEY (company_id, endpoint, key)) WITHOUT ROWID"
    )
    started = time.perf_counter()
    for key in keys(n, "journal"):
        db.execute("BEGIN")
        db.execute("INSERT OR IGNORE INTO accepted VALUES ('co', 'events', ?, ?)", (key, 1.0))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed / n


def ledger_per_request(folder: Path, n: int) -> float:
    """The ledger: a claim (read what is known, write the claim, commit) and an outcome."""
    with Ledger(folder / "ledger.sqlite") as ledger:
        run = ledger.open_run("co", "events")
        started = time.perf_counter()
        for key in keys(n, "ledger"):
            run.claim([key], lambda _seen: SEND, max_claims=1)
            run.settle(key, "sent")
        elapsed = time.perf_counter() - started
        run.finish()
    return elapsed / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    slot_ms = 1000 / 150
    with tempfile.TemporaryDirectory() as folder:
        old = journal_per_request(Path(folder), args.requests)
        new = ledger_per_request(Path(folder), args.requests)
    print(f"Per request, over {args.requests:,} requests (one request slot at 150/s: 6.7 ms):")
    print(f"{'':<34}{'ms/request':>12}{'of a slot':>11}")
    for name, seconds in (("journal of 0.1 (baseline)", old), ("ledger: claim + outcome", new)):
        print(f"{name:<34}{seconds * 1000:>12.3f}{seconds * 1000 / slot_ms:>11.1%}")


if __name__ == "__main__":
    main()
