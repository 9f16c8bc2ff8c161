"""CSV chunks given to the library (``pd.read_csv(path, chunksize=)``): a streamed send
sends what the same chunks joined into one frame (``frames.whole``) send.

HTTP is faked at the edge (responses). No sockets, no sleeps.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.plan import frames
from attentive_nb.send import stream

API = "https://api.attentivemobile.com"


def bodies(conn, data, tmp_path, name) -> str:
    """The event bodies a send of ``data`` posts, in a stable order, as JSON text."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(f"{API}/v1/me", json=ME)
        mocked.post(f"{API}/v1/events/custom", status=200)
        report = conn.send_events(
            data, event_type="Viewed", progress=False, ledger=tmp_path / f"{name}.sqlite"
        )
        sent = [json.loads(c.request.body) for c in mocked.calls if c.request.method == "POST"]
    assert report.counts["sent"] == 30
    return json.dumps(sorted(sent, key=lambda b: b["properties"]["sku"]))


@pytest.mark.parametrize("backend", [{}, {"dtype_backend": "numpy_nullable"}])
def test_csv_chunks_streamed_send_what_they_send_joined(monkeypatch, tmp_path, backend):
    monkeypatch.setattr(stream, "STREAM_ROWS", 10)
    monkeypatch.setattr(stream, "FIRST_ROWS", 10)
    rows = [
        f"+1201555{i:04d},A{i},{'' if i in (13, 22) else i},{i + 0.5 if i >= 24 else i}"
        for i in range(30)
    ]
    path = tmp_path / "e.csv"
    path.write_text("phone,sku,points,score\n" + "\n".join(rows) + "\n")
    conn = att.Connection.from_api_key("test-key-0123456789", sleep=lambda _s: None)

    def read():
        return pd.read_csv(path, chunksize=4, **backend)

    joined = frames.whole(read())
    assert len(joined) == 30  # one frame of 30 rows: planned whole, not streamed
    assert bodies(conn, read(), tmp_path, "streamed") == bodies(conn, joined, tmp_path, "whole")
