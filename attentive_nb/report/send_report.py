"""SendReport: what happened to every input row, in input order.

The engine yields one small :class:`RowOutcome` per row; :class:`Outcomes` keeps
them as codes and shared strings (13 bytes a row), and :class:`SendReport` builds
its table from them only when asked, a slice at a time for the files it writes,
so a report of ten million rows stays small. Identifiers are masked unless asked.

Rows of a v2 bulk job are ``submitted`` until Attentive has run the job;
``report.refresh()`` asks again through the :class:`FollowUp` the send stage
gave the report (this module never sends anything itself).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from attentive_nb.plan.readings import ColumnReading
from attentive_nb.report.chunks import ChunkIndex
from attentive_nb.report.csv_out import SavedCsv, write_csv_slices
from attentive_nb.report.html import render, text_summary
from attentive_nb.report.masking import column_table, mask_identifiers, mask_reasons
from attentive_nb.report.parquet_out import write_parquet_slices
from attentive_nb.report.rows import (
    CODES,
    DONE,
    PENDING,
    STATUSES,
    Moved,
    Outcomes,
    RowOutcome,
)
from attentive_nb.report.summary import StatusCounts, group_reasons, summarise

TABLE_COLUMNS = ("status", "http_status", "reason", "attempts", "latency_ms")
_STATUS_NAMES = np.array(["", *STATUSES], dtype=object)


class FollowUp(Protocol):
    """What ``report.refresh()`` calls: the rows whose bulk jobs moved on, and notes.

    ``wait_s`` is how long it may keep asking while jobs are not done yet.
    """

    def __call__(self, wait_s: float) -> tuple[Moved | list[RowOutcome], list[str]]: ...


def _free_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... if already taken (an input column may be "status")."""
    taken = set(taken)
    candidate, i = name, 1
    while candidate in taken:
        i += 1
        candidate = f"{name}_{i}"
    return candidate


def _kept(kept: tuple[Sequence[int] | np.ndarray, pd.DataFrame]) -> tuple[np.ndarray, pd.DataFrame]:
    """The kept rows in position order (``to_retry`` keeps the input's order)."""
    positions, frame = np.asarray(kept[0], dtype=np.intp), kept[1]
    if len(positions) != len(frame):
        raise ValueError(f"kept: {len(positions)} positions for {len(frame)} rows")
    order = np.argsort(positions, kind="stable")
    return positions[order], frame.iloc[order]


def _with_columns(base: pd.DataFrame, *appended: pd.DataFrame) -> pd.DataFrame:
    """Append identifier (then result) columns by position; a name clash is renamed."""
    out: pd.DataFrame = base.copy()  # (pandas' stubs type the result loosely)
    for frame in appended:
        for name, col in frame.items():
            out[_free_name(str(name), out.columns)] = col.array
    return out


#: A table of at most this many rows is kept once built; a longer one is built each time
#: it is asked for, so that the report itself stays at its codes (13 bytes a row).
TABLE_CACHE_ROWS = 1_000_000
#: Rows written at a time by ``to_csv`` and ``to_parquet``.
WRITE_ROWS = 100_000


