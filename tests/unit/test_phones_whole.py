"""The E.164 check over a whole Arrow column gives the per-value check's verdicts, exactly.

``phones_whole`` takes the per-calling-code pattern of ``phones`` apart into
RE2 passes (RE2 has no lookahead). These tests hold its verdicts to
``valid_e164_many`` on a seeded sample from every calling code, on hostile
text, where RE2 refuses a pattern, and through ``phone_column`` with and
without pyarrow.
"""

from __future__ import annotations

import random
import sys

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberFormat
from plan_helpers import example_numbers

from attentive_nb.plan import phones, validate
from attentive_nb.plan.cells import Problems
from attentive_nb.plan.phones import valid_e164_many

pa = pytest.importorskip("pyarrow")

from attentive_nb.plan import phones_whole  # noqa: E402  (after the skip: it needs pyarrow)

ODD = [
    "+12015550100",
    "+12015550100\n",  # '$' in Python's regex matches before a final newline
    "\n+12015550100",
    "+12015550100 ",
    " +12015550100",
    "+1 201 555 0100",
    "+1201555010\u0661",  # an Arabic-Indic one: str.isdigit() is true
    "+\u06612015550100",
    "+1\uff12015550100",  # a fullwidth two
    "+12015550100\u200b",
    "+1234567890123456",  # 16 digits: longer than E.164
    "+4980012345678909",  # valid in its plan, too long for E.164
    "+442071838750",
    "+447400123456",
    "+8613800138000",
    "+0",
    "+00",
    "+012025550123",  # int("01") is 1: a leading zero names no calling code
    "+10",
    "+102015550100",  # a national number may not start with 0 (a stray trunk prefix)
    "+1",
    "+",
    "",
    "+ab",
    "++12015550100",
    "12015550100",
    "+99912345678",  # no such calling code
    "+2425550100",  # +242: the Republic of the Congo
    "+12425550100",  # +1 242: the Bahamas' leading digits under +1
    "+16135550100",  # Canada's leading digits
    "+77012345678",  # +7: Kazakhstan's leading digits, then Russia
    "+74951234567",
    "+447781123456",  # +44: Jersey, Guernsey and Man have leading digits
    "+441534456789",
]


def _examples() -> list[str]:
    """Each region's example number of each type, and each non-geographic one, in E.164."""
    return sorted(
        {phonenumbers.format_number(n, PhoneNumberFormat.E164) for n in example_numbers()}
    )


def _fuzz(seed: int = 20261207) -> list[str]:
    """Examples mutated (a digit changed, dropped, added, a national 0), random digits after
    every calling code at every length, and hostile characters spliced in."""
    rng = random.Random(seed)
    texts = set(ODD)
    for text in _examples():
        texts.update({text, text[:-1], text + str(rng.randrange(10)), text[:-2]})
        for _ in range(4):
            i = rng.randrange(2, len(text))
            texts.add(text[:i] + str(rng.randrange(10)) + text[i + 1 :])
        code = phones.calling_code(text[1:4])
        assert code is not None, text
        texts.add(f"+{code}0{text[len(code) + 1 :]}")
        i = rng.randrange(1, len(text) + 1)
        texts.add(text[:i] + rng.choice([" ", "\n", "\u0663", "\uff15", "-", "+", "a"]) + text[i:])
    for cc in sorted(COUNTRY_CODE_TO_REGION_CODE):
        for size in range(0, 16):
            national = "".join(rng.choices("0123456789", k=size))
            texts.add(f"+{cc}{national}")
    return sorted(texts)


def _column(texts: list[object]) -> object:
    return pa.array(texts, type=pa.string())


def test_the_fuzz_sample_covers_every_calling_code_and_both_verdicts():
    sample = _fuzz()
    verdicts = valid_e164_many(sample)
    codes = {phones.calling_code(t[1:4]) for t in sample if t[:1] == "+"}
    assert set(map(str, COUNTRY_CODE_TO_REGION_CODE)) <= codes
    assert sum(verdicts) > 3000 and len(sample) - sum(verdicts) > 3000


def test_whole_column_verdicts_are_the_per_value_ones_on_a_seeded_fuzz():
    sample = _fuzz()
    whole = phones_whole.valid_e164_column(_column(sample))
    assert isinstance(whole, np.ndarray) and whole.dtype == bool
    differ = [t for t, a, b in zip(sample, whole, valid_e164_many(sample)) if a != b]
    assert differ == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_whole_column_verdicts_in_any_order_and_mix(seed):
    sample = _fuzz()
    rng = random.Random(seed)
    mixed = rng.sample(sample, 3000) + [None] * 5 + ["+12015550100"] * 20
    rng.shuffle(mixed)
    expected = [t is not None and ok for t, ok in zip(mixed, valid_e164_many(mixed))]
    assert list(phones_whole.valid_e164_column(_column(mixed))) == expected


def test_odd_texts_one_calling_code_and_empty_columns():
    assert list(phones_whole.valid_e164_column(_column(ODD))) == valid_e164_many(ODD)
    same = ["+12015550100", "+12015550101", "+12015550102"]
    assert list(phones_whole.valid_e164_column(_column(same))) == [True] * 3
    assert list(phones_whole.valid_e164_column(_column([]))) == []
    assert list(phones_whole.valid_e164_column(_column([None, None]))) == [False, False]
    chunked = pa.chunked_array([_column(ODD[:5]), _column(ODD[5:])])
    assert list(phones_whole.valid_e164_column(chunked)) == valid_e164_many(ODD)


