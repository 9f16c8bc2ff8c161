"""A streamed send end to end against the sandbox: chunks planned while sending, Ctrl-C in a
middle chunk, the re-run skipping what was sent (issue 22)."""

from __future__ import annotations

import os
import signal
from collections import Counter

import pandas as pd
import pyarrow as pa
import pytest

import attentive_nb as att
from attentive_nb.sandbox import Sandbox
from attentive_nb.send import stream

pytestmark = pytest.mark.sandbox


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(stream, "STREAM_ROWS", 20)
    monkeypatch.setattr(stream, "FIRST_ROWS", 20)


def events(n: int) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+1201{5550100 + i:07d}" for i in range(n)], "step": range(n)})


def test_ctrl_c_in_a_middle_chunk_leaves_the_rest_not_sent_and_the_rerun_sends_it_once():
    with Sandbox(port=0, latency_ms=20) as sb:
        conn = att.Connection.from_api_key(sb.api_key, api_url=sb.url)
        conn.me()
        df = events(200)  # 10 chunks of 20
        sb.when_requests(50, lambda: os.kill(os.getpid(), signal.SIGINT))  # in chunk 3
        first = conn.send_events(df, event_type="Step Done", progress=False, workers=2)
        assert first.counts["not_sent"] > 100, "the interrupt came late"
        assert first.counts["sent"] + first.counts["not_sent"] == 200
        assert any("Streamed" in n for n in first.notes)
        assert any("Interrupted" in n for n in first.notes)

        second = conn.send_events(df, event_type="Step Done", progress=False)
        assert second.counts["skipped"] == first.counts["sent"]
        assert second.counts["sent"] == first.counts["not_sent"]
        ids = Counter(e["externalEventId"] for e in sb.received("/v1/events/custom"))
        assert len(ids) == 200 and set(ids.values()) == {1}


def test_arrow_batches_interrupted_say_how_far_they_were_read(sandbox):
    conn = att.Connection.from_api_key(sandbox.api_key, api_url=sandbox.url)
    conn.me()
    reader = pa.Table.from_pandas(events(400)).to_reader(max_chunksize=20)
    sandbox.when_requests(10, lambda: os.kill(os.getpid(), signal.SIGINT))
    report = conn.send_events(reader, event_type="Step Done", progress=False, workers=1)
    assert len(report) < 400
    assert any("The input was read up to row" in n for n in report.notes)
    assert report.counts["sent"] + report.counts["not_sent"] == len(report)


def test_bulk_attributes_stream_and_settle_after_the_jobs_run(sandbox):
    conn = att.Connection.from_api_key(sandbox.api_key, api_url=sandbox.url)
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(300)], "tier": "gold"})
    report = conn.send_attributes(df, bulk=True, progress=False)
    assert any("Streamed" in n for n in report.notes)
    assert report.counts["sent"] == 300


def links(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [f"+1201{5550100 + i:07d}" for i in range(n)],
            "client_user_id": [f"crm-{i}" for i in range(n)],
        }
    )


def test_links_interrupted_in_a_middle_chunk_are_linked_once_after_the_rerun():
    with Sandbox(port=0, latency_ms=20) as sb:
        conn = att.Connection.from_api_key(sb.api_key, api_url=sb.url)
        conn.me()
        df = pd.concat([links(60), links(5)], ignore_index=True)  # 3 chunks, then repeats
        sb.when_requests(25, lambda: os.kill(os.getpid(), signal.SIGINT))  # in chunk 2
        first = conn.link_identifiers(df, progress=False, workers=2)
        assert any("Streamed" in n for n in first.notes)
        assert first.counts["not_sent"] > 10, "the interrupt came late"
        assert first.counts["sent"] + first.counts["not_sent"] == 65

        second = conn.link_identifiers(df, progress=False)
        assert second.counts["sent"] + second.counts["skipped"] == 65
        linked = Counter(b["clientUserId"] for b in sb.received(LINKS))
        assert len(linked) == 60 and set(linked.values()) == {1}
        assert sb.identifiers("+12015550103")["clientUserId"] == ["crm-3"]


def test_a_streamed_lookup_answers_every_row_asking_each_person_once(sandbox):
    conn = att.Connection.from_api_key(sandbox.api_key, api_url=sandbox.url)
    conn.send_attributes(
        pd.DataFrame({"phone": ["+12015550101"], "tier": ["gold"]}), progress=False
    )
    people = pd.DataFrame({"phone": [f"+1201{5550100 + i % 30:07d}" for i in range(90)]})
    report = conn.lookup_attributes(pa.Table.from_pandas(people), progress=False)
    assert any("Streamed" in n for n in report.notes)
    assert report.counts["sent"] == 90
    asked = [
        e for e in sandbox.history if e["path"] == "/v1/attributes/custom" and e["method"] == "GET"
    ]
    assert len(asked) == 30
    assert report.results["tier"].eq("gold").fillna(False).tolist().count(True) == 3  # 1, 31, 61


LINKS = "/v1/identity-resolution/user-identifiers"


def test_product_views_interrupted_mid_stream_are_each_recorded_once_after_the_rerun():
    with Sandbox(port=0, latency_ms=20) as sb:
        conn = att.Connection.from_api_key(sb.api_key, api_url=sb.url)
        conn.me()
        views = pd.DataFrame(
            {
                "phone": [f"+1201{5550100 + i:07d}" for i in range(100)],
                "product_id": [f"p{i % 3}" for i in range(100)],
                "product_variant_id": "v1",
                "price": 9.5,
            }
        )
        sb.when_requests(30, lambda: os.kill(os.getpid(), signal.SIGINT))  # in chunk 2
        first = conn.send_ecommerce(views, event="product-view", progress=False, workers=2)
        assert any("Streamed" in n for n in first.notes)
        assert first.counts["not_sent"] > 30, "the interrupt came late"
        second = conn.send_ecommerce(views, event="product-view", progress=False)
        assert second.counts["sent"] == first.counts["not_sent"]
        seen = sb.processed("/v1/events/ecommerce/product-view")
        assert sum(seen.values()) == 100 and set(seen.values()) == {1}
