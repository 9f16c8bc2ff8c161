"""The progress bar of a send: tqdm.auto (a widget in JupyterLab, text elsewhere).

Shows rows/s and the ETA, and says when the rate governor is holding the
send back, and why, so a slow run never looks stuck.
"""

from __future__ import annotations

from typing import Any


class Progress:
    """A thin wrapper over tqdm that does nothing when disabled."""

    def __init__(self, total: int, kind: str, governor: Any, *, enabled: bool = True) -> None:
        self._governor = governor
        self._bar = None
        if enabled and total:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total, desc=f"Sending {kind}", unit="rows", dynamic_ncols=True, leave=True
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
