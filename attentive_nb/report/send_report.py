"""SendReport: what happened to every input row, in input order.

The engine yields one small :class:`RowOutcome` per row; :class:`SendReport`
turns them into column arrays once (no per-row DataFrame work), so a report on a
million rows builds in about a second. Identifiers are masked unless asked.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from attentive_nb.plan.readings import ColumnReading
from attentive_nb.report.csv_out import SavedCsv, write_csv
from attentive_nb.report.html import render, text_summary
from attentive_nb.report.masking import column_table, mask_identifiers, mask_reasons
from attentive_nb.report.summary import StatusCounts, group_reasons, summarise

STATUSES = (
    "sent",
    "invalid",
    "rejected",
    "failed",
    "unknown",
    "skipped",
    "not_sent",
    "would_send",
)
#: Statuses that need nothing more from the analyst.
DONE = frozenset({"sent", "skipped", "would_send"})

TABLE_COLUMNS = ("status", "http_status", "reason", "attempts", "latency_ms")


@dataclass(frozen=True)
class RowOutcome:
    """How one input row (by 0-based position) ended; ``message`` is the API's or ours."""

    position: int
    status: str
    http_status: int | None = None
    message: str = ""
    attempts: int = 0
    latency_ms: float | None = None


def _collect(outcomes: Iterable[RowOutcome], n: int) -> dict[str, list]:
    """Outcomes into position-ordered column lists; a missing or repeated position raises."""
    cols: dict[str, list] = {name: [None] * n for name in TABLE_COLUMNS}
    status, http, reason = cols["status"], cols["http_status"], cols["reason"]
    attempts, latency = cols["attempts"], cols["latency_ms"]
    for out in outcomes:
        pos = out.position
        if not 0 <= pos < n or status[pos] is not None:
            raise ValueError(f"outcome for row position {pos} is out of range or repeated")
        status[pos], http[pos], reason[pos] = out.status, out.http_status, out.message
        attempts[pos], latency[pos] = out.attempts, out.latency_ms
    _check_statuses(status)
    return cols


def _check_statuses(status: list) -> None:
    """Every position has an outcome and every status is in the vocabulary."""
    unknown = set(status) - set(STATUSES)
    if None in unknown:
        missing = [i for i, s in enumerate(status) if s is None][:5]
        raise ValueError(f"no outcome for row positions {missing} (first shown)")
    if unknown:
        raise ValueError(f"unknown statuses {sorted(unknown)}; expected one of {STATUSES}")


def _columns(cols: dict[str, list]) -> dict[str, object]:
    """Column lists into arrays with fixed dtypes (see the table docstring)."""
    return {
        "status": pd.array(cols["status"], dtype="str"),
        "http_status": pd.array(np.array(cols["http_status"], dtype=float)).astype("Int64"),
        "reason": pd.array([m or "" for m in cols["reason"]], dtype="str"),
        "attempts": np.array(cols["attempts"], dtype="int64"),
        "latency_ms": np.array(cols["latency_ms"], dtype="float64"),
    }


