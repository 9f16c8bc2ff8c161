"""SendReport: what happened to every input row, in input order.

The engine yields one small :class:`RowOutcome` per row; :class:`SendReport`
turns them into column arrays once (no per-row DataFrame work), so a report on a
million rows builds in about a second. Identifiers are masked unless asked.

Rows of a v2 bulk job are ``submitted`` until Attentive has run the job;
``report.refresh()`` asks again through the :class:`FollowUp` the send stage
gave the report (this module never sends anything itself).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from attentive_nb.plan.readings import ColumnReading
from attentive_nb.report.csv_out import SavedCsv, write_csv
from attentive_nb.report.html import render, text_summary
from attentive_nb.report.masking import column_table, mask_identifiers, mask_reasons
from attentive_nb.report.rows import DONE, PENDING, STATUSES, Outcomes, RowOutcome
from attentive_nb.report.summary import StatusCounts, group_reasons, summarise

TABLE_COLUMNS = ("status", "http_status", "reason", "attempts", "latency_ms")


class FollowUp(Protocol):
    """What ``report.refresh()`` calls: the rows whose bulk jobs moved on, and notes.

    ``wait_s`` is how long it may keep asking while jobs are not done yet.
    """

    def __call__(self, wait_s: float) -> tuple[list[RowOutcome], list[str]]: ...


def _columns(outcomes: Outcomes) -> dict[str, object]:
    """The outcome columns with fixed dtypes (see the table docstring)."""
    outcomes.check()
    return {
        "status": pd.array(outcomes.status, dtype="str"),
        "http_status": pd.array(outcomes.http_status).astype("Int64"),
        "reason": pd.array(outcomes.reason, dtype="str"),
        "attempts": outcomes.attempts,
        "latency_ms": outcomes.latency_ms,
    }


def _free_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... if already taken (an input column may be "status")."""
    taken = set(taken)
    candidate, i = name, 1
    while candidate in taken:
        i += 1
        candidate = f"{name}_{i}"
    return candidate


def _with_columns(base: pd.DataFrame, *appended: pd.DataFrame) -> pd.DataFrame:
    """Append identifier (then result) columns by position; a name clash is renamed."""
    out: pd.DataFrame = base.copy()  # (pandas' stubs type the result loosely)
    for frame in appended:
        for name, col in frame.items():
            out[_free_name(str(name), out.columns)] = col.array
    return out


