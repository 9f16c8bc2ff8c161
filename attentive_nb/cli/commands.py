"""The ``attentive-nb`` command: a thin shell over the functions the notebooks call.

::

    attentive-nb whoami                      which credentials, which company
    attentive-nb send KIND FILE [options]    subscribers, unsubscribe, attributes, events, ecommerce
    attentive-nb companies                   the companies this machine can act for (--by-company)
    attentive-nb link FILE [options]         link client_user_id / custom ids to phones and emails
    attentive-nb lookup KIND FILE [options]  subscriptions or attributes of each row's person
    attentive-nb jobs [--refresh]            the bulk jobs sent from here, and their outcome
    attentive-nb segment list | sync FILE --segment NAME | delete NAME   segments (v2)
    attentive-nb delete FILE | --status      privacy deletions (cannot be undone), and their status
    attentive-nb coupons FILE --pool ID      discount codes into an offer, exactly as written
    attentive-nb oauth url | finish PASTED   a public app's sign-in from a terminal
    attentive-nb sandbox [options]           the local Attentive look-alike
    attentive-nb lab | demo                  JupyterLab on the walkthrough notebooks

Exit codes: 0 done; 1 some rows not sent, or the sign-in failed; 2 bad command
line, unreadable file or a setting missing or wrong; 130 interrupted. No
secret is ever printed; ``--debug`` adds tracebacks with secrets masked.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
import warnings

from attentive_nb import config
from attentive_nb.__about__ import __version__
from attentive_nb.cli import terminal
from attentive_nb.cli.files import BadInput
from attentive_nb.cli.lab import NotebooksMissing
from attentive_nb.errors import AttentiveError, AuthError, ConfigError, ScopeError
from attentive_nb.redact import scrub

PROG = "attentive-nb"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_FORMATTER = argparse.RawDescriptionHelpFormatter

MAIN_EPILOG = """\
Credentials come from the environment or a .env file: ATTENTIVE_API_KEY (a private
app's key) or ATTENTIVE_ACCESS_TOKEN; ATTENTIVE_API_URL points elsewhere (a sandbox).

exit codes: 0 done, 1 some rows not sent or sign-in failed, 2 usage or settings, 130 Ctrl-C

examples:
  attentive-nb whoami
  attentive-nb send subscribers people.csv --sign-up-source-id 123456 --dry-run
  attentive-nb lookup subscriptions people.csv --out eligible.csv
  attentive-nb jobs --refresh
  attentive-nb segment sync lapsed.csv --segment "Lapsed buyers" --dry-run
  attentive-nb sandbox --port 8765
  attentive-nb demo
"""


# --- the parser ---------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; each sub-command's ``run`` is set as a default."""
    from attentive_nb.cli import auth as cli_auth
    from attentive_nb.cli import companies as cli_companies
    from attentive_nb.cli import coupons as cli_coupons
    from attentive_nb.cli import demo as cli_demo
    from attentive_nb.cli import jobs as cli_jobs
    from attentive_nb.cli import lab as cli_lab
    from attentive_nb.cli import privacy as cli_privacy
    from attentive_nb.cli import segment as cli_segment
    from attentive_nb.cli import send_parser as cli_send_parser

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Send pandas-readable files to Attentive; sign in; run the sandbox.",
        epilog=MAIN_EPILOG,
        formatter_class=_FORMATTER,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        help="show tracebacks and request logs (secrets stay masked)",
    )
    common.add_argument(
        "--api-url",
        metavar="URL",
        help="API address (default: ATTENTIVE_API_URL or https://api.attentivemobile.com)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    cli_auth.add_parsers(commands, common, _FORMATTER)
    cli_companies.add_parser(commands, common, _FORMATTER)
    cli_send_parser.add_parser(commands, common, _FORMATTER)
    cli_send_parser.add_link_and_lookup_parsers(commands, common, _FORMATTER)
    cli_jobs.add_parser(commands, common, _FORMATTER)
    cli_segment.add_parser(commands, common, _FORMATTER)
    cli_privacy.add_parser(commands, common, _FORMATTER)
    cli_coupons.add_parser(commands, common, _FORMATTER)
    commands.add_parser(
        "sandbox",
        help="run the local Attentive sandbox (see attentive-nb sandbox --help)",
        add_help=False,
    )
    cli_lab.add_parsers(commands, common, _FORMATTER)
    cli_demo.add_parser(commands, common, _FORMATTER)
    return parser


# --- main ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sandbox"]:
        return _run_sandbox(argv[1:])
    with terminal.cleaned_output():  # no escape sequence from a server reaches the terminal
        return _main(argv)


def _main(argv: list[str]) -> int:
    try:
        parser = build_parser()  # it loads pandas and the rest: a second or so
    except KeyboardInterrupt:
        return _interrupted()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if extra and not getattr(args, "passthrough", False):
        args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
    _setup_logging(args.debug)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code: int = args.run(args, extra)  # every sub-command's run returns its exit code
        for warning in caught:
            print(f"warning: {_scrub(str(warning.message))}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        return _interrupted()
    except (ConfigError, BadInput, NotebooksMissing) as exc:
        return _usage_error(args, exc)
    except AttentiveError as exc:
        return _failure(args, exc)
    except Exception as exc:  # one line, not a traceback (unless --debug)
        return _failure(args, exc, unexpected=True)


def _interrupted() -> int:
    print(f"\n{PROG}: interrupted (Ctrl-C).", file=sys.stderr)
    return EXIT_INTERRUPTED


def _run_sandbox(argv: list[str]) -> int:
    from attentive_nb import sandbox

    try:
        return sandbox.main(argv)
    except KeyboardInterrupt:
        return EXIT_OK


def _usage_error(args: argparse.Namespace, exc: BaseException) -> int:
    """Like argparse: the usage line, then one line saying what is wrong."""
    _traceback_if(args.debug, exc)
    args.parser.print_usage(sys.stderr)
    print(f"{args.parser.prog}: error: {_scrub(str(exc))}", file=sys.stderr)
    return EXIT_USAGE


def _failure(args: argparse.Namespace, exc: BaseException, unexpected: bool = False) -> int:
    """An API, network or sign-in problem: one line; a rejected key is a setting (2)."""
    _traceback_if(args.debug, exc)
    text = _scrub(str(exc)) or type(exc).__name__
    if unexpected:
        text = f"unexpected {type(exc).__name__}: {text} (run again with --debug for details)"
    _error(text)
    return EXIT_USAGE if isinstance(exc, (AuthError, ScopeError)) else EXIT_FAILED


def _error(text: str) -> None:
    print(f"{PROG}: error: {text}", file=sys.stderr)


def _traceback_if(debug: bool, exc: BaseException) -> None:
    if debug:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        print(_scrub(text), file=sys.stderr, end="")


def _secrets() -> list[str]:
    values = []
    for name in config.SECRET_VARIABLES:
        found = config.lookup(name)
        if found and len(found.value.strip()) >= 4:
            values.append(found.value.strip())
    return values


def _scrub(text: str) -> str:
    """``text`` with every known secret (environment or .env) masked."""
    return scrub(text, _secrets())


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = _scrub(record.getMessage()), None
        return True


def _setup_logging(debug: bool) -> None:
    if not debug:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ScrubFilter())
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    logger = logging.getLogger("attentive_nb")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
