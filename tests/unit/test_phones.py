"""Phones are sent as written or refused: no letter read as a digit, no extension dropped."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import phonenumbers
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from attentive_nb.plan import validate
from attentive_nb.plan.phones import is_valid_e164, valid_e164_many
from attentive_nb.plan.validate import Problems

CHARACTERS = "which a phone number cannot have"
EXTENSION = "an extension cannot receive texts"
INVALID = "is not a valid number"

# (as written, E.164 sent or None, words of the reason when refused); region US.
TABLE = [
    ("+12015550123", "+12015550123", None),
    ("(201) 555-0124", "+12015550124", None),
    ("201.555.0125", "+12015550125", None),
    ("201 555 0126", "+12015550126", None),
    ("1 201 555 0127", "+12015550127", None),
    ("+1 (201) 555-0128", "+12015550128", None),
    ("+1-201-555-0129", "+12015550129", None),
    ("  +12015550130  ", "+12015550130", None),
    (12015550131, "+12015550131", None),
    (12015550132.0, "+12015550132", None),
    ("+1.201.555.0133", "+12015550133", None),
    ("(201)555-0134", "+12015550134", None),
    ("2015550135\t", "+12015550135", None),
    ("+(1) 201 555 0136", "+12015550136", None),
    ("(201 555-0137", "+12015550137", None),
    ("+44 20 7183 8750", "+442071838750", None),
    ("442071838750", "+442071838750", None),
    ("+33 1 42 68 53 00", "+33142685300", None),
    ("+61 2 9374 4000", "+61293744000", None),
    ("+91 98765 43210", "+919876543210", None),
    ("+49 30 901820", "+4930901820", None),
    ("+81 3-1234-5678", "+81312345678", None),
    ("+55 11 5525 6325", "+551155256325", None),
    ("+44 7400 123456", "+447400123456", None),
    # letters are never read as digits
    ("201-555-O1OO", None, "letter 'O'"),
    ("+1 201 555 CALL", None, "letters 'C', 'A', 'L'"),
    ("1-800-FLOWERS", None, "letters 'F', 'L', 'O', 'W', 'E'"),
    ("+1 201 555 0100 (home)", None, "letters 'h', 'o', 'm', 'e'"),
    ("tel:+12015550100", None, "letters 't', 'e', 'l', ':'"),
    ("1e10", None, "letter 'e'"),
    ("0x2015550100", None, "letter 'x'"),
    # extensions cannot receive texts
    ("(201) 555-0100 ext 5", None, EXTENSION),
    ("(201) 555-0100 x5", None, EXTENSION),
    ("201-555-0100 ext. 12", None, EXTENSION),
    ("+12015550100;ext=5", None, EXTENSION),
    ("201-555-0100 #5", None, EXTENSION),
    ("+12015550100 extension 77", None, EXTENSION),
    ("201-555-0100,5", None, EXTENSION),
    ("201 555 0100 X 9", None, EXTENSION),
    # invisible and control characters
    ("12015550100\x00", None, "invisible character U+0000"),
    ("+1201555\u200b0100", None, "invisible character U+200B"),
    ("+12015550100\u200b", None, "invisible character U+200B"),
    ("\u200b+12015550100", None, "invisible character U+200B"),
    ("+1 201 555 0100\x1b[2J", None, "invisible character U+001B"),
    ("201\n555\n0100", None, "invisible character U+000A"),
    (
        "+1 201 555 0100\x1b]0;pwned\x07",
        None,
        "letters 'p', 'w', 'n', 'e', 'd', invisible characters U+001B, U+0007, ']', ';'",
    ),
    ("201\r5550100", None, "invisible character U+000D"),
    ("+1\t201 555 0100", None, "invisible character U+0009"),
    ("201\u00a0555\u00a00100", None, "invisible character U+00A0"),
    ("+12015550100\u2066", None, "invisible character U+2066"),
    # other characters, including look-alikes of the allowed ones
    ("\uff12\uff10\uff11\uff15\uff15\uff15\uff10\uff11\uff10\uff10", None, CHARACTERS),
    ("+\u0661\u0662\u0660\u0661\u0665\u0665\u0665\u0660\u0661\u0660\u0660", None, CHARACTERS),
    ("201\u2212555\u22120100", None, "'\u2212'"),
    ("201\u2013555\u20130100", None, "'\u2013'"),
    ("+1/201/555/0100", None, "'/'"),
    ("+1_201_555_0100", None, "'_'"),
    ("201*555*0100", None, "'*'"),
    ("+12015550100'", None, '"\'"'),
    ("'+12015550100", None, 'contains "\'"'),
    ("=+12015550100", None, "contains '='"),
    # where + and - may stand
    ("-12015550100", None, "starts with '-'"),
    ("--12015550100", None, "starts with '-'"),
    ("+-12015550100", None, "starts with '+-'"),
    ("1+2015550100", None, "has a '+' not at the start"),
    ("++12015550100", None, "has a '+' not at the start"),
    (".2015550100", None, "starts with '.'"),
    # allowed characters, but no valid number
    ("+", None, INVALID),
    ("()", None, INVALID),
    ("555-0100", None, INVALID),
    ("+1 201 555 01", None, INVALID),
    ("+1 201 555 0100 0", None, INVALID),
    ("+999 123 456 789", None, INVALID),
    ("+012025550123", None, INVALID),
    ("07400 123456", None, INVALID),
]


def test_the_table_is_long_and_odd():
    assert len(TABLE) >= 50
    assert sum(sent is None for _, sent, _ in TABLE) >= 40


@pytest.mark.parametrize("written, sent, words", TABLE)
def test_phone_rules(written, sent, words):
    problems = Problems()
    out, shown = validate.phone_column(pd.Series([written], dtype=object), "US", problems)
    assert out[0] == sent
    if sent is None:
        [reason] = problems.by_row[0]
        assert reason.startswith("phone "), reason
        assert words in reason, reason
        assert reason.isprintable(), reason  # control characters are shown escaped
    else:
        assert not problems.by_row
        # the cross-check: the library agrees it is a valid number, written exactly so
        number = phonenumbers.parse(sent)
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == sent
        # and no digit was made up: the national digits are the ones written
        national = str(number.national_number)
        assert re.sub(r"[^0-9]", "", str(written).removesuffix(".0")).endswith(national)


def test_an_extension_says_what_to_do():
    problems = Problems()
    validate.phone_column(pd.Series(["(201) 555-0100 ext 5"]), "US", problems)
    assert problems.by_row == {
        0: [
            "phone '(201) 555-0100 ext 5' has an extension, and an extension cannot "
            "receive texts: give the number without it"
        ]
    }


def test_letters_are_named_so_an_o_can_be_told_from_a_zero():
    problems = Problems()
    validate.phone_column(pd.Series(["201-555-O1OO"]), "US", problems)
    assert problems.by_row == {
        0: [
            "phone '201-555-O1OO' contains letter 'O', which a phone number cannot have "
            "(only digits, spaces and + - ( ) .)"
        ]
    }


@pytest.mark.parametrize(
    "text", ["+", "", "+0", "+012025550123", "+1", "12015550100", "+1201555O100", "+\u0661" * 8]
)
def test_the_fast_path_guards_its_own_input(text):
    assert is_valid_e164(text) is False


def test_the_fast_path_reads_only_its_own_shape():
    assert is_valid_e164("+12015550100") is True
    assert is_valid_e164("+12015550100\n") is False


def test_the_batch_check_agrees_with_the_single_one_on_hostile_text():
    texts = [
        "+12015550100",
        "+\u06612015550100",  # an Arabic-Indic one: isdigit() is true, E.164 has none
        "+1\uff12015550100",  # a fullwidth two
        "+1201555010\u0661",
        "+12015550100\n",
        "+12015550100 ",
        "+1234567890123456",  # 16 digits
        "+4980012345678909",  # valid in its plan, too long for E.164
        "+442071838750",
        "+8613800138000",
        "+",
        "",
        "+ab",
        "+0",
        "+012025550123",  # int("01") is 1: a leading zero names no calling code
    ]
    assert valid_e164_many([*texts, 12015550100, None]) == [
        *(is_valid_e164(t) for t in texts),
        False,
        False,
    ]
    assert valid_e164_many(texts)[:2] == [True, False]


def test_phonenumbers_major_version_is_pinned_where_it_is_installed_from():
    # phones.py reads the library's metadata classes, which a major version may change.
    tomllib = pytest.importorskip("tomllib")
    root = Path(__file__).parents[2]
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    [pinned] = [Requirement(d).specifier for d in deps if d.startswith("phonenumbers")]
    major = int(phonenumbers.__version__.split(".")[0])
    assert pinned.contains(phonenumbers.__version__)
    assert not pinned.contains(f"{major + 1}.0.0") and not pinned.contains(f"{major - 1}.99.99")
    [line] = [x for x in (root / "environment.yml").read_text().splitlines() if "phonenumbers" in x]
    conda = SpecifierSet(line.split("phonenumbers", 1)[1].split("#")[0].strip())
    assert conda == pinned
