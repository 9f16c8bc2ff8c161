"""Where settings come from: explicit argument > environment > ``.env`` file.

Each credential is looked up by a short chain of tiny functions that return a
value or None, so a user can always be told *why* a value is used
(:func:`describe_credentials`). Secrets are only ever shown masked.
"""

from __future__ import annotations

import contextlib
import html
import os
import stat
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dotenv

from attentive_nb.errors import ConfigError
from attentive_nb.redact import mask_secret
from attentive_nb.urls import check_url, masked_address
from attentive_nb.urls import is_loopback as is_loopback  # client and connection use it here

DEFAULT_API_URL = "https://api.attentivemobile.com"
DEFAULT_AUTH_URL = "https://ui.attentivemobile.com/integrations/oauth-install"

SECRET_VARIABLES = ("ATTENTIVE_API_KEY", "ATTENTIVE_ACCESS_TOKEN", "ATTENTIVE_CLIENT_SECRET")
VARIABLES = (
    *SECRET_VARIABLES,
    "ATTENTIVE_CLIENT_ID",
    "ATTENTIVE_REDIRECT_URI",
    "ATTENTIVE_API_URL",
    "ATTENTIVE_AUTH_URL",
)


@dataclass(frozen=True)
class Found:
    """A setting's value and where it came from ("argument", "environment", a .env path)."""

    name: str
    value: str
    source: str

    @property
    def refused(self) -> bool:
        """True when the value fails its setting's check (it is then never used, only masked).

        A value that is one of the secrets (a key pasted into ATTENTIVE_CLIENT_ID) fails too.
        """
        if self.name not in SECRET_VARIABLES and self.misplaced:
            return True
        check = _CHECKS.get(self.name)
        try:
            if check is not None:
                check(self.value)
        except ConfigError:
            return True
        return False

    @property
    def misplaced(self) -> str | None:
        """The other secret variable whose value this one holds, if any.

        Attentive documents no format for keys, secrets or client ids, so a
        secret in the wrong variable is recognised only by being equal to one
        of the secrets set (argument, environment or ``.env``).
        """
        return same_as_a_secret(self.name, self.value)

    @property
    def shown(self) -> str:
        """The value as it may be displayed: masked for secrets, and for what is refused.

        A refused value may be a password in an address (``user:pw@host``) or a
        key pasted into the wrong variable: it is shown as ``https://…@host`` or
        ``abcd…wxyz``, the way a key is, never in clear.
        """
        if self.name in SECRET_VARIABLES:
            return mask_secret(self.value)
        return masked_address(self.value) if self.refused else self.value

    def __repr__(self) -> str:
        return f"Found({self.name}={self.shown!r} from {self.source})"


def same_as_a_secret(name: str, value: str) -> str | None:
    """The secret variable other than ``name`` whose value is ``value`` (blanks aside)."""
    cleaned = value.strip()
    for other in SECRET_VARIABLES:
        found = lookup(other) if other != name and cleaned else None
        if found is not None and found.value.strip() == cleaned:
            return other
    return None


def misplaced_secret(name: str, other: str) -> str:
    """Why ``name`` cannot hold the value of the secret ``other``, in words (never the value)."""
    return (
        f"{name} holds the same value as {other}: a secret pasted into the wrong variable? "
        f"It is not used; set {name} to the app's client id."
    )


def lookup(name: str, explicit: str | None = None) -> Found | None:
    """The first of: the explicit argument, the environment, the nearest ``.env``."""
    for found in (_from_argument(name, explicit), _from_environment(name), _from_dotenv(name)):
        if found is not None:
            return found
    return None


def _from_argument(name: str, value: str | None) -> Found | None:
    return None if value is None else Found(name, value, "argument")


def _from_environment(name: str) -> Found | None:
    value = os.environ.get(name)
    return Found(name, value, "environment") if value else None


def _from_dotenv(name: str) -> Found | None:
    path = dotenv_path()
    if path is None:
        return None
    value = dotenv.dotenv_values(path).get(name)
    return Found(name, value, str(path)) if value else None


def dotenv_path() -> Path | None:
    """The ``.env`` found from the working directory upwards, if any."""
    found = dotenv.find_dotenv(usecwd=True)
    return Path(found) if found else None


class Settings(list[dict[str, str]]):
    """``describe_credentials()``: a list of ``{variable, source, value}``, shown as a table.

    ``warnings`` says which values look like a secret in the wrong variable;
    they are shown below the table.
    """

    HEAD = ("variable", "value", "from")

    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[str] = []

    def _rows(self) -> list[tuple[str, str, str]]:
        return [(r["variable"], r["value"] or "-", r["source"]) for r in self]

    def __repr__(self) -> str:
        rows = [self.HEAD, *self._rows()]
        wide = [max(len(row[i]) for row in rows) for i in range(2)]
        lines = [f"{a:<{wide[0]}}  {b:<{wide[1]}}  {c}".rstrip() for a, b, c in rows]
        return "\n".join(lines + [f"warning: {w}" for w in self.warnings])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self.HEAD)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
            for row in self._rows()
        )
        notes = "".join(f"<p>warning: {html.escape(w)}</p>" for w in self.warnings)
        return f"<table><tr>{head}</tr>{body}</table>{notes}"


def describe_credentials() -> Settings:
    """For each setting: where its value comes from, masked where secret (a small table)."""
    rows = Settings()
    for name in VARIABLES:
        found = lookup(name)
        rows.append(
            {
                "variable": name,
                "source": found.source if found else "not set",
                "value": found.shown if found else "",
            }
        )
        other = found.misplaced if found else None
        if found is not None and other is not None:
            _warn_misplaced(rows.warnings, name, other)
    return rows


