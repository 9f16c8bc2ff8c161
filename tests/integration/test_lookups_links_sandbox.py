"""Look-ups and identity links end to end against the sandbox: real HTTP, real threads.

- link, then send by client_user_id alone: the events and attributes reach the person;
- an id never linked is flagged before sending (dry run, and said before a real send),
  and what is sent by it reaches nobody;
- look-ups reflect what was sent (subscribed, unsubscribed, attributes set).
"""

from __future__ import annotations

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

PHONES = ["+12015550140", "+12015550141", "+12015550142"]


def connect(sb: Sandbox) -> att.Connection:
    return att.Connection.from_api_key(sb.api_key, api_url=sb.url)


def test_link_then_send_by_id_reaches_the_person(sandbox):
    conn = connect(sandbox)
    people = pd.DataFrame({"phone": PHONES[:2], "client_user_id": ["c-1", "c-2"]})
    linked = conn.link_identifiers(people, progress=False)
    assert linked.counts["sent"] == 2

    by_id = pd.DataFrame({"client_user_id": ["c-1", "c-2"], "plan": ["pro", "team"]})
    report = conn.send_events(by_id, event_type="Plan Changed", progress=False)
    assert report.counts["sent"] == 2
    assert [e["properties"]["plan"] for e in sandbox.reached(PHONES[0])] == ["pro"]
    assert [e["properties"]["plan"] for e in sandbox.reached(PHONES[1])] == ["team"]
    assert sandbox.unmatched() == []

    attrs = pd.DataFrame({"client_user_id": ["c-1"], "tier": ["gold"]})
    assert conn.send_attributes(attrs, progress=False).counts["sent"] == 1
    found = conn.lookup_attributes(pd.DataFrame({"phone": [PHONES[0]]}), progress=False)
    assert found.results["tier"].tolist() == ["gold"]


def test_an_unlinked_id_is_flagged_before_sending_and_reaches_nobody(sandbox, capsys):
    conn = connect(sandbox)
    by_id = pd.DataFrame({"client_user_id": ["never-linked"], "plan": ["pro"]})
    dry = conn.send_events(by_id, event_type="Plan Changed", dry_run=True, progress=False)
    assert dry.counts["would_send"] == 1
    flagged = [n for n in dry.notes if "only by client_user_id" in n]
    assert flagged and "conn.link_identifiers" in flagged[0]

    report = conn.send_events(by_id, event_type="Plan Changed", progress=False)
    estimate, note = capsys.readouterr().out.splitlines()[:2]  # said before sending
    assert estimate.startswith("1 row in 1 request to POST /v1/events/custom")
    assert note.startswith("Note: 1 row names the person only by client_user_id")
    assert report.counts["sent"] == 1  # Attentive accepts it...
    assert len(sandbox.unmatched("/v1/events/custom")) == 1  # ...and it reaches nobody
    assert flagged[0] in report.notes


def test_lookups_reflect_what_was_sent(sandbox):
    conn = connect(sandbox)
    people = pd.DataFrame({"phone": PHONES, "email": ["a@example.com", None, None]})
    before = conn.lookup_subscriptions(people, progress=False)
    assert before.counts["sent"] == 3
    assert before.results["text_marketing"].tolist() == [False, False, False]

    conn.send_subscribers(people.iloc[:2], sign_up_source_id="123", progress=False)
    conn.unsubscribe(people.iloc[1:2][["phone"]], notify=False, progress=False)
    after = conn.lookup_subscriptions(people, progress=False)
    assert after.results["text_marketing"].tolist() == [True, False, False]
    assert after.results["email_marketing"].tolist() == [True, False, False]
    assert after.table["phone"].tolist()[0] == "+1201•••0140"  # masked like any report

    points = pd.array([10, None], dtype="Int64")
    attrs = pd.DataFrame({"phone": PHONES[:2], "tier": ["gold", "silver"], "points": points})
    conn.send_attributes(attrs, progress=False)
    found = conn.lookup_attributes(people, progress=False)
    assert found.results["tier"].fillna("-").tolist() == ["gold", "silver", "-"]
    assert found.results["points"].fillna("-").tolist() == ["10", "-", "-"]
    assert found.table["reason"].tolist()[2] == "no custom attributes"


def test_purchases_from_the_store_and_a_french_confirmation(sandbox):
    conn = connect(sandbox)
    lines = pd.DataFrame(
        {
            "order_id": ["S1"],
            "phone": [PHONES[0]],
            "product_id": ["p1"],
            "product_variant_id": ["v1"],
            "price": [12.5],
            "sales_channel": ["in_store"],
        }
    )
    assert conn.send_ecommerce(lines, progress=False).counts["sent"] == 1
    (purchase,) = sandbox.received("/v1/events/ecommerce/purchase")
    assert purchase["salesChannel"] == {"channelType": "IN_STORE"}

    gone = conn.unsubscribe(pd.DataFrame({"phone": [PHONES[0]]}), language="fr-CA", progress=False)
    assert gone.counts["sent"] == 1
    (body,) = sandbox.received("/v1/subscriptions/unsubscribe")
    assert body["notification"] == {"language": "fr-CA"}


def test_old_events_are_flagged_in_the_dry_run(sandbox):
    events = pd.DataFrame({"email": ["a@example.com"], "occurred_at": ["2020-01-02T03:04:05Z"]})
    dry = connect(sandbox).send_events(events, event_type="T", dry_run=True, progress=False)
    assert any(
        "more than 12 hours before now (the oldest: 2020-01-02T03:04:05Z)" in n for n in dry.notes
    )
