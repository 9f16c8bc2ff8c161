"""The plan of a coupon upload: ``POST /v1/coupons/coupon-pool/{id}/create``, 200,000 a request.

Codes are sent exactly as written: text only (a column read as numbers has
already lost how it was written, ``000123`` became ``123``, so it is refused
with the reason), never stripped. Per row: a blank code, a code with a space
or a control character, or a value that is not text is ``invalid``; a code
already given by an earlier row is sent once, with it. The pool id goes into
the URL path, so it must be the offer's numeric id and nothing else. The
distribution window (``distributionStart`` / ``distributionStop``) is
both-or-neither, sent in UTC as ``…Z``, start before stop, stop not past.

Each request's codes are one ledger record, keyed by the pool and the body:
a re-run of the same upload skips the requests Attentive accepted.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Hashable

import numpy as np
import pandas as pd

from attentive_nb.controls import code_points
from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.errors import ConfigError
from attentive_nb.plan import cells, frames
from attentive_nb.plan.merge import name_rows
from attentive_nb.plan.model import Payload, Plan, Unit
from attentive_nb.plan.timestamps import clock_change, format_timestamp, localize

MAX_CODES = 200_000  # per request (CreateCouponsDto)
CODE_FIELD = "code"
_POOL_ID = re.compile(r"[0-9]{1,19}")  # the path parameter is an int64
_LOOKS_LIKE_TIME = re.compile(r"^\s*\d")  # pandas reads "now" and "today" as times


def coupon_frame(codes: object) -> pd.DataFrame:
    """The codes as a DataFrame with its ``code`` column: from a Series, a list or a frame
    (pandas, polars, Arrow, or chunks of them)."""
    if isinstance(codes, pd.DataFrame):
        frame = codes
    elif isinstance(codes, pd.Series):
        frame = codes.to_frame(CODE_FIELD if codes.name is None else codes.name)
    elif isinstance(codes, list | tuple):
        frame = pd.DataFrame({CODE_FIELD: pd.Series(list(codes), dtype=object)})
    elif isinstance(codes, (dict, str, bytes)) or codes is None:
        raise ConfigError(
            "codes must be a Series, a list, or a DataFrame with a 'code' column, "
            f"not {type(codes).__name__}."
        )
    else:  # a polars or Arrow frame, or chunks of frames
        frame = frames.whole(codes, "codes")
    return frame


def code_column(df: pd.DataFrame, columns: dict[Hashable, str | None] | None) -> Hashable:
    """The codes' column: ``columns={col: "code"}``, a column named code, or the only one."""
    if columns:
        named = [c for c, field in columns.items() if field == CODE_FIELD]
        if len(named) != 1 or named[0] not in df.columns:
            raise ConfigError(
                f"columns= must name the one column holding the codes, e.g. "
                f"{{'Voucher': 'code'}}; the data has {list(df.columns)}."
            )
        return named[0]
    found = [c for c in df.columns if str(c).strip().lower() in ("code", "codes", "coupon_code")]
    if len(found) == 1:
        return found[0]
    if len(df.columns) == 1:
        return df.columns[0]
    raise ConfigError(
        f"No column holds the codes: the data has {list(df.columns)}. Name it code, "
        "or say which with columns={'Your column': 'code'}."
    )


def pool_id(pool: object) -> str:
    """The offer's id as the URL path takes it (digits only), or ConfigError."""
    text = str(pool).strip() if isinstance(pool, str | int) and not isinstance(pool, bool) else ""
    if not _POOL_ID.fullmatch(text):
        raise ConfigError(
            f"pool={pool!r}: give the offer's numeric coupon pool id (Attentive > Offers), "
            "e.g. pool=123456; it goes into the request's address, so only digits are taken."
        )
    return text


def window(start: object, stop: object, timezone: str, now: pd.Timestamp) -> dict[str, str]:
    """``distributionStart`` / ``distributionStop`` as sent (both or neither), or ConfigError."""
    if start is None and stop is None:
        return {}
    if start is None or stop is None:
        given = "distribution_start" if stop is None else "distribution_stop"
        raise ConfigError(
            f"{given}= is given alone: a distribution window needs both distribution_start "
            "and distribution_stop (or neither, for codes that never expire)."
        )
    zone = _zone(timezone)
    begins, ends = _utc(start, "distribution_start", zone), _utc(stop, "distribution_stop", zone)
    if begins >= ends:
        raise ConfigError(
            f"distribution_start ({format_timestamp(begins)}) must be before "
            f"distribution_stop ({format_timestamp(ends)})."
        )
    if ends <= now:
        raise ConfigError(
            f"distribution_stop ({format_timestamp(ends)}) is in the past: the codes could "
            "never be handed out. Give a stop in the future."
        )
    return {
        "distributionStart": format_timestamp(begins),
        "distributionStop": format_timestamp(ends),
    }