class SendReport:
    """What happened to each row of one send (or dry run), in input order.

    ``table`` has one row per input row with the same index: ``status`` (str),
    ``http_status`` (Int64), ``reason`` (str), ``attempts`` (int64),
    ``latency_ms`` (float64), then the identifier columns, masked, then (for a
    look-up) what Attentive answered: ``results``, in clear (it is the answer
    asked for), by :mod:`attentive_nb.report.lookups`.

    What it holds: the outcomes as codes and shared strings (:class:`Outcomes`),
    the identifiers frame (masked only when a view is built, a slice at a time),
    and the input frame for ``to_retry``. Without the input frame (``data=None``:
    a streamed run), ``index`` names the rows (default: their position in the
    stream) and ``kept`` is ``(positions, rows)``: the input rows it holds for
    ``to_retry`` (every row not sent, skipped or would-send, pending ones too,
    since a refresh may reject them). ``chunks``, for an input of chunks, puts
    ``chunk`` and ``chunk_index`` first in the table (:mod:`~attentive_nb.report.chunks`).
    """

    def __init__(
        self,
        data: pd.DataFrame | None,
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
        index: pd.Index | None = None,
        kept: tuple[Sequence[int] | np.ndarray, pd.DataFrame] | None = None,
        chunks: ChunkIndex | None = None,
        unfinished: str | None = None,
    ) -> None:
        if not isinstance(outcomes, Outcomes):
            n = len(data) if data is not None else len(index) if index is not None else None
            if n is None:
                outcomes = list(outcomes)
                n = len(outcomes)
            outcomes = Outcomes.of(outcomes, n)
        n = len(outcomes)
        if index is None:
            index = data.index if data is not None else pd.RangeIndex(n)
        if data is not None and len(data) != n:
            raise ValueError(f"outcomes for {n} rows, the data has {len(data)}")
        for name, frame in (("identifiers", identifiers), ("results", results)):
            if frame is not None and len(frame) != n:
                raise ValueError(f"{name} have {len(frame)} rows, the data {n}")
        outcomes.check()
        self.kind, self.dry_run, self.notes = kind, dry_run, list(notes)
        self.company, self.sandbox, self.elapsed_s = company, sandbox, elapsed_s
        self._outcomes, self._index, self._data = outcomes, index, data
        self._identifiers = identifiers if identifiers is not None else pd.DataFrame(index=index)
        self._results = results.set_axis(index) if results is not None else None
        self._kept = _kept(kept) if kept is not None else None
        self._chunks = chunks
        self.unfinished = unfinished  # why a stream was not read to its end, if it was not
        self._readings = list(readings)
        self._follow_up = follow_up
        self.removed: SendReport | None = None  # a segment mirror: the people taken out

    def __len__(self) -> int:
        return len(self._outcomes)

    def _rows(self, where: slice, *, unmasked: bool = False) -> pd.DataFrame:
        """The table's rows ``where`` (a slice of positions), built from the codes."""
        base = pd.DataFrame(self._outcomes.take(where), index=self._index[where])
        if self._chunks is not None:  # an input of chunks: where each row came in
            number, within = self._chunks.columns(where)
            base.insert(0, "chunk", number)
            base.insert(1, "chunk_index", within.array)
        ids = self._identifiers.iloc[where]
        results = [] if self._results is None else [self._results.iloc[where]]
        if unmasked:
            return _with_columns(base, ids, *results)
        masked = mask_identifiers(ids)
        base["reason"] = mask_reasons(base["reason"], ids, masked).array
        return _with_columns(base, masked, *results)

    def head(self, n: int) -> pd.DataFrame:
        """The table's first ``n`` rows (masked), without building the rest."""
        return self._rows(slice(0, n))

    def slices(self, *, unmasked: bool = False, rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The table ``rows`` (default ``WRITE_ROWS``) rows at a time, in order: what the
        writers write."""
        rows = rows or WRITE_ROWS
        for start in range(0, max(len(self), 1), rows):
            yield self._rows(slice(start, start + rows), unmasked=unmasked)

    @property
    def _table(self) -> pd.DataFrame:
        cached: pd.DataFrame | None = self.__dict__.get("_cached_table")
        if cached is not None:
            return cached
        table = self._rows(slice(None))
        if len(self) <= TABLE_CACHE_ROWS:
            self.__dict__["_cached_table"] = table
        return table

    @property
    def table(self) -> pd.DataFrame:
        """One row per input row, same index, identifiers masked (``+1201•••0123``).

        Where a reason quotes one of the row's identifiers, it is masked there too.
        Built when asked (kept for reports of up to ``TABLE_CACHE_ROWS`` rows).
        """
        # copy-on-write keeps the cached frame intact
        table: pd.DataFrame = self._table.copy(deep=False)
        return table

    def table_unmasked(self) -> pd.DataFrame:
        """The table with identifiers (and the reasons quoting them) in clear.

        Keep it out of saved notebooks.
        """
        return self._rows(slice(None), unmasked=True)

    @property
    def results(self) -> pd.DataFrame:
        """A look-up's answers, one row per input row with the input's index (no columns
        for a send): ``df.join(report.results)`` puts them beside the data."""
        if self._results is None:
            none: pd.DataFrame = pd.DataFrame(index=self._index)
            return none
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
        found = np.bincount(self._outcomes.codes, minlength=len(STATUSES) + 1)
        return StatusCounts({s: int(found[CODES[s]]) for s in STATUSES})

    @property
    def ok(self) -> bool:
        """True when the input was read to its end and every row was sent, skipped, or
        (dry run) would be sent."""
        finished = self.unfinished is None
        return finished and all(n == 0 for s, n in self.counts.items() if s not in DONE)

    @cached_property
    def _retry_mask(self) -> np.ndarray:
        settled = np.zeros(len(STATUSES) + 1, dtype=bool)
        settled[[CODES[s] for s in DONE | PENDING]] = True
        mask: np.ndarray = ~settled[self._outcomes.codes]
        return mask

    @property
    def to_retry(self) -> pd.DataFrame:
        """The input rows that need another go, input columns and index unchanged.

        Rows that are invalid, rejected, failed, unknown or not sent. Fix them
        and pass this frame to the same send call again; ``unknown`` rows are
        not sent again unless ``resend="unknown"``: check those people first.
        ``submitted`` rows are not here: Attentive has them (see :meth:`refresh`).
        """
        if self._data is not None:
            rows: pd.DataFrame = self._data.iloc[self._retry_mask]
            return rows
        if self._kept is None:
            nothing: pd.DataFrame = pd.DataFrame(index=self._index[:0])
            return nothing
        positions, frame = self._kept
        kept: pd.DataFrame = frame.iloc[self._retry_mask[positions]]
        return kept

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
        positions = np.flatnonzero(self._retry_mask)
        if self._data is None and self._kept is not None:
            positions = np.intersect1d(positions, self._kept[0])
        rows = self._outcomes.take(positions)
        for name in ("status", "reason"):
            out[_free_name(name, out.columns)] = np.asarray(rows[name])
        return out

    @cached_property
    def reasons(self) -> pd.DataFrame:
        """Every reason group: ``status``, ``reason`` (quoted values stripped), ``rows``.

        An invalid row with several reasons counts once under each of them.
        """
        outcomes = self._outcomes
        pairs = outcomes.codes.astype(np.int64) << 32 | outcomes.reason_codes
        distinct, rows = np.unique(pairs, return_counts=True)
        status = pd.Series(_STATUS_NAMES[distinct >> 32], dtype="str")
        reason = pd.Series(outcomes.strings.decoded(distinct & 0xFFFFFFFF), dtype="str")
        return group_reasons(status, reason, STATUSES, rows)

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

    def _replace(self, outcomes: Moved | list[RowOutcome]) -> None:
        """Put newer outcomes in place of the rows' earlier ones; cached views are rebuilt."""
        moved = outcomes if isinstance(outcomes, Moved) else Moved.of(outcomes)
        if not len(moved):
            return
        if len(moved.positions) and (
            moved.positions.min() < 0 or moved.positions.max() >= len(self)
        ):
            raise ValueError("a refreshed outcome names a row position out of range")
        self._outcomes.put(moved)
        for cached in ("_cached_table", "counts", "_retry_mask", "reasons", "summary"):
            self.__dict__.pop(cached, None)

    def to_csv(self, path: str | Path, *, unmasked: bool = False, raw: bool = False) -> SavedCsv:
        """Write the table (masked unless ``unmasked=True``) with its index; returns the path.

        A cell that a spreadsheet would run as a formula (it starts with ``=``,
        ``+``, ``-``, ``@``, a tab or a carriage return; a ``+1…`` phone number
        too) is written with a leading ``'``, as OWASP recommends; ``raw=True``
        writes every value as it is. The table itself is never changed. The
        path returned says what was saved when shown (``Saved 18 rows to …``).
        """
        written = write_csv_slices(self.slices(unmasked=unmasked), path, raw=raw)
        return SavedCsv.of(written, len(self), masked=not unmasked)

    def to_parquet(self, path: str | Path, *, unmasked: bool = False) -> SavedCsv:
        """Write the table (masked unless ``unmasked=True``) to a Parquet file, slice by slice.

        Needs pyarrow (``pip install 'attentive_nb[parquet]'``). Values are written as
        they are (Parquet is read by programs, not run by spreadsheets), with the index.
        """
        written = write_parquet_slices(self.slices(unmasked=unmasked), path)
        return SavedCsv.of(written, len(self), masked=not unmasked)

    def __repr__(self) -> str:
        return text_summary(self)

    def _repr_html_(self) -> str:
        return render(self)
