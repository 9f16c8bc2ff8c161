"""The ``send``, ``link`` and ``lookup`` options and their help: they mirror the Python keywords."""

from __future__ import annotations

import argparse

from attentive_nb.cli.send import run_send
from attentive_nb.errors import ConfigError
from attentive_nb.report.csv_out import checked_path

EPILOG = """\
FILE is a CSV file, a Parquet file (.parquet, .pq), or - for CSV on standard input.
Columns are matched by name (phone, email, ...); --columns COLUMN=FIELD overrides
(as columns={COLUMN: FIELD} in Python). A column that looks like phone numbers or
emails but is not read stops the send: map it with --columns, or --ignore it.

exit codes: 0 every row sent, skipped or submitted in a bulk job (dry run: would be sent)
            1 some rows invalid, rejected, failed, unknown or not sent
            2 bad command line, unreadable file, or a setting is missing or wrong

examples:
  attentive-nb send subscribers people.csv --sign-up-source-id 123456 --dry-run
  attentive-nb send events orders.parquet --event-type "Order Shipped" --out results.csv
"""

KIND_HELP = {
    "subscribers": (
        "subscribe each row's phone and/or email",
        "  attentive-nb send subscribers people.csv --sign-up-source-id 123456 --yes\n"
        "  attentive-nb send subscribers people.csv --locale en-US --subscription-type MARKETING\n"
        "  attentive-nb send subscribers people.csv --sign-up-source-id 123456 "
        "--columns Mobile=phone,E-mail=email",
    ),
    "unsubscribe": (
        "unsubscribe each row's phone and/or email",
        "  attentive-nb send unsubscribe leavers.csv --yes\n"
        "  attentive-nb send unsubscribe leavers.csv --subscriptions MARKETING:TEXT --no-notify\n"
        "  attentive-nb send unsubscribe quebec.csv --language fr-CA",
    ),
    "attributes": (
        "set custom attributes (every column that is not an identifier)",
        "  attentive-nb send attributes loyalty.csv --out results.csv\n"
        "  attentive-nb send attributes loyalty.parquet --bulk --timezone America/New_York\n"
        "  attentive-nb send attributes loyalty.csv --bulk --wait 0 && attentive-nb jobs",
    ),
    "events": (
        "send one custom event per row",
        '  attentive-nb send events shipped.csv --event-type "Order Shipped"\n'
        "  attentive-nb send events events.csv --type-column kind "
        "--occurred-at-column ts --event-id-column id",
    ),
    "ecommerce": (
        "send purchase / add-to-cart / product-view events, one row per item",
        "  attentive-nb send ecommerce orders.csv --event purchase --group-by order_id\n"
        "  attentive-nb send ecommerce till-receipts.csv --sales-channel IN_STORE\n"
        "  cat views.csv | attentive-nb send ecommerce - --event product-view --dry-run",
    ),
}


# --- option types -----------------------------------------------------------


def locale_type(text: str) -> dict[str, str]:
    """``en-US`` -> ``{"language": "en", "country": "US"}``."""
    parts = text.replace("_", "-").split("-")
    if len(parts) != 2 or len(parts[0]) != 2 or len(parts[1]) != 2 or not text.isascii():
        raise argparse.ArgumentTypeError(f"{text!r} is not a locale like en-US")
    return {"language": parts[0].lower(), "country": parts[1].upper()}


def subscriptions_type(text: str) -> list[tuple[str, str]]:
    """``MARKETING:TEXT,TRANSACTIONAL:EMAIL`` -> ``[("MARKETING", "TEXT"), ...]``."""
    pairs = []
    for item in filter(None, (p.strip() for p in text.split(","))):
        kind, sep, channel = item.partition(":")
        if not sep or not kind or not channel:
            raise argparse.ArgumentTypeError(f"{item!r} is not TYPE:CHANNEL like MARKETING:TEXT")
        pairs.append((kind.strip().upper(), channel.strip().upper()))
    return pairs