class SendReport:
    """What happened to each row of one send (or dry run), in input order.

    ``table`` has one row per input row with the same index: ``status`` (str),
    ``http_status`` (Int64), ``reason`` (str), ``attempts`` (int64),
    ``latency_ms`` (float64), then the identifier columns, masked, then (for a
    look-up) what Attentive answered: ``results``, in clear (it is the answer
    asked for), by :mod:`attentive_nb.report.lookups`.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        identifiers: pd.DataFrame | None,
        outcomes: Outcomes | Iterable[RowOutcome],
        *,
        kind: str,
        dry_run: bool = False,
        notes: Sequence[str] = (),
        company: str | None = None,
        sandbox: bool = False,
        elapsed_s: float | None = None,
        results: pd.DataFrame | None = None,
        follow_up: FollowUp | None = None,
        readings: Sequence[ColumnReading] = (),
    ) -> None:
        if identifiers is None:
            identifiers = pd.DataFrame(index=data.index)
        if results is None:
            results = pd.DataFrame(index=range(len(data)))
        for name, frame in (("identifiers", identifiers), ("results", results)):
            if len(frame) != len(data):
                raise ValueError(f"{name} have {len(frame)} rows, the data {len(data)}")
        self.kind, self.dry_run, self.notes = kind, dry_run, list(notes)
        self.company, self.sandbox, self.elapsed_s = company, sandbox, elapsed_s
        self._data, self._identifiers, self._readings = data, identifiers, list(readings)
        if not isinstance(outcomes, Outcomes):
            outcomes = Outcomes.of(outcomes, len(data))
        if len(outcomes) != len(data):
            raise ValueError(f"outcomes for {len(outcomes)} rows, the data has {len(data)}")
        self._results = results.set_axis(data.index)
        self._base = pd.DataFrame(_columns(outcomes), index=data.index)
        self._follow_up = follow_up
        self.removed: SendReport | None = None  # a segment mirror: the people taken out

    def __len__(self) -> int:
        return len(self._base)

    @cached_property
    def _table(self) -> pd.DataFrame:
        masked = mask_identifiers(self._identifiers)
        base = self._base.copy()
        base["reason"] = mask_reasons(self._base["reason"], self._identifiers, masked).array
        return _with_columns(base, masked, self._results)

    @property
    def table(self) -> pd.DataFrame:
        """One row per input row, same index, identifiers masked (``+1201•••0123``).

        Where a reason quotes one of the row's identifiers, it is masked there too.
        """
        # copy-on-write keeps the cached frame intact
        table: pd.DataFrame = self._table.copy(deep=False)
        return table

    def table_unmasked(self) -> pd.DataFrame:
        """The table with identifiers (and the reasons quoting them) in clear.

        Keep it out of saved notebooks.
        """
        return _with_columns(self._base, self._identifiers, self._results)

    @property
    def results(self) -> pd.DataFrame:
        """A look-up's answers, one row per input row with the input's index (no columns
        for a send): ``df.join(report.results)`` puts them beside the data."""
        results: pd.DataFrame = self._results.copy(deep=False)
        return results

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
        mask: np.ndarray = ~self._base["status"].isin(DONE | PENDING).to_numpy()
        return mask

    @property
    def to_retry(self) -> pd.DataFrame:
        """The input rows that need another go, input columns and index unchanged.

        Rows that are invalid, rejected, failed, unknown or not sent. Fix them
        and pass this frame to the same send call again; ``unknown`` rows are
        not sent again unless ``resend="unknown"``: check those people first.
        ``submitted`` rows are not here: Attentive has them (see :meth:`refresh`).
        """
        rows: pd.DataFrame = self._data.iloc[self._retry_mask]
        return rows

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
        """``to_retry`` plus the ``status`` and ``reason`` columns of the report: to read.

        To send the rows again pass ``to_retry`` (or ``--retry-out``'s file): these two
        columns would be sent as data (attributes), and a second round adds ``status_2``.
        """
        out: pd.DataFrame = self.to_retry.copy()
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

    def refresh(self, wait: float = 0) -> SendReport:
        """Ask Attentive again about this report's bulk jobs; returns the report, updated.

        Rows ``submitted`` in a v2 bulk job become ``sent``, ``rejected`` (with
        Attentive's message for that person) or ``failed`` once the job has run;
        the ledger learns the same, so a later run sends only what did not apply.
        ``wait`` seconds: keep asking while jobs are still running (0: ask once).
        A segment mirror's ``removed`` report is refreshed too. A report with
        nothing submitted is returned as it is.
        """
        if self.removed is not None:
            self.removed.refresh(wait)
        if self._follow_up is None or not self.counts["submitted"]:
            return self
        outcomes, notes = self._follow_up(wait)
        self._replace(outcomes)
        self.notes.extend(notes)
        return self

    def _replace(self, outcomes: list[RowOutcome]) -> None:
        """Put newer outcomes in place of the rows' earlier ones; cached views are rebuilt."""
        if not outcomes:
            return
        newer = Outcomes(len(self))
        for outcome in outcomes:
            newer.add(outcome)
        positions = np.asarray([o.position for o in outcomes], dtype=np.intp)
        for name, column in zip(TABLE_COLUMNS, newer.columns()):
            updated = self._base[name].copy()
            updated.iloc[positions] = column[positions]
            self._base[name] = updated
        for cached in ("_table", "counts", "_retry_mask", "reasons", "summary"):
            self.__dict__.pop(cached, None)

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
