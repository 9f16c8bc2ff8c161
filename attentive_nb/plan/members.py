"""Segment members' requests built a chunk at a time, column by column.

The general path of :meth:`Plan.requests` builds each unit's payload, writes
it as canonical JSON and hashes it, one unit at a time: about 10 µs a
member, so 10 s for a million. Members are simple enough to do per column:
every member is an object of at most three text fields (``clientUserId``,
``email``, ``phone``: canonical JSON sorts them so), and the members of a
chunk that give the same fields share one template. The texts are exactly
what :func:`~attentive_nb.plan.model.canonical_json` writes, so each
member's ledger key (sha256 of the key name and the text) is the one earlier
versions wrote and a re-run of an unchanged frame still sends nothing.
``tests/unit/test_plan_segments_fast.py`` holds both paths to the same outcome.

No two members share a text: rows sharing an identifier are one unit
(:mod:`~attentive_nb.plan.merge`), so the general path's numbering of
identical requests never applies here.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from json.encoder import encode_basestring

import numpy as np
import pandas as pd

from attentive_nb.plan.model import Payload, Request, Unit
from attentive_nb.plan.prepare import Rows

# What canonical JSON (ensure_ascii=False) escapes in a string: quote, backslash, controls.
_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def chunked(
    rows: Rows,
    firsts: np.ndarray,
    together: dict[int, Unit],
    names: Sequence[str],
    key_name: str,
    merged_payload: Callable[[Unit], Payload],
) -> Callable[[int], Iterator[list[Request]]]:
    """``Plan._chunked`` for members: ``names`` in payload order, ``firsts`` the units' first rows.

    ``together`` maps a merged unit's first row to its rows (their payload is
    ``merged_payload(unit)``); every other unit is its first row alone.
    """
    prefix = (key_name + "\n").encode("utf-8")
    columns = [(name, rows.ids[name]) for name in names]

    def chunks(chunk_size: int) -> Iterator[list[Request]]:
        step = max(1, int(chunk_size))
        # Once for the whole plan rather than per chunk: the fields each unit's first
        # row gives, and which columns hold any text JSON must escape (a merged unit
        # takes its values from the same columns, so the flags hold for it too).
        shapes = _shapes([column[firsts] for _, column in columns])
        raw = [not _ESCAPED.search("".join(_present(column))) for _, column in columns]
        for start in range(0, len(firsts), step):
            stop = start + step
            with _no_collection():
                made = _chunk(
                    firsts[start:stop],
                    shapes[start:stop],
                    (columns, raw, prefix),
                    together,
                    merged_payload,
                )
            yield made

    return chunks


def _present(column: np.ndarray) -> Iterator[str]:
    """The column's values, blanks (None) left out: the text they all are.

    ``filter(None, ...)`` drops empty texts too, which hold nothing to escape; it
    runs in C, a third of a comprehension testing ``is not None``.
    """
    return filter(None, column.tolist())


def _shapes(values: list[np.ndarray]) -> np.ndarray:
    """Which fields each member gives, as bits (bit ``k``: ``values[k]`` is not blank)."""
    shape = np.zeros(len(values[0]) if values else 0, dtype=np.int64)
    for bit, column in enumerate(values):
        shape |= (~pd.isna(column)).astype(np.int64) << bit
    return shape


@contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector held off while a chunk's objects are made.

    A chunk makes tens of thousands of tuples and dicts, none in a cycle; each
    allocation burst sets off collections that walk every object alive (the
    plan's million-row columns among them): two thirds of making the Requests.
    Whoever found it on turns it back on, so threads doing the same end with it on.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


_Columns = tuple[list[tuple[str, np.ndarray]], list[bool], bytes]  # columns, raw flags, key prefix


def _chunk(
    firsts: np.ndarray,
    shape: np.ndarray,
    columns: _Columns,
    together: dict[int, Unit],
    merged_payload: Callable[[Unit], Payload],
) -> list[Request]:
    """The Requests of the units starting at ``firsts`` (``shape``: their fields), in order."""
    named, raw, prefix = columns
    values = {name: column[firsts] for name, column in named}  # copies: merged rows change them
    units: list[Unit] = list(zip(firsts.tolist()))  # one-row units, made in C
    merged = np.flatnonzero(np.isin(firsts, list(together))) if together else ()
    if len(merged):
        shape = shape.copy()
    for i in merged:
        unit = together[int(firsts[i])]
        units[i] = unit
        payload = merged_payload(unit)
        bits = 0
        for bit, name in enumerate(values):
            values[name][i] = value = payload.get(name)
            bits |= (value is not None) << bit
        shape[i] = bits
    codes = np.unique(shape).tolist()
    if len(codes) == 1:  # the usual chunk: every member gives the same fields
        payloads, texts = _members(codes[0], values, raw, None)
    else:  # members giving different fields: each kind made apart, then put in place
        spread = np.empty((2, len(firsts)), dtype=object)
        for code in codes:
            at = np.flatnonzero(shape == code)
            spread[0, at], spread[1, at] = _members(code, values, raw, at)
        payloads, texts = spread.tolist()
    sha = hashlib.sha256
    keys = [sha(prefix + text.encode("utf-8")).hexdigest() for text in texts]
    new = tuple.__new__  # Request's own __new__ is a Python function: a million calls
    made = zip(units, payloads, keys, texts, repeat(()))
    return [new(Request, fields) for fields in made]


def _members(
    code: int, values: dict[str, np.ndarray], raw: list[bool], at: np.ndarray | None
) -> tuple[list[Payload], list[str]]:
    """The payloads and texts of the members giving the fields ``code`` names (all, or ``at``)."""
    given = [name for bit, name in enumerate(values) if code >> bit & 1]
    flags = [flag for bit, flag in enumerate(raw) if code >> bit & 1]
    picked = [(values[name] if at is None else values[name][at]).tolist() for name in given]
    return _payloads(given, picked), _texts(given, picked, flags)


def _payloads(given: list[str], picked: list[list[str]]) -> list[Payload]:
    """Members giving the fields ``given`` (in payload order), as dicts."""
    if not given:  # cannot happen (a member has an identifier): say so rather than send {}
        raise AssertionError("a segment member without an identifier")
    if len(given) == 1:
        (a,), (va,) = given, picked
        return [{a: x} for x in va]
    if len(given) == 2:
        (a, b), (va, vb) = given, picked
        return [{a: x, b: y} for x, y in zip(va, vb)]
    return [dict(zip(given, row)) for row in zip(*picked)]


def _texts(given: list[str], picked: list[list[str]], raw: list[bool] | None = None) -> list[str]:
    """The same members as canonical JSON: keys sorted, no spaces, strings escaped alike.

    ``raw[k]``: no value of ``picked[k]`` needs escaping (found out here when not
    given). The text between two values is one literal (``","email":"``: the
    closing quote, the next key, the opening quote), and a member is one f-string
    of them, a single allocation; a value needing escapes is escaped first (by
    ``encode_basestring``, its quotes taken off: the literals hold them).
    """
    if raw is None:
        raw = [not _ESCAPED.search("".join(column)) for column in picked]
    order = sorted(range(len(given)), key=lambda k: given[k])
    values = [
        picked[k] if raw[k] else [encode_basestring(v)[1:-1] for v in picked[k]] for k in order
    ]
    literals = ["{" + encode_basestring(given[order[0]]) + ':"']
    literals += ['","' + encode_basestring(given[k])[1:] + ':"' for k in order[1:]]
    literals.append('"}')
    if len(order) == 1:
        (va,), (h, t) = values, literals
        return [f"{h}{a}{t}" for a in va]
    if len(order) == 2:
        (va, vb), (h, m, t) = values, literals
        return [f"{h}{a}{m}{b}{t}" for a, b in zip(va, vb)]
    if len(order) == 3:
        (va, vb, vc), (h, m, n, t) = values, literals
        return [f"{h}{a}{m}{b}{n}{c}{t}" for a, b, c in zip(va, vb, vc)]
    return ["".join(_interleave(literals, vs)) for vs in zip(*values)]


def _interleave(literals: list[str], values: tuple[str, ...]) -> list[str]:
    """``literals[0] + values[0] + literals[1] + ...``: a member of any number of fields."""
    out = [literals[0]]
    for value, literal in zip(values, literals[1:]):
        out += (value, literal)
    return out