# --- the parser ---------------------------------------------------------------


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``send`` with one sub-command per kind of data."""
    send = subparsers.add_parser(
        "send",
        help="send a CSV or Parquet file to Attentive",
        epilog=EPILOG,
        description="Send a file's rows to Attentive, or check them with --dry-run.",
        formatter_class=formatter,
    )
    kinds = send.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, help_text in KIND_HELP.items():
        parser = file_command(kinds, kind, help_text, common, formatter)
        add_common_send_options(parser, kind)
        KIND_OPTIONS[kind](parser)
        parser.set_defaults(run=run_send, parser=parser)


LINK_HELP = (
    "link external ids (client_user_id, custom_id:<name>...) to each row's phone or email",
    "  attentive-nb link customers.csv --dry-run\n"
    "  attentive-nb link crm-export.csv --columns CustomerNo=client_user_id,Mail=email",
)
LOOKUP_HELP = {
    "subscriptions": (
        "which subscriptions each row's phone or email is eligible for",
        "  attentive-nb lookup subscriptions people.csv --out eligible.csv",
    ),
    "attributes": (
        "each row's person's custom attributes, one column per attribute",
        "  attentive-nb lookup attributes loyalty.csv --out found.csv",
    ),
}


def add_link_and_lookup_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``link FILE`` (a send: ledger, --resend) and ``lookup KIND FILE`` (nothing recorded)."""
    link = file_command(subparsers, "link", LINK_HELP, common, formatter)
    add_common_send_options(link, "link")
    link.set_defaults(run=run_send, parser=link, kind="link")
    lookup = subparsers.add_parser(
        "lookup",
        help="look people up: subscriptions or attributes (changes nothing)",
        description="Ask Attentive what it knows of each row's person; nothing is changed.",
        epilog="examples:\n" + "\n".join(examples for _, examples in LOOKUP_HELP.values()),
        formatter_class=formatter,
    )
    kinds = lookup.add_subparsers(dest="what", metavar="KIND", required=True)
    for what, help_text in LOOKUP_HELP.items():
        parser = file_command(kinds, what, help_text, common, formatter)
        add_common_send_options(parser, f"lookup_{what}")
        parser.set_defaults(run=run_send, parser=parser, kind=f"lookup_{what}")


def file_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: tuple[str, str],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> argparse.ArgumentParser:
    """A command reading one FILE: its one-line summary, then its examples and the epilog's."""
    summary, examples = help_text
    return subparsers.add_parser(
        name,
        parents=[common],
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=f"examples:\n{examples}\n\n{EPILOG.split('examples:')[0]}",
        formatter_class=formatter,
    )


def add_common_send_options(p: argparse.ArgumentParser, kind: str) -> None:
    file_help = "CSV or Parquet file; - reads CSV from stdin"
    if kind == "deletions":  # `delete --status` reads no file
        p.add_argument("file", metavar="FILE", nargs="?", help=file_help)
    else:
        p.add_argument("file", metavar="FILE", help=file_help)
    p.add_argument(
        "--columns",
        action="append",
        metavar="COLUMN=FIELD",
        help="which field a column holds, e.g. --columns Mobile=phone,E-mail=email "
        "(repeatable; the old FIELD=COLUMN order still works, with a warning)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        metavar="COLUMN[,COLUMN]",
        help="columns that look like phone numbers or emails but are not the person's: "
        "send them like any other column instead of stopping to ask (repeatable)",
    )
    p.add_argument(
        "--region", metavar="CC", help="country for phone numbers without +code (default US)"
    )
    if kind in ("attributes", "events", "ecommerce"):
        p.add_argument(
            "--timezone",
            metavar="TZ",
            help="time zone of timestamps without one (default UTC), e.g. America/New_York",
        )
    p.add_argument("--dry-run", action="store_true", help="check every row, send nothing")
    if kind.startswith("lookup"):  # a look-up changes nothing: no ledger, nothing to resend
        add_output_options(p)
        return
    p.add_argument(
        "--resend",
        nargs="?",
        const="all",
        choices=("all", "unknown"),
        help="send again rows an earlier run sent ('all'), or only those whose answer was "
        "lost ('unknown'); see the ledger in .attentive_nb/",
    )
    if kind in ("subscribers", "unsubscribe"):
        p.add_argument(
            "--yes",
            action="store_true",
            help="confirm sending to more than 1,000 people (texts or emails them)",
        )
    if kind == "deletions":
        p.add_argument(
            "--yes",
            action="store_true",
            help="go ahead without typing DELETE <n>: deleting people cannot be undone",
        )
    add_output_options(p)


