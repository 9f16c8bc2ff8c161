"""The terminal front end of ``att.connect()``: getpass and input prompts.

Used where there is a terminal but no notebook (scripts, ``python -i``); a
shell over :mod:`attentive_nb.signin.core`, like the panel in
:mod:`attentive_nb.signin.panel`. The key and the client secret are read hidden.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from dataclasses import dataclass

from attentive_nb import config
from attentive_nb.connection import Connection
from attentive_nb.endpoints import SEND_SCOPES
from attentive_nb.signin import core
from attentive_nb.signin.core import (
    REDIRECT_HELP,
    sign_in_with_key,
    signed_in_text,
    stored_token,
)
from attentive_nb.signin.oauth import CODE_LIFETIME_S, OAuthFlow


@dataclass
class Prompter:
    """How the fallback asks and tells; tests pass scripted functions."""

    ask: Callable[[str], str] = input
    ask_secret: Callable[[str], str] = getpass.getpass
    say: Callable[[str], None] = print


def prompt_sign_in(
    prompter: Prompter,
    *,
    api_url: str | None = None,
    auth_url: str | None = None,
    remember: bool = False,
    clock: Callable[[], float] = time.time,
) -> Connection:
    """Ask for an API key (hidden); an empty answer switches to the OAuth sign-in."""
    key = prompter.ask_secret("Attentive API key (hidden; press Enter to sign in with OAuth): ")
    if key.strip():
        conn = sign_in_with_key(key, api_url)
        variable, value = "ATTENTIVE_API_KEY", key.strip()
    else:
        conn = _prompt_oauth(prompter, api_url=api_url, auth_url=auth_url, clock=clock)
        variable, value = "ATTENTIVE_ACCESS_TOKEN", stored_token(conn) or ""
    prompter.say(signed_in_text(conn))
    if remember and value:
        prompter.say(core.remember(conn, variable, value))
    return conn


def _prompt_oauth(
    prompter: Prompter,
    *,
    api_url: str | None,
    auth_url: str | None,
    clock: Callable[[], float],
) -> Connection:
    client_id = _ask_default(prompter, "Client ID", "ATTENTIVE_CLIENT_ID")
    secret = prompter.ask_secret("Client secret (hidden; Enter to use ATTENTIVE_CLIENT_SECRET): ")
    redirect = _ask_default(prompter, "Redirect URI", "ATTENTIVE_REDIRECT_URI")
    flow = OAuthFlow(
        client_id or None,
        secret.strip() or None,
        redirect or None,
        SEND_SCOPES,
        api_url=api_url,
        auth_url=auth_url,
        clock=clock,
    )
    prompter.say(f"Open this link and click Authorize:\n{flow.authorization_url}")
    prompter.say(REDIRECT_HELP + f" The code lives {CODE_LIFETIME_S // 60} minutes.")
    return flow.finish(prompter.ask("Paste the address: "))


def _ask_default(prompter: Prompter, label: str, variable: str) -> str:
    found = config.lookup(variable)
    hint = f" [{found.shown}]" if found else ""
    return prompter.ask(f"{label}{hint}: ").strip() or (found.value if found else "")
