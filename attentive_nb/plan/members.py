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
        for start in range(0, len(firsts), step):
            chunk = firsts[start : start + step]
            with _no_collection():
                made = _chunk(chunk, columns, together, merged_payload, prefix)
            yield made

    return chunks


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


def _chunk(
    firsts: np.ndarray,
    columns: list[tuple[str, np.ndarray]],
    together: dict[int, Unit],
    merged_payload: Callable[[Unit], Payload],
    prefix: bytes,
) -> list[Request]:
    """The Requests of the units starting at ``firsts``, in order."""
    n = len(firsts)
    values = {name: column[firsts] for name, column in columns}  # copies: merged rows change them
    units: list[Unit] = list(zip(firsts.tolist()))  # one-row units, made in C
    for i in np.flatnonzero(np.isin(firsts, list(together))) if together else ():
        unit = together[int(firsts[i])]
        units[i] = unit
        payload = merged_payload(unit)
        for name in values:
            values[name][i] = payload.get(name)
    shape = np.zeros(n, dtype=np.int64)  # which fields each member gives, as bits
    for bit, column in enumerate(values.values()):
        shape |= (~pd.isna(column)).astype(np.int64) << bit
    payloads = np.empty(n, dtype=object)
    texts = np.empty(n, dtype=object)
    for code in np.unique(shape).tolist():
        given = [name for bit, name in enumerate(values) if code >> bit & 1]
        at = np.flatnonzero(shape == code)
        whole = len(at) == n  # the usual chunk: every member gives the same fields
        picked = [(values[name] if whole else values[name][at]).tolist() for name in given]
        payloads[at], texts[at] = _payloads(given, picked), _texts(given, picked)
    sha = hashlib.sha256
    keys = [sha(prefix + text.encode("utf-8")).hexdigest() for text in texts.tolist()]
    new = tuple.__new__  # Request's own __new__ is a Python function: a million calls
    made = zip(units, payloads.tolist(), keys, texts.tolist(), repeat(()))
    return [new(Request, fields) for fields in made]


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


def _texts(given: list[str], picked: list[list[str]]) -> list[str]:
    """The same members as canonical JSON: keys sorted, no spaces, strings escaped alike.

    The text between two values is one literal (``","email":"``: the closing
    quote, the next key, the opening quote), so a member is a handful of
    concatenations; a column needing escapes is quoted value by value instead.
    """
    order = sorted(range(len(given)), key=lambda k: given[k])
    values, literals, closing = [], ["{"], ""
    for j, k in enumerate(order):
        raw = not _ESCAPED.search("".join(picked[k]))  # one search over the column
        values.append(picked[k] if raw else [encode_basestring(v) for v in picked[k]])
        head = "," * (j > 0) + encode_basestring(given[k]) + ":" + '"' * raw
        literals[-1] += closing + head
        literals.append("")
        closing = '"' * raw
    literals[-1] += closing + "}"
    if len(order) == 1:
        (va,), (h, t) = values, literals
        return [h + a + t for a in va]
    if len(order) == 2:
        (va, vb), (h, m, t) = values, literals
        return [h + a + m + b + t for a, b in zip(va, vb)]
    if len(order) == 3:
        (va, vb, vc), (h, m, n, t) = values, literals
        return [h + a + m + b + n + c + t for a, b, c in zip(va, vb, vc)]
    return ["".join(_interleave(literals, vs)) for vs in zip(*values)]


def _interleave(literals: list[str], values: tuple[str, ...]) -> list[str]:
    """``literals[0] + values[0] + literals[1] + ...``: a member of any number of fields."""
    out = [literals[0]]
    for value, literal in zip(values, literals[1:]):
        out += (value, literal)
    return out
