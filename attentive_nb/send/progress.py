"""The progress bar of a send: tqdm.auto (a widget in JupyterLab, text elsewhere).

Shows rows/s and the ETA, and says when the rate governor is holding the
send back, and why, so a slow run never looks stuck.
"""

from __future__ import annotations

from typing import Any


class Progress:
    """A thin wrapper over tqdm that does nothing when disabled, or until :meth:`start`.

    The bar is drawn when the first request is really sent, so a run whose
    rows were all sent before draws none (a full bar at thousands of rows a
    second would say something happened when nothing did).
    """

    def __init__(self, total: int, label: str, governor: Any, *, enabled: bool = True) -> None:
        self._governor = governor
        self._total, self._label, self._enabled = total, label, enabled
        self._bar: Any = None

    def start(self, done: int = 0) -> None:
        """Draw the bar, ``done`` rows (skipped before the first request) already counted."""
        if self._bar is not None or not (self._enabled and self._total):
            return
        from tqdm.auto import tqdm

        self._bar = tqdm(
            total=self._total,
            initial=done,
            desc=self._label,
            unit="rows",
            dynamic_ncols=True,
            leave=True,
        )

    def advance(self, rows: int) -> None:
        if self._bar is None:
            return
        self._bar.update(rows)
        reason = getattr(self._governor, "waiting_reason", None)
        self._bar.set_postfix_str(reason or "", refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
