"""Signed links stay out of logs, with urllib3's own DEBUG log of a real download."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import attentive_nb as att

pytestmark = pytest.mark.sandbox


def test_the_bulk_results_link_is_never_logged(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "urllib3.connectionpool", "requests", "attentive_nb"):
        caplog.set_level(logging.DEBUG, logger=name)
    conn = att.Connection.from_api_key(sandbox.api_key, api_url=sandbox.url)
    df = pd.DataFrame({"email": ["a@example.com", "b@example.com"], "score": [1, 2]})
    report = conn.send_attributes(df, bulk=True, progress=False)
    assert report.counts["sent"] == 2
    downloads = [r for r in caplog.records if "results.jsonl" in r.getMessage()]
    assert downloads, "urllib3 logged no request for the results file"
    for record in caplog.records:
        assert "sig=" not in record.getMessage(), record.getMessage()
        assert "sig=" not in repr(record.args)
