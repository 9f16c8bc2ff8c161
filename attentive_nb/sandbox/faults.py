"""Seeded fault injection: latency, 500/503 answers, resets and slow answers.

One ``random.Random(seed)`` per sandbox draws, for every API request in the
order requests arrive, whether it fails and how. With the same seed and the
same sequence of requests the same faults happen, so a test can replay them.
The settings are plain attributes: tests switch faults on and off mid-test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: The results file's message for a member ``Faults.reject_members`` names.
REJECTED_MEMBER = "Member not processed: injected sandbox fault (reject_members)"


@dataclass
class Faults:
    """Fault settings; change them at any time (``sb.faults.error_rate = 0.5``).

    - ``latency_ms`` + up to ``jitter_ms``: added before every API answer.
    - ``error_rate``: share of requests answered 500 or 503 (one of
      ``error_statuses``) before anything is processed.
    - ``reset_rate``: share of requests whose connection is reset with no
      answer; ``reset_after=True`` (default) processes the request first, so
      the effect happens but the answer is lost; False resets before.
    - ``slow_rate``: share of requests processed, then answered only after
      ``slow_seconds`` (past a client's timeout). The wait is asynchronous.
    - ``endpoints``: when set, the names (``"subscribe"``, ``"purchase"``, see
      ``attentive_nb.endpoints``) whose requests get these faults; the others
      only get the latency. None: every endpoint.
    - ``fail_bulk_jobs``: every v2 bulk job ends ``FAILED`` (nothing applied).
    - ``bulk_results_status``: when set, the bulk results download answers this
      status (e.g. 500) instead of the file.
    - ``reject_members``: identifiers (emails, phones, client user ids); a segment
      member naming one of them, in a members job submitted while it is set, ends
      ``FAILED`` in the results file (:data:`REJECTED_MEMBER`) and is not applied.
    - ``shuffle_bulk_results``: jobs that run while it is set list their result
      lines in a shuffled order (Attentive documents no order).
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    reset_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 5.0
    reset_after: bool = True
    error_statuses: tuple[int, ...] = (500, 503)
    endpoints: frozenset[str] | None = None
    fail_bulk_jobs: bool = False
    bulk_results_status: int | None = None
    shuffle_bulk_results: bool = False
    reject_members: frozenset[str] = frozenset()
    seed: int | None = None
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def draw(self, endpoint: str | None = None) -> tuple[str | None, float]:
        """Choose this request's fault (None, "error:500", "reset", "slow") and delay (s)."""
        roll, jitter = self.rng.random(), self.rng.random()
        delay = (self.latency_ms + jitter * self.jitter_ms) / 1000.0
        if self.endpoints is not None and endpoint not in self.endpoints:
            return None, delay
        if roll < self.error_rate:
            return f"error:{self.error_statuses[int(jitter * len(self.error_statuses))]}", delay
        roll -= self.error_rate
        if roll < self.reset_rate:
            return "reset", delay
        if roll - self.reset_rate < self.slow_rate:
            return "slow", delay
        return None, delay