def _zone(timezone: object) -> str:
    try:
        zoneinfo.ZoneInfo(str(timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone={timezone!r} is not a time zone name, e.g. 'UTC' or 'America/New_York'."
        ) from None
    return str(timezone)


def _utc(value: object, name: str, timezone: str) -> pd.Timestamp:
    """A datetime, Timestamp or text as an aware UTC Timestamp (naive ones in ``timezone``)."""
    ts = None
    if isinstance(value, str) and _LOOKS_LIKE_TIME.match(value) or not isinstance(value, str):
        try:
            ts = pd.Timestamp(value)  # type: ignore[arg-type]  # odd objects are refused below
        except (ValueError, TypeError, OverflowError):
            ts = None
    if ts is None or ts is pd.NaT or isinstance(value, bool | int | float):
        raise ConfigError(
            f"{name}={value!r} is not a date and time, e.g. '2026-03-01T09:00:00Z' or a "
            "pandas Timestamp."
        )
    local = ts if ts.tzinfo is not None else localize(ts, timezone)
    if local is None:
        raise ConfigError(f"{name}={value!r} {clock_change(ts, timezone)}.")
    utc: pd.Timestamp = local.tz_convert("UTC")
    return utc


def code_problem(value: object) -> tuple[str | None, str | None]:
    """(the code as sent, None) or (None, why it cannot be sent)."""
    if cells.is_blank(value) or (isinstance(value, str) and not value.strip()):
        return None, "blank code"
    if not isinstance(value, str):
        return None, (
            f"code {cells.quote(value)} is a number or other value ({type(value).__name__}), "
            "not text: codes are "
            "sent exactly as written, so read them as text (dtype=str)"
        )
    odd = [ch for ch in value if ch.isspace() or unicodedata.category(ch).startswith("C")]
    if odd:
        what = (
            "a space" if set(odd) == {" "} else f"a space or control character, {code_points(odd)}"
        )
        return None, f"code {cells.quote(value)} has {what}: Attentive codes have none"
    return value, None


def plan_coupons(
    df: pd.DataFrame,
    *,
    pool: object,
    distribution_start: object = None,
    distribution_stop: object = None,
    timezone: str = "UTC",
    columns: dict[Hashable, str | None] | None = None,
    now: pd.Timestamp | None = None,
    per_request: int = MAX_CODES,
) -> Plan:
    """Plan the upload of ``df``'s codes; see :meth:`Connection.upload_coupons` for the options."""
    pool_text = pool_id(pool)
    fixed = window(
        distribution_start, distribution_stop, timezone, now or pd.Timestamp.now(tz="UTC")
    )
    column = code_column(df, columns)
    series = df[column].reset_index(drop=True)
    if series.dtype.kind not in "OSU" and not isinstance(series.dtype, pd.StringDtype):
        raise ConfigError(
            f"column {column!r} was read as {series.dtype} values, not text: codes are sent "
            "exactly as written, and read as numbers they have lost how they were written "
            "(000123 became 123). Read the file with dtype=str, e.g. "
            "pd.read_csv(path, dtype=str); nothing was sent."
        )
    problems = cells.Problems()
    texts, reasons = cells.per_distinct(series, code_problem, _plain)
    cells.report(problems, reasons)
    blank = np.flatnonzero(pd.isna(texts) & pd.isna(reasons))  # left out as missing: say so
    problems.add_many(blank, "blank code")
    invalid = dict(sorted(problems.by_row.items()))
    duplicates, units = _grouped(texts, invalid, per_request)
    notes = _notes(len(units), per_request, pool_text, fixed, df.index, duplicates)

    def payload(unit: Unit) -> Payload:
        return {"codes": [texts[p] for p in unit if p not in duplicates], **fixed}

    shown = texts.copy()
    unsent = np.flatnonzero(pd.isna(texts))
    shown[unsent] = [_raw(v) for v in series.to_numpy()[unsent]]
    return Plan(
        kind="coupons",
        endpoint=ENDPOINTS["coupons"],
        n_rows=len(df),
        invalid=invalid,
        duplicates=duplicates,
        notes=notes,
        _identifiers=lambda: pd.DataFrame({CODE_FIELD: shown}, index=df.index),
        column_map={column: CODE_FIELD},
        readings=[],
        _units=lambda: iter(units),
        _count=len(units),
        _payload=payload,
        _keyed=lambda body: {"pool": pool_text, **body},
        path_args={"coupon-pool-id": pool_text},
    )


def _raw(value: object) -> str | None:
    return None if cells.is_blank(value) else str(value)


def _plain(values: list[object]) -> list[str | None]:
    """The values that are plainly codes (text, no space, nothing unprintable), else None:
    ``code_problem`` then looks at those one by one. The same verdict, a call fewer each."""
    return [
        v if type(v) is str and v and v.isprintable() and " " not in v else None for v in values
    ]


def _grouped(
    texts: np.ndarray, invalid: dict[int, list[str]], size: int
) -> tuple[dict[int, int], list[Unit]]:
    """Rows repeating an earlier valid row's code -> that row; and each request's rows:
    ``size`` distinct codes in input order, with the later rows repeating them."""
    valid = ~pd.isna(texts)
    valid[list(invalid)] = False
    positions = np.flatnonzero(valid)
    if not len(positions):
        return {}, []
    codes, _ = pd.factorize(texts[positions])  # numbered in order of first appearance
    _, first_of_code = np.unique(codes, return_index=True)
    first = positions[first_of_code][codes]
    repeat = first != positions
    duplicates = dict(zip(positions[repeat].tolist(), first[repeat].tolist()))
    request = codes // size
    order = np.argsort(request, kind="stable")
    bounds = np.flatnonzero(np.diff(request[order])) + 1
    units = [tuple(unit.tolist()) for unit in np.split(positions[order], bounds)]
    return duplicates, units


def _notes(
    requests: int,
    size: int,
    pool: str,
    fixed: dict[str, str],
    labels: pd.Index,
    duplicates: dict[int, int],
) -> list[str]:
    notes = []
    if requests > 1:
        notes.append(f"{requests} requests of up to {size:,} codes each, to coupon pool {pool}.")
    if fixed:
        notes.append(
            f"Distribution window {fixed['distributionStart']} to {fixed['distributionStop']} "
            "(UTC); Attentive refuses a window overlapping an earlier upload to this offer."
        )
    else:
        notes.append("No distribution window: the codes never expire.")
    if duplicates:
        rows = name_rows(labels, sorted(duplicates))
        verb = "repeats" if len(duplicates) == 1 else "repeat"
        notes.append(f"{rows} {verb} a code given earlier: each code is sent once.")
    return notes
