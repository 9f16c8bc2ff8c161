"""The ledger knows people, not only request bodies (issue 27), against the sandbox.

Each test counts on the server side what the sandbox processed.
"""

from __future__ import annotations

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.http.client import RetryPolicy
from attentive_nb.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

FAST = RetryPolicy(attempts=4, base_delay=0.02, max_delay=0.1)


def connect(sb: Sandbox) -> att.Connection:
    return att.Connection.from_api_key(sb.api_key, api_url=sb.url, retry=FAST, rate_scale=10)


def test_a_respelled_email_does_not_subscribe_the_person_again():
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        first = pd.DataFrame({"phone": ["+12013000001"], "email": ["Jane@Example.com "]})
        again = pd.DataFrame({"phone": ["+12013000001"], "email": ["jane@example.com"]})
        assert conn.send_subscribers(first, sign_up_source_id="1", progress=False).ok
        report = conn.send_subscribers(again, sign_up_source_id="1", progress=False)
        assert sb.subscribe_count("+12013000001") == 1
        (reason,) = report.table["reason"]
        assert list(report.table["status"]) == ["skipped"]
        assert "earlier run" in reason and "started" in reason


def test_a_cleaned_up_rerun_subscribes_nobody_twice():
    n = 40
    messy = pd.DataFrame(
        {
            "phone": [
                f"+1 (201) 300-{i:04d}" + (" ext. 7" if i % 3 == 0 else "") for i in range(n)
            ],
            "email": [f" Person{i}@Example.COM" for i in range(n)],
        }
    )
    clean = pd.DataFrame(
        {
            "phone": [f"+1201300{i:04d}" for i in range(n)],
            "email": [f"person{i}@example.com" for i in range(n)],
        }
    )
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        first = conn.send_subscribers(messy, sign_up_source_id="7", progress=False)
        sent = first.table["status"] == "sent"
        second = conn.send_subscribers(clean, sign_up_source_id="7", progress=False)
        twice = [p for p in clean["phone"] if sb.subscribe_count(p) > 1]
        assert twice == []
        assert (second.table["status"][sent.to_numpy()] == "skipped").all()
        # Rows the first run could not send (the extensions) are sent now, once.
        assert (second.table["status"][~sent.to_numpy()] == "sent").all()


def test_another_sign_up_source_is_another_subscription():
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        df = pd.DataFrame({"phone": ["+12013000002"]})
        assert conn.send_subscribers(df, sign_up_source_id="1", progress=False).ok
        report = conn.send_subscribers(df, sign_up_source_id="2", progress=False)
        assert list(report.table["status"]) == ["sent"]


def test_resend_true_subscribes_the_respelled_person_again():
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        first = pd.DataFrame({"email": ["Kim@Example.com"]})
        again = pd.DataFrame({"email": ["kim@example.com"]})
        assert conn.send_subscribers(first, sign_up_source_id="1", progress=False).ok
        report = conn.send_subscribers(again, sign_up_source_id="1", resend=True, progress=False)
        assert list(report.table["status"]) == ["sent"]


def test_an_unsubscribe_respelled_is_skipped_but_a_new_identifier_is_reached():
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        both = pd.DataFrame({"phone": ["+12013000003", None], "email": [None, "ann@example.com"]})
        assert conn.send_subscribers(both, sign_up_source_id="1", progress=False).ok
        assert conn.unsubscribe(pd.DataFrame({"email": ["ann@example.com"]}), progress=False).ok
        again = pd.DataFrame({"phone": ["+12013000003"], "email": [" ANN@example.com"]})
        report = conn.unsubscribe(again, progress=False)
        # The phone was never unsubscribed: the row goes, so every identifier is reached.
        assert list(report.table["status"]) == ["sent"]
        assert not sb.subscribed("+12013000003")
        respelled = conn.unsubscribe(pd.DataFrame({"email": ["Ann@Example.com"]}), progress=False)
        assert list(respelled.table["status"]) == ["skipped"]


def test_an_unsubscribe_in_capitals_leaves_nobody_subscribed_under_another_spelling():
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        subscribe = pd.DataFrame({"email": ["jane@example.com"]})
        assert conn.send_subscribers(subscribe, sign_up_source_id="1", progress=False).ok
        report = conn.unsubscribe(pd.DataFrame({"email": ["JANE@EXAMPLE.COM"]}), progress=False)
        assert list(report.table["status"]) == ["sent"]
        assert not sb.subscribed("jane@example.com", "EMAIL")


def test_a_respelled_bulk_rerun_subscribes_nobody_twice_and_names_the_earlier_run():
    n = 6
    messy = pd.DataFrame(
        {
            "phone": [f"+1 (201) 301-{i:04d}" for i in range(n)],
            "email": [f" Bulk{i}@Example.COM " for i in range(n)],
            "sign_up_source_id": ["7"] * n,
            "tier": ["gold"] * n,
        }
    )
    clean = pd.DataFrame(
        {
            "phone": [f"+1201301{i:04d}" for i in range(n)],
            "email": [f"bulk{i}@example.com" for i in range(n)],
            "sign_up_source_id": ["7"] * n,
            "tier": ["gold"] * n,
        }
    )
    with Sandbox(port=0, rate_scale=10) as sb:
        conn = connect(sb)
        first = conn.send_attributes(messy, bulk=True, progress=False)
        assert list(first.table["status"]) == ["sent"] * n
        people = [*clean["phone"], *clean["email"]]
        assert [sb.subscribe_count(p) for p in people] == [1] * (2 * n)
        second = conn.send_attributes(clean, bulk=True, progress=False)
        assert [sb.subscribe_count(p) for p in people] == [1] * (2 * n)
        assert len(sb.received("/v2/bulk/user/attributes")) == 1
        assert list(second.table["status"]) == ["skipped"] * n
        assert all("earlier run" in r and "started" in r for r in second.table["reason"])
