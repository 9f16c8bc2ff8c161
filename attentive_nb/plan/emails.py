"""Why an email address is refused, naming the character an analyst has to look for.

Policy (README "Security"): an address is sent exactly as written, and only when it is
plain ASCII. Attentive documents nothing about internationalised addresses, so an
address the toolkit would have to change (normalise, encode) is refused rather than
sent in a form the person never gave:

- invisible characters (a zero-width space from a copy and paste) are refused, named by
  their code point; removing them is the analyst's decision;
- an address in decomposed Unicode (NFD: a letter followed by a combining accent, as
  macOS file names and some exports write it) is refused, naming the accent;
- a non-ASCII local part (``jösé@…``) is refused: no ASCII form of it exists;
- a domain written in Unicode (``kim@bücher.de``) is refused, and the reason gives its
  ASCII (IDNA, ``xn--``) form; that form, written by the analyst, is sent as it is.

Reasons quote only the domain and code points, never more of the local part than
the report's mask shows.
"""

from __future__ import annotations

import unicodedata

from attentive_nb.controls import code_points

_ASCII_ONLY = "only plain ASCII addresses are sent (Attentive documents no other)"


def problem(text: str) -> str:
    """Why ``text``, which failed the syntax check, is not sent: its first odd character."""
    for check in (_invisible, _decomposed, _non_ascii):
        found = check(text)
        if found:
            return found
    return "is not a valid address"


def _invisible(text: str) -> str | None:
    # a plain space shows in the quoted value; every other space or format character does not
    hidden = [c for c in dict.fromkeys(text) if c != " " and (not c.isprintable() or c.isspace())]
    if not hidden:
        return None
    what = _plural("an invisible character", "invisible characters", hidden)
    return f"has {what}: remove {'it' if len(hidden) == 1 else 'them'}"


def _decomposed(text: str) -> str | None:
    marks = [c for c in dict.fromkeys(text) if unicodedata.combining(c)]
    if not marks:
        return None
    what = _plural("the combining mark", "the combining marks", marks)
    return f"is in decomposed Unicode (NFD): it has {what}; {_ASCII_ONLY}"


def _non_ascii(text: str) -> str | None:
    local, at, domain = text.rpartition("@")
    if at and not domain.isascii():
        return (
            f"has an international domain written in Unicode ({domain!r}); {_ASCII_ONLY}"
            + _ascii_form(domain)
        )
    odd = [c for c in dict.fromkeys(local if at else text) if not c.isascii()]
    if not odd:
        return None
    what = _plural("the character", "the characters", odd)
    return f"has {what} in its local part; {_ASCII_ONLY}"


def _ascii_form(domain: str) -> str:
    """How to write the domain so it is sent: its IDNA form, when Python can make one."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    return f": if the domain is right, write it as {ascii_domain!r}"


def _plural(one: str, many: str, chars: list[str]) -> str:
    return f"{one if len(chars) == 1 else many} {code_points(chars)}"
