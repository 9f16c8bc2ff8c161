"""The plain logic behind ``att.connect()``: no ipywidgets here.

The sign-in panel in :mod:`attentive_nb.signin.panel` is a thin shell over these
functions, and so is the prompt fallback used by scripts and terminals:

- :func:`existing_credentials` and :func:`verify` check a key or token that is
  already available (argument, environment, ``.env``); :func:`check_saved`
  does both, as ``att.connect()`` does first;
- :func:`sign_in_with_key` is what the panel's Connect button calls;
- :func:`explain` turns an error into words for the analyst;
- :class:`StatusCard` is the compact "signed in to …" card;
- :func:`detect_front_end` decides between panel, prompts and a clear error.

The getpass / input fallback is :mod:`attentive_nb.signin.prompt`.
"""

from __future__ import annotations

import html
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from attentive_nb import config
from attentive_nb.connection import Connection, credentials_from_env
from attentive_nb.errors import AttentiveError, AuthError, ConfigError, TransportError
from attentive_nb.http.auth import ApiKeyAuth, BearerAuth
from attentive_nb.http.client import Client, RetryPolicy
from attentive_nb.redact import scrub
from attentive_nb.signin.tokens import TokenStore

if TYPE_CHECKING:  # IPython is imported only inside a kernel
    from IPython.core.interactiveshell import InteractiveShell

# Checking a credential should answer fast: one quick retry, not the send policy.
PROBE_RETRY = RetryPolicy(attempts=2, base_delay=0.2, max_delay=1.0)

NO_CREDENTIALS = (
    "No Attentive credentials found and nobody can be asked for them here (no notebook "
    "front end, no terminal). Set ATTENTIVE_API_KEY (a private app's key) or "
    "ATTENTIVE_ACCESS_TOKEN (an OAuth token) in the environment or in a .env file, "
    "then run again."
)

REDIRECT_HELP = (
    "After you click Authorize, your browser may say the page cannot be reached: that is "
    "expected (nothing runs at the redirect address). Copy that page's full address from "
    "the address bar and paste it below."
)


# Where a credential comes from, and checking it.


def existing_credentials(
    api_key: str | None = None,
) -> tuple[config.Found, type[BearerAuth]] | None:
    """The key passed in, else the API key or access token in the environment or .env."""
    if api_key is not None:
        return config.Found("ATTENTIVE_API_KEY", api_key, "argument"), ApiKeyAuth
    return credentials_from_env()


def verify(
    found: config.Found, auth_class: type[BearerAuth], api_url: str | None = None
) -> Connection:
    """A connection for this credential, after ``/v1/me`` accepted it."""
    auth = auth_class(found.value)
    probe = Connection(Client(auth, api_url, retry=PROBE_RETRY))
    company = probe.me()
    # The probe retries little; the connection handed back keeps the full policy.
    conn = Connection(Client(auth, api_url), source=found.source)
    conn.company = company
    return conn


def sign_in_with_key(key: str | None, api_url: str | None = None) -> Connection:
    """What the panel's Connect button does: check the key with ``/v1/me``."""
    cleaned = config.require_secret("ATTENTIVE_API_KEY", key)
    return verify(config.Found("ATTENTIVE_API_KEY", cleaned, "sign-in panel"), ApiKeyAuth, api_url)


def remember_in_env(name: str, value: str) -> str:
    """Write one variable to ``.env`` (0600) and say where, with git's warning if any."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = config.write_env_var(name, value)
    lines = [f"Saved {name} in {path} (readable only by you)."]
    lines += [f"Warning: {w.message}" for w in caught]
    return " ".join(lines)


SANDBOX_NOT_SAVED = (
    "Not saved in .env: this key belongs to the sandbox on this machine and works nowhere "
    "else (make demo hands the notebooks a new one every time it starts)."
)


def remember(conn: Connection, name: str, value: str) -> str:
    """Keep a key or token that works in ``.env`` (see :func:`remember_in_env`); a sandbox's, never.

    A sandbox key in ``.env`` would be picked up later by ``make lab`` and sent
    to Attentive, which would refuse it; the sandbox gives out a new one anyway.
    """
    if conn.is_sandbox:
        return SANDBOX_NOT_SAVED
    return remember_in_env(name, value)


_remember = remember  # for check_saved, whose ``remember=`` flag hides the function


def stored_token(conn: Connection) -> str | None:
    """The access token the OAuth sign-in stored for this connection's company."""
    return TokenStore().token(conn.company_id())


def check_saved(
    api_key: str | None = None,
    api_url: str | None = None,
    *,
    remember: bool = False,
    can_ask: bool = True,
) -> tuple[Connection, StatusCard | None, str | None]:
    """Verify a key or token already at hand: ``(connection, card, problem)``.

    Signed in: the connection and the card to show. Nothing at hand: a pending
    connection. Rejected: a pending connection and the problem in words, or,
    when nobody can be asked (``can_ask=False``), the error itself is raised.
    """
    conn = Connection.pending()
    found = existing_credentials(api_key)
    if found is None:
        return conn, None, None
    setting, auth_class = found
    try:
        conn.adopt(verify(setting, auth_class, api_url))
    except Exception as error:
        if not can_ask:
            raise
        where = describe_source(setting.source)
        problem = f"The credential from {where} did not work. " + explain(
            error, api_url, secrets=[setting.value]
        )
        return conn, None, problem
    notes = []
    if remember and setting.source == "argument":
        notes.append(_remember(conn, "ATTENTIVE_API_KEY", setting.value.strip()))
    return conn, StatusCard.for_connection(conn, notes), None


