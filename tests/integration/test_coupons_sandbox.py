"""Coupon uploads against the sandbox: what reached the pool is counted there."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import attentive_nb as att

pytestmark = pytest.mark.sandbox
CREATE = "/v1/coupons/coupon-pool/{coupon-pool-id}/create"


@pytest.fixture
def conn(sandbox):
    return att.Connection.from_api_key(sandbox.api_key, api_url=sandbox.url)


def test_450000_codes_go_in_3_requests_and_reach_the_pool_exactly_once(sandbox, conn):
    codes = pd.Series([f"{i:08d}" for i in range(450_000)], dtype=object)
    report = conn.upload_coupons(codes, pool=31, progress=False)
    assert report.counts["sent"] == 450_000
    # The requests go at once, so they may arrive in any order.
    assert sorted(len(b["codes"]) for b in sandbox.received(CREATE)) == [50_000, 200_000, 200_000]
    pool = Counter(sandbox.coupons(31))
    assert set(pool) == set(codes) and set(pool.values()) == {1}  # "00000000": zeros as written
    again = conn.upload_coupons(codes, pool=31, progress=False)
    assert again.counts["skipped"] == 450_000 and len(sandbox.coupons(31)) == 450_000


def test_an_overlapping_window_is_refused_by_the_sandbox_and_reported_per_row(sandbox, conn):
    first = conn.upload_coupons(
        ["JAN1", "JAN2"],
        pool=32,
        distribution_start="2030-01-01",
        distribution_stop="2030-02-01",
        progress=False,
    )
    assert first.counts["sent"] == 2
    late = conn.upload_coupons(
        pd.DataFrame({"code": ["MID1", "MID2", "MID1", ""]}),
        pool=32,
        distribution_start="2030-01-15",
        distribution_stop="2030-03-01",
        progress=False,
    )
    assert list(late.table["status"]) == ["rejected", "rejected", "rejected", "invalid"]
    assert late.table["reason"].iloc[0].startswith("Bad Request: the range 2030-01-15T00:00:00Z")
    assert "same code as row 0" in late.table["reason"].iloc[2]
    assert list(late.to_retry["code"].fillna("")) == ["MID1", "MID2", "MID1", ""]
    assert sandbox.coupons(32) == ["JAN1", "JAN2"]


def test_the_command_line_reads_codes_as_text(sandbox, tmp_path):
    (tmp_path / "codes.csv").write_text("code,campaign\n000123,spring\nNA,spring\n,spring\n")
    env = {**os.environ, **sandbox.environment()}
    run = subprocess.run(
        [str(Path(sys.executable).with_name("attentive-nb")), "coupons", "codes.csv"]
        + ["--pool", "33", "--out", "report.csv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr  # the blank code needs another go
    assert sandbox.coupons(33) == ["000123", "NA"]
    assert list(pd.read_csv(tmp_path / "report.csv")["status"]) == ["sent", "sent", "invalid"]
