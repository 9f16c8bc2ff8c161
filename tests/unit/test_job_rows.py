"""A submitted job's rows kept compactly: positions (a range when they follow on), no keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import responses
from test_send_bulk import accept, ok, quiet, refused, results

from attentive_nb.send.jobs import JobRows


def test_rows_that_follow_on_one_a_record_are_a_range():
    rows = JobRows.of([(5,), (6,), (7,)])
    assert isinstance(rows.positions, range) and rows.positions == range(5, 8)
    assert rows.records is None  # row i is record i
    assert len(rows) == 3
    assert rows.record_of().tolist() == [0, 1, 2]


def test_rows_with_gaps_are_a_small_array():
    rows = JobRows.of([(1,), (4,), (5,)])
    assert isinstance(rows.positions, np.ndarray) and rows.positions.dtype == np.int32
    assert rows.positions.tolist() == [1, 4, 5]
    assert rows.record_of().tolist() == [0, 1, 2]


def test_a_record_carrying_several_rows_maps_each_row_to_it():
    rows = JobRows.of([(2, 9), (3,), (4, 5, 6)])
    assert list(rows.positions) == [2, 9, 3, 4, 5, 6]
    assert rows.record_of().tolist() == [0, 0, 1, 2, 2, 2]


def test_a_job_without_rows():
    rows = JobRows.of([])
    assert len(rows) == 0 and list(rows.positions) == [] and rows.record_of().tolist() == []


def test_positions_past_int32_are_kept_exactly():
    rows = JobRows.of([(3_000_000_000,), (3_000_000_002,)])
    assert rows.positions.tolist() == [3_000_000_000, 3_000_000_002]


def _people(n: int) -> pd.DataFrame:
    emails = [f"p{i}@example.com" for i in range(n)]
    emails[3] = "not an email"  # invalid: the job's rows have a gap
    return pd.DataFrame({"email": emails, "points": [10 * i for i in range(n)]})


@responses.activate
def test_results_land_on_their_rows_across_a_gap(conn):
    accept()
    report = conn.send_attributes(_people(6), bulk=True, wait=0, **quiet())
    results("job-1", ok(5), refused(4, "no"), ok(0), ok(1), ok(2))
    report.refresh()
    statuses = report.table["status"].tolist()
    assert statuses == ["sent", "sent", "sent", "invalid", "rejected", "sent"]
    assert report.table["reason"].iloc[4] == "no"


@responses.activate
def test_the_engine_keeps_no_ledger_key_per_row(conn, monkeypatch):
    from attentive_nb.send import runner

    kept = []
    real = runner._Sending.follow_up

    def follow_up(self):
        kept.extend(self.engine.submitted)
        return real(self)

    monkeypatch.setattr(runner._Sending, "follow_up", follow_up)
    accept()
    conn.send_attributes(_people(6), bulk=True, wait=0, **quiet())
    (job,) = kept
    assert job.job_id == "job-1" and list(job.rows.positions) == [0, 1, 2, 4, 5]
    assert not any(isinstance(v, str) and len(v) == 64 for v in vars(job).values())
