"""The summary side of a SendReport: rows per status and the reasons grouped."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

MEANINGS = {
    "sent": "accepted by Attentive",
    "invalid": "failed the checks here and was never sent; fix these rows and send them again",
    "rejected": "Attentive answered with an error (4xx); the reason is Attentive's message",
    "failed": "gave up after retries (rate limit, server error or network); safe to send again",
    "unknown": (
        "the request may have reached Attentive but no answer came; "
        "check these people before sending again"
    ),
    "skipped": "not sent: accepted in an earlier run (see the ledger), another run in "
    "progress is sending it, or nothing to send (every value blank); nothing to fix",
    "submitted": "in a v2 bulk job (or a deletion request) Attentive has accepted but not yet "
    "applied; report.refresh() follows up",
    "not_sent": "the run stopped before their turn; send them again",
    "would_send": "dry run: valid, and would be sent",
    "total": "",
}

#: How many reasons per status the summary names (the rest are counted together).
TOP_REASONS = 5

# Our own validation reasons arrive joined with "; "; the API's messages are kept whole.
_JOINED = frozenset({"invalid"})
_QUOTED = re.compile(r"""\s*(?:'[^']*'|"[^"]*")""")
# A number standing alone (a row, a process id, a date, a time: ``2026-12-07 03:02``);
# not digits inside a word (``field6``, ``E.164``, ``U+200B``, ``4xx``).
_NUMBER = r"(?<![\w.+])\d+(?:[-:.,/]\d+)*(?!\w)"
_NUMBERS = r"…(?:\s*…)+"  # a date then a time: one gap
GAP = "…"


def reason_key(reason: str) -> str:
    """Group key for one reason (:func:`group_reasons` does the same for a whole column).

    Quoted values stripped and standing-alone numbers replaced by ``…``, so one
    bad value or row number per row groups as one: ``phone '555-0100' is not a
    valid number for region US`` -> ``phone is not a valid number for region US``.
    """
    return _without_numbers(pd.Series([reason], dtype=object)).iloc[0] if reason else ""


def _strip_quoted(reasons: pd.Series) -> pd.Series:
    """:func:`reason_key` for a whole column at once (vectorised)."""
    # Only the first: it is the cell's value ("phone '555x' contains 'x', ..."); a later
    # one is part of the explanation (the character named), which must stay.
    stripped = reasons.str.replace(_QUOTED.pattern, "", n=1, regex=True)
    return stripped.str.replace(r"\s+", " ", regex=True).str.strip()


def _without_numbers(reasons: pd.Series) -> pd.Series:
    """Each reason with its standing-alone numbers replaced by ``…`` (vectorised)."""
    out = _strip_quoted(reasons).str.replace(_NUMBER, GAP, regex=True)
    return out.str.replace(_NUMBERS, GAP, regex=True)


def _pairs(status: pd.Series, reason: pd.Series, rows: np.ndarray | None) -> pd.DataFrame:
    """``status``, ``reason`` (quoted values stripped), ``rows`` per distinct pair.

    ``rows``: how many rows each (status, reason) given stands for (default 1 each).
    Joined reasons are split apart, one line per part, each with the pair's rows.
    """
    weights = np.ones(len(status), dtype=np.int64) if rows is None else rows
    frame = pd.DataFrame({"status": status.array, "reason": reason.array, "rows": weights})
    frame = frame[frame["reason"] != ""]
    frame["reason"] = _strip_quoted(frame["reason"])
    pairs = frame.groupby(["status", "reason"], sort=False, as_index=False)["rows"].sum()
    joined = pairs["status"].isin(_JOINED)
    parts = pairs["reason"].where(~joined, pairs["reason"].str.split(";"))
    pairs = pairs.assign(reason=parts).explode("reason", ignore_index=True)
    pairs["reason"] = pairs["reason"].astype(str).str.strip()
    out: pd.DataFrame = pairs[pairs["reason"] != ""]
    return out


def group_reasons(
    status: pd.Series, reason: pd.Series, order: Sequence[str], rows: np.ndarray | None = None
) -> pd.DataFrame:
    """``status``, ``reason``, ``rows``; most frequent first (``rows``: see :func:`_pairs`).

    Reasons group by their words: quoted values and the numbers standing alone
    (row numbers, process ids, dates and times) taken out, so "same person as
    row 12" and "… row 40" are one group. A group whose reasons are all alike is
    shown as written; one whose numbers differ shows ``…`` in their place.
    """
    raw = _pairs(status, reason, rows)
    raw["key"] = _without_numbers(raw["reason"])
    grouped = raw.groupby(["status", "key"], as_index=False, sort=False).agg(
        rows=("rows", "sum"), variants=("reason", "nunique"), text=("reason", "first")
    )
    grouped["reason"] = grouped["text"].where(grouped["variants"] == 1, grouped["key"])
    grouped["rank"] = grouped["status"].map({s: i for i, s in enumerate(order)})
    grouped = grouped.sort_values(["rank", "rows", "reason"], ascending=[True, False, True])
    out: pd.DataFrame = pd.DataFrame(  # (pandas' stubs type this constructor loosely)
        {
            "status": pd.array(grouped["status"].tolist(), dtype="str"),
            "reason": pd.array(grouped["reason"].tolist(), dtype="str"),
            "rows": grouped["rows"].to_numpy(dtype="int64"),
        }
    )
    return out


def rows_text(n: int) -> str:
    """``1 row``, ``2 rows``, ``1,000 rows``."""
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def top_reasons(reasons: pd.DataFrame, status: str, top: int = TOP_REASONS) -> list[str]:
    """``["312 rows: phone is not a valid number", ...]`` for one status, at most ``top`` + 1."""
    mine = reasons[reasons["status"] == status]
    lines = [f"{rows_text(n)}: {r}" for r, n in zip(mine["reason"][:top], mine["rows"][:top])]
    if len(mine) > top:
        rest = mine["rows"][top:]
        lines.append(f"{rows_text(int(rest.sum()))}: {len(rest):,} other reasons")
    return lines


def summarise(
    counts: Mapping[str, int], reasons: pd.DataFrame, top: int = TOP_REASONS
) -> pd.DataFrame:
    """One line per non-zero status (in ``counts`` order) and a ``total`` line.

    ``top_reasons`` is text (``"312 rows: …; 7 rows: …"``), as a table shows it;
    :func:`top_reasons` gives the same lines as a list.
    """
    lines = [
        (status, n, MEANINGS.get(status, ""), "; ".join(top_reasons(reasons, status, top)))
        for status, n in counts.items()
        if n
    ]
    lines.append(("total", sum(counts.values()), "", ""))
    out: pd.DataFrame = pd.DataFrame(
        {
            "status": pd.array([s for s, *_ in lines], dtype="str"),
            "rows": np.array([n for _, n, *_ in lines], dtype="int64"),
            "meaning": pd.array([m for _, _, m, _ in lines], dtype="str"),
            "top_reasons": pd.array([t for *_, t in lines], dtype="str"),
        }
    )
    return out


def happened(counts: dict[str, int]) -> str:
    """``sent 3, invalid 1``: the statuses some row ended in, with their rows."""
    return ", ".join(f"{status} {n:,}" for status, n in counts.items() if n)


class StatusCounts(dict[str, int]):
    """Rows per status, every status a key (zeros too), shown as the statuses that happened."""

    def __repr__(self) -> str:
        total = sum(self.values())
        if not total:
            return "no rows"
        return f"{happened(self)} ({rows_text(total)})"
