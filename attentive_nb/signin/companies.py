"""The companies this machine can act for, and a connection to any one of them.

A public app keeps one OAuth token per installing company (:class:`TokenStore`);
a private app's key in the environment or ``.env`` is one more company, which
only ``/v1/me`` can name. :func:`companies` lists them all (never a secret),
:func:`resolve` turns an id or an exact name into one of them, refusing an
unknown or ambiguous one with the choices, and :func:`connection_for` builds a
company's connection where it runs (a thread, a process, another machine) from
nothing but the token store or the environment found there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from attentive_nb import config
from attentive_nb.connection import Connection, credentials_from_env
from attentive_nb.errors import AttentiveError, ConfigError
from attentive_nb.http.auth import TokenAuth
from attentive_nb.http.client import Client
from attentive_nb.signin.core import PROBE_RETRY, describe_source
from attentive_nb.signin.tokens import TokenStore

COLUMNS = ("company_id", "company_name", "signs_in_with", "saved_at")
OAUTH = "OAuth token (stored)"


def companies(
    api_url: str | None = None,
    *,
    store: TokenStore | None = None,
    ask: Callable[[config.Found, Any, str | None], dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """Every company this machine can act for: one row each, no secret in any column.

    ``company_id``, ``company_name``, ``signs_in_with`` (an OAuth token kept by
    the sign-in, or the variable holding a key/token in the environment or
    ``.env``) and ``saved_at`` (when a token was stored; NaT for a variable).
    The environment's credential is named by asking ``/v1/me`` once; when
    that fails its row says why in ``company_name`` and has no id.
    """
    rows = [_stored_row(cid, entry) for cid, entry in (store or TokenStore()).companies().items()]
    found = credentials_from_env()
    if found is not None:
        rows.append(_env_row(found, api_url, ask or _ask_me))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["saved_at"] = pd.to_datetime(frame["saved_at"], utc=True)
    table: pd.DataFrame = frame
    return table


def _stored_row(company_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    saved = entry.get("saved_at")
    return {
        "company_id": company_id,
        "company_name": entry.get("company_name") or "",
        "signs_in_with": OAUTH,
        "saved_at": dt.datetime.fromtimestamp(saved, dt.timezone.utc) if saved else None,
    }


def _env_row(
    found: tuple[config.Found, Any], api_url: str | None, ask: Callable[..., Any]
) -> dict[str, Any]:
    setting, auth_class = found
    try:
        me = ask(setting, auth_class, api_url)
        cid, name = str(me.get("companyId") or ""), str(me.get("companyName") or "")
    except AttentiveError as error:
        # The error's text never holds the key (the client scrubs it); the type says enough.
        cid, name = "", f"(not checked: {type(error).__name__})"
    return {
        "company_id": cid,
        "company_name": name,
        "signs_in_with": f"{setting.name} from {describe_source(setting.source)}",
        "saved_at": None,
    }


def _ask_me(setting: config.Found, auth_class: Any, api_url: str | None) -> dict[str, Any]:
    return Connection(Client(auth_class(setting.value), api_url, retry=PROBE_RETRY)).me()


def resolve(company: str, table: pd.DataFrame) -> dict[str, Any]:
    """The one row of ``table`` whose id, else exact name, is ``company``; ConfigError otherwise."""
    row = find(company, table)
    if row is None:
        raise ConfigError(f"No credentials here for the company {company!r}. {choices(table)}")
    return row


def find(company: str, table: pd.DataFrame) -> dict[str, Any] | None:
    """The row whose id, else exact name, is ``company``; None; ConfigError when ambiguous."""
    wanted = str(company).strip()
    by_id = table[table["company_id"] == wanted]
    if len(by_id) >= 1:
        return dict(by_id.iloc[0])
    by_name = table[table["company_name"] == wanted]
    if len(by_name) == 1:
        return dict(by_name.iloc[0])
    if len(by_name) > 1:
        ids = ", ".join(by_name["company_id"])
        raise ConfigError(
            f"Two or more companies are named {wanted!r} (ids {ids}): pass the company id."
        )
    return None


def choices(table: pd.DataFrame) -> str:
    """The companies one may choose from, in words."""
    if table.empty:
        return "This machine has none: sign in with att.connect() or set ATTENTIVE_API_KEY."
    pairs = zip(table["company_id"].astype(str), table["company_name"].astype(str))
    named = [f"{name or '?'} ({cid or 'no id'})" for cid, name in pairs]
    return "This machine can act for: " + "; ".join(named) + "."


def connection_for(
    company_id: str, api_url: str | None = None, *, store: TokenStore | None = None
) -> Connection:
    """The connection of one company, from the token store or the environment, checked by /v1/me.

    What it needs where it runs: the token store (``$ATTENTIVE_NB_HOME``) holding
    the company's token, or its key in the environment/.env. ``/v1/me`` must
    name ``company_id``: a token of another company is refused before anything
    is sent with it.
    """
    token = (store or TokenStore()).token(company_id)
    if token is not None:
        conn = Connection(Client(TokenAuth(token), api_url), source="OAuth sign-in")
    else:
        found = credentials_from_env()
        if found is None:
            raise ConfigError(f"No credentials here for the company {company_id!r}.")
        setting, auth_class = found
        conn = Connection(Client(auth_class(setting.value), api_url), source=setting.source)
    named = str(conn.me().get("companyId") or "")
    if named != company_id:
        raise ConfigError(
            f"The credential kept for company {company_id!r} belongs to company {named!r} "
            "(/v1/me says so): nothing was sent with it. Sign in again for that company."
        )
    return conn


def describe_credentials() -> config.Settings:
    """The settings (masked where secret) and every stored OAuth token, named by its company."""
    rows = config.describe_credentials()
    store = TokenStore()
    for cid, entry in store.companies().items():
        rows.append(
            {
                "variable": f"OAuth token for {entry.get('company_name') or '?'} ({cid})",
                "source": str(store.path),
                "value": str(entry.get("access_token") or ""),
            }
        )
    return rows
