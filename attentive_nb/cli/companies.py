"""``attentive-nb companies`` and ``send KIND FILE --by-company COLUMN``: many companies.

``companies`` prints :func:`attentive_nb.companies` (no secret in it);
``--by-company`` hands the file to :func:`attentive_nb.send_by_company`, which
sends each company's rows under its own credentials, and prints the one
:class:`~attentive_nb.report.companies.CompanyReport`: a verdict per company with
its top reasons and notes. ``--out`` and ``--retry-out`` write as for one company;
the retry file keeps the company column, so it can be sent again the same way.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from attentive_nb.cli.send import prepared, run_send, write_outputs
from attentive_nb.report.companies import NO_COMPANY
from attentive_nb.report.summary import happened, rows_text, top_reasons

if TYPE_CHECKING:
    from attentive_nb.report.companies import CompanyReport

EPILOG = """\
Every company this machine can act for: the OAuth tokens kept by the sign-in (attentive-nb
oauth finish --remember, or att.connect() in a notebook) and the key in the environment
or .env, named by asking /v1/me. No secret is printed.

exit codes: 0 listed (also none; a key /v1/me did not answer for says why in its row)
            2 a setting is wrong

examples:
  attentive-nb companies
  attentive-nb send events shipped.csv --event-type "Order Shipped" --by-company company_id
"""
BY_COMPANY_HELP = (
    "send each row under the credentials of the company this column names (an id or exact "
    "name from attentive-nb companies), all companies at once; the column is not sent"
)


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    listing = commands.add_parser(
        "companies",
        parents=[common],
        help="the companies this machine can act for (send --by-company sends to many)",
        description="List the companies whose credentials this machine holds (no secret).",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    listing.set_defaults(run=run_companies, parser=listing)


def add_by_company_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--by-company", metavar="COLUMN", help=BY_COMPANY_HELP)


def run_companies(args: argparse.Namespace, extra: list[str]) -> int:
    from attentive_nb.signin.companies import companies

    table = companies(args.api_url)
    if table.empty:
        print("No company: sign in (attentive-nb oauth ...) or set ATTENTIVE_API_KEY.")
        return 0
    shown = table.assign(saved_at=table["saved_at"].dt.strftime("%Y-%m-%d %H:%M UTC"))
    print(shown.fillna("").to_string(index=False))
    return 0


def run_send_or_by_company(args: argparse.Namespace, extra: list[str]) -> int:
    """``send KIND FILE``: by company with ``--by-company``, else as one company."""
    if not args.by_company:
        return run_send(args, extra)
    from attentive_nb.fleet import send_by_company

    frame, options = prepared(args)
    options["progress"] = False  # one bar per company at once would be noise
    report = send_by_company(
        frame, by=args.by_company, kind=args.kind, api_url=args.api_url, **options
    )
    print_company_report(report)
    write_outputs(report, args)  # type: ignore[arg-type]  # the same to_csv / to_retry
    return 1 if len(report.to_retry) else 0


def print_company_report(report: CompanyReport) -> None:
    """One line for all, then each company: its counts, its top reasons, its notes."""
    counts = happened(report.counts)
    print(f"{report.kind}, {rows_text(len(report))} for {len(report.reports)} companies: {counts}")
    names = _stored_names()
    for company, part in report.reports.items():
        name = f"{names[company]} ({company})" if names.get(company) else company or NO_COMPANY
        print(f"  {name}: {rows_text(len(part))}: {happened(part.counts)}")
        for status, n in part.counts.items():
            if n and status != "sent":
                for reason in top_reasons(part.reasons, status):
                    print(f"      {status}: {reason}")
        for note in part.notes:
            print(f"      note: {note}")


def _stored_names() -> dict[str, str]:
    """Company id -> name, as the token store keeps them (no request; the key's is unknown)."""
    from attentive_nb.signin.tokens import TokenStore

    return {cid: str(e.get("company_name") or "") for cid, e in TokenStore().companies().items()}
