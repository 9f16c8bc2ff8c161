"""Call-level options of the send functions, checked before any row is looked at.

Each helper turns keyword arguments into the fixed part of every request body,
or raises ConfigError with what to pass instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.plan import cells, timestamps, validate
from attentive_nb.plan.prepare import Rows

SUBSCRIPTION_TYPES = ("MARKETING", "TRANSACTIONAL")
SALES_CHANNELS = ("WEB", "IOS_APP", "ANDROID_APP", "IN_STORE", "PHONE", "OTHER")
LANGUAGES = ("en-US", "fr-CA")  # of the unsubscribe confirmation; case sensitive
UNSUBSCRIBE_TYPES = ("MARKETING", "TRANSACTIONAL", "CHECKOUT_ABANDONED")
CHANNELS = ("TEXT", "EMAIL")
_LOCALE = re.compile(r"^([A-Za-z]{2})[-_]([A-Za-z]{2})\Z")


def subscribe_options(
    sign_up_source_id: object, locale: object, subscription_type: object, single_opt_in: object
) -> dict[str, Any]:
    """The fixed fields of a subscribe body: signUpSourceId or locale + subscriptionType."""
    out: dict[str, Any] = {}
    source = _sign_up_source_id(sign_up_source_id)
    if source is not None:
        out["signUpSourceId"] = source
    if locale is not None:
        out["locale"] = parse_locale(locale)
    if subscription_type is not None:
        out["subscriptionType"] = _subscription_type(subscription_type)
    if "signUpSourceId" not in out and not ("locale" in out and "subscriptionType" in out):
        raise ConfigError(
            "send_subscribers needs sign_up_source_id= (the ID in the Sign-up Units tab of "
            "Attentive), or both locale= (e.g. 'en-US') and subscription_type= "
            "('MARKETING' or 'TRANSACTIONAL')."
        )
    if not isinstance(single_opt_in, (bool, np.bool_)):
        raise ConfigError(f"single_opt_in= must be True or False, not {single_opt_in!r}.")
    if single_opt_in:
        out["singleOptIn"] = True
    return out


_SIGN_UP_ID = "the ID in the Sign-up Units tab of Attentive, e.g. '123456'"


def _sign_up_source_id(value: object) -> str | None:
    """The id as text (None when blank): 123 and 123.0 both give "123"; anything else refused.

    A whole float is how pandas and spreadsheets carry an integer id, and
    identifier columns send 123.0 as "123" as well; "123.0" is no sign-up unit.
    A fraction, a bool, a list, or a float too large to hold the id exactly
    cannot be what the analyst meant, so it is refused rather than guessed at.
    """
    if cells.is_blank(value):
        return None
    if not _is_id(value):
        raise ConfigError(f"sign_up_source_id={value!r} is not an id: give {_SIGN_UP_ID}.")
    if isinstance(value, (float, np.floating, Decimal)) and abs(value) >= 2**53:
        raise ConfigError(
            f"sign_up_source_id={value!r} is too large to be exact as a float: "
            f"pass it as text, {_SIGN_UP_ID}."
        )
    return validate.id_text(value)[0]


def _is_id(value: object) -> bool:
    """Text, an integer, or a whole finite number; never a bool, a fraction or a list."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, np.floating, Decimal)):
        return math.isfinite(value) and float(value).is_integer()
    return validate.id_text(value)[1] is None


def parse_locale(locale: object) -> dict[str, str]:
    """'en-US', 'en_US', ('en', 'US') or {'language': 'en', 'country': 'US'} -> LocaleDto."""
    pair: tuple[object, ...]
    if isinstance(locale, dict):
        pair = (locale.get("language"), locale.get("country"))
    elif isinstance(locale, (tuple, list)) and len(locale) == 2:
        pair = tuple(locale)
    else:
        match = _LOCALE.match(str(locale).strip())
        pair = match.groups() if match else (None, None)
    language, country = (str(x).strip() if x is not None else "" for x in pair)
    if not (re.fullmatch(r"[A-Za-z]{2}", language) and re.fullmatch(r"[A-Za-z]{2}", country)):
        raise ConfigError(
            f"locale={locale!r} is not a locale Attentive reads; give a two-letter language "
            "and country, e.g. 'en-US' or {'language': 'en', 'country': 'US'}."
        )
    return {"language": language.lower(), "country": country.upper()}


def _subscription_type(value: object) -> str:
    text = str(value).strip().upper()
    if text not in SUBSCRIPTION_TYPES:
        raise ConfigError(f"subscription_type={value!r}: use 'MARKETING' or 'TRANSACTIONAL'.")
    return text


