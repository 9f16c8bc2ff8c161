"""``attentive-nb whoami`` and ``attentive-nb oauth url | finish``: credentials from a terminal.

The OAuth link's pending state is kept on disk by :class:`~attentive_nb.signin.oauth.OAuthFlow`,
so ``finish`` (a new process) finds it again from the ``state`` in the pasted
address; the client id and redirect URI recorded with it are reused when not given.
"""

from __future__ import annotations

import argparse
import sys

from attentive_nb import config
from attentive_nb.endpoints import OAUTH_SCOPES, SEND_SCOPES
from attentive_nb.errors import AuthError, ScopeError
from attentive_nb.redact import mask_secret

WHOAMI_EPILOG = """\
exit codes: 0 the credentials work
            1 the API could not be reached
            2 no credentials found, or not accepted (a setting to fix)

examples:
  attentive-nb whoami
  ATTENTIVE_API_URL=http://127.0.0.1:8765 attentive-nb whoami
"""
OAUTH_EPILOG = """\
The client secret is read from ATTENTIVE_CLIENT_SECRET (environment or .env), never
from the command line, where it would stay in the shell history.

examples:
  attentive-nb oauth url --client-id abc123 --redirect-uri https://example.com/callback
  attentive-nb oauth finish 'https://example.com/callback?code=...&state=...' --remember
"""
EXIT_USAGE = 2  # as every command: a missing or refused setting
ME_LINES = (
    ("Company", "companyName"),
    ("Company id", "companyId"),
    ("App", "applicationName"),
    ("Domain", "attentiveDomainName"),
    ("Contact", "contactEmail"),
)


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``whoami`` and ``oauth url`` / ``oauth finish``."""
    whoami = commands.add_parser(
        "whoami",
        parents=[common],
        help="which credentials are used, and for which company",
        description="Show where each setting comes from (secrets masked), then ask /v1/me.",
        epilog=WHOAMI_EPILOG,
        formatter_class=formatter,
    )
    whoami.set_defaults(run=run_whoami, parser=whoami)
    oauth = commands.add_parser(
        "oauth",
        help="sign in a public app (OAuth) from a terminal",
        description="Two steps: 'url' prints the consent link, 'finish' takes the address "
        "you were sent to.",
        epilog=OAUTH_EPILOG,
        formatter_class=formatter,
    )
    steps = oauth.add_subparsers(dest="step", metavar="STEP", required=True)
    _add_url(steps, common, formatter)
    _add_finish(steps, common, formatter)


def _add_url(
    steps: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    url = steps.add_parser(
        "url",
        parents=[common],
        help="print the consent-page link",
        epilog=OAUTH_EPILOG,
        description="Print the link to Attentive's consent page.",
        formatter_class=formatter,
    )
    _add_app_options(url)
    url.add_argument(
        "--scope",
        action="append",
        choices=OAUTH_SCOPES,
        metavar="SCOPE",
        help=f"repeatable; default: {' '.join(SEND_SCOPES)}; one of: {', '.join(OAUTH_SCOPES)}",
    )
    url.add_argument("--auth-url", metavar="URL", help="consent page (default: ATTENTIVE_AUTH_URL)")
    url.set_defaults(run=run_url, parser=url)


def _add_finish(
    steps: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    finish = steps.add_parser(
        "finish",
        parents=[common],
        help="exchange the pasted address for a token",
        description="Finish the sign-in with the address Attentive sent you to.",
        epilog=OAUTH_EPILOG,
        formatter_class=formatter,
    )
    _add_app_options(finish)
    finish.add_argument(
        "pasted",
        nargs="?",
        default="-",
        metavar="PASTED",
        help="the address you were sent to (quote it), or the bare code; - or nothing: stdin",
    )
    finish.add_argument(
        "--remember",
        action="store_true",
        help="also write ATTENTIVE_ACCESS_TOKEN to .env (mode 0600), for scripts and whoami",
    )
    finish.set_defaults(run=run_finish, parser=finish)


def _add_app_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--client-id", help="default: ATTENTIVE_CLIENT_ID")
    p.add_argument("--redirect-uri", help="default: ATTENTIVE_REDIRECT_URI")


# --- whoami -------------------------------------------------------------------


def run_whoami(args: argparse.Namespace, extra: list[str]) -> int:
    """Where each setting comes from, then the company these credentials open."""
    from attentive_nb.connection import Connection, credentials_from_env

    _print_settings(config.describe_credentials())
    found = credentials_from_env()
    if found is None:
        print(
            "attentive-nb: error: no Attentive credentials found. Set ATTENTIVE_API_KEY (a "
            "private app's key) or ATTENTIVE_ACCESS_TOKEN in the environment or in .env, or "
            "sign in with 'attentive-nb oauth url'.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    setting, auth_class = found
    conn = Connection.from_env(api_url=args.api_url)
    where = " (a sandbox on this machine, not Attentive)" if conn.is_sandbox else ""
    print(f"\nUsing {setting.name} from {setting.source}, at {conn.client.api_url}{where}.")
    try:
        me = conn.me()
    except (AuthError, ScopeError) as exc:
        print(
            f"attentive-nb: error: the {auth_class.kind} from {setting.source} was not "
            f"accepted. {exc}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    for label, key in ME_LINES:
        print(f"  {label + ':':<12} {me.get(key) or '-'}")
    return 0


def _print_settings(rows: config.Settings) -> None:
    print("Settings (an argument beats the environment, which beats .env):")
    width = max(len(r["value"] or "-") for r in rows)
    for row in rows:
        print(f"  {row['variable']:<24} {row['value'] or '-':<{width}}  {row['source']}")
    for warning in rows.warnings:
        print(f"attentive-nb: warning: {warning}", file=sys.stderr)


# --- oauth --------------------------------------------------------------------


def run_url(args: argparse.Namespace, extra: list[str]) -> int:
    """Print the consent-page link (recording the sign-in as pending)."""
    from attentive_nb.signin.oauth import CODE_LIFETIME_S, OAuthFlow

    scopes = tuple(args.scope or SEND_SCOPES)
    flow = OAuthFlow(
        args.client_id,
        None,
        args.redirect_uri,
        scopes,
        api_url=args.api_url,
        auth_url=args.auth_url,
    )
    print(flow.authorization_url)
    print(
        f"\nOpen the link, click Authorize, then within {CODE_LIFETIME_S // 60} minutes run:\n"
        "  attentive-nb oauth finish 'THE ADDRESS YOU WERE SENT TO' --remember\n"
        "(--remember writes the token to .env so that send and whoami use it)",
        file=sys.stderr,
    )
    return 0


def run_finish(args: argparse.Namespace, extra: list[str]) -> int:
    """Exchange the pasted address for a token; say which company and where it is kept."""
    from attentive_nb.signin.core import SANDBOX_NOT_SAVED, stored_token
    from attentive_nb.signin.oauth import OAuthFlow
    from attentive_nb.signin.tokens import TokenStore

    pasted = _read_pasted(args.pasted)
    client_id, redirect_uri = _from_pending(pasted, args.client_id, args.redirect_uri)
    conn = OAuthFlow(client_id, None, redirect_uri, api_url=args.api_url).finish(pasted)
    company = conn.company or {}
    print(f"Signed in to {company.get('companyName')} (company id {company.get('companyId')}).")
    print(f"The access token is kept in {TokenStore().path} (readable only by you).")
    if args.remember and conn.is_sandbox:
        print(SANDBOX_NOT_SAVED)
    elif args.remember:
        token = stored_token(conn) or ""
        path = config.write_env_var("ATTENTIVE_ACCESS_TOKEN", token)
        print(f"ATTENTIVE_ACCESS_TOKEN={mask_secret(token)} written to {path}.")
    return 0


def _read_pasted(pasted: str) -> str:
    if pasted != "-":
        return pasted
    if sys.stdin.isatty():
        return input("Paste the address Attentive sent you to: ")
    return sys.stdin.read().strip()


def _from_pending(
    pasted: str, client_id: str | None, redirect_uri: str | None
) -> tuple[str | None, str | None]:
    """Client id and redirect URI: given > environment/.env > recorded with the link."""
    from attentive_nb.signin.oauth import parse_pasted
    from attentive_nb.signin.tokens import PendingSignIns

    state = parse_pasted(pasted).state
    entry = PendingSignIns().get(state) if state else None
    if entry:
        if client_id is None and config.lookup("ATTENTIVE_CLIENT_ID") is None:
            client_id = entry.get("client_id")
        if redirect_uri is None and config.lookup("ATTENTIVE_REDIRECT_URI") is None:
            redirect_uri = entry.get("redirect_uri")
    return client_id, redirect_uri
