"""``attentive-nb jobs``: the v2 bulk jobs sent from this folder, with Attentive's word on each.

The same table as ``conn.bulk_jobs()`` in a notebook; ``--refresh`` reads the
results of the jobs that completed, so their rows' outcomes are in the ledger
and a re-run of the same send sends only the rows that did not apply.
"""

from __future__ import annotations

import argparse

import pandas as pd

from attentive_nb.connection import Connection
from attentive_nb.report.summary import rows_text

EPILOG = """\
Bulk jobs run at Attentive after the send returns (often within hours); the ledger
(.attentive_nb/ledger.sqlite) remembers them for two weeks, as long as Attentive does.

exit codes: 0 listed, 2 a setting is missing or wrong

examples:
  attentive-nb jobs
  attentive-nb jobs --refresh
"""
SHOWN = ("job_id", "submitted_at", "rows", "status", "sent", "rejected", "failed", "unknown")


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``jobs [--refresh] [--ledger PATH]``."""
    parser = subparsers.add_parser(
        "jobs",
        parents=[common],
        help="the bulk jobs sent from this folder, and what became of them",
        description="List the v2 bulk jobs the ledger knows, with Attentive's status of each.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="also read the results of completed jobs: each row's outcome goes into the "
        "ledger, so a re-run sends only what did not apply",
    )
    parser.add_argument(
        "--ledger", metavar="PATH", help="the send ledger (default .attentive_nb/ledger.sqlite)"
    )
    parser.set_defaults(run=run_jobs, parser=parser)


def run_jobs(args: argparse.Namespace, extra: list[str]) -> int:
    """Ask Attentive about each job of the ledger and print the table."""
    conn = Connection.from_env(api_url=args.api_url)
    print_jobs(conn.bulk_jobs(refresh=args.refresh, ledger=args.ledger), refreshed=args.refresh)
    return 0


def print_jobs(frame: pd.DataFrame, *, refreshed: bool) -> None:
    """The jobs, newest first, then what to do about the rows still waiting."""
    if frame.empty:
        print("No bulk jobs in the ledger here (send with --bulk first, from this folder).")
        return
    shown = frame[list(SHOWN)].assign(
        submitted_at=frame["submitted_at"].dt.strftime("%Y-%m-%d %H:%M"),
        waiting=frame["submitted"],
    )
    shown = shown.astype(object).where(shown.notna(), "")  # an outcome not read yet: blank
    print(shown.to_string(index=False))
    for job_id, note in zip(frame["job_id"], frame["note"]):
        if note:
            print(f"note: {job_id}: {note}")
    waiting = int(frame["submitted"].sum())
    if waiting and not refreshed:
        print(f"{rows_text(waiting)} await their outcome: attentive-nb jobs --refresh reads it.")
    elif waiting:
        print(f"{rows_text(waiting)} in jobs Attentive has not finished: ask again later.")
