"""The send engine end to end against the sandbox on loopback: real HTTP, real threads."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.http.client import RetryPolicy
from attentive_nb.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

FAST_RETRIES = RetryPolicy(attempts=8, base_delay=0.02, max_delay=0.2)


def quiet(**options):
    return {"progress": False, **options}


def connect(sb: Sandbox, **client_options) -> att.Connection:
    return att.Connection.from_api_key(sb.api_key, api_url=sb.url, **client_options)


def people(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [f"+1201{5550100 + i:07d}" for i in range(n)],
            "email": [f"person{i}@example.com" for i in range(n)],
        }
    )


def test_me_through_the_client(sandbox):
    assert connect(sandbox).me() == sandbox.company


def test_subscribe_and_unsubscribe_end_to_end(sandbox):
    conn = connect(sandbox)
    report = conn.send_subscribers(people(3), sign_up_source_id="123", **quiet())
    assert report.counts["sent"] == 3
    assert all("NEWLY_CREATED" in reason for reason in report.table["reason"])
    assert [sandbox.subscribe_count(p) for p in people(3)["phone"]] == [1, 1, 1]
    bodies = sandbox.received("/v1/subscriptions")
    assert all(
        b["signUpSourceId"] == "123" and "externalIdentifiers" not in b["user"] for b in bodies
    )

    gone = conn.unsubscribe(people(2)[["phone"]], notify=False, **quiet())
    assert gone.counts["sent"] == 2
    assert all("NEWLY_UNSUBSCRIBED" in reason for reason in gone.table["reason"])
    sent = sandbox.received("/v1/subscriptions/unsubscribe")
    assert all(b["notification"] == {"disabled": True} for b in sent)


def test_attributes_events_and_ecommerce_end_to_end(sandbox):
    conn = connect(sandbox)
    attrs = people(2).assign(tier=["gold", "silver"], points=[10, 20])
    assert conn.send_attributes(attrs, **quiet()).counts["sent"] == 2
    assert sandbox.attributes("person0@example.com") or sandbox.attributes("+12015550100")

    events = people(2).assign(plan=["pro", "team"])
    assert conn.send_events(events, event_type="Plan Changed", **quiet()).counts["sent"] == 2
    received = sandbox.received("/v1/events/custom")
    assert {e["properties"]["plan"] for e in received} == {"pro", "team"}

    lines = pd.DataFrame(
        {
            "order_id": ["A1", "A1", "B2"],
            "email": ["a@example.com", "a@example.com", "b@example.com"],
            "product_id": ["p1", "p2", "p3"],
            "product_variant_id": ["v1", "v2", "v3"],
            "price": [10.0, 5.5, 3],
        }
    )
    for kind in ("purchase", "add-to-cart", "product-view"):
        report = conn.send_ecommerce(lines, event=kind, **quiet())
        assert report.counts["sent"] == 3, report.summary
    orders = sandbox.received("/v1/events/ecommerce/purchase")
    assert sorted(len(o["items"]) for o in orders) == [1, 2]


def test_bulk_attributes_end_to_end(sandbox):
    conn = connect(sandbox)
    df = pd.DataFrame(
        {"email": [f"bulk{i}@example.com" for i in range(300)], "score": list(range(300))}
    )
    df["score"] = df["score"].astype(object)
    df.loc[5, "score"] = "not a number"  # the type was fixed as a number by row 0
    report = conn.send_attributes(df, bulk=True, **quiet())
    assert len(sandbox.received("/v2/bulk/user/attributes")) == 2  # 256 + 44 users
    assert report.counts["sent"] == 299
    assert report.table["status"].iloc[5] == "rejected"


def test_a_thousand_row_dry_run_makes_no_request(sandbox):
    report = connect(sandbox).send_subscribers(
        people(1000), sign_up_source_id="123", **quiet(dry_run=True)
    )
    assert report.counts["would_send"] == 1000
    assert sandbox.history == []


def test_faults_end_in_definite_outcomes_and_nobody_is_subscribed_twice():
    # 30% of answers are 500/503 and a tenth are lost after the sandbox acted.
    with Sandbox(port=0, error_rate=0.3, reset_rate=0.1, seed=7) as sb:
        conn = connect(sb, retry=FAST_RETRIES)
        df = people(30)
        report = conn.send_subscribers(df, sign_up_source_id="123", **quiet())
        statuses = report.table["status"]
        assert set(statuses) <= {"sent", "unknown", "failed"}
        assert (statuses == "sent").sum() >= 20
        assert sb.counters.get("500", 0) + sb.counters.get("503", 0) > 0
        counts = [sb.subscribe_count(phone) for phone in df["phone"]]
        assert max(counts) == 1, "a phone was subscribed twice"
        # 'sent' rows were taken once; 'failed' ones never; 'unknown' ones were lost in flight.
        for phone, status in zip(df["phone"], statuses):
            assert sb.subscribe_count(phone) == (0 if status == "failed" else 1)
        lost = [h for h in sb.history if h["endpoint"] == "subscribe" and h["outcome"] == "reset"]
        assert (statuses == "unknown").sum() == len(lost) > 0


class SharedClock:
    """One made-up clock for the sandbox and the client: waiting only moves it."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def test_429s_slow_the_send_down_and_every_row_still_arrives():
    clock = SharedClock()
    # 15 events a second instead of 150, on a clock that only the client's waits move,
    # so the first burst certainly overruns the window.
    with Sandbox(port=0, rate_scale=0.1, clock=clock) as sb:
        conn = connect(sb, clock=clock, sleep=clock.sleep, retry=FAST_RETRIES)
        df = people(40).assign(step=range(40))
        # One worker: sleeps of threads waiting at once would add up on this shared clock.
        report = conn.send_events(df, event_type="Step Done", **quiet(workers=1))
        assert report.counts["sent"] == 40
        governor = conn.client.governors.for_endpoint("events", 150)
        assert governor.limit == 15, "the announced limit was adopted"
        assert governor.throttled > 0
        assert len(sb.received("/v1/events/custom")) == 40
        assert sb.counters["429"] == (report.table["attempts"] - 1).sum() > 0