# Errors in words.


def explain(error: BaseException, api_url: str | None = None, secrets: Iterable[str] = ()) -> str:
    """What went wrong and what to do, for the analyst; never a secret."""
    if isinstance(error, AuthError):
        text = (
            "The key was not accepted (401): it is wrong, or it was regenerated in "
            "Attentive. Copy the current key from the app's page and try again."
        )
    elif isinstance(error, TransportError):
        text = f"Cannot reach the API at {_where(api_url)}: {error}"
    elif isinstance(error, AttentiveError):
        text = str(error)
    else:
        text = f"Unexpected problem ({type(error).__name__}): {error}"
    return scrub(text, secrets)


def _where(api_url: str | None) -> str:
    try:
        return config.api_url(api_url)
    except ConfigError:
        return str(api_url)


# What is shown once signed in.


_SOURCE_WORDS = {
    "argument": "the api_key argument",
    "environment": "the environment",
    "sign-in panel": "the sign-in panel",
    "OAuth sign-in": "the OAuth sign-in",
}


def describe_source(source: str) -> str:
    """Where a credential came from, in words (a .env file is named by its path)."""
    return _SOURCE_WORDS.get(source, source)


@dataclass
class StatusCard:
    """The compact card shown when a saved credential works: who, how, from where."""

    company: str
    app: str
    kind: str
    masked: str
    source: str
    api_url: str
    sandbox: bool = False
    notes: list[str] = field(default_factory=list)
    scopes: tuple[str, ...] = ()

    @classmethod
    def for_connection(cls, conn: Connection, notes: Sequence[str] = ()) -> StatusCard:
        company = conn.company or {}
        auth = conn.client.auth
        name = str(company.get("companyName") or "unknown company")
        # The id too: two companies may share a name, and att.connect(company=id) takes it.
        if company.get("companyId"):
            name += f" ({company['companyId']})"
        return cls(
            company=name,
            app=str(company.get("applicationName") or "unknown app"),
            kind=getattr(auth, "kind", "credential"),
            masked=getattr(auth, "masked", "…"),
            source=describe_source(conn.source),
            api_url=conn.client.api_url,
            sandbox=conn.is_sandbox,
            notes=list(notes),
            scopes=tuple(conn.scopes or ()),
        )

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("Company", self.company),
            ("App", self.app),
            (self.kind, f"{self.masked} from {self.source}"),
        ]
        if self.scopes:
            rows.append(("Scopes", ", ".join(self.scopes)))
        if self.sandbox:
            rows.append(("API", f"{self.api_url} (sandbox on this machine)"))
        return rows

    @property
    def title(self) -> str:
        """What the card is about: Attentive, or (saying so plainly) a sandbox."""
        return (
            "Connected to a sandbox on this machine, not Attentive"
            if self.sandbox
            else ("Connected to Attentive")
        )

    def __repr__(self) -> str:
        first = self.title if self.sandbox else f"{self.title}: {self.company}"
        rows = self.rows() if self.sandbox else self.rows()[1:]
        lines = [first] + [f"  {k}: {v}" for k, v in rows] + [f"  {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self.rows()
        )
        notes = "".join(f"<div>{html.escape(n)}</div>" for n in self.notes)
        return (
            f"<div class='attentive-status'><b>{html.escape(self.title)}</b>"
            f"<table>{cells}</table>{notes}</div>"
        )


def signed_in_text(conn: Connection) -> str:
    """One line after a successful sign-in."""
    company = (conn.company or {}).get("companyName") or "unknown company"
    text = f"Connected to {company}"
    if conn.scopes:
        text += f" with scopes {', '.join(conn.scopes)}; token stored for {company}"
    return text + "."


def countdown_text(seconds_left: float, now: Callable[[], float] = time.time) -> str:
    """How long the two-minute code stays valid, with the wall-clock deadline."""
    left = int(seconds_left)
    if left <= 0:
        return (
            "The two minutes are over: the code has expired. Click "
            "'Get authorization link' for a new link."
        )
    until = time.strftime("%H:%M:%S", time.localtime(now() + left))
    return f"Paste the address within {left // 60} min {left % 60:02d} s (before {until})."


# Which front end is there to ask the user?


def detect_front_end(*, panel_asked_for: bool = False) -> str:
    """ "widgets" in an interactive kernel, "prompt" on a terminal, else "none".

    ``panel_asked_for``: the notebook explicitly wants the panel, so show it in
    any kernel, even one run by nbclient where nobody may be there to click.
    """
    shell = _kernel_shell()
    if shell is not None:
        # nbclient and papermill run kernels without stdin: nobody is there to click.
        kernel = getattr(shell, "kernel", None)  # ipykernel's shells have one, IPython's type not
        interactive = getattr(kernel, "_allow_stdin", True)
        return "widgets" if interactive or panel_asked_for else "none"
    return "prompt" if _stdin_is_tty() else "none"


def _kernel_shell() -> InteractiveShell | None:
    if "ipykernel" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