def test_a_pattern_re2_refuses_leaves_its_numbers_to_pythons_regex(monkeypatch):
    """A lookahead (RE2 has none) in +1's first region: its numbers are checked in Python."""
    first, *rest = phones.regions("1")
    assert first.general is not None
    general = phones.Desc("(?=[2-9])" + first.general.pattern, first.general.lengths)
    refused = (phones.Region(first.leading, general, first.typed), *rest)
    monkeypatch.setattr(
        phones_whole, "regions", lambda cc: refused if cc == "1" else phones.regions(cc)
    )
    by_python: list[list[str]] = []
    many = phones_whole.valid_e164_many
    monkeypatch.setattr(
        phones_whole, "valid_e164_many", lambda ts: by_python.append(ts) or many(ts)
    )
    sample = _fuzz()
    assert list(phones_whole.valid_e164_column(_column(sample))) == valid_e164_many(sample)
    assert by_python and all(t.startswith("+1") for batch in by_python for t in batch)


def _made_up_regions() -> tuple[phones.Region, ...]:
    """Regions for +1 where each part of the rule decides some numbers (real metadata is
    consistent enough that skipping a part would change no verdict on it)."""
    d = phones.Desc
    return (
        # lengths narrower than the patterns; the general one narrower than the typed ones
        phones.Region(
            None, d(r"[2-8]\d{3,6}", (4, 5, 6)), (d(r"2\d{3,5}", (4, 5)), d(r"3\d+", ()))
        ),
        # leading digits claim 4... and 50-54: valid only if 5 digits starting with 4
        phones.Region("4|5[0-4]", d(r"\d{4,6}", (5,)), (d(r"4\d{4}", ()),)),
        phones.Region(None, d(r"\d{4,6}", ()), (d(r"5\d{3,5}", (4, 6)),)),  # 55-59: 4 or 6
        phones.Region(None, None, (d(r"9\d{3}", ()),)),  # no general description: no rule
        phones.Region("6", d(r"6\d{3}", ()), ()),  # claims 6..., has no type: all refused
        phones.Region(None, d(r"\d{4}", (4,)), (d(r"[6-9]\d{3}", (4,)),)),  # 7..., 8..., 9...
    )


def test_each_part_of_the_rule_on_made_up_regions(monkeypatch):
    made_up = _made_up_regions()
    for module in (phones, phones_whole):
        monkeypatch.setattr(module, "regions", lambda cc: made_up if cc == "1" else ())
    phones._whole.cache_clear()
    phones._pattern_for.cache_clear()
    try:
        rng = random.Random(7)
        texts = [f"+1{n:0{size}d}" for size in range(0, 5) for n in range(10**size)]
        texts += [
            "+1" + "".join(rng.choices("0123456789", k=rng.randrange(5, 9))) for _ in range(20000)
        ]
        expected = valid_e164_many(texts)
        assert 100 < sum(expected) < len(texts) - 100
        assert list(phones_whole.valid_e164_column(_column(texts))) == expected
    finally:  # the Python patterns are cached: build them again from the real regions
        phones._whole.cache_clear()
        phones._pattern_for.cache_clear()


CELLS = [
    *ODD,
    "  +12015550100  ",
    "(201) 555-0100",
    "+1 201 555 CALL",
    "+12015550101",
    "+12015550101",
    None,
    float("nan"),
]


def _outcome(series: pd.Series) -> tuple[list, list, dict]:
    problems = Problems()
    sent, shown = validate.phone_column(series, "US", problems)
    return list(sent), list(shown), problems.by_row


@pytest.mark.parametrize(
    "make",
    [
        lambda cells: pd.Series(cells, dtype=object),
        lambda cells: pd.Series(cells, dtype="str"),
        lambda cells: pd.Series(cells, dtype=pd.StringDtype("python")),
        lambda cells: pd.Series(cells, dtype=pd.StringDtype("pyarrow")),
        lambda cells: pd.Series([*cells, 12015550100, 1.5], dtype=object),  # not all text
    ],
)
def test_phone_columns_get_the_same_outcome_with_and_without_pyarrow(make, monkeypatch):
    series = make(CELLS * 40)  # enough rows for every path
    whole = _outcome(series)
    with monkeypatch.context() as m:
        m.setattr(validate, "_matched_whole", lambda *a: None)
        assert _outcome(series) == whole
    arrow_backed = isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"
    plain = series.astype(object) if arrow_backed else series  # kept without pyarrow
    with monkeypatch.context() as m:  # pyarrow not installed at all
        for name in ("pyarrow", "pyarrow.compute"):
            m.setitem(sys.modules, name, None)
        assert _outcome(plain) == whole


def test_a_text_phone_column_is_checked_whole(monkeypatch):
    series = pd.Series(["+12015550100", "+12015550101", "2015550102", None], dtype="str")
    by_value: list[list] = []
    many = validate.valid_e164_many
    monkeypatch.setattr(validate, "valid_e164_many", lambda ts: by_value.append(ts) or many(ts))
    sent, _ = validate.phone_column(series, "US", Problems())
    assert list(sent) == ["+12015550100", "+12015550101", "+12015550102", None]
    assert by_value == [["2015550102"]]  # only the one not in E.164 is looked at alone
