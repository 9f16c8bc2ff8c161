"""Value rules: blanks, phones, emails, identifiers, JSON scalars, timestamps."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from plan_helpers import example_numbers

from attentive_nb.plan import cells, timestamps, validate
from attentive_nb.plan.validate import Problems


@pytest.mark.parametrize(
    "value", [None, np.nan, float("nan"), pd.NA, pd.NaT, "", "   ", "\t", np.datetime64("NaT")]
)
def test_blanks(value):
    assert cells.is_blank(value)


@pytest.mark.parametrize("value", [0, 0.0, False, "0", "x", np.int64(0)])
def test_not_blanks(value):
    assert not cells.is_blank(value)


def test_phone_column_normalises_and_reports_in_words():
    problems = Problems()
    series = pd.Series(
        [
            "+12015550123",
            "(201) 555-0124",
            "555-0100",
            None,
            "",
            12015550125.0,
            "+44 20 7183 8750",
            "442071838750",
            "+1555",
            "call me",
        ]
    )
    sent, shown = validate.phone_column(series, "US", problems)
    assert list(sent) == [
        "+12015550123",
        "+12015550124",
        None,
        None,
        None,
        "+12015550125",
        "+442071838750",
        "+442071838750",
        None,
        None,
    ]
    assert list(shown)[2] == "555-0100" and shown[3] is None
    assert problems.by_row == {
        2: ["phone '555-0100' is not a valid number for region US"],
        8: ["phone '+1555' is not a valid number"],
        9: [
            "phone 'call me' contains letters 'c', 'a', 'l', 'm', 'e', which a phone number "
            "cannot have (only digits, spaces and + - ( ) .)"
        ],
    }


def test_phone_region_matters():
    problems = Problems()
    sent, _ = validate.phone_column(pd.Series(["020 7183 8750"]), "GB", problems)
    assert list(sent) == ["+442071838750"] and not problems.by_row


def test_phone_ints_and_nullable_ints():
    problems = Problems()
    series = pd.Series([12015550123, None], dtype="Int64")
    sent, _ = validate.phone_column(series, "US", problems)
    assert list(sent) == ["+12015550123", None] and not problems.by_row


def test_each_distinct_phone_is_looked_at_once(monkeypatch):
    # Value by value (no pyarrow); the whole-column check is in test_phones_whole.py.
    monkeypatch.setattr(validate, "_matched_whole", lambda *a: None)
    batches, parsed = [], []
    many, one = validate.valid_e164_many, validate.to_e164
    monkeypatch.setattr(validate, "valid_e164_many", lambda ts: batches.append(ts) or many(ts))
    monkeypatch.setattr(validate, "to_e164", lambda t, r: parsed.append(t) or one(t, r))
    sent, _ = validate.phone_column(
        pd.Series(["+12015550123"] * 1000 + ["2015550124"] * 5), "US", Problems()
    )
    assert batches == [["+12015550123", "2015550124"]]  # E.164 as written: settled at once
    assert parsed == ["2015550124"]  # the rest: parsed by phonenumbers, once
    assert set(sent) == {"+12015550123", "+12015550124"}


@pytest.mark.parametrize("email", ["a@x.com", "first.last+tag@sub.example.co.uk", "O'Neil@x.io"])
def test_valid_emails(email):
    problems = Problems()
    sent, _ = validate.email_column(pd.Series([email]), problems)
    assert list(sent) == [email] and not problems.by_row


@pytest.mark.parametrize(
    "email", ["bob@", "bob", "@x.com", "a b@x.com", "a@x", "a..b@x.com", "a@-x.com", "a@x.c"]
)
def test_invalid_emails(email):
    problems = Problems()
    sent, shown = validate.email_column(pd.Series([email]), problems)
    assert list(sent) == [None] and list(shown) == [email.strip()]
    assert problems.by_row == {0: [f"email {email!r} is not a valid address"]}


@pytest.mark.parametrize("written", ["  a@x.com ", "a@x.com\n", "a@x.com\r\n", "\ta@x.com"])
def test_email_is_stripped(written):
    # A trailing newline once slipped through the as-written fast path ('$' matches
    # before a final newline) and was sent with it.
    sent, _ = validate.email_column(pd.Series([written]), Problems())
    assert list(sent) == ["a@x.com"]


def test_identifiers_are_text_without_dot_zero():
    problems = Problems()
    series = pd.Series([123.0, np.nan, 1.5, " ab ", np.int64(7), Decimal("9")], dtype=object)
    values = validate.identifier_column(series, "loyalty", problems)
    assert list(values) == ["123", None, "1.5", "ab", "7", "9"] and not problems.by_row


def test_identifier_float_column_from_nullable_ints():
    values = validate.identifier_column(pd.Series([1001, None]).astype(float), "id", Problems())
    assert list(values) == ["1001", None]


def test_identifier_list_is_a_problem():
    problems = Problems()
    validate.identifier_column(pd.Series([["a"], "b"], dtype=object), "loyalty", problems)
    assert problems.by_row == {0: ["loyalty \"['a']\" is a list or mapping, not a single value"]}


def test_json_scalars_become_plain_python():
    series = pd.Series(
        [
            np.int64(3),
            np.float32(1.5),
            np.bool_(True),
            Decimal("2.25"),
            "x",
            dt.date(2024, 5, 1),
            None,
            np.nan,
            pd.NA,
            "  ",
        ],
        dtype=object,
    )
    values, naive = validate.json_column(series, "c", Problems(), "UTC")
    assert list(values) == [3, 1.5, True, 2.25, "x", "2024-05-01", None, None, None, None]
    assert [type(v) for v in values[:4]] == [int, float, bool, float]
    assert naive == 0


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        (pd.Series([1, None], dtype="Int64"), [1, None]),
        (pd.Series([True, None], dtype="boolean"), [True, None]),
        (pd.Series([1.5, None], dtype="Float64"), [1.5, None]),
        (pd.Series(["a", None, ""], dtype="str"), ["a", None, None]),
        (pd.Series(["a", None], dtype="category"), ["a", None]),
        (pd.Series([1, 2], dtype="int8"), [1, 2]),
    ],
)
def test_json_column_dtypes(series, expected):
    values, _ = validate.json_column(series, "c", Problems(), "UTC")
    assert list(values) == expected
    assert all(type(v) is type(e) for v, e in zip(values, expected))


def test_lists_and_dicts_are_refused_unless_nested_ok():
    series = pd.Series([["chicago", "new york"], {"a": 1}, "ok"], dtype=object)
    problems = Problems()
    validate.json_column(series, "cities", problems, "UTC")
    assert problems.by_row == {
        0: [
            "cities \"['chicago', 'new york']\" is a list; "
            "Attentive accepts only single values here"
        ],
        1: ["cities \"{'a': 1}\" is a mapping; Attentive accepts only single values here"],
    }
    values, _ = validate.json_column(series, "cities", Problems(), "UTC", nested_ok=True)
    assert list(values) == [["chicago", "new york"], {"a": 1}, "ok"]


def test_numpy_array_nested_values_become_lists():
    series = pd.Series([np.array([1, 2]), {"n": np.int64(2), "gone": np.nan}], dtype=object)
    values, _ = validate.json_column(series, "c", Problems(), "UTC", nested_ok=True)
    assert list(values) == [[1, 2], {"n": 2}]


def test_infinity_is_refused():
    problems = Problems()
    validate.json_column(pd.Series([np.inf, 1.0]), "score", problems, "UTC")
    assert problems.by_row == {0: ["score 'inf' is not a finite number"]}


def test_datetime_columns_become_rfc3339_with_offset():
    naive = pd.Series(
        pd.to_datetime(["2024-05-01 12:00:00", None, "2024-05-01 12:00:00.250"], format="ISO8601")
    )
    values, count = validate.json_column(naive, "c", Problems(), "UTC")
    assert list(values) == ["2024-05-01T12:00:00Z", None, "2024-05-01T12:00:00.250Z"]
    assert count == 2
    values, count = validate.json_column(naive, "c", Problems(), "America/New_York")
    assert list(values)[0] == "2024-05-01T12:00:00-04:00"
    aware = naive.dt.tz_localize("Europe/Paris")
    values, count = validate.json_column(aware, "c", Problems(), "UTC")
    assert list(values)[0] == "2024-05-01T12:00:00+02:00" and count == 0


def test_timestamps_in_object_columns():
    # naive and aware ones mixed in one column: see test_aware_and_naive_timestamps_in_a_…
    naive = pd.Series([pd.Timestamp("2024-05-01 12:00"), dt.datetime(2024, 5, 1)], dtype=object)
    values, count = validate.json_column(naive, "c", Problems(), "UTC")
    assert list(values) == ["2024-05-01T12:00:00Z", "2024-05-01T00:00:00Z"] and count == 2
    aware = pd.Series(
        [pd.Timestamp("2024-05-01 12:00", tz="UTC"), dt.datetime(2024, 5, 1, tzinfo=dt.UTC)],
        dtype=object,
    )
    values, count = validate.json_column(aware, "c", Problems(), "UTC")
    assert list(values) == ["2024-05-01T12:00:00Z", "2024-05-01T00:00:00Z"] and count == 0


def test_nonexistent_local_time_is_a_problem():
    problems = Problems()
    series = pd.Series(pd.to_datetime(["2024-03-10 02:30"]))
    values, _ = validate.json_column(series, "when", problems, "America/New_York")
    assert list(values) == [None]
    assert "does not exist in America/New_York" in problems.by_row[0][0]


def test_occurred_at_text_values():
    problems = Problems()
    series = pd.Series(
        ["2024-05-01T12:00:00+0000", "2024-05-01 08:00", "yesterday", "now", 5, None], dtype=object
    )
    values, naive = timestamps.occurred_at_column(series, "occurred_at", problems, "UTC")
    assert list(values) == ["2024-05-01T12:00:00Z", None, None, None, None, None]
    assert naive == 0  # the naive row beside an aware one is refused, not taken as UTC
    hint = "is not a date and time (e.g. 2024-05-01T12:00:00Z)"
    assert problems.by_row == {
        1: [f"occurred_at '2024-05-01 08:00' {_NO_ZONE.format(label='occurred_at')}"],
        2: [f"occurred_at 'yesterday' {hint}"],
        3: [f"occurred_at 'now' {hint}"],
        4: [
            "occurred_at '5' is a number but not seconds (1e9..1e10) or milliseconds "
            "(1e12..1e13) since 1970; give a date and time (e.g. 2024-05-01T12:00:00Z)"
        ],
    }


def test_forbidden_characters_named_in_order():
    assert validate.forbidden_in("a(b)|c", "\"'(){}[]\\|,") == ["(", ")", "|"]


def test_problems_keep_every_reason_once():
    problems = Problems()
    problems.add(1, "a")
    problems.add(1, "b")
    problems.add(1, "a")
    assert problems.by_row == {1: ["a", "b"]}


def test_quote_shortens_long_values():
    assert cells.quote("x" * 100) == repr("x" * 59 + "…")


def test_blank_strings_in_every_column_kind_are_missing():
    problems = Problems()
    series = pd.Series(["", "  ", None], dtype="str")
    assert list(validate.phone_column(series, "US", problems)[0]) == [None, None, None]
    assert list(validate.email_column(series, problems)[0]) == [None, None, None]
    assert list(validate.identifier_column(series, "id", problems)) == [None, None, None]
    assert list(timestamps.occurred_at_column(series, "t", problems, "UTC")[0]) == [None] * 3
    assert problems.by_row == {}


def test_fast_path_agrees_with_phonenumbers_on_examples():
    import phonenumbers

    from attentive_nb.plan.phones import is_valid_e164

    for region in ("US", "CA", "GB", "FR", "DE", "BR", "IN", "JP", "AU", "JM", "IT"):
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        text = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        assert validate.to_e164(text, "US") == text
        if not text[3:].startswith("0"):
            assert is_valid_e164(text) is True
    assert is_valid_e164("+12015550100") is phonenumbers.is_valid_number(
        phonenumbers.parse("+12015550100")
    )
    assert is_valid_e164("+1555") is False and is_valid_e164("+999123456789") is False


def _phone_sample(seed: int = 20240501) -> list[str]:
    """E.164 texts from every region and number type, each mutated, plus random digits."""
    import random

    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    rng = random.Random(seed)
    texts = set()
    for number in example_numbers():
        text = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        start = len(str(number.country_code)) + 1
        texts.update({text, text[:-1], text + str(rng.randrange(10))})
        for _ in range(3):  # one national digit changed
            i = rng.randrange(start, len(text))
            texts.add(text[:i] + str(rng.randrange(10)) + text[i + 1 :])
    for _ in range(2000):
        size = rng.randrange(7, 16)
        texts.add("+" + str(rng.randrange(1, 10)) + "".join(rng.choices("0123456789", k=size - 1)))
    return sorted(texts)


def test_fast_path_agrees_with_phonenumbers_on_a_large_sample():
    import phonenumbers

    from attentive_nb.plan.phones import is_valid_e164

    def library(text: str) -> bool:  # valid, and E.164 exactly as written
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return False
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return phonenumbers.is_valid_number(number) and formatted == text

    sample = _phone_sample()
    expected = {text: library(text) for text in sample}
    regions = {
        phonenumbers.region_code_for_number(phonenumbers.parse(t)) for t in sample if expected[t]
    }
    assert sum(expected.values()) > 3000 and len(sample) - sum(expected.values()) > 3000
    assert len(regions) > 200  # the sample covers the world, not a few countries
    for text in sample:
        if is_valid_e164(text):  # never valid where the library says not
            assert expected[text], text
        elif expected[text]:  # it leaves to the parser only numbers with a national 0,
            cc = phonenumbers.parse(text).country_code  # or longer than E.164's 15 digits
            assert text[len(str(cc)) + 1] == "0" or len(text) > 16, text


def test_nested_timestamps_become_rfc3339_and_count_as_naive():
    series = pd.Series(
        [
            {"at": pd.Timestamp("2024-05-01 12:00"), "n": 1},
            [dt.datetime(2024, 5, 1, tzinfo=dt.UTC)],
        ],
        dtype=object,
    )
    values, naive = validate.json_column(series, "c", Problems(), "Europe/Paris", nested_ok=True)
    assert list(values) == [
        {"at": "2024-05-01T12:00:00+02:00", "n": 1},
        ["2024-05-01T00:00:00Z"],
    ]
    assert naive == 1


def test_clock_change_reads_the_same_in_object_and_datetime_columns():
    message = _GAP_NY
    for series in (
        pd.Series(pd.to_datetime(["2024-03-10 02:30"])),
        pd.Series([pd.Timestamp("2024-03-10 02:30")], dtype=object),
    ):
        problems = Problems()
        values, naive = validate.json_column(series, "when", problems, "America/New_York")
        assert list(values) == [None] and naive == 1
        assert problems.by_row == {0: [f"when '2024-03-10 02:30:00' {message}"]}


# --- per-distinct checks keep each value's type ---------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        [1, True],
        [True, 1],
        [0, False],
        [False, 0.0, 0],
        [1, 1.0, True, np.True_, np.int64(1), np.float64(1.0)],
    ],
)
def test_equal_values_of_different_types_are_sent_as_written(values):
    sent, _ = validate.json_column(pd.Series(values, dtype=object), "vip", Problems(), "UTC")
    expected = [validate.json_scalar(v)[0] for v in values]
    assert [(type(v), v) for v in sent] == [(type(e), e) for e in expected]


def test_equal_identifiers_of_different_types_keep_their_text():
    series = pd.Series(
        [1, True, Decimal("1.50"), 1.5, Decimal("1.5"), Decimal("NaN")], dtype=object
    )
    problems = Problems()
    values = validate.identifier_column(series, "loyalty", problems)
    assert list(values) == ["1", "true", "1.50", "1.5", "1.5", None] and not problems.by_row


def test_mixed_types_are_still_checked_once_per_distinct_value():
    calls = []

    def check(value):
        calls.append(value)
        return value, None

    series = pd.Series([1, True, 1, True, 1.0, None, np.nan] * 100, dtype=object)
    values, _ = cells.per_distinct(series, check)
    assert len(calls) == 3
    assert {(type(c), c) for c in calls} == {(int, 1), (bool, True), (float, 1.0)}
    assert [type(v) for v in values[:7]] == [int, bool, int, bool, float, type(None), type(None)]


def test_many_phones_at_once_get_the_same_answers_as_one_by_one():
    from attentive_nb.plan.phones import is_valid_e164, valid_e164_many

    sample = [*_phone_sample(), 12015550100, None, "", "+", "+1", "+12015550100 "]
    assert valid_e164_many(sample) == [isinstance(t, str) and is_valid_e164(t) for t in sample]


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1, 2, 2, -(2**62)]),
        pd.Series([True, False, True]),
        pd.Series([1.5, np.nan, 2.0, -0.0, 1e300]),
        pd.Series([1, None, 3], dtype="Int64"),
        pd.Series([1.0, np.inf, 2.0]),
        pd.Series(np.array([0.1, 0.2], dtype=np.float32)),
    ],
)
def test_numeric_columns_are_read_at_once_as_each_value_would_be(series):
    problems, one_by_one = Problems(), Problems()
    values, _ = validate.json_column(series, "n", problems, "UTC")
    expected = [validate.json_scalar(v)[0] for v in series.astype(object)]
    assert list(values) == expected
    assert [type(v) for v in values] == [type(v) for v in expected]
    for p, v in enumerate(series.astype(object)):
        problem = validate.json_scalar(v)[1]
        if problem:
            one_by_one.add(p, f"n {cells.quote(v)} {problem}")
    assert problems.by_row == one_by_one.by_row


def test_epoch_numbers_as_event_times():
    problems = Problems()
    series = pd.Series(
        [1714564800, 1714564800250, 1714564800.5, True, 5, 1e11, 2e13, -1714564800], dtype=object
    )
    values, naive = timestamps.occurred_at_column(series, "occurred_at", problems, "UTC")
    assert list(values)[:3] == [
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00.250Z",
        "2024-05-01T12:00:00.500Z",
    ]
    assert list(values)[3:] == [None] * 5 and naive == 0
    assert problems.by_row[3] == [
        "occurred_at 'True' is not a date and time (e.g. 2024-05-01T12:00:00Z)"
    ]
    for row in (4, 5, 6, 7):
        (reason,) = problems.by_row[row]
        assert "is a number but not seconds (1e9..1e10) or milliseconds (1e12..1e13)" in reason


def test_epoch_numbers_in_an_integer_column():
    problems = Problems()
    series = pd.Series([1714564800, 1714564800000])
    values, _ = timestamps.occurred_at_column(series, "occurred_at", problems, "UTC")
    assert list(values) == ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"]


# --- aware and naive times in one column; local times a clock change skips or repeats -----

_NO_ZONE = (
    "has no time zone while other rows of {label} have one (two sources joined?); give it "
    "with an offset: its zone is not guessed"
)


def test_aware_and_naive_event_times_in_one_column_refuse_the_naive_rows():
    problems = Problems()
    series = pd.Series(
        ["2024-05-01T12:00:00+02:00", "2024-05-01 08:00", None, 1714564800], dtype=object
    )
    values, naive = timestamps.occurred_at_column(series, "occurred_at", problems, "UTC")
    assert list(values) == ["2024-05-01T12:00:00+02:00", None, None, "2024-05-01T12:00:00Z"]
    assert naive == 0
    reason = _NO_ZONE.format(label="occurred_at")
    assert problems.by_row == {1: [f"occurred_at '2024-05-01 08:00' {reason}"]}


def test_only_naive_event_times_are_still_taken_in_the_timezone():
    problems = Problems()
    series = pd.Series(["2024-05-01 08:00", "2024-05-01 09:00"], dtype=object)
    values, naive = timestamps.occurred_at_column(series, "t", problems, "Europe/London")
    assert list(values) == ["2024-05-01T08:00:00+01:00", "2024-05-01T09:00:00+01:00"]
    assert naive == 2 and problems.by_row == {}


def test_aware_and_naive_timestamps_in_a_property_column_refuse_the_naive_rows():
    problems = Problems()
    series = pd.Series(
        [pd.Timestamp("2024-05-01 12:00"), dt.datetime(2024, 5, 1, tzinfo=dt.UTC), "text"],
        dtype=object,
    )
    values, naive = validate.json_column(series, "c", problems, "UTC")
    assert list(values) == [None, "2024-05-01T00:00:00Z", "text"] and naive == 0
    reason = _NO_ZONE.format(label="c")
    assert problems.by_row == {0: [f"c '2024-05-01 12:00:00' {reason}"]}


def test_naive_timestamps_beside_text_that_reads_as_aware_are_still_taken():
    # text in a property column is sent as written, never read as a time: no mix
    series = pd.Series([pd.Timestamp("2024-05-01 12:00"), "2024-05-01T12:00:00Z"], dtype=object)
    values, naive = validate.json_column(series, "c", Problems(), "UTC")
    assert list(values) == ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"] and naive == 1


_GAP_NY = (
    "does not exist in America/New_York: on 2024-03-10 the clocks went forward from 02:00 "
    "to 03:00 (-05:00 to -04:00); give it with an offset"
)
_OVERLAP_NY = (
    "happens twice in America/New_York: on 2024-11-03 the clocks went back from 02:00 to "
    "01:00, so it was once at -04:00 and once at -05:00; give it with one of these offsets"
)
_GAP_LONDON = (
    "does not exist in Europe/London: on 2024-03-31 the clocks went forward from 01:00 to "
    "02:00 (+00:00 to +01:00); give it with an offset"
)
_OVERLAP_LONDON = (
    "happens twice in Europe/London: on 2024-10-27 the clocks went back from 02:00 to "
    "01:00, so it was once at +01:00 and once at +00:00; give it with one of these offsets"
)


@pytest.mark.parametrize(
    ("zone", "text", "reason"),
    [
        ("America/New_York", "2024-03-10 02:30", _GAP_NY),
        ("America/New_York", "2024-11-03 01:30", _OVERLAP_NY),
        ("Europe/London", "2024-03-31 01:15", _GAP_LONDON),
        ("Europe/London", "2024-10-27 01:45", _OVERLAP_LONDON),
    ],
)
def test_a_clock_change_gap_and_overlap_have_their_own_reasons(zone, text, reason):
    ts = pd.Timestamp(text)
    shown = f"'{ts}'"
    for series, run in (
        (pd.Series(pd.to_datetime([text])), validate.json_column),
        (pd.Series([ts], dtype=object), validate.json_column),
        (pd.Series([text], dtype=object), timestamps.occurred_at_column),
    ):
        problems = Problems()
        values, _ = run(series, "when", problems, zone)
        assert list(values) == [None]
        quoted = f"'{text}'" if series.dtype == object and isinstance(series[0], str) else shown
        assert problems.by_row == {0: [f"when {quoted} {reason}"]}, series.dtype


def test_the_times_either_side_of_a_clock_change_are_sent():
    series = pd.Series(["2024-03-10 01:59", "2024-03-10 03:00", "2024-11-03 02:00"], dtype=object)
    problems = Problems()
    values, _ = timestamps.occurred_at_column(series, "t", problems, "America/New_York")
    assert list(values) == [
        "2024-03-10T01:59:00-05:00",
        "2024-03-10T03:00:00-04:00",
        "2024-11-03T02:00:00-05:00",
    ]
    assert problems.by_row == {}


# --- emails: the reason names the character; what is sent for international addresses ---

_ASCII_ONLY = "only plain ASCII addresses are sent (Attentive documents no other)"


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("a\u200b@example.com", "has an invisible character U+200B (ZERO WIDTH SPACE): remove it"),
        (
            "a\u00a0b@example.com\u2060",
            "has invisible characters U+00A0 (NO-BREAK SPACE), U+2060 (WORD JOINER): remove them",
        ),
        (
            unicodedata.normalize("NFD", "jos\u00e9@example.com"),
            "is in decomposed Unicode (NFD): it has the combining mark U+0301 "
            f"(COMBINING ACUTE ACCENT); {_ASCII_ONLY}",
        ),
        (
            "jos\u00e9@example.com",
            "has the character U+00E9 (LATIN SMALL LETTER E WITH ACUTE) in its local part; "
            + _ASCII_ONLY,
        ),
        (
            "kim@b\u00fccher.de",
            f"has an international domain written in Unicode ('b\u00fccher.de'); {_ASCII_ONLY}: "
            "if the domain is right, write it as 'xn--bcher-kva.de'",
        ),
        ("kim@@example", "is not a valid address"),
    ],
)
def test_an_email_reason_names_the_character_to_look_for(email, reason):
    problems = Problems()
    sent, shown = validate.email_column(pd.Series([email, "b@example.com"]), problems)
    assert list(sent) == [None, "b@example.com"] and shown[0] == email
    assert problems.by_row == {0: [f"email {cells.quote(email)} {reason}"]}


def test_an_international_domain_in_its_ascii_form_is_sent_as_written():
    problems = Problems()
    written = ["kim@xn--bcher-kva.de", "Kim@Example.COM"]
    sent, _ = validate.email_column(pd.Series(written), problems)
    assert list(sent) == written and problems.by_row == {}
