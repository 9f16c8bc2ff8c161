"""The kinds streamed besides events and attributes: id links and look-ups (send/stream.py).

Each is planned chunk by chunk on the one streamed path; what a check needs of earlier
chunks is kept as hashes (send/stream_checks.py). HTTP is faked at the edge (responses);
the chunk size is made small so a few hundred rows make several chunks. No sockets, no
sleeps.
"""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pyarrow as pa
import pytest
import responses
from fakes import ME

from attentive_nb.send import engine, stream

API = "https://api.attentivemobile.com"
LINKS = f"{API}/v1/identity-resolution/user-identifiers"
SUBSCRIPTIONS = f"{API}/v1/subscriptions"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(stream, "STREAM_ROWS", 40)


def keys(path) -> list[str]:
    with sqlite3.connect(path) as db:
        return sorted(k for (k,) in db.execute("SELECT key FROM requests"))


def posted() -> list[dict]:
    return [json.loads(c.request.body) for c in responses.calls if c.request.method == "POST"]


def whole_and_streamed(call, tmp_path):
    """``call(ledger)`` once as one frame, once streamed: (whole report, streamed report)."""
    stream.STREAM_ROWS = 10**9
    whole = call(tmp_path / "a.sqlite")
    stream.STREAM_ROWS = 40
    streamed = call(tmp_path / "b.sqlite")
    assert not any("Streamed" in n for n in whole.notes)
    assert any("Streamed" in n for n in streamed.notes)
    return whole, streamed


def interrupted_after(monkeypatch, rows: int):
    """Ctrl-C once ``rows`` rows were recorded; returns how to undo it."""
    calls = []
    original = engine.Engine._emit

    def emit(self, records, progress):
        yield from original(self, records, progress)
        calls.append(len(records))
        if sum(calls) >= rows:
            self._on_interrupt()

    monkeypatch.setattr(engine.Engine, "_emit", emit)
    return lambda: monkeypatch.setattr(engine.Engine, "_emit", original)


# -- link_identifiers ------------------------------------------------------------------------


def links(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [f"+1201{5550000 + i:07d}" for i in range(start, start + n)],
            "client_user_id": [f"u{i}" for i in range(start, start + n)],
        }
    )


def accept_links():
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(LINKS, status=200)


@responses.activate
def test_links_stream_with_the_ledger_keys_of_a_whole_frame_run(conn, tmp_path):
    accept_links()
    df = pd.concat([links(100), links(10, 5), links(3, 60)], ignore_index=True)  # repeats
    whole, streamed = whole_and_streamed(
        lambda ledger: conn.link_identifiers(df, ledger=ledger, progress=False), tmp_path
    )
    assert keys(tmp_path / "b.sqlite") == keys(tmp_path / "a.sqlite")
    assert len(keys(tmp_path / "b.sqlite")) == 100
    assert streamed.counts == whole.counts == {**whole.counts, "sent": 113}
    assert streamed.table["reason"].iloc[105] == whole.table["reason"].iloc[105]
    assert "same link as row 60" in streamed.table["reason"].iloc[110]


@responses.activate
def test_an_id_given_to_another_person_in_a_later_chunk_refuses_the_later_row(conn):
    accept_links()
    df = links(60)
    df.loc[50, "client_user_id"] = "u3"  # row 3 (chunk 1, sent) has it for another phone
    report = conn.link_identifiers(df, progress=False)
    table = report.table
    assert table["status"].iloc[50] == "invalid"
    reason = table["reason"].iloc[50]
    assert "shares an id with row 3" in reason and "phone" in reason and "earlier chunk" in reason
    assert table["status"].iloc[3] == "sent"
    assert report.counts["sent"] == 59
    assert all(
        body.get("clientUserId") != "u3" or body["phone"] == df.loc[3, "phone"] for body in posted()
    )


@responses.activate
def test_an_id_linked_through_a_row_of_an_earlier_chunk_keeps_its_person(conn):
    accept_links()
    df = links(100)
    df["email"] = None
    df["shopify_id"] = None
    # row 45 (chunk 2) links row 1's id and a shopify id to an email only; row 90 (chunk 3)
    # gives that shopify id to another phone: through row 45 it is row 1's person's
    df.loc[45, ["phone", "email", "client_user_id", "shopify_id"]] = [None, "a@x.com", "u1", "s1"]
    df.loc[90, "shopify_id"] = "s1"
    report = conn.link_identifiers(df, progress=False)
    table = report.table
    assert table["status"].iloc[[1, 45]].tolist() == ["sent", "sent"]
    assert table["status"].iloc[90] == "invalid"
    assert "shares an id with row 1 (an earlier chunk)" in table["reason"].iloc[90]
    assert "different phone" in table["reason"].iloc[90]


