"""What Attentive will accept but not act on: said in the notes, and before sending.

Two things a send can do that read ``sent`` row by row while nothing happens
for anyone, both from Attentive's documentation (``attentive-api.md`` 2.5, 2.7):

- a person named **only by external ids** (``client_user_id``, custom ids,
  Shopify or Klaviyo ids) is found only if those ids were linked to a phone
  or email before (``conn.link_identifiers``); otherwise nobody gets it;
- an event whose ``occurredAt`` is **more than 12 hours old** is recorded but
  triggers no journey, so no message goes out because of it.

Only rows that will be sent are counted. The clock is the plan's ``now``
(injected by tests), never read here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from attentive_nb.plan.mapping import LOOKUPS
from attentive_nb.plan.prepare import Rows, missing

PERSON_KEYS = ("phone", "email")
JOURNEY_WINDOW = pd.Timedelta(hours=12)
WHERE_TO_LINK = "conn.link_identifiers(df), or attentive-nb link FILE"


def as_now(now: dt.datetime | pd.Timestamp | None) -> pd.Timestamp:
    """The plan's clock reading as an aware UTC Timestamp (the current time when None)."""
    stamp = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    utc: pd.Timestamp = (
        stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    )
    return utc


def caveats(rows: Rows) -> list[str]:
    """The notes that tell an analyst what will not happen, for the rows that will be sent."""
    valid = rows.valid_mask()
    found = [_external_only_note(rows, valid), _old_events_note(rows, valid)]
    return [note for note in found if note]


# -- people named only by external ids ---------------------------------------------------------


def external_only(rows: Rows) -> np.ndarray:
    """Rows (or, for ecommerce, rows of events) naming nobody but by external ids."""
    person = np.zeros(rows.n, dtype=bool)
    external = np.zeros(rows.n, dtype=bool)
    for name, values in rows.ids.items():
        present = ~missing(rows.shown.get(name, values))
        if name in PERSON_KEYS:
            person |= present
        else:
            external |= present
    for values in rows.custom.values():
        external |= ~missing(values)
    if rows.events is not None:  # an order's phone may be on another of its lines
        person = _any_in_event(rows.events, person)
        external = _any_in_event(rows.events, external)
    return external & ~person


def _any_in_event(events: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Per row: whether any row of its event has the flag."""
    per_event: np.ndarray = np.bincount(events, weights=flags, minlength=len(events)) > 0
    return np.take(per_event, events)


def _external_only_note(rows: Rows, valid: np.ndarray) -> str | None:
    if rows.endpoint in ("subscribe", "unsubscribe", "identity", *LOOKUPS):
        return None  # these take a phone or email for every person, or are the fix
    count = int((external_only(rows) & valid).sum())
    if not count:
        return None
    names = " or ".join(_external_columns(rows))
    return (
        f"{_rows(count, 'names', 'name')} the person only by {names}: Attentive finds them only if "
        f"those ids were linked to a phone or email before ({WHERE_TO_LINK}); if they were "
        "not, Attentive accepts the request and nobody gets it."
    )


def _external_columns(rows: Rows) -> list[str]:
    fields = rows.cmap.fields
    names = [str(fields[k]) for k in rows.ids if k not in PERSON_KEYS]
    return names + [str(fields["custom_id:" + k]) for k in rows.custom]


# -- events too old to trigger a journey -------------------------------------------------------


def _old_events_note(rows: Rows, valid: np.ndarray) -> str | None:
    if rows.stamps is None or rows.now is None:
        return None
    sent = valid & ~missing(rows.stamps)
    if not sent.any():
        return None
    texts = pd.Series(rows.stamps[sent], dtype=object)
    times = pd.to_datetime(texts, utc=True, format="ISO8601")
    old = times < rows.now - JOURNEY_WINDOW
    if not old.any():
        return None
    oldest = texts.iloc[int(np.argmin(times.to_numpy()))]
    return (
        f"{_rows(int(old.sum()), 'has', 'have')} an occurred_at more than 12 hours before now (the "
        f"oldest: {oldest}): Attentive records such events but starts no journey from them, "
        "so no message will go out because of them."
    )


def _rows(count: int, one: str, many: str) -> str:
    """``1 row has``, ``1,204 rows have``: a count of rows with its verb."""
    return f"{count:,} row {one}" if count == 1 else f"{count:,} rows {many}"
