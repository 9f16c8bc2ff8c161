"""The compact report: codes and shared strings, a report without its input, files in slices."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from attentive_nb.errors import ConfigError
from attentive_nb.report import Outcomes, RowOutcome, SendReport
from attentive_nb.report import send_report as module

TOKEN = "tok_live_9f8e7d6c5b4a"
BAD = "phone '555-0100' is not a valid number for region US"


def _report(n: int = 10) -> SendReport:
    ids = pd.DataFrame(
        {
            "phone": [f"+1201555{i:04d}" for i in range(n)],
            "email": [f"user{i}@example.com" for i in range(n)],
            "clientUserId": [f"{TOKEN}{i}" for i in range(n)],
        },
        index=[f"r{i}" for i in range(n)],
    )
    outcomes = Outcomes(n)
    outcomes.add(RowOutcome(0, "sent", 202, "", 1, 12.3))
    outcomes.add(RowOutcome(1, "rejected", 400, f"clientUserId '{TOKEN}1' refused", 2, 8.0))
    outcomes.add_many(np.arange(2, n, 2), "invalid", [BAD] * len(range(2, n, 2)))
    outcomes.add_many(np.arange(3, n, 2), "sent")
    return SendReport(ids, ids, outcomes, kind="subscribe")


def test_outcomes_hold_small_codes_and_each_reason_once():
    outcomes = Outcomes(1000)
    outcomes.add_many(np.arange(1000), "invalid", [BAD] * 1000)
    per_row = sum(
        getattr(outcomes, c).itemsize
        for c in ("codes", "http", "reason_codes", "attempts", "latency")
    )
    assert per_row == 10 and outcomes.strings.texts == ["", BAD]
    assert outcomes.status[5] == "invalid" and outcomes.reason(5) == BAD
    assert outcomes.status[:2].tolist() == ["invalid", "invalid"]


def test_latency_and_http_status_come_back_as_given():
    table = _report().table
    assert table["latency_ms"].iloc[0] == 12.3 and table["http_status"].iloc[1] == 400
    assert pd.isna(table["http_status"].iloc[2]) and np.isnan(table["latency_ms"].iloc[2])


def test_grow_place_and_copy_rows_join_parts_with_their_own_strings():
    first, second = Outcomes(2), Outcomes(2)
    first.add_many([0, 1], "invalid", ["a", "b"])
    second.add_many([0, 1], "rejected", ["b", "c"])
    whole = Outcomes(0)
    whole.grow(4)
    whole.place(0, first)
    whole.place(2, second)
    whole.copy_rows(np.array([1]), np.array([3]))
    assert [whole.reason(p) for p in range(4)] == ["a", "c", "b", "c"]
    assert whole.status[:].tolist() == ["invalid", "rejected", "rejected", "rejected"]


def test_a_report_without_its_input_names_rows_by_position_and_keeps_rows_to_retry():
    outcomes = Outcomes(5)
    outcomes.add_many([0, 2, 4], "sent")
    outcomes.add_many([1, 3], "failed", ["busy", "busy"])
    kept = pd.DataFrame({"phone": ["+12015550003", "+12015550001"]}, index=[3, 1])
    report = SendReport(None, None, outcomes, kind="attributes", kept=([3, 1], kept))
    assert list(report.table.index) == [0, 1, 2, 3, 4]
    assert report.to_retry["phone"].tolist() == ["+12015550001", "+12015550003"]
    assert report.to_retry_with_reasons()["reason"].tolist() == ["busy", "busy"]
    assert report.counts["failed"] == 2 and len(report) == 5


def test_a_long_table_is_built_each_time_and_a_short_one_kept(monkeypatch):
    report = _report()
    assert report._table is report._table
    monkeypatch.setattr(module, "TABLE_CACHE_ROWS", 5)
    longer = _report()
    assert longer._table is not longer._table
    pd.testing.assert_frame_equal(longer.table, report.table)


def test_csv_written_in_slices_is_the_table(tmp_path, monkeypatch):
    monkeypatch.setattr(module, "WRITE_ROWS", 3)
    report = _report()
    path = report.to_csv(tmp_path / "r.csv", raw=True)
    back = pd.read_csv(path, index_col=0, keep_default_na=False, dtype={"http_status": "Int64"})
    table = report.table
    assert back.index.tolist() == table.index.tolist()
    assert back["reason"].tolist() == table["reason"].tolist()
    assert back["http_status"].tolist() == table["http_status"].tolist()
    text = path.read_text(encoding="utf-8")
    assert text.count("status,http_status") == 1  # one header
    assert TOKEN not in text and "+12015550001" not in text and "user1@" not in text


def test_parquet_round_trips_and_masks(tmp_path, monkeypatch):
    monkeypatch.setattr(module, "WRITE_ROWS", 4)
    report = _report()
    saved = report.to_parquet(tmp_path / "r.parquet")
    assert repr(saved).startswith("Saved 10 rows to") and "masked" in repr(saved)
    back = pd.read_parquet(saved)
    table = report.table
    assert back.index.tolist() == table.index.tolist()
    for name in ("status", "reason", "phone", "email", "clientUserId"):
        assert back[name].tolist() == table[name].tolist()
    assert back["http_status"].tolist() == table["http_status"].tolist()
    assert back["latency_ms"].iloc[0] == 12.3
    raw = saved.read_bytes()
    assert TOKEN.encode() not in raw and b"+12015550001" not in raw and b"user1@" not in raw
    clear = pd.read_parquet(report.to_parquet(tmp_path / "c.parquet", unmasked=True))
    assert clear["clientUserId"].iloc[1] == f"{TOKEN}1"


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ConfigError, match=r"attentive_nb\[parquet\]"):
        _report().to_parquet(tmp_path / "r.parquet")
    assert not (tmp_path / "r.parquet").exists()


def test_an_empty_report_writes_its_header(tmp_path):
    report = SendReport(pd.DataFrame({"phone": []}), None, [], kind="subscribe")
    assert report.to_csv(tmp_path / "e.csv").read_text(encoding="utf-8").startswith(",status")
    assert len(pd.read_parquet(report.to_parquet(tmp_path / "e.parquet"))) == 0


def test_grow_keeps_what_was_set_and_a_view_held_stays_valid():
    outcomes = Outcomes(2)
    outcomes.add(RowOutcome(1, "sent", 200, "ok", 1, 1.5))
    outcomes.grow(3)
    assert len(outcomes) == 5 and outcomes.status[1] == "sent" and outcomes.reason(1) == "ok"
    assert outcomes.latency[1] == 15 and (outcomes.latency[2:] == -1).all()
    view = outcomes.codes[:2]
    outcomes.grow(1)  # copied, not resized under the view
    assert view.tolist() == [0, outcomes.codes[1]] and len(outcomes) == 6


def test_reason_codes_widen_past_65535_texts_and_keep_every_reason():
    outcomes = Outcomes(70_000)
    reasons = [f"in bulk job {i}" for i in range(70_000)]  # one reason a job
    outcomes.add_many(np.arange(70_000), "submitted", reasons)
    assert outcomes.reason_codes.dtype == np.int32
    assert outcomes.reason(0) == reasons[0] and outcomes.reason(69_999) == reasons[-1]
    outcomes.remark(69_998, "same person as row 1")
    assert outcomes.reason(69_998) == f"{reasons[-2]}; same person as row 1"


def test_attempts_past_int8_are_held_at_its_most():
    outcomes = Outcomes(1)
    outcomes.add(RowOutcome(0, "failed", 503, "busy", attempts=500))
    assert outcomes.take(slice(None))["attempts"].tolist() == [127]