def unsubscribe_options(
    subscriptions: Any, notify: object, language: object = None
) -> dict[str, Any]:
    """The fixed fields of an unsubscribe body: which subscriptions, and notification."""
    out: dict[str, Any] = {}
    if language is not None:
        text, problem = language_text(language)
        if problem:
            raise ConfigError(f"language={language!r} {problem}.")
        out["notification"] = {"language": text}
    if subscriptions is not None:
        items = [subscriptions] if isinstance(subscriptions, (dict, str)) else list(subscriptions)
        if not items:
            raise ConfigError("subscriptions= is empty; leave it out to unsubscribe from all.")
        out["subscriptions"] = [_subscription(item) for item in items]
    if not isinstance(notify, (bool, np.bool_)):
        raise ConfigError(f"notify= must be True or False, not {notify!r}.")
    if not notify:
        out.setdefault("notification", {})["disabled"] = True
    return out


def language_text(value: object) -> tuple[str | None, str | None]:
    """A confirmation language as Attentive reads it, exactly ``en-US`` or ``fr-CA``."""
    text, problem = validate.id_text(value)
    if problem or text is None or text in LANGUAGES:
        return text, problem
    hint = " (capitals matter)" if text.lower() in (x.lower() for x in LANGUAGES) else ""
    return None, f"is not a language Attentive confirms in: use en-US or fr-CA{hint}"


def sales_channel_text(value: object) -> tuple[str | None, str | None]:
    """A purchase's sales channel, ``in_store`` read as ``IN_STORE``; anything else refused."""
    text, problem = validate.id_text(value)
    if problem or text is None:
        return text, problem
    if text.upper() not in SALES_CHANNELS:
        return None, f"is not a sales channel: use one of {', '.join(SALES_CHANNELS)}"
    return text.upper(), None


def sales_channel_option(sales_channel: object, event: str) -> str | None:
    """``sales_channel=`` checked: one of SALES_CHANNELS, for purchases only (None when unset)."""
    if sales_channel is None:
        return None
    if event != "purchase":
        raise ConfigError(f"sales_channel= applies to purchases only, not to {event} events.")
    text, problem = sales_channel_text(sales_channel)
    if problem or text is None:
        raise ConfigError(f"sales_channel={sales_channel!r} {problem or 'is empty'}.")
    return text


def _subscription(item: object) -> dict[str, str]:
    pair: tuple[object, ...]
    if isinstance(item, dict):
        pair = (item.get("type"), item.get("channel"))
    elif isinstance(item, str) and ":" in item:
        pair = tuple(item.split(":", 1))
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        pair = tuple(item)
    else:
        pair = (None, None)
    kind, channel = (str(x).strip().upper() for x in pair)
    if kind not in UNSUBSCRIBE_TYPES or channel not in CHANNELS:
        raise ConfigError(
            f"subscriptions= item {item!r} is not a subscription: give type "
            f"({', '.join(UNSUBSCRIBE_TYPES)}) and channel ({', '.join(CHANNELS)}), "
            "e.g. {'type': 'MARKETING', 'channel': 'TEXT'} or ('MARKETING', 'TEXT')."
        )
    return {"type": kind, "channel": channel}


def event_columns(
    df: pd.DataFrame,
    event_type: str | None,
    type_column: Hashable | None,
    occurred_at_column: Hashable | None,
    event_id_column: Hashable | None,
) -> dict[Hashable, str]:
    """Columns claimed by keyword arguments of send_events, column -> field."""
    if (event_type is None) == (type_column is None):
        raise ConfigError(
            "send_events needs exactly one of event_type= (one type for every row, e.g. "
            "'Order Shipped') or type_column= (the column holding each row's type)."
        )
    claimed = {
        type_column: "type",
        occurred_at_column: "occurredAt",
        event_id_column: "externalEventId",
    }
    return claimed_columns(df, claimed)


def claimed_columns(df: pd.DataFrame, claimed: Mapping[Hashable, str]) -> dict[Hashable, str]:
    """Check that every column named by a keyword argument exists; drop the unset ones."""
    out: dict[Hashable, str] = {}
    for col, target in claimed.items():
        if col is None:
            continue
        if col not in df.columns:
            listed = ", ".join(repr(c) for c in df.columns)
            raise ConfigError(f"There is no column {col!r} (for {target}); the data has {listed}.")
        out[col] = target
    return out


def occurred_at(rows: Rows, timezone: str) -> np.ndarray | None:
    """RFC 3339 times from the occurredAt column, if there is one; naive ones counted on rows."""
    col = rows.cmap.fields.get("occurredAt")
    if col is None:
        return None
    series = rows.frame[col]
    values, naive = timestamps.occurred_at_column(series, str(col), rows.problems, timezone)
    rows.naive += naive
    rows.stamps = values
    return values
