"""Phone numbers: what may be written in a phone cell, and a fast exact E.164 check.

What may be written: digits, spaces and ``+ - ( ) .``, with ``+`` only at the
start. ``phonenumbers.parse`` is more forgiving than a text message may be: it
reads letters as keypad digits (``555-CALL``), drops extensions and ignores
stray characters, so a number it accepts can belong to someone else. Anything
else is refused with a reason in words (:func:`written_problem`).

The fast check: ``phonenumbers.parse`` + ``is_valid_number`` costs about 20 µs a
number (+1 numbers walk the patterns of 25 NANP regions twice). Here the same
metadata is compiled once per region into one regular expression, and the
region is picked by the same rule as ``phonenumbers`` (leading digits, else
the first region whose patterns match), so the answer is the library's answer
at a fraction of the cost. Anything this path does not accept goes through
the full parser, which may still find a valid number (a stray national
prefix, for example). It reads ``phonenumbers``' metadata classes directly,
which is why pyproject.toml pins the library's major version.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumberDesc

#: Text shaped like E.164: "+", a country code (never starting with 0), at most 15 digits.
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
E164_LENGTH = 16  # '+' and at most 15 digits
_WRITTEN = re.compile(r"\+?(?:[0-9(][0-9 ().-]*)?")
_ALLOWED = frozenset("0123456789 +-().")
_EXTENSION = re.compile(
    r"(?P<number>\+?[0-9(][0-9 ().-]*[0-9)])\s*(?:;ext=|ext\.?|extn\.?|extension|x|#|,|;)\s*[0-9]+",
    re.IGNORECASE,
)
_ONLY = "(only digits, spaces and + - ( ) .)"
EXTENSION_PROBLEM = (
    "has an extension, and an extension cannot receive texts: give the number without it"
)


def written_problem(text: str) -> str | None:
    """Why ``text`` cannot be a phone number as written; None when it may be one."""
    if _WRITTEN.fullmatch(text):
        return None
    extension = _EXTENSION.fullmatch(text)
    if extension and sum(c.isdigit() for c in extension["number"]) >= 7:
        return EXTENSION_PROBLEM
    odd = [c for c in dict.fromkeys(text) if c not in _ALLOWED]
    if odd:
        return f"contains {_characters(odd)}, which a phone number cannot have {_ONLY}"
    if "+" in text[1:]:
        return "has a '+' not at the start"
    start = text[:2] if text.startswith("+") else text[0]
    return f"starts with {start!r}; a phone number starts with a digit, '(' or '+'"


def _characters(odd: list[str]) -> str:
    """Characters as an analyst can find them: letters named (an O is not a 0), U+ codes."""
    letters = [repr(c) for c in odd if c.isalpha() and c.isprintable()][:5]
    hidden = [f"U+{ord(c):04X}" for c in odd if not c.isprintable()][:5]
    others = [repr(c) for c in odd if c.isprintable() and not c.isalpha()][:5]
    parts = [
        _plural("letter", letters),
        _plural("invisible character", hidden),
        ", ".join(others),
    ]
    return ", ".join(p for p in parts if p)


def _plural(noun: str, items: list[str]) -> str:
    if not items:
        return ""
    return f"{noun}{'s' if len(items) > 1 else ''} {', '.join(items)}"


_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)
_NON_GEO = "001"
_NONZERO = frozenset("123456789")


def is_valid_e164(text: str) -> bool:
    """True when ``text`` is a valid number written in E.164 (national part without leading 0).

    Any other text is False, never an error: the guard is here, not in the callers.
    """
    if not E164.fullmatch(text):
        return False
    pattern = _pattern_for(text[1:4])
    return pattern is not None and pattern.fullmatch(text) is not None


def valid_e164_many(texts: Sequence[object]) -> list[bool]:
    """:func:`is_valid_e164` for many values at once (anything but text is False).

    One match per value: the calling code's pattern checks the digits too
    (ASCII only), so :data:`E164` is not asked first; only its limit of 15
    digits is checked here (some national plans allow longer numbers).
    """
    pattern_for = _pattern_for  # a million lookups: keep it local
    out = []
    for t in texts:
        if type(t) is str and t[:1] == "+" and len(t) <= E164_LENGTH:
            pattern = pattern_for(t[1:4])
            out.append(pattern is not None and pattern.fullmatch(t) is not None)
        else:
            out.append(False)
    return out


@lru_cache(maxsize=4096)  # keyed by any three characters after a '+': bounded
def _pattern_for(first_digits: str) -> re.Pattern[str] | None:
    """The pattern of the calling code that ``first_digits`` (1 to 3 digits) start with."""
    code = calling_code(first_digits)
    return _whole(code) if code is not None else None


@lru_cache(maxsize=4096)
def calling_code(first_digits: str) -> str | None:
    """The calling code ``first_digits`` (the 1 to 3 characters after '+') start with.

    Only ASCII digits name a calling code (``'١'.isdigit()`` is true as well),
    and none starts with 0 (``int("01")`` is 1).
    """
    if first_digits[:1] not in _NONZERO:
        return None
    for size in (1, 2, 3):
        code = first_digits[:size]
        if code.isascii() and code.isdigit() and int(code) in COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


@cache
def _whole(cc: str) -> re.Pattern[str]:
    """``+<cc><national>`` valid for the calling code ``cc``, as one pattern.

    The regions of a calling code are tried in phonenumbers' order: a region
    with leading digits that match decides alone (valid or not); a region
    without them accepts a number its patterns match, else the next is tried.
    As alternatives: each region's branch first makes sure no earlier region
    with leading digits claimed the number.
    """
    branches, claimed = [], ""
    for region in regions(cc):
        rule = region.rule()
        if rule is not None:
            test = f"(?={region.leading})" if region.leading is not None else ""
            branches.append(f"{claimed}{test}(?:{rule})")
        if region.leading is not None:
            claimed += f"(?!{region.leading})"
    national = "|".join(branches) or "(?!)"
    # ASCII: phonenumbers' \d must not match other scripts' digits ('١'), which E.164 has not.
    return re.compile(rf"\+{cc}(?!0)(?:{national})", re.ASCII)


@dataclass(frozen=True)
class Desc:
    """A number description: its digits pattern, and its possible lengths (none: any)."""

    pattern: str
    lengths: tuple[int, ...]

    def fits(self, length: int) -> bool:
        """Whether a national number of ``length`` digits may match."""
        return not self.lengths or length in self.lengths

    def regex(self) -> str:
        """The description as one pattern: its possible lengths, then its digits pattern."""
        lengths = "|".join(f"\\d{{{n}}}" for n in self.lengths)
        check = f"(?=(?:{lengths})$)" if self.lengths else ""
        return f"(?:{check}(?:{self.pattern}))"


@dataclass(frozen=True)
class Region:
    """What one region of a calling code says: valid = ``general`` and one of ``typed``."""

    leading: str | None  # the leading digits that give a number to this region alone
    general: Desc | None
    typed: tuple[Desc, ...]

    def rule(self) -> str | None:
        """Valid national numbers as one pattern (lookaheads), or None: none are valid."""
        if self.general is None or not self.typed:
            return None
        typed = "|".join(t.regex() for t in self.typed)
        return f"(?=(?:{self.general.regex()})$)(?:{typed})$"


@cache
def regions(cc: str) -> tuple[Region, ...]:
    """The regions of a calling code, in phonenumbers' order."""
    out = []
    for region in COUNTRY_CODE_TO_REGION_CODE[int(cc)]:
        if region == _NON_GEO:
            metadata = PhoneMetadata.metadata_for_nongeo_region(int(cc), None)
        else:
            metadata = PhoneMetadata.metadata_for_region(region, None)
        if metadata is not None:
            typed = (_desc(getattr(metadata, n, None)) for n in _TYPES)
            out.append(
                Region(
                    metadata.leading_digits or None,
                    _desc(metadata.general_desc),
                    tuple(t for t in typed if t is not None),
                )
            )
    return tuple(out)


def _desc(desc: PhoneNumberDesc | None) -> Desc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return Desc(desc.national_number_pattern, tuple(desc.possible_length or ()))
