"""The exact E.164 check of ``phones`` over a whole Arrow column, in passes of RE2.

``phones`` checks a number with one Python pattern per calling code, built
with lookaheads: a region's general and typed descriptions must both match,
each within its possible lengths, and the first region whose leading digits
match decides alone. RE2 (Arrow's regex) has no lookahead, so here the same
rule is taken apart. Numbers are grouped by calling code and national length,
which settles every length check before any match; then each region is a few
passes over the numbers no earlier region decided: its leading digits, its
general pattern, its typed patterns as one alternation. A million US numbers
cost the shape pass, the grouping and two passes, instead of a million calls
of Python's regex and a factorize. A group whose patterns RE2 refuses is
checked by ``valid_e164_many``, so every verdict is the per-value one.

pyarrow is optional: only the caller that has it calls this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from attentive_nb.plan.phones import Region, calling_code, regions, valid_e164_many

# What a valid number's text always is: '+', a nonzero digit, at most 15 digits in all
# (the national patterns match ASCII digits only). \z: RE2's end of text.
_SHAPE = r"\A\+[1-9][0-9]{1,14}\z"
_PREFIX = 4  # the characters after '+' that name a calling code (1 to 3) and the next digit
_LONGEST = 16  # national lengths are below this: (code, length) packs into one int


def valid_e164_column(column: Any) -> np.ndarray:
    """``valid_e164_many`` of an Arrow text column (null: False), as a numpy bool array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    valid = np.zeros(len(column), dtype=bool)
    shaped = np.flatnonzero(_bools(pc.match_substring_regex(column, _SHAPE)))
    if not len(shaped):
        return valid
    texts = column if len(shaped) == len(column) else column.take(shaped)
    for rows, code, length in _groups(texts):
        group = texts if len(rows) == len(texts) else texts.take(rows)
        valid[shaped[rows]] = _group_valid(group, code, length)
    return valid


def _groups(texts: Any) -> list[tuple[np.ndarray, str, int]]:
    """The positions of ``texts`` (all shaped) per calling code and national length.

    Numbers that name no calling code, or whose national number starts with 0,
    are in no group: they are not valid.
    """
    import pyarrow.compute as pc

    prefixes = pc.dictionary_encode(pc.utf8_slice_codeunits(texts, 1, 1 + _PREFIX))
    keys, offsets = [], []
    for prefix in prefixes.dictionary.to_pylist():
        code = calling_code(prefix[:3])
        if code is None or prefix[len(code) : len(code) + 1] == "0":
            keys.append(-1)
            offsets.append(0)
        else:
            keys.append(int(code) * _LONGEST)
            offsets.append(1 + len(code))
    which = prefixes.indices.to_numpy()
    national = pc.utf8_length(texts).to_numpy() - np.asarray(offsets)[which]
    row_keys = np.where(np.asarray(keys)[which] < 0, -1, np.asarray(keys)[which] + national)
    out = []
    if row_keys.min() == row_keys.max():  # one calling code and length (the usual frame)
        found = [(row_keys[0], np.arange(len(row_keys)))]
    else:
        order = np.argsort(row_keys, kind="stable")
        starts = np.flatnonzero(np.diff(row_keys[order])) + 1
        found = [(row_keys[g[0]], g) for g in np.split(order, starts)]
    for key, rows in found:
        if key >= 0:
            out.append((rows, str(key // _LONGEST), int(key % _LONGEST)))
    return out


def _group_valid(texts: Any, code: str, length: int) -> np.ndarray:
    """The verdicts of numbers of one calling code and national length (no national 0)."""
    import pyarrow as pa

    try:
        return _regions_valid(texts, regions(code), code, length)
    except pa.ArrowInvalid:  # a pattern RE2 cannot express: Python's regex checks the group
        return np.asarray(valid_e164_many(texts.to_pylist()), dtype=bool)


def _regions_valid(texts: Any, found: tuple[Region, ...], code: str, length: int) -> np.ndarray:
    """The rule of ``phones._whole``, a region at a time over the numbers still open.

    A region with leading digits claims the open numbers they match: each is
    valid if the region's patterns match it, and decided either way. A region
    without them makes valid the open numbers its patterns match and leaves
    the rest open for the next.
    """
    valid = np.zeros(len(texts), dtype=bool)
    open_ = np.ones(len(texts), dtype=bool)
    start = rf"\A\+{code}"
    for region in found:
        if not open_.any():
            break
        here = np.flatnonzero(open_)
        if region.leading is not None:
            here = here[_matched(texts, here, f"{start}(?:{region.leading})")]
            open_[here] = False
        patterns = _full_patterns(region, length)
        for pattern in patterns:  # the general one, then the typed ones as one
            here = here[_matched(texts, here, rf"{start}(?:{pattern})\z")]
        if patterns:
            valid[here] = True
            open_[here] = False
    return valid


def _full_patterns(region: Region, length: int) -> tuple[str, ...]:
    """The national patterns a number of ``length`` digits must match fully, all of them:
    the general description, then the typed ones that allow the length as one
    alternation. Empty when the region makes no number of that length valid."""
    if region.general is None or not region.typed or not region.general.fits(length):
        return ()
    typed = [t.pattern for t in region.typed if t.fits(length)]
    if not typed:
        return ()
    return region.general.pattern, "|".join(f"(?:{t})" for t in typed)


def _matched(texts: Any, positions: np.ndarray, pattern: str) -> np.ndarray:
    """Which of ``texts[positions]`` ``pattern`` matches (RE2, from the start)."""
    import pyarrow.compute as pc

    if not len(positions):
        return np.zeros(0, dtype=bool)
    some = texts if len(positions) == len(texts) else texts.take(positions)
    return _bools(pc.match_substring_regex(some, pattern))


def _bools(mask: Any) -> np.ndarray:
    import pyarrow.compute as pc

    bools: np.ndarray = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
    return bools