def _warn_misplaced(out: list[str], name: str, other: str) -> None:
    """One warning per pair of variables holding one secret."""
    if name not in SECRET_VARIABLES:
        out.append(misplaced_secret(name, other))
    elif SECRET_VARIABLES.index(name) < SECRET_VARIABLES.index(other):
        out.append(f"{name} and {other} hold the same value: one of them is in the wrong variable.")


def require_secret(name: str, value: str | None) -> str:
    """A secret with surrounding blanks removed; ConfigError when empty."""
    cleaned = (value or "").strip().strip("'\"").strip()
    if not cleaned:
        raise ConfigError(f"The {_words(name)} is empty: paste the value, or set {name}.")
    # Keys and tokens are printable ASCII in one piece. Anything else (a line
    # break inside, a masked "abcd…wxyz" pasted back) would fail later inside
    # http.client, whose error message quotes the whole header, secret included.
    if not (cleaned.isascii() and cleaned.isprintable()) or any(c.isspace() for c in cleaned):
        raise ConfigError(
            f"The {_words(name)} contains spaces, line breaks or characters a key never has "
            f"(such as '…'): copy it again in one piece, or set {name}."
        )
    return cleaned


def client_id(value: str) -> str:
    """A public app's client id: printable ASCII in one piece, else ConfigError."""
    cleaned = value.strip()
    if not cleaned or not (cleaned.isascii() and cleaned.isprintable()) or " " in cleaned:
        raise ConfigError(
            "ATTENTIVE_CLIENT_ID must be the app's client id in one piece (printable, no "
            "spaces or line breaks): copy it again from the app's page in Attentive."
        )
    return cleaned


def _words(name: str) -> str:
    return name.removeprefix("ATTENTIVE_").replace("_", " ").lower().replace("api", "API")


def api_url(explicit: str | None = None) -> str:
    """The API base URL: scheme and host only, https unless on this machine."""
    found = lookup("ATTENTIVE_API_URL", explicit)
    url = found.value if found else DEFAULT_API_URL
    return check_url("ATTENTIVE_API_URL", url, example=DEFAULT_API_URL, path_allowed=False)


def auth_url(explicit: str | None = None) -> str:
    """The consent page a public app's user is sent to."""
    found = lookup("ATTENTIVE_AUTH_URL", explicit)
    url = found.value if found else DEFAULT_AUTH_URL
    return check_url("ATTENTIVE_AUTH_URL", url, example=DEFAULT_AUTH_URL, path_allowed=True)


def redirect_uri(url: str) -> str:
    """A public app's redirect address, as registered in Attentive (it carries no key)."""
    return check_url(
        "ATTENTIVE_REDIRECT_URI",
        url,
        example="https://example.com/callback",
        path_allowed=True,
        http_anywhere=True,
    )


_CHECKS: dict[str, Callable[[str], str]] = {
    "ATTENTIVE_API_URL": api_url,
    "ATTENTIVE_AUTH_URL": auth_url,
    "ATTENTIVE_REDIRECT_URI": redirect_uri,
    "ATTENTIVE_CLIENT_ID": client_id,
}


def state_dir() -> Path:
    """Private folder for tokens and pending sign-ins ($ATTENTIVE_NB_HOME or ~/.attentive_nb).

    A HOME that is unset (and unknown to the system), or names a place no folder
    can be made in, is a ConfigError saying so: the sign-in cannot keep its state.
    """
    chosen = os.environ.get("ATTENTIVE_NB_HOME")
    try:
        path = Path(chosen) if chosen else _home() / ".attentive_nb"
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except (OSError, RuntimeError) as error:
        where = f"ATTENTIVE_NB_HOME ({chosen})" if chosen else "~/.attentive_nb"
        why = getattr(error, "strerror", None) or str(error)
        what = f"the private folder for sign-ins, {where}, cannot be made ({why})"
        raise StateDirError(what) from None
    return path


class StateDirError(ConfigError):
    """:func:`state_dir` cannot be made; ``what`` says so without the advice."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what[0].upper()}{what[1:]}: set HOME to your home folder, or ATTENTIVE_NB_HOME "
            "to a private folder you can write to."
        )
        self.what = what


def _home() -> Path:
    """The user's home: HOME, or the system's record when HOME is unset or empty."""
    if not os.environ.get("HOME"):  # an empty HOME would put the tokens in /
        with contextlib.suppress(ImportError, KeyError):
            import pwd

            return Path(pwd.getpwuid(os.getuid()).pw_dir)
    return Path.home()  # RuntimeError when even the system does not know


def write_private(path: Path, text: str) -> None:
    """Write a file that only its owner can read (mode 0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)
    os.replace(tmp, path)


def write_env_var(name: str, value: str, path: Path | None = None) -> Path:
    """Create or update one variable in a ``.env`` file, keeping the rest; mode 0600.

    Warns when the file sits in a git checkout that does not ignore it.
    """
    target = Path(path) if path else (dotenv_path() or Path.cwd() / ".env")
    if not target.exists():
        write_private(target, "")
    dotenv.set_key(target, name, value, quote_mode="never")
    os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
    if _tracked_by_git(target):
        warnings.warn(
            f"{target} is inside a git checkout and not ignored: add '.env' to .gitignore "
            "so the key is never committed.",
            UserWarning,
            stacklevel=2,
        )
    return target


def _tracked_by_git(path: Path) -> bool:
    """True when ``path`` is in a git work tree and git does not ignore it."""
    try:
        inside = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        if inside.returncode != 0:
            return False
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", str(path)],
            cwd=path.parent,
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return ignored.returncode != 0
