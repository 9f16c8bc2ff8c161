"""Row outcomes: the statuses, one row's outcome, and every row's outcomes as columns.

The engine yields one :class:`RowOutcome` per row as answers come; rows
settled without a request (invalid ones, a dry run's) are set many at a time.
:class:`Outcomes` keeps them as small code columns and shared strings (13 bytes
a row), so a ten-million-row report costs a few array operations and no Python
object per row, and refuses a row set twice or a status outside the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

STATUSES = (
    "sent",
    "invalid",
    "rejected",
    "failed",
    "unknown",
    "skipped",
    "submitted",
    "not_sent",
    "would_send",
)
#: Statuses that need nothing more from the analyst.
DONE = frozenset({"sent", "skipped", "would_send"})
#: Statuses whose outcome Attentive has yet to give: nothing to fix, ``refresh()`` follows up.
PENDING = frozenset({"submitted"})


@dataclass(frozen=True)
class RowOutcome:
    """How one input row (by 0-based position) ended; ``message`` is the API's or ours.

    ``answer`` is a look-up's 2xx body (what Attentive knows of the person),
    turned into the report's result columns; sends leave it None.
    """

    position: int
    status: str
    http_status: int | None = None
    message: str = ""
    attempts: int = 0
    latency_ms: float | None = None
    answer: Any = field(default=None, repr=False, compare=False)  # may hold personal data


#: A status's code in :class:`Outcomes` (0: no outcome yet).
CODES = {status: i + 1 for i, status in enumerate(STATUSES)}
_NAMES = np.array([None, *STATUSES], dtype=object)
_NO_HTTP = 0  # http status 0: none (an answer never has it)
_NO_LATENCY = -1  # latency in tenths of a millisecond; -1: none
_MOST_ATTEMPTS = 127  # int8: retries stop long before
_FEW_REASONS = np.iinfo(np.uint16).max  # reason codes are uint16 up to here, then int32


class Strings:
    """Shared strings: each distinct text once, rows hold its code (0 is ``""``)."""

    def __init__(self) -> None:
        self.texts: list[str] = [""]
        self._codes: dict[str, int] = {"": 0}

    def code(self, text: str) -> int:
        found = self._codes.get(text)
        if found is None:
            found = self._codes[text] = len(self.texts)
            self.texts.append(text)
        return found

    def codes(self, texts: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.code(t or "") for t in texts), dtype=np.int32, count=len(texts))

    def decoded(self, codes: np.ndarray) -> np.ndarray:
        """The texts of ``codes`` as an object array (shared str objects, not copies)."""
        table = np.array(self.texts, dtype=object)
        out: np.ndarray = table[codes]
        return out


class _StatusView:
    """``outcomes.status``: the statuses read as text, a row or a few at a time."""

    def __init__(self, codes: np.ndarray) -> None:
        self._codes = codes

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, where: Any) -> Any:
        return _NAMES[self._codes[where]]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        names: np.ndarray = _NAMES[self._codes]
        return names.astype(dtype) if dtype else names


class Outcomes:
    """Every row's outcome as small columns, filled a row or many rows at a time, each row once.

    A row costs 10 bytes: its status as a one-byte code, its http status (int16,
    0 for none), its reason as a code into :class:`Strings` shared by every row
    (most rows share a few reasons: uint16, widened to int32 past 65,535 texts, as
    a bulk load's one reason a job may be), its attempts (int8) and its latency in
    tenths of a millisecond (int32, -1 for none). No Python object per row.
    """

    def __init__(self, n: int, strings: Strings | None = None) -> None:
        self.codes = np.zeros(n, dtype=np.uint8)
        self.http = np.zeros(n, dtype=np.int16)
        self.reason_codes: np.ndarray = np.zeros(n, dtype=np.uint16)
        self.attempts = np.zeros(n, dtype=np.int8)
        self.latency = np.full(n, _NO_LATENCY, dtype=np.int32)
        self.strings = strings or Strings()
        self.answers: dict[int, Any] = {}  # a look-up's answers, by row position

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def status(self) -> _StatusView:
        """The statuses as text: ``outcomes.status[p]`` is row ``p``'s (None: not yet set)."""
        return _StatusView(self.codes)

    @classmethod
    def of(cls, records: Iterable[RowOutcome], n: int) -> Outcomes:
        """The columns of ``n`` rows from one outcome per row."""
        outcomes = cls(n)
        for record in records:
            outcomes.add(record)
        return outcomes

    def add(self, record: RowOutcome) -> None:
        """One row's outcome; a position out of range or set before raises ValueError."""
        p = record.position
        if not 0 <= p < len(self) or self.codes[p]:
            raise ValueError(f"outcome for row position {p} is out of range or repeated")
        self.codes[p] = _code(record.status)
        self.set_reasons(p, self.strings.code(record.message or ""))
        self.attempts[p] = min(record.attempts, _MOST_ATTEMPTS)
        if record.http_status is not None:
            self.http[p] = record.http_status
        if record.latency_ms is not None:
            self.latency[p] = round(record.latency_ms * 10)
        if record.answer is not None:
            self.answers[p] = record.answer

    def add_many(
        self, positions: Sequence[int] | np.ndarray, status: str, reasons: Sequence[str] = ()
    ) -> None:
        """The same status for many rows (with a reason each, when given)."""
        where = np.asarray(positions, dtype=np.intp)
        if len(where) and self.codes[where].any():
            raise ValueError("outcome for a row position given twice")
        self.codes[where] = _code(status)
        if len(reasons):
            self.set_reasons(where, self.strings.codes(reasons))

    def set_reasons(self, where: Any, codes: int | np.ndarray) -> None:
        """Rows ``where`` take reason ``codes`` (the column widened first if they need it)."""
        # One row's code is an int: compared as one (np.max a row was a tenth of a bulk
        # send's main thread, a row at a time).
        widest = codes if isinstance(codes, int) else np.max(codes, initial=0)
        if widest > _FEW_REASONS and self.reason_codes.dtype != np.int32:
            self.reason_codes = self.reason_codes.astype(np.int32)
        self.reason_codes[where] = codes

    def reason(self, position: int) -> str:
        return self.strings.texts[int(self.reason_codes[position])]

    def remark(self, position: int, remark: str) -> None:
        """Add a remark after a row's reason."""
        reason = self.reason(position)
        self.set_reasons(position, self.strings.code(f"{reason}; {remark}" if reason else remark))

    def grow(self, n: int) -> None:
        """``n`` more rows, without outcomes yet (a stream's length comes late).

        Each column is resized in place when nothing else holds it (a large one is
        remapped, not copied, so a stream's outcomes are never held twice); a column
        with a view taken of it is copied instead (the view stays valid).
        """
        for name in ("codes", "http", "reason_codes", "attempts", "latency"):
            size = len(getattr(self, name))
            try:
                getattr(self, name).resize(size + n, refcheck=True)  # zero-filled
            except ValueError:  # referenced elsewhere: resizing would pull it from under them
                column = getattr(self, name)
                setattr(self, name, np.concatenate([column, np.zeros(n, dtype=column.dtype)]))
            if name == "latency":
                self.latency[size:] = _NO_LATENCY

    def place(self, start: int, part: Outcomes) -> None:
        """The rows of ``part`` as this one's rows from ``start`` (its reasons re-coded).

        Rows of ``part`` past this one's end are left out.
        """
        n = max(0, min(len(part), len(self) - start))
        end = start + n
        self.codes[start:end] = part.codes[:n]
        self.http[start:end] = part.http[:n]
        self.attempts[start:end] = part.attempts[:n]
        self.latency[start:end] = part.latency[:n]
        recode = self.strings.codes(part.strings.texts)
        self.set_reasons(slice(start, end), recode[part.reason_codes[:n]])
        self.answers.update({p + start: a for p, a in part.answers.items() if p < n})

    def copy_rows(self, to: np.ndarray, source: np.ndarray) -> None:
        """Rows ``to`` take the outcomes of rows ``source`` (a row carried by an earlier one)."""
        for column in (self.codes, self.http, self.reason_codes, self.attempts, self.latency):
            column[to] = column[source]
        for later, first in zip(to.tolist(), source.tolist()):  # a look-up's one answer
            if first in self.answers:
                self.answers[later] = self.answers[first]

    def take(self, positions: np.ndarray | slice) -> dict[str, Any]:
        """The report's columns for some rows: status, http_status, reason, attempts, latency."""
        http = self.http[positions]
        latency = self.latency[positions]
        return {
            "status": pd.array(_NAMES[self.codes[positions]], dtype="str"),
            "http_status": pd.arrays.IntegerArray(http.astype(np.int64), http == _NO_HTTP),
            "reason": pd.array(self.strings.decoded(self.reason_codes[positions]), dtype="str"),
            "attempts": self.attempts[positions].astype(np.int64),
            "latency_ms": np.where(latency == _NO_LATENCY, np.nan, latency / 10),
        }

    def put(self, moved: Moved) -> None:
        """The rows ``moved`` names take its outcomes (a refresh), whatever they were."""
        positions, newer = moved.positions, moved.outcomes
        self.codes[positions] = newer.codes
        self.http[positions] = newer.http
        self.attempts[positions] = newer.attempts
        self.latency[positions] = newer.latency
        recode = self.strings.codes(newer.strings.texts)
        self.set_reasons(positions, recode[newer.reason_codes])

    @classmethod
    def joined(cls, parts: Sequence[Outcomes]) -> Outcomes:
        """The rows of ``parts`` one after another (each part's reasons re-coded)."""
        out = cls(sum(len(part) for part in parts))
        start = 0
        for part in parts:
            out.place(start, part)
            start += len(part)
        return out

    def check(self) -> None:
        """Every row has an outcome (statuses are checked as they are set)."""
        missing = np.flatnonzero(self.codes == 0)
        if len(missing):
            raise ValueError(f"no outcome for row positions {missing[:5].tolist()} (first shown)")


class Moved(NamedTuple):
    """Newer outcomes of some rows (a refresh): row ``positions[i]`` takes ``outcomes``' row i.
    Columns, not an object a row: a refresh of a 10,000,000-row bulk load moves them all."""

    positions: np.ndarray
    outcomes: Outcomes

    @classmethod
    def of(cls, records: Sequence[RowOutcome]) -> Moved:
        """The rows of one outcome each (in any order)."""
        outcomes = Outcomes(len(records))
        for i, record in enumerate(records):
            outcomes.add(
                RowOutcome(
                    i,
                    record.status,
                    record.http_status,
                    record.message,
                    record.attempts,
                    record.latency_ms,
                )
            )
        positions = np.fromiter((r.position for r in records), dtype=np.intp, count=len(records))
        return cls(positions, outcomes)

    @classmethod
    def joined(cls, parts: Sequence[Moved]) -> Moved:
        if not parts:
            return cls(np.zeros(0, dtype=np.intp), Outcomes(0))
        positions = np.concatenate([part.positions for part in parts])
        return cls(positions, Outcomes.joined([part.outcomes for part in parts]))

    def __len__(self) -> int:
        return len(self.positions)


def codes_of(statuses: Sequence[str]) -> np.ndarray:
    """The status code of each of ``statuses`` (ValueError for one outside the list)."""
    return np.fromiter((_code(s) for s in statuses), dtype=np.uint8, count=len(statuses))


def _code(status: str) -> int:
    code = CODES.get(status)
    if code is None:
        raise ValueError(f"unknown statuses [{status!r}]; expected one of {STATUSES}")
    return code
