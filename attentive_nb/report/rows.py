"""Row outcomes: the statuses, one row's outcome, and every row's outcomes as columns.

The engine yields one :class:`RowOutcome` per row as answers come; rows
settled without a request (invalid ones, a dry run's) are set many at a time.
:class:`Outcomes` keeps them as columns, so a million-row report costs a few
array operations, and refuses a row set twice or a status outside the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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


class Outcomes:
    """Every row's outcome as columns, filled a row or many rows at a time, each row once."""

    def __init__(self, n: int) -> None:
        self.status = np.full(n, None, dtype=object)
        self.http_status = np.full(n, np.nan)
        self.reason = np.full(n, "", dtype=object)
        self.attempts = np.zeros(n, dtype=np.int64)
        self.latency_ms = np.full(n, np.nan)
        self.answers: dict[int, Any] = {}  # a look-up's answers, by row position

    def __len__(self) -> int:
        return len(self.status)

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
        if not 0 <= p < len(self) or self.status[p] is not None:
            raise ValueError(f"outcome for row position {p} is out of range or repeated")
        self.status[p] = record.status
        self.reason[p] = record.message or ""
        self.attempts[p] = record.attempts
        if record.http_status is not None:
            self.http_status[p] = record.http_status
        if record.latency_ms is not None:
            self.latency_ms[p] = record.latency_ms
        if record.answer is not None:
            self.answers[p] = record.answer

    def add_many(
        self, positions: Sequence[int] | np.ndarray, status: str, reasons: Sequence[str] = ()
    ) -> None:
        """The same status for many rows (with a reason each, when given)."""
        where = np.asarray(positions, dtype=np.intp)
        if len(where) and (self.status[where] != None).any():  # noqa: E711 (elementwise)
            raise ValueError("outcome for a row position given twice")
        self.status[where] = status
        if len(reasons):
            self.reason[where] = np.asarray(reasons, dtype=object)

    def remark(self, position: int, remark: str) -> None:
        """Add a remark after a row's reason."""
        reason = self.reason[position]
        self.reason[position] = f"{reason}; {remark}" if reason else remark

    def columns(self) -> tuple[np.ndarray, ...]:
        """The arrays of ``TABLE_COLUMNS``: status, http status, reason, attempts, latency."""
        return self.status, self.http_status, self.reason, self.attempts, self.latency_ms

    def check(self) -> None:
        """Every row has an outcome, and every status is in the vocabulary."""
        missing = np.flatnonzero(self.status == None)  # noqa: E711 (elementwise)
        if len(missing):
            raise ValueError(f"no outcome for row positions {missing[:5].tolist()} (first shown)")
        unknown = set(np.unique(self.status.astype(str))) - set(STATUSES)
        if unknown:
            raise ValueError(f"unknown statuses {sorted(unknown)}; expected one of {STATUSES}")
