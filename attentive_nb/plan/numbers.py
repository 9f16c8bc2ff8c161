"""Numbers sent as written: a JSON number only when it carries the value exactly.

A JSON number is read back as a double by most servers, and pandas holds
numbers with a fraction as doubles too (about 15 significant digits, integers
exact up to 2**53). So:

- Python and numpy integers are sent with every digit (JSON writes them so);
- a ``decimal.Decimal`` (what ``read_sql`` gives for NUMERIC) is sent as the
  integer it is, or as the double that has exactly its value (``19.99``),
  and refused when no double has it (``12345678901234567890.1234567891``);
- a float beyond 2**53 is refused: no fraction is left at that size, and the
  integer it once was (an int64 column that gained a missing value) has
  already been rounded by pandas.

Never a value quietly changed on its way through a float.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

EXACT_LIMIT = 2**53  # every integer below this fits a double exactly; not all above it
_LARGEST_EXPONENT = 308  # beyond this a double is infinite

TOO_LARGE_FLOAT = (
    "is too large to be exact as a decimal number (pandas already rounded it): read the "
    "column as whole numbers (df[col].astype('Int64')) or as text"
)


def json_number(value: float | np.floating | Decimal) -> tuple[int | float | None, str | None]:
    """A float or Decimal as the JSON number to send, or None and why it cannot be."""
    if isinstance(value, Decimal):
        return _decimal(value)
    number = float(value)
    if not math.isfinite(number):
        return None, "is not a finite number"
    if abs(number) >= EXACT_LIMIT:
        return None, TOO_LARGE_FLOAT
    return number, None


def _decimal(value: Decimal) -> tuple[int | float | None, str | None]:
    if not value.is_finite():
        return None, "is not a finite number"
    if value.adjusted() > _LARGEST_EXPONENT:
        return None, "is too large for a JSON number"
    if value == value.to_integral_value():
        return int(value), None  # every digit, however many
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float, None  # 19.99 is written 19.99: the same value
    digits = len(value.as_tuple().digits)
    return None, (
        f"has {digits} significant digits, more than a JSON number keeps exactly "
        "(about 15): round it (df[col].round(2)) or send it as text (df[col].astype(str))"
    )


def id_number_text(value: float | np.floating | Decimal) -> tuple[str | None, str | None]:
    """A number in an identifier's place, as its text: whole numbers without '.0'."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None, "is not a finite number"
        whole = value == value.to_integral_value() and value.adjusted() <= _LARGEST_EXPONENT
        return (str(int(value)) if whole else str(value)), None  # the digits as written
    number = float(value)
    if not math.isfinite(number):
        return None, "is not a finite number"
    if abs(number) >= EXACT_LIMIT:
        return None, TOO_LARGE_FLOAT
    return (str(int(number)) if number.is_integer() else str(value)), None
