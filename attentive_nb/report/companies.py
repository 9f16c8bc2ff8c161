"""One report for a send split by company: each company's :class:`SendReport`, side by side.

:class:`CompanyReport` keeps every part's report and the input rows' positions
in each, so its table and ``to_retry`` come back in the input's order with a
``company`` column; ``summary`` is rows per status per company, and
``reports[company_id]`` is that company's own report (its notes, its reasons).
A part that never ran (no company, refused, stopped) is a report of its own
whose rows are ``invalid`` or ``not_sent`` with the reason.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from attentive_nb.report.csv_out import SavedCsv, write_csv
from attentive_nb.report.rows import DONE, PENDING, STATUSES, RowOutcome
from attentive_nb.report.send_report import SendReport
from attentive_nb.report.summary import happened

NO_COMPANY = "no company"


def stopped_part(rows: pd.DataFrame, kind: str, status: str, reason: str) -> SendReport:
    """A part none of whose rows were sent: every row ``status`` with ``reason``."""
    outcomes = [RowOutcome(i, status, message=reason) for i in range(len(rows))]
    return SendReport(rows, None, outcomes, kind=kind)


class CompanyReport:
    """What happened to each row of a send split by company, in input order.

    ``parts`` maps a company id ("" for rows naming none) to its report and
    to the positions (0-based, in the input) of its rows.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        parts: Mapping[str, tuple[SendReport, Sequence[int]]],
        *,
        kind: str,
    ) -> None:
        self.kind = kind
        self._data = data
        self.reports = {company: report for company, (report, _) in parts.items()}
        self._positions = {
            company: np.asarray(pos, dtype=np.intp) for company, (_, pos) in parts.items()
        }
        covered = np.concatenate([*self._positions.values(), np.empty(0, np.intp)])
        if sorted(covered.tolist()) != list(range(len(data))):
            raise ValueError("the parts must hold every input row exactly once")

    def __len__(self) -> int:
        return len(self._data)

    def _ordered(self, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """The parts' frames (one row per part row) as one, input order, input index."""
        pieces, order = [], []
        for company, frame in frames.items():
            piece = frame.reset_index(drop=True)
            piece.insert(0, "company", company)
            pieces.append(piece)
            order.append(self._positions[company])
        if not pieces:
            empty: pd.DataFrame = pd.DataFrame({"company": []}, index=self._data.index[:0])
            return empty
        whole = pd.concat(pieces, ignore_index=True)
        where = np.empty(len(whole), dtype=np.intp)
        where[np.concatenate(order)] = np.arange(len(whole))
        ordered: pd.DataFrame = whole.iloc[where].set_axis(self._data.index)
        return ordered

    @property
    def table(self) -> pd.DataFrame:
        """One row per input row, input index, ``company`` first, identifiers masked."""
        return self._ordered({c: r.table for c, r in self.reports.items()})

    def table_unmasked(self) -> pd.DataFrame:
        """The table with identifiers in clear: keep it out of saved notebooks."""
        return self._ordered({c: r.table_unmasked() for c, r in self.reports.items()})

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status over every company, every status present."""
        return {s: sum(r.counts[s] for r in self.reports.values()) for s in STATUSES}

    @property
    def ok(self) -> bool:
        return all(n == 0 for s, n in self.counts.items() if s not in DONE)

    @property
    def summary(self) -> pd.DataFrame:
        """Rows per status (columns) for each company (rows), and ``total``."""
        frame = pd.DataFrame(
            {c: r.counts for c, r in self.reports.items()}, index=list(STATUSES)
        ).T.astype("int64")
        frame = frame.loc[:, frame.sum() > 0]
        frame["total"] = frame.sum(axis=1)
        frame.index.name = "company"
        named: pd.DataFrame = frame.rename(index={"": NO_COMPANY})
        return named

    @property
    def to_retry(self) -> pd.DataFrame:
        """The input rows that need another go, in input order, the company column kept."""
        keep = np.zeros(len(self._data), dtype=bool)
        for company, report in self.reports.items():
            needs = ~report.table["status"].isin(DONE | PENDING).to_numpy()
            keep[self._positions[company][needs]] = True
        rows: pd.DataFrame = self._data.iloc[keep]
        return rows

    def to_csv(self, path: str | Path, *, unmasked: bool = False, raw: bool = False) -> SavedCsv:
        """Write the table (masked unless ``unmasked=True``), formulas neutralised."""
        table = self.table_unmasked() if unmasked else self.table
        return SavedCsv.of(write_csv(table, path, raw=raw), len(table), masked=not unmasked)

    def __repr__(self) -> str:
        return (
            f"<CompanyReport {self.kind}: {len(self):,} rows, "
            f"{len(self.reports)} companies — {happened(self.counts)}>"
        )

    def _repr_html_(self) -> str:
        return f"<div><b>{html.escape(repr(self))}</b>{self.summary.to_html()}</div>"
