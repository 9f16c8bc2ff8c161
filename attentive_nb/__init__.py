"""attentive_nb: send pandas DataFrames to Attentive from a notebook.

>>> import attentive_nb as att
>>> conn = att.connect()                       # doctest: +SKIP
>>> report = conn.send_subscribers(df, sign_up_source_id="123")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from attentive_nb.__about__ import __version__

if TYPE_CHECKING:
    import pandas as pd

    from attentive_nb.connection import Connection
    from attentive_nb.errors import (
        ApiError,
        ArgumentError,
        AttentiveError,
        AuthError,
        ConfigError,
        LedgerError,
        NotSignedIn,
        OAuthError,
        RateLimited,
        ScopeError,
        ServerError,
        TransportError,
        UnmappedColumns,
    )
    from attentive_nb.fleet import send_by_company
    from attentive_nb.http.auth import ApiKeyAuth, TokenAuth
    from attentive_nb.http.client import Client, RetryPolicy
    from attentive_nb.report import SendReport
    from attentive_nb.report.companies import CompanyReport
    from attentive_nb.signin.companies import describe_credentials
    from attentive_nb.signin.oauth import OAuthFlow

# Each public name and the module it comes from, imported when first asked for: the
# command line starts without pandas (a Ctrl-C while it loads is one line, not a
# traceback), and ``import attentive_nb`` costs what the names used cost.
_ERRORS = (
    "ApiError ArgumentError AttentiveError AuthError ConfigError LedgerError NotSignedIn "
    "OAuthError RateLimited ScopeError ServerError TransportError UnmappedColumns"
)
_FROM = {
    **dict.fromkeys(_ERRORS.split(), "attentive_nb.errors"),
    "Connection": "attentive_nb.connection",
    "send_by_company": "attentive_nb.fleet",
    "ApiKeyAuth": "attentive_nb.http.auth",
    "TokenAuth": "attentive_nb.http.auth",
    "Client": "attentive_nb.http.client",
    "RetryPolicy": "attentive_nb.http.client",
    "SendReport": "attentive_nb.report",
    "CompanyReport": "attentive_nb.report.companies",
    "describe_credentials": "attentive_nb.signin.companies",
    "OAuthFlow": "attentive_nb.signin.oauth",
}


def __getattr__(name: str) -> Any:
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module 'attentive_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_FROM})


def companies(api_url: str | None = None) -> pd.DataFrame:
    """Every company this machine can act for (stored OAuth tokens, the environment's key).

    Columns ``company_id``, ``company_name``, ``signs_in_with``, ``saved_at``;
    never a secret. Pass an id or exact name to ``att.connect(company=...)``
    or use the ids in the ``by`` column of :func:`send_by_company`.
    """
    from attentive_nb.signin.companies import companies as listed

    return listed(api_url)


def connect(*args: Any, **kwargs: Any) -> Connection:
    """Sign in from a notebook: verify saved credentials, or show the sign-in panel.

    See :func:`attentive_nb.signin.panel.connect`; imported here lazily so that
    scripts using only the library never load ipywidgets.
    """
    from attentive_nb.signin.panel import connect as widget_connect

    return widget_connect(*args, **kwargs)


def bulk_jobs(
    conn: Connection | None = None, *, refresh: bool = False, ledger: Any = None
) -> pd.DataFrame:
    """The v2 bulk jobs sent from this folder, newest first, with Attentive's word on each.

    ``conn`` defaults to the credentials of the environment or ``.env``
    (:meth:`Connection.from_env`); ``refresh=True`` also reads the results of
    completed jobs. See :meth:`Connection.bulk_jobs`.
    """
    from attentive_nb.connection import Connection

    return (conn or Connection.from_env()).bulk_jobs(refresh=refresh, ledger=ledger)


__all__ = [
    "ApiError",
    "ApiKeyAuth",
    "ArgumentError",
    "AttentiveError",
    "AuthError",
    "Client",
    "CompanyReport",
    "ConfigError",
    "Connection",
    "LedgerError",
    "NotSignedIn",
    "OAuthError",
    "OAuthFlow",
    "RateLimited",
    "RetryPolicy",
    "ScopeError",
    "SendReport",
    "ServerError",
    "TokenAuth",
    "TransportError",
    "UnmappedColumns",
    "__version__",
    "bulk_jobs",
    "companies",
    "connect",
    "describe_credentials",
    "send_by_company",
]
