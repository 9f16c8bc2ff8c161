"""Text and static HTML views of a SendReport.

The HTML is plain markup with inline styles (no script), so it survives saving
the notebook and renders on GitHub. Every value is escaped: row data comes from
the analyst's files and may hold anything, including ``<script>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Protocol

import pandas as pd

from attentive_nb.plan.model import kind_words
from attentive_nb.report.summary import StatusCounts, happened, rows_text, top_reasons

HEAD_ROWS = 20
MAX_NOTES = 20
MAX_CELL = 200
SANDBOX_BANNER = "Sandbox: nothing was sent to Attentive"

_BANNER_STYLE = "background:#fff3cd;border:1px solid #d4a000;padding:4px 8px;font-weight:bold"
_CELL_STYLE = "text-align:left;vertical-align:top"
#: A cell with a word this long (a bulk job's id) may break it anywhere, so the table fits a
#: laptop's notebook instead of scrolling sideways; shorter words are never broken.
_LONG_WORD = re.compile(r"\S{24,}")
_BREAKABLE_STYLE = _CELL_STYLE + ";overflow-wrap:anywhere;min-width:12em"


class ReportView(Protocol):
    """What these views read of a :class:`~attentive_nb.report.send_report.SendReport`.

    (send_report imports this module, so the class itself cannot be imported here.)
    """

    @property
    def kind(self) -> str: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def sandbox(self) -> bool: ...
    @property
    def company(self) -> str | None: ...
    @property
    def elapsed_s(self) -> float | None: ...
    @property
    def notes(self) -> list[str]: ...
    @property
    def unfinished(self) -> str | None: ...
    @property
    def counts(self) -> StatusCounts: ...
    @property
    def summary(self) -> pd.DataFrame: ...
    @property
    def reasons(self) -> pd.DataFrame: ...
    @property
    def columns(self) -> pd.DataFrame: ...
    def head(self, n: int) -> pd.DataFrame: ...
    @property
    def to_retry(self) -> pd.DataFrame: ...
    def __len__(self) -> int: ...


def _esc(value: object) -> str:
    """Escaped text of a cell, missing values blank, long values cut."""
    # pandas-stubs types isna for known scalars and arrays only; a cell may hold any object.
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    text = str(value)
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return html.escape(text, quote=True)


def text_summary(report: ReportView) -> str:
    """``<SendReport subscribe: 1,000 rows — sent 990, invalid 8, unknown 2>``."""
    flags = " (dry run)" if report.dry_run else ""
    flags += " [sandbox]" if report.sandbox else ""
    counts = happened(report.counts)
    tail = f" — {counts}" if counts else ""
    tail += "; input not read to its end" if report.unfinished else ""
    return f"<SendReport {report.kind}{flags}: {len(report):,} rows{tail}>"


def verdict(report: ReportView) -> str:
    """``Subscribers, 18 rows: sent 16, invalid 2 (a sandbox, not Attentive)``: one line."""
    counts = happened(report.counts)
    where = " (a sandbox, not Attentive)" if report.sandbox and not report.dry_run else ""
    return f"{_what(report)}, {rows_text(len(report))}{': ' + counts if counts else ''}{where}"


def _what(report: ReportView) -> str:
    words = kind_words(report.kind)
    return f"Dry run of {words}" if report.dry_run else words[0].upper() + words[1:]


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _need(n: int) -> str:
    return "needs" if n == 1 else "need"


def _heading(report: ReportView) -> str:
    who = f" to {report.company}" if report.company and not report.dry_run else ""
    took = f" in {report.elapsed_s:.1f} s" if report.elapsed_s is not None else ""
    return f"<p><strong>{_esc(_what(report) + who)}</strong>: {rows_text(len(report))}{took}</p>"


def _status_lines(report: ReportView) -> list[str]:
    """The one-line verdicts: dry run, and what needs doing next."""
    lines = []
    if report.dry_run:
        would = report.counts.get("would_send", 0)
        lines.append(f"<p>Dry run: nothing was sent. {rows_text(would)} would be sent.</p>")
    waiting = report.counts.get("submitted", 0)
    if waiting:
        lines.append(
            f"<p>{rows_text(waiting)} {_are(waiting)} in bulk jobs Attentive has not finished yet: "
            "<code>report.refresh()</code> asks again and shows their outcome.</p>"
        )
    if report.unfinished:
        lines.append(f"<p>The input was not read to its end: {_esc(report.unfinished)}.</p>")
    n_failed = len(report.to_retry)
    if n_failed:
        lines.append(
            f"<p>{rows_text(n_failed)} {_need(n_failed)} attention: <code>report.to_retry</code> "
            "holds them, with the input columns, ready to fix and send again.</p>"
        )
    return lines


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A plain table from already escaped cells."""
    head = "".join(f'<th style="{_CELL_STYLE}">{h}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_cell_style(c)}">{c}</td>' for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell_style(cell: str) -> str:
    return _BREAKABLE_STYLE if _LONG_WORD.search(cell) else _CELL_STYLE


def _summary_table(summary: pd.DataFrame, reasons: pd.DataFrame) -> str:
    def lines(status: str) -> str:
        return "<br>".join(_esc(line) for line in top_reasons(reasons, status))

    rows = (
        (_esc(r.status), f"{r.rows:,}", _esc(r.meaning), lines(str(r.status)))
        for r in summary.itertuples(index=False)
    )
    return _table(("status", "rows", "meaning", "top reasons"), rows)


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    items = [f"<li>{_esc(n)}</li>" for n in notes[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        items.append(f"<li>… {len(notes) - MAX_NOTES:,} more notes</li>")
    return "<p>Notes:</p><ul>" + "".join(items) + "</ul>"


def _head_table(head: pd.DataFrame, total: int) -> str:
    header = ["", *(_esc(c) for c in head.columns)]
    rows = (
        [_esc(label), *(_esc(v) for v in values)]
        for label, values in zip(head.index, head.itertuples(index=False, name=None))
    )
    shown = f"Showing the first {len(head):,} of {total:,} rows, identifiers masked; "
    return _table(header, rows) + f"<p>{shown}<code>report.table</code> has them all.</p>"


def _columns_table(columns: pd.DataFrame) -> str:
    """How each input column was read (a dry run shows it: the time to notice a mistake)."""
    if columns.empty:
        return ""
    rows = ([_esc(v) for v in values] for values in columns.itertuples(index=False, name=None))
    return "<p>How each column was read:</p>" + _table(columns.columns, rows)


def render(report: ReportView) -> str:
    """Static HTML: banner, verdict, summary, notes, columns (dry run), first rows (masked)."""
    banner = f'<div style="{_BANNER_STYLE}">{_esc(SANDBOX_BANNER)}</div>'
    parts = [
        banner if report.sandbox else "",
        _heading(report),
        *_status_lines(report),
        _summary_table(report.summary, report.reasons),
        _notes(report.notes),
        _columns_table(report.columns) if report.dry_run else "",
        _head_table(report.head(HEAD_ROWS), len(report)),
    ]
    return '<div class="attentive-nb-report">' + "".join(parts) + "</div>"
