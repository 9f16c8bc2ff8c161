"""A streamed run's notes: each chunk's plan says its own, and the report says each once.

A chunk's note that another chunk said in other numbers ("19 rows repeat a person…",
"39 rows repeat a person…") is one note: when it starts with a count, the counts are
added up ("58 rows repeat a person…"); otherwise the first chunk's words are kept and
the chunks that said it counted. Notes are told apart by their words with the numbers
(and the plural's ``s``) left out, so "1 row repeats" and "2 rows repeat" are one note.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d[\d,]*")
_LEADING = re.compile(r"^(\d[\d,]*)(?=\s)")
_PLURAL_S = re.compile(r"s\b")


def _template(note: str) -> str:
    return _PLURAL_S.sub("", _NUMBER.sub("#", note))


class _Said:
    """One note as the chunks said it: its words, how many chunks, the counts added."""

    def __init__(self, note: str) -> None:
        self.words, self.chunks, self.count = note, 0, 0
        self.alike = True  # every chunk said it in the same words

    def add(self, note: str) -> None:
        self.chunks += 1
        self.alike = self.alike and note == self.words
        leading = _LEADING.match(note)
        if leading is None:
            return
        count = int(leading.group(1).replace(",", ""))
        self.count += count
        if count != 1:  # a plural's words serve any total above one
            self.words = note

    def text(self) -> str:
        if self.alike:
            return self.words
        leading = _LEADING.match(self.words)
        if leading is None:
            return f"{self.words} (said of {self.chunks:,} chunks)"
        if self.count != 1 and leading.group(1) == "1":  # no plural's words to count in
            return f"{self.words} (said of {self.chunks:,} chunks: {self.count:,} in all)"
        return _LEADING.sub(f"{self.count:,}", self.words, count=1)


class ChunkNotes:
    """Every chunk's notes, each said once (see the module's docstring), in first-said order."""

    def __init__(self) -> None:
        self._said: dict[str, _Said] = {}

    def add(self, notes: list[str]) -> list[str]:
        """A chunk's notes added; the notes of the stream so far."""
        for note in dict.fromkeys(notes):  # a note twice in one chunk is said once
            said = self._said.setdefault(_template(note), _Said(note))
            said.add(note)
        return [said.text() for said in self._said.values()]
