"""Address settings, checked the way the HTTP library will read them.

``urllib.parse`` and urllib3 (under requests) disagree on odd addresses:
``http://192.0.2.2:80\\@127.0.0.1`` is 127.0.0.1 to one and 192.0.2.2 to the
other, so a rule checked with one parser ("plain http only to this machine")
could send a key in clear to another host. An address is therefore accepted
only when it is plain ``scheme://host[:port][/path]``: printable ASCII with no
space, backslash or ``@`` (no user name or password, which would be shown and
logged), a valid host name or IP address, a port from 1 to 65535, and both
parsers reading the same scheme, host and port. Every address setting goes
through :func:`check_url`; :func:`same_endpoint` tells whether a pasted OAuth
address is on the redirect URI.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from attentive_nb.errors import ConfigError
from attentive_nb.redact import mask_secret

_HOST_NAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?")


def check_url(
    name: str, url: str, *, example: str, path_allowed: bool, http_anywhere: bool = False
) -> str:
    """``url`` if it is a plain address both parsers read alike, else ConfigError naming ``name``.

    Plain ``http://`` is allowed only to this machine (a sandbox) unless
    ``http_anywhere`` (an OAuth redirect address carries no key). Without
    ``path_allowed`` the address is rebuilt as ``scheme://host[:port]``.
    """
    url = url.strip()
    _refuse_characters(name, url, example)
    parts = _split(name, url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{name} must be a full address like {example}"
            f" (got {_quoted(url)}: the https:// part or the host is missing)."
        )
    _check_host(name, parts.hostname)
    _same_for_urllib3(name, url, parts)
    if parts.scheme == "http" and not http_anywhere and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{name} uses plain http:// to {parts.hostname}; only https:// is allowed, "
            "except for a sandbox on this machine (127.0.0.1 or localhost)."
        )
    if path_allowed:
        return url
    _refuse_path(name, parts, example)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def masked_address(value: str) -> str:
    """A refused setting as it may be shown: ``https://…@host`` (the user and password
    hidden), or, when it is no address at all (a key pasted here?), ``abcd…wxyz``."""
    scheme, sep, rest = value.strip().partition("://")
    if sep and "@" in rest and scheme.isalpha():
        return f"{scheme}://…@{_shown(rest.rsplit('@', 1)[1])}"
    return mask_secret(value.strip())


def _shown(text: str) -> str:
    """What follows an '@', in clear only when it is plain printable ASCII without spaces."""
    plain = text.isascii() and text.isprintable() and " " not in text and "@" not in text
    return text if plain else mask_secret(text)


def _quoted(url: str) -> str:
    """A refused address in a message: masked, as it may hold a password or be a pasted key."""
    return repr(masked_address(url))


def is_loopback(host: str) -> bool:
    """True for localhost and the 127.0.0.0/8 and ::1 addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same_endpoint(address: str, redirect_uri: str) -> bool:
    """True when ``address`` is on ``redirect_uri``: same scheme, host, port and path."""
    return _endpoint(address) == _endpoint(redirect_uri)


def _endpoint(url: str) -> tuple[str, str | None, int | None, str]:
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return (url, None, None, "")  # an unreadable port matches nothing but itself
    return (parts.scheme.lower(), parts.hostname, port, parts.path or "/")


def _refuse_characters(name: str, url: str, example: str) -> None:
    """Only printable ASCII without space or backslash; no '@' (user name or password)."""
    odd = _odd_character(url)
    if odd:
        raise ConfigError(
            f"{name} contains {odd}, which an address never has: write it as {example}."
        )
    if "@" in url:  # the part before '@' is not repeated: it may be a password
        raise ConfigError(
            f"{name} contains '@': an address with a user name or password (user:password@host) is "
            f"refused, because the address is shown and logged. Write it as {example}; the key "
            "goes in ATTENTIVE_API_KEY, never in the address."
        )


def _odd_character(url: str) -> str | None:
    for c in url:
        if c in "\r\n":
            return "a line break"
        if c == " ":
            return "a space"
        if c == "\\":
            return "a backslash"
        if not c.isascii():
            return f"a character that is not plain ASCII (U+{ord(c):04X})"
        if not c.isprintable():
            return f"a control character (U+{ord(c):04X})"
    return None


def _split(name: str, url: str) -> SplitResult:
    """urlsplit, with its ValueErrors (brackets, port) said in words."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        netloc = url.split("//", 1)[-1].split("/", 1)[0]
        if netloc.count("[") != netloc.count("]") or netloc.count("[") > 1:
            raise ConfigError(
                f"{name} cannot be read: the [ ] around an IPv6 address do not match "
                f"(got {_quoted(url)})."
            ) from None
        raise ConfigError(
            f"{name} cannot be read: the port must be a number from 1 to 65535 "
            f"(got {_quoted(url)})."
        ) from None
    if port == 0:
        raise ConfigError(f"{name} has port 0; the port must be a number from 1 to 65535.")
    return parts


def _check_host(name: str, host: str) -> None:
    if "%" not in host:
        try:
            ipaddress.ip_address(host)
            return
        except ValueError:
            if _HOST_NAME.fullmatch(host):
                return
    raise ConfigError(f"{name}: {_quoted(host)} is not a host name or an IP address.")


def _same_for_urllib3(name: str, url: str, parts: SplitResult) -> None:
    """The scheme, host and port requests will connect to are the ones checked here."""
    try:
        theirs = parse_url(url)
    except LocationParseError:
        theirs = None
    host = (theirs.host or "").strip("[]").lower() if theirs else None
    if theirs is None or (theirs.scheme, host, theirs.port) != (
        parts.scheme,
        parts.hostname,
        parts.port,
    ):
        raise ConfigError(
            f"{name} cannot be read the same way by every part of the HTTP stack "
            f"(got {_quoted(url)}): write it as scheme://host[:port]."
        )


def _refuse_path(name: str, parts: SplitResult, example: str) -> None:
    extra = (
        parts.path.rstrip("/")
        + (f"?{parts.query}" if parts.query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )
    if extra:
        raise ConfigError(
            f"{name} should be only the scheme and host, like {example}; remove "
            f"{extra!r} (attentive_nb adds /v1/… and /v2/… itself)."
        )
