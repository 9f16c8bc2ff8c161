"""A bulk job's results file as a hostile server writes it (issue 25).

HTML or script in the messages is escaped in every view; millions of lines
or a file too large to hold cost bounded memory; lines that are not JSON
leave their people ``unknown`` rather than guessed.
"""

from __future__ import annotations

import json
import tracemalloc

import pandas as pd
import pytest
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.http import client as http_client
from attentive_nb.send.bulk import Record, match, read_results, who
from attentive_nb.send.ledger import Ledger

API = "https://api.attentivemobile.com"
FILES = "https://files.example.com"
SCRIPT = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def people(n: int = 2) -> pd.DataFrame:
    return pd.DataFrame({"email": [f"p{i}@example.com" for i in range(n)], "points": range(n)})


def line(i: int, status: str, message: str) -> dict:
    request = {"identifiers": {"email": f"p{i}@example.com"}, "attributes": {"custom": {}}}
    return {"request": request, "response": {"status": status, "message": message}}


def job_with_results(body: str) -> None:
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v2/bulk/user/attributes", status=202, json={"batchJobId": "J1"})
    responses.get(
        f"{API}/v2/bulk/job/J1",
        json={"bulkJobId": "J1", "status": "COMPLETED", "url": f"{FILES}/J1.jsonl?sig=s"},
    )
    responses.get(f"{FILES}/J1.jsonl", body=body)


def send(conn) -> att.SendReport:
    return conn.send_attributes(people(), bulk=True, progress=False)


def states() -> dict[str, int]:
    with Ledger() as ledger:
        return {
            s: ledger.count(ME["companyId"], "attributes_bulk", s)
            for s in ("submitted", "sent", "rejected", "unknown")
        }


@responses.activate
def test_script_in_a_results_message_is_escaped_in_every_view(conn):
    body = "".join(json.dumps(line(i, "FAILED", SCRIPT)) + "\n" for i in range(2))
    job_with_results(body)
    report = send(conn)
    assert report.table["status"].tolist() == ["rejected", "rejected"]
    views = [report._repr_html_(), conn.bulk_jobs().to_html(), report.table.to_html()]
    for html in views:
        assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in report._repr_html_()


@responses.activate
@pytest.mark.parametrize(
    "body",
    [
        "<html><body>" + SCRIPT + "</body></html>\n",
        'not json\n\x00\xff\n[1, 2]\n"text"\n',
        '{"request": \n',
    ],
)
def test_lines_that_are_not_json_leave_their_people_unknown(conn, body):
    job_with_results(body)
    report = send(conn)
    assert report.table["status"].tolist() == ["unknown", "unknown"]
    assert "no line for this person" in report.table["reason"].iloc[0]
    assert states()["unknown"] == 2


@responses.activate
def test_a_results_file_too_large_is_not_read_and_its_people_are_unknown(conn, monkeypatch):
    monkeypatch.setattr(http_client, "MAX_DOWNLOAD_BYTES", 10_000)
    job_with_results(json.dumps(line(0, "SUCCESS", "x" * 20_000)) + "\n")
    report = send(conn)
    assert report.table["status"].tolist() == ["unknown", "unknown"]
    assert "larger than 0.01 MB" in report.table["reason"].iloc[0]
    assert states()["unknown"] == 2
    downloads = [c for c in responses.calls if c.request.url.startswith(FILES)]
    assert len(downloads) == 1  # the same file is not fetched again


def test_a_results_file_of_many_lines_is_read_in_bounded_memory():
    ours = [Record(0, "k0", who({"email": "p0@example.com"}))]
    junk = '{"request": {"identifiers": {"email": "p0@example.com"}}}\n' * 20_000
    tracemalloc.start()
    try:
        lines = read_results(junk, "attributes_bulk")
        matched, unmatched = match(lines, ours)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert list(matched) == ["k0"] and unmatched == 19_999
    assert peak < 1_500_000  # the lines are not all held: a list of them is ~6 MB