def _file_name(text: str) -> str:
    """A file name to write, refused before anything is sent when it holds escapes."""
    try:
        return checked_path(text)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        metavar="CSV",
        type=_file_name,
        help="write the per-row report (identifiers masked)",
    )
    p.add_argument(
        "--retry-out",
        "--failed-out",  # its 0.1 name
        type=_file_name,
        dest="retry_out",
        metavar="CSV",
        help="write the rows that need another go (report.to_retry): the input's columns, "
        "values as they are, ready to fix and send again as the FILE (--out has the reasons)",
    )
    p.add_argument(
        "--raw-csv",
        action="store_true",
        help="write --out values exactly as they are; by default a cell "
        "starting with = + - @ (a +1… phone number too) gets a leading ' so that a "
        "spreadsheet shows it as text instead of running it as a formula",
    )


def _subscribers_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sign-up-source-id", metavar="ID", help="sign-up unit id (Sign-up Units tab)")
    p.add_argument(
        "--locale",
        type=locale_type,
        metavar="LL-CC",
        help="with --subscription-type instead of a sign-up source, e.g. en-US",
    )
    p.add_argument("--subscription-type", choices=("MARKETING", "TRANSACTIONAL"), type=str.upper)
    p.add_argument(
        "--single-opt-in", action="store_true", help="skip the double opt-in confirmation message"
    )


def _unsubscribe_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--subscriptions",
        type=subscriptions_type,
        metavar="TYPE:CHANNEL,...",
        help="only these, e.g. MARKETING:TEXT,MARKETING:EMAIL (default: all)",
    )
    p.add_argument(
        "--no-notify", action="store_true", help="do not send the unsubscribe confirmation message"
    )
    p.add_argument(
        "--language",
        choices=("en-US", "fr-CA"),
        help="the confirmation's language (default: Attentive's); a language column sets it "
        "per row",
    )


def _attributes_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bulk",
        action="store_true",
        help="use the v2 bulk endpoint (256 people per request, as jobs Attentive runs later; "
        "person fields like first_name, city, zip, and sign_up_source_id to subscribe)",
    )
    p.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="with --bulk: how long to wait for Attentive to run the jobs (default 10; 0 "
        "returns at once and attentive-nb jobs --refresh follows up)",
    )


def _events_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--event-type", metavar="NAME", help='the event type for every row, e.g. "Order Shipped"'
    )
    p.add_argument(
        "--type-column", metavar="COLUMN", help="the column holding each row's event type"
    )
    p.add_argument(
        "--occurred-at-column", metavar="COLUMN", help="the column holding when it happened"
    )
    p.add_argument(
        "--event-id-column", metavar="COLUMN", help="the column holding a unique event id"
    )


def _ecommerce_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--event",
        choices=("purchase", "add-to-cart", "product-view"),
        default=None,
        help="the kind of event (default purchase)",
    )
    p.add_argument(
        "--group-by",
        metavar="COLUMN[,COLUMN]",
        help="rows sharing these columns become one event (default: order_id)",
    )
    p.add_argument("--currency", metavar="CODE", help="currency of prices (default USD)")
    p.add_argument(
        "--sales-channel",
        metavar="CHANNEL",
        help="where purchases were made, for orders without a sales_channel column value: "
        "WEB, IOS_APP, ANDROID_APP, IN_STORE, PHONE or OTHER",
    )
    p.add_argument(
        "--occurred-at-column", metavar="COLUMN", help="the column holding when it happened"
    )


KIND_OPTIONS = {
    "subscribers": _subscribers_options,
    "unsubscribe": _unsubscribe_options,
    "attributes": _attributes_options,
    "events": _events_options,
    "ecommerce": _ecommerce_options,
}
