"""The progress bar of a send: tqdm.auto (a widget in JupyterLab, text elsewhere).

Shows rows/s and the ETA, and says when the rate governor is holding the
send back, and why, so a slow run never looks stuck. Its text is cleaned of
escape sequences and control characters (a terminal would act on them), and
reaches the notebook widget only through tqdm's escaping: tqdm writes the
description given to its constructor into the widget's HTML as it is, so the
description is set after construction, where tqdm escapes it.
"""

from __future__ import annotations

from typing import Any

from attentive_nb.controls import clean


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
            total=self._total, initial=done, unit="rows", dynamic_ncols=True, leave=True
        )
        self._bar.set_description_str(clean(self._label, keep=""))

    def advance(self, rows: int) -> None:
        if self._bar is None:
            return
        self._bar.update(rows)
        reason = getattr(self._governor, "waiting_reason", None)
        self._bar.set_postfix_str(clean(reason or "", keep=""), refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
