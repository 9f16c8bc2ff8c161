"""Privacy deletions against the sandbox: counted on the server side, not from the report."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.errors import AttentiveError
from attentive_nb.sandbox import Sandbox

pytestmark = pytest.mark.sandbox
CLI = Path(sys.executable).with_name("attentive-nb")


def phones(n: int) -> list[str]:
    return [f"+1201{5550100 + i:07d}" for i in range(n)]


def requested(sb: Sandbox) -> Counter[str]:
    return Counter(r["subjectPhone"] for r in sb.deletion_requests())


def cli(sb: Sandbox, folder: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, **sb.environment(), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [str(CLI), "delete", *args],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,  # nobody at a terminal to type DELETE <n>
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_deletion_is_never_sent_without_confirmation(tmp_path):
    pd.DataFrame({"phone": phones(3)}).to_csv(tmp_path / "people.csv", index=False)
    with Sandbox(port=0) as sb:
        run = cli(sb, tmp_path, "people.csv")
        out, _ = run.communicate(timeout=60)
        assert run.returncode == 2
        assert "Nothing was sent: deleting 3 people cannot be undone" in out
        conn = att.Connection.from_api_key(sb.api_key, api_url=sb.url)
        with pytest.raises(AttentiveError, match="Nothing was sent"):
            conn.request_deletion(pd.DataFrame({"phone": phones(1)}), progress=False)
        assert sb.deletion_requests() == []
        assert not [e for e in sb.history if e["endpoint"] == "privacy_delete"]


def test_a_killed_run_run_again_requests_nobody_twice(tmp_path):
    people = phones(200)
    pd.DataFrame({"phone": people}).to_csv(tmp_path / "people.csv", index=False)
    with Sandbox(port=0, latency_ms=40) as sb:
        first = cli(sb, tmp_path, "people.csv", "--yes", "--message", "CCPA batch 7")

        def kill() -> None:  # mid-run, with requests on the wire: no chance to record them
            os.kill(first.pid, signal.SIGKILL)

        sb.when_requests(10, kill, where=lambda e: e["endpoint"] == "privacy_delete")
        first.communicate(timeout=60)
        assert first.returncode == -signal.SIGKILL
        second = cli(sb, tmp_path, "people.csv", "--yes", "--out", "again.csv")
        out, _ = second.communicate(timeout=120)
        after = requested(sb)
        assert max(after.values()) == 1, "somebody was requested twice"
        report = pd.read_csv(tmp_path / "again.csv")  # input order
        statuses, reasons = report["status"].tolist(), report["reason"].tolist()
        assert set(statuses) <= {"submitted", "skipped", "unknown"}, out
        assert "submitted" in statuses and "unknown" in statuses
        ids = {r["id"]: r["subjectPhone"] for r in sb.deletion_requests()}
        for phone, status, reason in zip(people, statuses, reasons):
            if status == "submitted":  # sent by this run: the one request for this person
                assert ids[re.search(r"deletion request '(\w+)'", reason).group(1)] == phone
            elif status == "skipped":  # accepted in the killed run, and recorded
                assert after[phone] == 1
            else:  # claimed by the killed run: it may or may not have left; not resent blindly
                assert "not resent" in reason
        assert all(statuses[i] == "unknown" for i, p in enumerate(people) if after[p] == 0)


def test_delete_status_follows_the_requests_up_to_completed(tmp_path):
    pd.DataFrame({"phone": phones(2)}).to_csv(tmp_path / "people.csv", index=False)
    with Sandbox(port=0, deletion_delay_s=0) as sb:
        sent = cli(sb, tmp_path, "people.csv", "--yes")
        out, _ = sent.communicate(timeout=60)
        assert sent.returncode == 0 and "attentive-nb delete --status follows them up" in out
        status = cli(sb, tmp_path, "--status")
        out, _ = status.communicate(timeout=60)
        assert status.returncode == 0
        assert out.count("COMPLETED") == 2 and "+1201•••0100" in out and "+12015550100" not in out
        assert [r["status"] for r in sb.deletion_requests()] == ["COMPLETED", "COMPLETED"]
