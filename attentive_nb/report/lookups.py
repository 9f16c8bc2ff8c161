"""A look-up's answers as columns of its report: one row per input row, blank where never asked.

- subscriptions: ``text_marketing``, ``email_transactional``… (channel, then
  type), True where Attentive says the person is eligible for it. A person
  whose answer does not list a subscription is not eligible for it (False);
  a row that was never asked, or got no answer, is ``<NA>``.
- attributes: one column per custom attribute name, the value as Attentive
  gives it (text); ``<NA>`` where the person has none of that name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

CHANNELS = ("TEXT", "EMAIL")
TYPES = ("MARKETING", "TRANSACTIONAL", "CHECKOUT_ABANDONED")

Answers = Mapping[int, Any]  # row position -> the 2xx body of its look-up


def eligibility_name(subscription: Mapping[str, Any]) -> str:
    """``{"type": "MARKETING", "channel": "TEXT"}`` -> ``text_marketing``."""
    return f"{subscription.get('channel')}_{subscription.get('type')}".lower()


def eligibilities(body: Any) -> dict[str, bool]:
    """column name -> eligible, from one ``GET /v1/subscriptions`` answer."""
    items = body.get("subscriptionEligibilities") if isinstance(body, dict) else None
    return {
        eligibility_name(item.get("subscription") or {}): bool(
            (item.get("eligibility") or {}).get("isEligible")
        )
        for item in items or []
        if isinstance(item, dict)
    }


def attributes(body: Any) -> dict[str, Any]:
    """name -> value, from one ``GET /v1/attributes/custom`` answer."""
    items = body if isinstance(body, list) else []
    return {str(i["name"]): i.get("value") for i in items if isinstance(i, dict) and "name" in i}


def eligibility_columns(answers: Answers, n: int) -> pd.DataFrame:
    """One boolean column per subscription any answer names, in channel and type order."""
    found = {p: eligibilities(body) for p, body in answers.items()}
    names = sorted({name for one in found.values() for name in one}, key=_order)
    out: pd.DataFrame = pd.DataFrame(  # (pandas' stubs type this constructor loosely)
        {
            name: pd.array(
                [found[p].get(name, False) if p in found else None for p in range(n)],
                dtype="boolean",
            )
            for name in names
        },
        index=range(n),
    )
    return out


def attribute_columns(answers: Answers, n: int) -> pd.DataFrame:
    """One text column per attribute name, in the order the answers first name them."""
    found = {p: attributes(body) for p, body in answers.items()}
    names = list(dict.fromkeys(name for one in found.values() for name in one))
    out: pd.DataFrame = pd.DataFrame(
        {
            name: pd.array(
                [_text(found.get(p, {}).get(name)) for p in range(n)], dtype=pd.StringDtype()
            )
            for name in names
        },
        index=range(n),
    )
    return out


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _order(name: str) -> tuple[int, int, str]:
    channel, _, kind = name.upper().partition("_")
    return (_rank(CHANNELS, channel), _rank(TYPES, kind), name)


def _rank(known: tuple[str, ...], value: str) -> int:
    return known.index(value) if value in known else len(known)


COLUMNS: dict[str, Callable[[Answers, int], pd.DataFrame]] = {
    "lookup_subscriptions": eligibility_columns,
    "lookup_attributes": attribute_columns,
}


def result_columns(kind: str, answers: Answers, n: int) -> pd.DataFrame | None:
    """The columns a look-up of ``kind`` adds to its report (None for a send)."""
    build = COLUMNS.get(kind)
    return None if build is None else build(answers, n)