def test_events_retried_after_5xx_all_arrive_once():
    with Sandbox(port=0, error_rate=0.4, seed=3) as sb:
        conn = connect(sb, retry=FAST_RETRIES)
        df = people(30).assign(step=range(30))
        report = conn.send_events(df, event_type="Step Done", **quiet())
        assert report.counts["sent"] == 30
        assert (report.table["attempts"] > 1).any()
        ids = Counter(e["externalEventId"] for e in sb.received("/v1/events/custom"))
        assert len(ids) == 30 and set(ids.values()) == {1}


def test_interrupted_run_then_rerun_sends_each_row_exactly_once():
    with Sandbox(port=0, latency_ms=40) as sb:
        conn = connect(sb)
        conn.me()
        df = people(60).assign(step=range(60))
        # Ctrl-C just as the 12th event is answered: surely while the send runs.
        sb.when_requests(12, lambda: os.kill(os.getpid(), signal.SIGINT))
        first = conn.send_events(df, event_type="Step Done", **quiet(workers=2))
        assert first.counts["not_sent"] > 0, "the interrupt came after the run had finished"
        assert first.counts["sent"] > 0
        assert first.counts["sent"] + first.counts["not_sent"] == 60
        assert any("Interrupted" in note for note in first.notes)

        second = conn.send_events(df, event_type="Step Done", **quiet())
        assert second.counts["skipped"] == first.counts["sent"]
        assert second.counts["sent"] == first.counts["not_sent"]
        ids = Counter(e["externalEventId"] for e in sb.received("/v1/events/custom"))
        assert len(ids) == 60 and set(ids.values()) == {1}


def test_a_token_without_the_scope_stops_with_words_naming_it(sandbox):
    token = sandbox.token_for(["events:write"])
    conn = att.Connection.from_token(token, api_url=sandbox.url)
    report = conn.send_subscribers(people(5), sign_up_source_id="123", **quiet(workers=1))
    assert report.counts["rejected"] >= 1
    assert report.counts["rejected"] + report.counts["not_sent"] == 5
    assert any("subscriptions:write" in note for note in report.notes)
