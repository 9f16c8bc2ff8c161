"""A check's answer, in words: done or not yet, and what the sandbox saw."""

from __future__ import annotations

import html
from dataclasses import dataclass

_COLOURS = {True: "#1b5e20", False: "#8a5300"}
_STYLE = "border-left:4px solid {c};padding:4px 10px;margin:4px 0;background:#fafafa"


@dataclass(frozen=True)
class Verdict:
    """Whether an exercise is done, said as a sentence about what arrived at the sandbox."""

    exercise: str
    done: bool
    says: str

    @property
    def word(self) -> str:
        return "done" if self.done else "not yet"

    def __repr__(self) -> str:
        return f"Exercise {self.exercise}, {self.word}: {self.says}"

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.done]
        mark = "&#10004;" if self.done else "&#8230;"
        return (
            f'<div class="attentive-check" style="{_STYLE.format(c=colour)}">'
            f'<strong style="color:{colour}">{mark} Exercise {html.escape(self.exercise)}, '
            f"{self.word}</strong>: {html.escape(self.says)}</div>"
        )


def done(exercise: str, says: str) -> Verdict:
    return Verdict(exercise, True, says)


def not_yet(exercise: str, says: str) -> Verdict:
    return Verdict(exercise, False, says)
