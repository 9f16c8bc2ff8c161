"""A fast, exact validity check for numbers already written in E.164.

``phonenumbers.parse`` + ``is_valid_number`` costs about 20 µs a number
(+1 numbers walk the patterns of 25 NANP regions twice). Here the same
metadata is compiled once per region into one regular expression, and the
region is picked by the same rule as ``phonenumbers`` (leading digits, else
the first region whose patterns match), so the answer is the library's answer
at a fraction of the cost. Anything this path does not accept goes through
the full parser, which may still find a valid number (a stray national
prefix, for example).
"""

from __future__ import annotations

import re
from functools import cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

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


def is_valid_e164(text: str) -> bool:
    """True when ``+<digits>`` is a valid number as written (national part without leading 0)."""
    digits = text[1:]
    for size in (1, 2, 3):
        cc = int(digits[:size])
        if cc in COUNTRY_CODE_TO_REGION_CODE:
            national = digits[size:]
            return not national.startswith("0") and _valid(_country(cc), national)
    return False


def _valid(regions: tuple, national: str) -> bool:
    if len(regions) == 1:
        return bool(regions[0][1] and regions[0][1].fullmatch(national))
    for leading, rule in regions:  # the order phonenumbers uses to pick the region
        if leading is not None:
            if leading.match(national):
                return bool(rule and rule.fullmatch(national))
        elif rule is not None and rule.fullmatch(national):
            return True
    return False


@cache
def _country(cc: int) -> tuple:
    """Per region of a calling code: (leading digits pattern or None, validity pattern or None)."""
    out = []
    for region in COUNTRY_CODE_TO_REGION_CODE[cc]:
        if region == _NON_GEO:
            metadata = PhoneMetadata.metadata_for_nongeo_region(cc, None)
        else:
            metadata = PhoneMetadata.metadata_for_region(region, None)
        if metadata is not None:
            leading = re.compile(metadata.leading_digits) if metadata.leading_digits else None
            out.append((leading, _rule(metadata)))
    return tuple(out)


def _rule(metadata) -> re.Pattern | None:
    """Valid = matches the general description and at least one typed description."""
    general = _desc_regex(metadata.general_desc)
    typed = [t for t in (_desc_regex(getattr(metadata, n, None)) for n in _TYPES) if t]
    if general is None or not typed:
        return None
    return re.compile(f"(?=(?:{general})$)(?:{'|'.join(typed)})")


def _desc_regex(desc) -> str | None:
    """A number description as one pattern: its possible lengths, then its digits pattern."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = desc.possible_length or ()
    check = "(?=(?:" + "|".join(f"\\d{{{n}}}" for n in lengths) + ")$)" if lengths else ""
    return f"(?:{check}(?:{desc.national_number_pattern}))"
