"""The one CSV writer: formula-like cells neutralised (OWASP), numbers and the frame untouched."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from attentive_nb.report.csv_out import FORMULA_STARTS, neutral, write_csv


def cells(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_each_formula_start_gets_a_quote(start):
    assert neutral(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("safe", ["1+1", "a=b", " =1", "'=1", "", "Ann", "(201) 555-0100"])
def test_text_that_starts_no_formula_is_left_alone(safe):
    assert neutral(safe) == safe


@pytest.mark.parametrize("number", [-5, -2.5, np.int64(-3), np.float64(-1.5), Decimal("-1"), True])
def test_numbers_are_numbers(number):
    assert neutral(number) is number


def test_other_objects_are_judged_by_the_text_written():
    class Sneaky:
        def __str__(self) -> str:
            return "=cmd()"

    assert neutral(Sneaky()) == "'=cmd()"
    day = dt.date(2024, 5, 1)
    assert neutral(day) is day
    assert neutral({"=a": 1}) == {"=a": 1}  # written as "{'=a': 1}": no formula


def test_every_column_kind_index_and_names(tmp_path):
    frame = pd.DataFrame(
        {
            "text": pd.array(["=1", "a", None], dtype="str"),
            "objects": pd.array(["@x", -5, None], dtype=object),
            "numbers": [-1.5, 2.0, np.nan],
            "ints": pd.array([-1, None, 3], dtype="Int64"),
            "category": pd.Categorical(["+c", "d", "+c"]),
            "-name": ["x", "y", "z"],
        },
        index=pd.Index(["-r1", "r2", "=r3"], name="@id"),
    )
    before = frame.copy()
    rows = cells(write_csv(frame, tmp_path / "f.csv"))
    assert rows == [
        ["'@id", "text", "objects", "numbers", "ints", "category", "'-name"],
        ["'-r1", "'=1", "'@x", "-1.5", "-1", "'+c", "x"],
        ["r2", "a", "-5", "2.0", "", "d", "y"],
        ["'=r3", "", "", "", "3", "'+c", "z"],
    ]
    pd.testing.assert_frame_equal(frame, before)
    rows = cells(write_csv(frame, tmp_path / "raw.csv", raw=True))
    assert rows[1] == ["-r1", "=1", "@x", "-1.5", "-1", "+c", "x"]


def test_multiindex_and_no_index(tmp_path):
    frame = pd.DataFrame(
        {"v": ["=x", "y"]}, index=pd.MultiIndex.from_tuples([("=a", 1), ("b", -2)])
    )
    rows = cells(write_csv(frame, tmp_path / "m.csv"))
    assert rows[1:] == [["'=a", "1", "'=x"], ["b", "-2", "y"]]
    assert cells(write_csv(frame, tmp_path / "n.csv", index=False)) == [["v"], ["'=x"], ["y"]]


@pytest.mark.parametrize("raw", [False, True])
def test_a_line_break_inside_a_cell_never_starts_a_row(tmp_path, raw):
    frame = pd.DataFrame({"reason": ["ok\r=1+1", "ok\n@x", "\r\n-1"], "n": [1, 2, 3]})
    rows = cells(write_csv(frame, tmp_path / "f.csv", index=False, raw=raw))
    assert [r[1] for r in rows] == ["n", "1", "2", "3"]
    assert rows[1][0] == "ok\r=1+1" and rows[3][0] == ("\r\n-1" if raw else "'\r\n-1")