@responses.activate
def test_links_interrupted_in_a_later_chunk_are_not_sent_and_the_rerun_skips_the_sent(
    conn, tmp_path, monkeypatch
):
    accept_links()
    df = links(200)
    undo = interrupted_after(monkeypatch, 60)
    ledger = tmp_path / "l.sqlite"
    first = conn.link_identifiers(df, ledger=ledger, workers=1, progress=False)
    assert first.counts["sent"] >= 60 and first.counts["not_sent"] > 0
    assert first.counts["sent"] + first.counts["not_sent"] == 200
    undo()
    before = len(posted())
    again = conn.link_identifiers(df, ledger=ledger, progress=False)
    assert len(posted()) - before == 200 - first.counts["sent"]
    assert again.counts["skipped"] == first.counts["sent"]


@responses.activate
def test_a_links_chunk_with_other_columns_stops_there_naming_the_difference(conn):
    accept_links()
    bad = links(30, 60).rename(columns={"client_user_id": "shopify_id"})
    report = conn.link_identifiers(iter([links(30), links(30, 30), bad]), progress=False)
    assert report.counts["sent"] == 60 and len(report) == 60
    assert any("without ['client_user_id'], with ['shopify_id']" in n for n in report.notes)


@responses.activate
def test_streamed_links_of_an_arrow_reader_keep_the_rows_to_send_again(conn):
    responses.get(f"{API}/v1/me", json=ME)

    def answer(request):
        body = json.loads(request.body)
        return (
            (400, {}, json.dumps({"message": "no"}))
            if body["clientUserId"] == "u70"
            else (200, {}, "")
        )

    responses.add_callback(responses.POST, LINKS, callback=answer)
    df = links(100)
    df.loc[45, "phone"] = "not a phone"
    report = conn.link_identifiers(
        pa.Table.from_pandas(df).to_reader(max_chunksize=25), progress=False
    )
    assert list(report.to_retry.index) == [45, 70]
    assert report.to_retry["client_user_id"].tolist() == ["u45", "u70"]
    assert report.counts["sent"] == 98


@responses.activate
def test_links_in_a_dry_run_are_read_whole(conn):
    report = conn.link_identifiers(iter([links(30), links(30, 30)]), dry_run=True, progress=False)
    assert report.counts["would_send"] == 60
    assert not any("Streamed" in n for n in report.notes)


# -- look-ups --------------------------------------------------------------------------------


def people(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {"phone": [f"+1201{5550000 + i % 53:07d}" for i in range(start, start + n)]}
    )


def eligible(request):
    last = int(request.params["phone"][-2:])
    body = {
        "subscriptionEligibilities": [
            {
                "subscription": {"type": "MARKETING", "channel": "TEXT"},
                "eligibility": {"isEligible": last % 2 == 0},
            }
        ]
    }
    return (200, {}, json.dumps(body))


def answer_lookups():
    responses.get(f"{API}/v1/me", json=ME)
    responses.add_callback("GET", SUBSCRIPTIONS, callback=eligible)


def asked() -> list[str]:
    return [
        c.request.params["phone"]
        for c in responses.calls
        if c.request.method == "GET" and "/me" not in c.request.url
    ]


@responses.activate
def test_a_streamed_lookup_asks_each_person_once_and_answers_every_row(conn, tmp_path):
    answer_lookups()
    df = people(150)  # 53 people, asked again in later chunks
    stream.STREAM_ROWS = 10**9
    whole = conn.lookup_subscriptions(df, progress=False)
    stream.STREAM_ROWS = 40
    asked_whole = asked()
    streamed = conn.lookup_subscriptions(df, progress=False)
    assert any("Streamed" in n for n in streamed.notes)
    assert sorted(asked()[len(asked_whole) :]) == sorted(asked_whole)
    assert len(asked_whole) == 53
    pd.testing.assert_frame_equal(streamed.results, whole.results)
    assert streamed.counts == whole.counts
    assert "same person as row 0" in streamed.table["reason"].iloc[106]


@responses.activate
def test_a_streamed_attributes_lookup_of_polars_chunks_has_its_columns(conn):
    polars = pytest.importorskip("polars")
    responses.get(f"{API}/v1/me", json=ME)
    responses.get(f"{API}/v1/attributes/custom", json=[{"name": "tier", "value": "gold"}])
    report = conn.lookup_attributes(polars.from_pandas(people(100)), progress=False)
    assert any("in 3 chunks" in n for n in report.notes)
    assert report.results["tier"].tolist() == ["gold"] * 100
    assert len(asked()) == 53


@responses.activate
def test_a_lookup_chunk_with_other_columns_stops_there(conn):
    answer_lookups()
    bad = people(30, 60).rename(columns={"phone": "email"})
    report = conn.lookup_subscriptions(iter([people(30), people(30, 30), bad]), progress=False)
    assert report.counts["sent"] == 60 and len(report) == 60
    assert any("without ['phone'], with ['email']" in n for n in report.notes)
    assert report.results["text_marketing"].notna().all()


