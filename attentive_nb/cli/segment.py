"""``attentive-nb segment list | sync FILE --segment NAME | delete NAME``: segments from a shell.

The same calls as ``conn.segments()``, ``conn.sync_segment()`` and
``conn.delete_segment()`` in a notebook; ``sync`` prints the report as
``send`` does, with the people taken out, and exits as ``send`` does.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from attentive_nb.cli.send import (
    columns_option,
    ignore_option,
    in_cli_words,
    parse_columns,
    print_report,
    read_table,
    unmapped_in_cli_words,
)
from attentive_nb.connection import Connection
from attentive_nb.errors import ConfigError, UnmappedColumns

EPILOG = """\
A sync makes the segment hold the file's people (--mode mirror, the default): it adds
those not in it yet and takes out those this folder's ledger put in before who are no
longer in the file. Attentive cannot list a segment's members, so people added some
other way are never touched. --mode add only adds, --mode remove takes the file's
people out. Members go 10,000 a request, as bulk jobs Attentive runs later.

exit codes: 0 done, 1 some rows not sent, 2 usage or settings, 130 Ctrl-C

examples:
  attentive-nb segment list
  attentive-nb segment sync lapsed.csv --segment "Lapsed buyers" --dry-run
  attentive-nb segment sync lapsed.csv --segment "Lapsed buyers" --yes
  attentive-nb segment delete "Lapsed buyers"
"""


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``segment list``, ``segment sync FILE --segment NAME …``, ``segment delete NAME``."""
    parser = subparsers.add_parser(
        "segment",
        parents=[common],
        help="list segments, sync one with a file's people, or delete one",
        description="Attentive segments (v2): list them, keep one in sync with a file, delete one.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="the segments made through the API")
    listing.set_defaults(run=run_list, parser=listing)

    sync = actions.add_parser(
        "sync",
        parents=[common],
        help="make a segment hold the people of FILE",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    sync.add_argument("file", metavar="FILE", help="CSV, Excel or Parquet; a phone/email column")
    sync.add_argument("--segment", required=True, metavar="NAME", help="its name or external id")
    sync.add_argument("--mode", choices=("mirror", "add", "remove"), default="mirror")
    sync.add_argument(
        "--no-create", action="store_true", help="stop if the segment does not exist yet"
    )
    sync.add_argument("--dry-run", action="store_true", help="say what would change; send nothing")
    sync.add_argument("--yes", action="store_true", help="take out more than 1,000 people")
    sync.add_argument(
        "--wait", type=float, metavar="S", help="seconds to wait for the jobs (default 10)"
    )
    sync.add_argument("--columns", action="append", metavar="COLUMN=FIELD")
    sync.add_argument("--ignore", action="append", metavar="COLUMN")
    sync.add_argument("--default-region", metavar="CC", help="country of numbers without +")
    sync.add_argument("--ledger", metavar="PATH", help="default .attentive_nb/ledger.sqlite")
    sync.set_defaults(run=run_sync, parser=sync)

    delete = actions.add_parser("delete", parents=[common], help="delete a segment (asks first)")
    delete.add_argument("segment", metavar="NAME", help="its name or external id")
    delete.add_argument("--yes", action="store_true", help="do not ask")
    delete.set_defaults(run=run_delete, parser=delete)


def run_list(args: argparse.Namespace, extra: list[str]) -> int:
    frame = Connection.from_env(api_url=args.api_url).segments()
    if frame.empty:
        print("No segments made through the API (Attentive lists only those).")
    else:
        print(frame.to_string(index=False))
    return 0


def run_sync(args: argparse.Namespace, extra: list[str]) -> int:
    """Read, sync, print the report and the people taken out; 1 if any row needs another go."""
    options = _sync_options(args)
    pairs = parse_columns(args.columns)
    frame = read_table(args.file)
    if pairs:
        options["columns"] = columns_option(pairs, list(frame.columns))
    conn = Connection.from_env(api_url=args.api_url)
    try:
        report = conn.sync_segment(frame, args.segment, **options)
    except UnmappedColumns as exc:
        raise ConfigError(unmapped_in_cli_words(exc.columns)) from exc
    except ConfigError as exc:
        raise ConfigError(in_cli_words(str(exc)).replace("confirm=True", "--yes")) from exc
    print_report(report)
    retry = len(report.to_retry)
    if report.removed is not None:
        print("taken out:")
        print_report(report.removed)
        retry += len(report.removed.to_retry)
    return 1 if retry else 0


def _sync_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        "mode": args.mode,
        "create": not args.no_create,
        "dry_run": args.dry_run,
        "confirm": args.yes,
        "progress": sys.stderr.isatty(),
    }
    for name in ("wait", "default_region", "ledger"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.ignore:
        options["ignore"] = ignore_option(args.ignore)
    return options


def run_delete(args: argparse.Namespace, extra: list[str]) -> int:
    conn = Connection.from_env(api_url=args.api_url)
    try:
        print(conn.delete_segment(args.segment, confirm=args.yes))
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("confirm=True", "--yes")) from exc
    return 0
