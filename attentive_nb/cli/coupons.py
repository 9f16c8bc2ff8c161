"""``attentive-nb coupons FILE --pool ID [--start ISO] [--stop ISO]``: codes into an offer.

The same call as ``conn.upload_coupons`` in a notebook. A CSV file is read as
text, so codes stay exactly as written (``000123``, ``NA``); a Parquet column
of numbers is refused with the reason.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from attentive_nb.cli import send_parser
from attentive_nb.cli.files import BadInput
from attentive_nb.cli.send import (
    in_cli_words,
    parse_columns,
    print_report,
    read_table,
    write_outputs,
)
from attentive_nb.connection import Connection
from attentive_nb.errors import ConfigError

COUPONS_HELP = (
    "add discount codes to an offer (coupon pool), 200,000 a request",
    "  attentive-nb coupons codes.csv --pool 123456 --dry-run\n"
    "  attentive-nb coupons codes.csv --pool 123456 --start 2026-03-01T00:00:00Z "
    "--stop 2026-04-01T00:00:00Z\n"
    "  attentive-nb coupons vouchers.csv --pool 123456 --columns Voucher=code --out report.csv",
)
EPILOG = """\
Codes are sent exactly as written: a CSV file is read as text (000123 stays 000123);
blank codes, codes with a space or a control character are reported per row, and a
repeated code is sent once. Each request is recorded in the send ledger: a re-run
skips what Attentive accepted; a request whose answer was lost is not sent again
unless --resend unknown. --start and --stop without a time zone are in --timezone.

exit codes: 0 every code sent or skipped (dry run: would be sent)
            1 some codes invalid, rejected, failed, unknown or not sent
            2 bad command line, unreadable file, or a setting is missing or wrong
"""
_WORDS = {  # the library's words for its keywords -> the options here
    "distribution_start=": "--start ",
    "distribution_stop=": "--stop ",
    "distribution_start": "--start",
    "distribution_stop": "--stop",
    "pool=": "--pool ",
    "columns=": "--columns ",
    "timezone=": "--timezone ",
}


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``coupons FILE --pool ID [--start ISO] [--stop ISO] [options]``."""
    summary, examples = COUPONS_HELP
    p = subparsers.add_parser(
        "coupons",
        parents=[common],
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=f"examples:\n{examples}\n\n{EPILOG}",
        formatter_class=formatter,
    )
    p.add_argument("file", metavar="FILE", help="CSV (read as text) or Parquet; - reads stdin")
    p.add_argument("--pool", required=True, metavar="ID", help="the offer's coupon pool id")
    p.add_argument("--start", metavar="ISO", help="distribution start, e.g. 2026-03-01T00:00:00Z")
    p.add_argument("--stop", metavar="ISO", help="distribution stop (give both, or neither)")
    p.add_argument(
        "--timezone", metavar="TZ", help="time zone of --start/--stop without one (default UTC)"
    )
    p.add_argument(
        "--columns", action="append", metavar="COLUMN=code", help="the column holding the codes"
    )
    p.add_argument("--dry-run", action="store_true", help="check every code, send nothing")
    p.add_argument(
        "--resend",
        nargs="?",
        const="all",
        choices=("all", "unknown"),
        help="send again requests an earlier run sent ('all'), or only those whose answer "
        "was lost ('unknown'); see the ledger in .attentive_nb/",
    )
    send_parser.add_output_options(p)
    p.set_defaults(run=run_coupons, parser=p, kind="coupons")


def coupon_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of ``upload_coupons`` from the command line."""
    options: dict[str, Any] = {
        "pool": args.pool,
        "dry_run": args.dry_run,
        "progress": sys.stderr.isatty(),
        "resend": {None: False, "all": True, "unknown": "unknown"}[args.resend],
        "distribution_start": args.start,
        "distribution_stop": args.stop,
    }
    if args.timezone:
        options["timezone"] = args.timezone
    pairs = parse_columns(args.columns)
    if pairs:
        if len(pairs) != 1 or pairs[0][1].strip().lower() != "code":
            raise BadInput("--columns takes one COLUMN=code: the column holding the codes")
        options["columns"] = {pairs[0][0]: "code"}
    return options


def run_coupons(args: argparse.Namespace, extra: list[str]) -> int:
    """Read the codes as text, upload, print; 0 when no code needs another go."""
    options = coupon_options(args)
    frame = read_table(args.file, as_text=True)
    conn = Connection.from_env(api_url=args.api_url)
    try:
        report = conn.upload_coupons(frame, **options)
    except ConfigError as exc:
        text = in_cli_words(str(exc))
        for keyword, option in _WORDS.items():
            text = text.replace(keyword, option)
        raise ConfigError(text) from exc
    print_report(report)
    write_outputs(report, args)
    return 1 if len(report.to_retry) else 0
