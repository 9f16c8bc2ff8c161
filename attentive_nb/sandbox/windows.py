"""Per-token, per-endpoint request counting in one-second windows.

Attentive allows each access token a number of requests per second per
endpoint (``attentive_nb.endpoints``); past it the answer is 429. Every API
answer carries ``x-ratelimit-limit`` and ``x-ratelimit-remaining``. The clock
is injected, so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    """The outcome of counting one request."""

    allowed: bool
    limit: int
    remaining: int


def scaled_limit(documented: float, scale: float) -> int:
    """The limit the sandbox enforces: the documented one times ``scale``, at least 1."""
    return max(1, round(documented * scale))


class WindowLimiter:
    """Counts requests per (token, endpoint) in fixed windows of one second.

    Windows start ``offset`` seconds after each whole second of the clock, so a
    client cannot assume they line up with its own seconds.
    """

    def __init__(self, clock: Callable[[], float], scale: float = 1.0, offset: float = 0.0) -> None:
        self.clock = clock
        self.scale = scale
        self.offset = offset
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def limit(self, documented: float) -> int:
        return scaled_limit(documented, self.scale)

    def take(self, token: str, endpoint: str, documented: float) -> Quota:
        """Count one request; ``allowed`` is False when the window is full (429)."""
        limit = self.limit(documented)
        window = math.floor(self.clock() - self.offset)
        with self._lock:
            start, used = self._windows.get((token, endpoint), (window, 0))
            if start != window:
                used = 0
            if used >= limit:
                return Quota(False, limit, 0)
            self._windows[(token, endpoint)] = (window, used + 1)
        return Quota(True, limit, limit - used - 1)

    def clear(self) -> None:
        """Forget every window (used by ``Sandbox.reset``)."""
        with self._lock:
            self._windows.clear()