def _free_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... if already taken (an input column may be "status")."""
    taken = set(taken)
    candidate, i = name, 1
    while candidate in taken:
        i += 1
        candidate = f"{name}_{i}"
    return candidate


def _with_identifiers(base: pd.DataFrame, identifiers: pd.DataFrame) -> pd.DataFrame:
    """Append identifier columns by position; a name clash with a report column is renamed."""
    out = base.copy()
    for name, col in identifiers.items():
        out[_free_name(str(name), out.columns)] = col.array
    return out


class SendReport:
    """What happened to each row of one send (or dry run), in input order.

    ``table`` has one row per input row with the same index: ``status`` (str),
    ``http_status`` (Int64), ``reason`` (str), ``attempts`` (int64),
    ``latency_ms`` (float64), then the identifier columns, masked.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        identifiers: pd.DataFrame | None,
        outcomes: Iterable[RowOutcome],
        *,
        kind: str,
        dry_run: bool = False,
        notes: Sequence[str] = (),
        company: str | None = None,
        sandbox: bool = False,
        elapsed_s: float | None = None,
        readings: Sequence[ColumnReading] = (),
    ) -> None:
        if identifiers is None:
            identifiers = pd.DataFrame(index=data.index)
        if len(identifiers) != len(data):
            raise ValueError(f"identifiers have {len(identifiers)} rows, the data {len(data)}")
        self.kind, self.dry_run, self.notes = kind, dry_run, list(notes)
        self.company, self.sandbox, self.elapsed_s = company, sandbox, elapsed_s
        self._data, self._identifiers, self._readings = data, identifiers, list(readings)
        self._base = pd.DataFrame(_columns(_collect(outcomes, len(data))), index=data.index)

    def __len__(self) -> int:
        return len(self._base)

    @cached_property
    def _table(self) -> pd.DataFrame:
        masked = mask_identifiers(self._identifiers)
        base = self._base.copy()
        base["reason"] = mask_reasons(self._base["reason"], self._identifiers, masked).array
        return _with_identifiers(base, masked)

    @property
    def table(self) -> pd.DataFrame:
        """One row per input row, same index, identifiers masked (``+1201•••0123``).

        Where a reason quotes one of the row's identifiers, it is masked there too.
        """
        return self._table.copy(deep=False)  # copy-on-write keeps the cached frame intact

    def table_unmasked(self) -> pd.DataFrame:
        """The table with identifiers (and the reasons quoting them) in clear.

        Keep it out of saved notebooks.
        """
        return _with_identifiers(self._base, self._identifiers)

    @cached_property
    def columns(self) -> pd.DataFrame:
        """How each input column was read: ``column``, ``read as``, ``type``, ``example``.

        The example is the first value as it is sent, masked like the
        identifiers when it is (or looks like) a phone, an email or an id.
        """
        return column_table(self._readings)

    @cached_property
    def counts(self) -> StatusCounts:
        """Rows per status, every status present (zeros included), in ``STATUSES`` order.

        A dict; shown as the statuses that happened (``sent 16, invalid 2 (18 rows)``).
        """
        found = self._base["status"].value_counts()
        return StatusCounts({s: int(found.get(s, 0)) for s in STATUSES})

    @property
    def ok(self) -> bool:
        """True when every row was sent, skipped, or (dry run) would be sent."""
        return all(n == 0 for s, n in self.counts.items() if s not in DONE)

    @cached_property
    def _retry_mask(self) -> np.ndarray:
        return ~self._base["status"].isin(DONE).to_numpy()

    @property
    def to_retry(self) -> pd.DataFrame:
        """The input rows that need another go, input columns and index unchanged.

        Rows that are invalid, rejected, failed, unknown or not sent. Fix them
        and pass this frame to the same send call again; ``unknown`` rows are
        not sent again unless ``resend="unknown"``: check those people first.
        """
        return self._data.iloc[self._retry_mask]

    @property
    def failed(self) -> pd.DataFrame:
        """Deprecated: ``to_retry`` (``failed`` is also one status, and this holds five)."""
        warnings.warn(
            "report.failed is now report.to_retry (it holds more than the failed rows); "
            "'failed' will be removed in attentive_nb 0.3.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.to_retry

    def to_retry_with_reasons(self) -> pd.DataFrame:
        """``to_retry`` plus the ``status`` and ``reason`` columns of the report."""
        out = self.to_retry.copy()
        rows = self._base.iloc[self._retry_mask]
        for name in ("status", "reason"):
            out[_free_name(name, out.columns)] = rows[name].to_numpy()
        return out

    @cached_property
    def reasons(self) -> pd.DataFrame:
        """Every reason group: ``status``, ``reason`` (quoted values stripped), ``rows``.

        An invalid row with several reasons counts once under each of them.
        """
        return group_reasons(self._base["status"], self._base["reason"], STATUSES)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Rows per status (non-zero, ``STATUSES`` order, then ``total``), meaning, top reasons.

        ``top_reasons`` is text; ``reasons`` has every reason group as a table.
        """
        return summarise(self.counts, self.reasons)

    def to_csv(self, path: str | Path, *, unmasked: bool = False, raw: bool = False) -> SavedCsv:
        """Write the table (masked unless ``unmasked=True``) with its index; returns the path.

        A cell that a spreadsheet would run as a formula (it starts with ``=``,
        ``+``, ``-``, ``@``, a tab or a carriage return; a ``+1…`` phone number
        too) is written with a leading ``'``, as OWASP recommends; ``raw=True``
        writes every value as it is. The table itself is never changed. The
        path returned says what was saved when shown (``Saved 18 rows to …``).
        """
        table = self.table_unmasked() if unmasked else self._table
        return SavedCsv.of(write_csv(table, path, raw=raw), len(table), masked=not unmasked)

    def __repr__(self) -> str:
        return text_summary(self)

    def _repr_html_(self) -> str:
        return render(self)
