"""``attentive-nb delete FILE`` and ``attentive-nb delete --status``: privacy deletions.

``delete FILE`` is a send like the others (the same options, report and exit
codes) of ``conn.request_deletion``: it asks ``DELETE <n>`` before anything
is sent, or goes ahead with ``--yes``; without a terminal and without
``--yes`` it sends nothing. ``delete --status`` asks Attentive how far each
deletion request sent from this folder got (``conn.deletion_requests(refresh=True)``).
"""

from __future__ import annotations

import argparse

import pandas as pd

from attentive_nb.cli import send_parser
from attentive_nb.cli.files import BadInput
from attentive_nb.cli.send import run_send
from attentive_nb.connection import Connection

DELETE_HELP = (
    "ask Attentive to delete each row's person (CCPA / GDPR); cannot be undone",
    "  attentive-nb delete requests.csv --dry-run\n"
    '  attentive-nb delete requests.csv --message "CCPA request 2026-114"\n'
    "  attentive-nb delete requests.csv --yes        # no DELETE <n> question (scripts)\n"
    "  attentive-nb delete --status",
)
SHOWN = ("person", "request_id", "requested_at", "status", "note")


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``delete [FILE] [--message TEXT] [--dry-run] [--yes] [--status]``."""
    parser = send_parser.file_command(subparsers, "delete", DELETE_HELP, common, formatter)
    send_parser.add_common_send_options(parser, "deletions")
    parser.add_argument(
        "--message",
        metavar="TEXT",
        help="a note kept with each request for the audit trail (Attentive's requestMsg)",
    )
    parser.add_argument(
        "--status",
        action="store_true",
        help="instead of sending: ask Attentive how far each deletion request sent from "
        "this folder got",
    )
    parser.set_defaults(run=run_delete, parser=parser, kind="deletions")


def run_delete(args: argparse.Namespace, extra: list[str]) -> int:
    """``--status``: the table of requests; else the send of FILE."""
    if args.status:
        if args.file:
            raise BadInput("--status lists the requests sent before: give it no FILE")
        conn = Connection.from_env(api_url=args.api_url)
        print_requests(conn.deletion_requests(refresh=True))
        return 0
    if not args.file:
        raise BadInput("give the FILE of people to delete, or --status")
    return run_send(args, extra)


def print_requests(frame: pd.DataFrame) -> None:
    """The requests, newest first, masked; then how many are still waiting."""
    if frame.empty:
        print("No deletion requests in the ledger here (attentive-nb delete FILE sends them).")
        return
    shown = frame[list(SHOWN)].assign(
        requested_at=frame["requested_at"].dt.strftime("%Y-%m-%d %H:%M")
    )
    print(shown.to_string(index=False))
    waiting = int((~frame["status"].isin(["COMPLETED", "NOT_FOUND"])).sum())
    if waiting:
        print(f"{waiting:,} not processed yet: Attentive deletes within thirty days; ask again.")