@responses.activate
def test_a_lookup_interrupted_leaves_the_rest_not_sent(conn, monkeypatch):
    answer_lookups()
    interrupted_after(monkeypatch, 45)
    report = conn.lookup_subscriptions(people(200, 0), workers=1, progress=False)
    assert report.counts["not_sent"] > 0
    assert report.counts["sent"] + report.counts["not_sent"] == 200
    assert report.results["text_marketing"].isna().sum() >= report.counts["not_sent"]


# -- ecommerce events that group nothing (no order id, no group_by) --------------------------


def views(n: int, start: int = 0) -> pd.DataFrame:
    i = range(start, start + n)
    return pd.DataFrame(
        {
            "phone": [f"+1201{5550000 + v % 31:07d}" for v in i],
            "product_id": [f"p{v % 7}" for v in i],
            "product_variant_id": "v1",
            "price": [float(v % 5) for v in i],
        }
    )


def accept_views():
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/events/ecommerce/product-view", status=200)


@responses.activate
def test_product_views_stream_with_the_ledger_keys_of_a_whole_frame_run(conn, tmp_path):
    accept_views()
    df = views(150)  # identical views repeat: each its own event, told apart by occurrence
    whole, streamed = whole_and_streamed(
        lambda ledger: conn.send_ecommerce(df, event="product-view", ledger=ledger, progress=False),
        tmp_path,
    )
    assert keys(tmp_path / "b.sqlite") == keys(tmp_path / "a.sqlite")
    assert len(keys(tmp_path / "b.sqlite")) == 150
    assert streamed.counts == whole.counts == {**whole.counts, "sent": 150}


@responses.activate
def test_ecommerce_grouped_by_order_is_read_whole(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/events/ecommerce/purchase", status=200)
    df = views(100)
    df["order_id"] = [f"o{i // 3}" for i in range(100)]
    df["phone"] = [f"+1201{5550000 + i // 3:07d}" for i in range(100)]  # one buyer an order
    report = conn.send_ecommerce(df, progress=False)
    assert not any("Streamed" in n for n in report.notes)
    assert report.counts["sent"] == 100 and len(posted()) == 34
    report = conn.send_ecommerce(df.drop(columns="order_id"), group_by="phone", progress=False)
    assert not any("Streamed" in n for n in report.notes)


@responses.activate
def test_product_views_interrupted_then_sent_again_send_each_view_once(conn, tmp_path, monkeypatch):
    accept_views()
    df = views(200)
    undo = interrupted_after(monkeypatch, 50)
    ledger = tmp_path / "l.sqlite"
    first = conn.send_ecommerce(df, event="product-view", ledger=ledger, workers=1, progress=False)
    assert first.counts["not_sent"] > 0
    assert first.counts["sent"] + first.counts["not_sent"] == 200
    undo()
    before = len(posted())
    again = conn.send_ecommerce(df, event="product-view", ledger=ledger, progress=False)
    assert len(posted()) - before == 200 - first.counts["sent"]
    assert again.counts["skipped"] == first.counts["sent"]


@responses.activate
def test_a_views_chunk_with_other_columns_stops_there(conn):
    accept_views()
    bad = views(30, 60).rename(columns={"price": "cost"})
    report = conn.send_ecommerce(
        iter([views(30), views(30, 30), bad]), event="product-view", progress=False
    )
    assert report.counts["sent"] == 60 and len(report) == 60
    assert any("without ['price'], with ['cost']" in n for n in report.notes)


# -- the links check itself --------------------------------------------------------------


def link(row: int, **payload) -> tuple:
    from attentive_nb.plan.model import canonical_json

    text = canonical_json(payload)
    return ((row,), payload, text, text)


def test_the_links_check_carries_refuses_and_follows_ids_forward():
    from attentive_nb.send.stream_checks import Carried, Refused, check_for

    check = check_for("link_identifiers")
    assert check.verdicts([link(0, phone="+1", clientUserId="u0")]) == [None]
    custom = [{"name": "crm", "value": "c9"}]
    first = check.verdicts(
        [
            link(10, phone="+1", clientUserId="u0"),  # the same link: carried by row 0
            link(11, email="A@X.COM", clientUserId="u0", customIdentifiers=custom),  # lent +1
            link(12, phone="+2", clientUserId="u2"),
        ]
    )
    assert first == [Carried(0), None, None]
    later = check.verdicts(
        [
            link(20, phone="+3", customIdentifiers=custom),  # c9 is +1's, through row 11
            link(21, email="a@x.com", phone="+1", customIdentifiers=custom),  # same person
            link(22, email="b@x.com", customIdentifiers=custom),  # c9's email is a@x.com
            link(23, clientUserId="u0", shopifyId="s", email="a@x.com"),  # agrees
            link(24, clientUserId="u2", klaviyoId="k", customIdentifiers=custom),  # two people
        ]
    )
    assert later[0] == Refused(later[0].reason) and "row 0" in later[0].reason
    assert "different phone" in later[0].reason
    assert later[1] is None and later[3] is None
    assert "row 11" in later[2].reason and "different email" in later[2].reason
    assert isinstance(later[4], Refused)
