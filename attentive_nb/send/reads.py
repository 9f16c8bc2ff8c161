"""Look-ups go through the same engine as sends, with nothing written to the ledger.

A look-up (``GET``) changes nothing at Attentive: there is nothing a second
copy could do twice, so nothing to claim before it leaves and no outcome to
remember. :data:`NOT_RECORDED` stands in for the ledger run: it lets every
request go and records nothing, and no ledger file is opened for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from attentive_nb.send.ledger import Seen, Verdict

_SEND = Verdict(True)


class NotRecorded:
    """A run the ledger never sees: every request is sent, no claim or outcome is written."""

    def claim(
        self,
        keys: Sequence[str],
        decide: Callable[[Seen], Verdict],
        max_claims: int,
        people: object = None,
        every: bool = False,
    ) -> list[Verdict]:
        """Every key is sent, up to ``max_claims`` of them (the engine's room)."""
        return [_SEND] * min(len(keys), max_claims)

    def settle(self, keys: str | Sequence[str], state: str) -> None:
        """Nothing to remember: a look-up can be asked again at any time."""

    def release(self, keys: Sequence[str]) -> None:
        """Nothing was claimed."""

    def record(self, outcomes: Sequence[tuple[Sequence[str], str | None]]) -> None:
        """Nothing to remember, nothing claimed."""

    def heartbeat(self) -> None:
        """No other run needs to know this one is alive."""

    def finish(self) -> None:
        """Nothing to close."""

    def __repr__(self) -> str:
        return "NotRecorded()"


NOT_RECORDED = NotRecorded()
