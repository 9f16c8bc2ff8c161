"""``attentive-nb companies`` and ``send KIND FILE --by-company COLUMN``, as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.sandbox

CLI = [sys.executable, "-m", "attentive_nb.cli"]
EVENTS = "/v1/events/custom"


def run(*args: str, env: dict | None = None):
    """The command's CompletedProcess; env adds to the test's (already cleaned) environment."""
    return subprocess.run(
        [*CLI, *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def events_file(companies, per_company: int, extra: str = "") -> Path:
    lines = ["shop,phone,plan"]
    for k, c in enumerate(companies):
        lines += [
            f"{c.company_name},+1201{5550000 + 100 * k + i:07d},gold" for i in range(per_company)
        ]
    path = Path("events.csv")
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def no_secret(result, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in result.stdout + result.stderr


def test_companies_lists_every_company_and_no_secret(sandbox, three):
    result = run("companies", "--api-url", sandbox.url, env={"ATTENTIVE_API_KEY": sandbox.api_key})
    assert result.returncode == 0, result.stderr
    for company in three:
        assert company.company_id in result.stdout and company.company_name in result.stdout
    assert sandbox.company["companyId"] in result.stdout  # the environment's key, named by /me
    assert "ATTENTIVE_API_KEY from" in result.stdout
    no_secret(result, sandbox.api_key, *(c.access_token for c in three))


def test_companies_with_none_says_how_to_get_one():
    result = run("companies")
    assert result.returncode == 0 and "No company" in result.stdout


def test_send_by_company_sends_each_companys_rows_under_its_own_key(sandbox, three):
    events_file(three, 4)
    result = run(
        "send", "events", "events.csv", "--event-type", "Visit", "--by-company", "shop",
        "--api-url", sandbox.url, "--out", "report.csv",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "events, 12 rows for 3 companies: sent 12" in result.stdout
    # one line before the parts start; each part's estimate is among its notes, not 3 lines
    assert result.stdout.count("requests to POST /v1/events/custom") == 3
    assert result.stdout.count("note: 4 rows in 4 requests to POST /v1/events/custom") == 3
    assert result.stdout.startswith("Sending events for 3 companies at once")
    for company in three:
        assert f"  {company.company_name} ({company.company_id}): 4 rows: sent 4" in result.stdout
        bodies = sandbox.received(EVENTS, company=company.company_id)
        assert len(bodies) == 4 and all("shop" not in b.get("properties", {}) for b in bodies)
    out = pd.read_csv("report.csv", index_col=0)
    assert out["company"].tolist() == [c.company_id for c in three for _ in range(4)]
    no_secret(result, *(c.access_token for c in three))


def test_rows_without_a_company_exit_1_and_go_to_the_retry_file_with_their_column(sandbox, three):
    events_file(three[:2], 2, extra=",+12015559999,silver\n")
    result = run(
        "send", "events", "events.csv", "--event-type", "Visit", "--by-company", "shop",
        "--api-url", sandbox.url, "--retry-out", "retry.csv",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no company: 1 row: invalid 1" in result.stdout
    assert "invalid: 1 row: no company" in result.stdout
    retry = pd.read_csv("retry.csv")
    assert retry.columns.tolist() == ["shop", "phone", "plan"] and len(retry) == 1
    assert len(sandbox.received(EVENTS)) == 4


def test_a_revoked_company_exits_1_and_the_others_are_sent(sandbox, three):
    events_file(three, 3)
    sandbox.revoke(three[1])
    result = run(
        "send", "events", "events.csv", "--event-type", "Visit", "--by-company", "shop",
        "--api-url", sandbox.url,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Beta ({three[1].company_id}): 3 rows: not_sent 3" in result.stdout
    assert "Unauthorized" in result.stdout
    assert len(sandbox.received(EVENTS)) == 6


def test_an_unknown_company_is_a_usage_error_and_nothing_is_sent(sandbox, three):
    events_file(three, 2, extra="Delta,+12015559999,gold\n")
    result = run(
        "send", "events", "events.csv", "--event-type", "Visit", "--by-company", "shop",
        "--api-url", sandbox.url,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "'Delta'" in result.stderr and "Alpha" in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.history == []
