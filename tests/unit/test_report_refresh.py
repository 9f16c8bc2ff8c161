"""``submitted`` rows and ``report.refresh()``: a bulk job's rows move on when Attentive is done."""

from __future__ import annotations

import pandas as pd

from attentive_nb.report import STATUSES, RowOutcome, SendReport
from attentive_nb.report.summary import MEANINGS

JOB = "in bulk job J1, accepted by Attentive and not applied yet"


class FakeFollowUp:
    """Answers each refresh with the next prepared outcomes, and records the waits asked for."""

    def __init__(self, *answers: tuple[list[RowOutcome], list[str]]) -> None:
        self.answers = list(answers)
        self.waits: list[float] = []

    def __call__(self, wait_s: float) -> tuple[list[RowOutcome], list[str]]:
        self.waits.append(wait_s)
        return self.answers.pop(0)


def _report(follow_up=None) -> SendReport:
    data = pd.DataFrame({"email": ["a@example.com", "b@example.com", "c@example.com"]})
    outcomes = [
        RowOutcome(0, "submitted", 202, JOB, 1, 100.0),
        RowOutcome(1, "submitted", 202, JOB, 1, 100.0),
        RowOutcome(2, "invalid", None, "email 'c@' is not a valid address"),
    ]
    return SendReport(data, data, outcomes, kind="attributes", follow_up=follow_up)


def test_submitted_is_a_status_with_its_meaning():
    assert "submitted" in STATUSES
    assert "report.refresh()" in MEANINGS["submitted"]
    report = _report()
    assert report.counts["submitted"] == 2
    assert not report.ok  # not known yet
    assert list(report.to_retry.index) == [2]  # nothing to fix in a row Attentive has


def test_refresh_moves_rows_on_and_the_views_follow():
    follow = FakeFollowUp(
        (
            [
                RowOutcome(0, "sent", 202, "applied in bulk job J1", 1, 100.0),
                RowOutcome(1, "rejected", 202, "custom.points must be a number", 1, 100.0),
            ],
            ["bulk job J1: COMPLETED."],
        )
    )
    report = _report(follow)
    before = report.summary  # cached views are rebuilt after a refresh
    assert report.refresh(wait=5) is report
    assert follow.waits == [5]
    assert report.table["status"].tolist() == ["sent", "rejected", "invalid"]
    assert report.table["reason"].iloc[1] == "custom.points must be a number"
    assert report.counts["submitted"] == 0 and report.counts["sent"] == 1
    assert "submitted" in before["status"].tolist()
    assert "submitted" not in report.summary["status"].tolist()
    assert list(report.to_retry.index) == [1, 2]
    assert report.notes[-1] == "bulk job J1: COMPLETED."


def test_refresh_without_bulk_jobs_changes_nothing():
    report = _report()
    assert report.refresh() is report
    assert report.counts["submitted"] == 2


def test_refresh_once_nothing_is_submitted_asks_nobody():
    follow = FakeFollowUp(([RowOutcome(p, "sent", 202, "", 1, None) for p in (0, 1)], []))
    report = _report(follow)
    report.refresh()
    report.refresh()
    assert follow.waits == [0]


def test_the_notebook_view_says_how_to_follow_up():
    html = _report()._repr_html_()
    assert "2 rows are in bulk jobs" in html and "report.refresh()" in html
