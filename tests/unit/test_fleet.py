"""send_by_company with HTTP faked at the edge: split, refusals, one report, no secret."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import responses

import attentive_nb as att
from attentive_nb.fleet.split import by_company
from attentive_nb.signin.tokens import TokenStore

API = "https://api.attentivemobile.com"
TOKENS = {"cA": "tokA-0123456789-abcdefghijkl", "cB": "tokB-9876543210-zyxwvutsrqpo"}
NAMES = {"cA": "Alpha Shoes", "cB": "Beta Hats"}


@pytest.fixture(autouse=True)
def stored():
    store = TokenStore()
    for cid, token in TOKENS.items():
        store.save(cid, token, company_name=NAMES[cid])
    return store


def company_of(request) -> str | None:
    token = request.headers["Authorization"].partition(" ")[2]
    return next((cid for cid, t in TOKENS.items() if t == token), None)


def fake_api(me=None, refuse=()):
    """/v1/me answers each token's company (or ``me``'s); ``refuse``: companies answered 401."""
    sent: list[tuple[str | None, dict]] = []

    def answer_me(request):
        cid = company_of(request)
        if cid in refuse:
            return 401, {}, json.dumps({"error": {"message": "Unauthorized"}})
        body = {"companyId": (me or {}).get(cid, cid), "companyName": NAMES.get(cid)}
        return 200, {}, json.dumps(body)

    def answer_event(request):
        sent.append((company_of(request), json.loads(request.body)))
        return 200, {}, "{}"

    responses.add_callback(responses.GET, f"{API}/v1/me", callback=answer_me)
    responses.add_callback(responses.POST, f"{API}/v1/events/custom", callback=answer_event)
    return sent


def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "company_id": ["cA", "cB", " cA ", None, "Beta Hats"],
            "phone": [f"+1201555010{i}" for i in range(5)],
            "plan": ["gold", "silver", "gold", "none", "bronze"],
        },
        index=[10, 11, 12, 13, 14],
    )


def test_rows_are_split_by_company_in_input_order_and_blanks_set_apart():
    df = pd.DataFrame({"c": ["a", "b", " a", float("nan"), "", "b"]})
    assert by_company(df, "c") == ({"a": [0, 2], "b": [1, 5]}, [3, 4])


def test_a_by_column_that_is_missing_is_refused():
    with pytest.raises(att.ArgumentError, match="not a column"):
        att.send_by_company(events(), by="shop", event_type="Visit")


@responses.activate
def test_each_company_gets_its_rows_under_its_own_token_and_one_report_comes_back():
    sent = fake_api()
    report = att.send_by_company(events(), event_type="Visit")
    by_company_sent = sorted((cid, body["user"]["phone"]) for cid, body in sent)
    assert by_company_sent == [
        ("cA", "+12015550100"),
        ("cA", "+12015550102"),
        ("cB", "+12015550101"),
        ("cB", "+12015550104"),
    ]
    assert all("company_id" not in body.get("properties", {}) for _, body in sent)
    table = report.table
    assert list(table.index) == [10, 11, 12, 13, 14]
    assert list(table["company"]) == ["cA", "cB", "cA", "", "cB"]
    assert list(table["status"]) == ["sent", "sent", "sent", "invalid", "sent"]
    assert table["reason"].iloc[3] == "no company"
    summary = report.summary
    assert summary.loc["cA", "sent"] == 2 and summary.loc["no company", "invalid"] == 1
    assert list(report.to_retry.index) == [13]
    assert "company_id" in report.to_retry.columns


@responses.activate
def test_the_fan_out_says_one_line_and_each_part_keeps_what_it_would_have_said(capsys):
    fake_api()
    report = att.send_by_company(events(), event_type="Visit")
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["Sending events for 2 companies at once, each under its own token: 4 rows."]
    for cid in ("cA", "cB"):
        estimate = [n for n in report.reports[cid].notes if "requests to" in n]
        assert estimate == ["2 rows in 2 requests to POST /v1/events/custom at 150/s ≈ 1 s"]
    att.send_by_company(events(), event_type="Visit", dry_run=True)
    dry = capsys.readouterr().out.strip().splitlines()
    assert dry == [
        "Dry run of events for 2 companies, each under its own token: 4 rows; none sent."
    ]


@responses.activate
def test_a_company_with_no_credentials_here_stops_everyone_before_anything_is_sent():
    fake_api()
    df = events()
    df.loc[11, "company_id"] = "cZ"
    df.loc[14, "company_id"] = "Gamma"
    with pytest.raises(att.ConfigError) as caught:
        att.send_by_company(df, event_type="Visit")
    assert "'cZ', 'Gamma'" in str(caught.value) and "Alpha Shoes (cA)" in str(caught.value)
    assert len(responses.calls) == 0


@responses.activate
def test_a_name_two_companies_share_is_refused_with_both_ids(stored):
    fake_api()
    stored.save("cC", "tokC-aaaaaaaaaaaaaaaaaaaaaa", company_name="Beta Hats")
    with pytest.raises(att.ConfigError, match="ids cB, cC"):
        att.send_by_company(events(), event_type="Visit")
    assert len(responses.calls) == 0


@responses.activate
def test_one_companys_401_stops_that_company_only():
    sent = fake_api(refuse={"cB"})
    report = att.send_by_company(events(), event_type="Visit")
    assert {cid for cid, _ in sent} == {"cA"}
    table = report.table
    assert list(table["status"]) == ["sent", "not_sent", "sent", "invalid", "not_sent"]
    assert table["reason"].iloc[1].startswith("cB: ")
    assert list(report.to_retry.index) == [11, 13, 14]


@responses.activate
def test_a_token_whose_me_names_another_company_sends_nothing():
    sent = fake_api(me={"cB": "cA"})
    report = att.send_by_company(events(), event_type="Visit")
    assert {cid for cid, _ in sent} == {"cA"}
    assert "belongs to company 'cA'" in report.table["reason"].iloc[1]


@responses.activate
def test_many_subscribers_need_confirm_since_the_parts_cannot_ask():
    fake_api()
    df = pd.DataFrame(
        {"company_id": ["cA"] * 1001, "phone": [f"+1201{5550000 + i:07d}" for i in range(1001)]}
    )
    with pytest.raises(att.ConfigError, match="confirm=True"):
        att.send_by_company(df, kind="subscribers", sign_up_source_id="1")
    assert len(responses.calls) == 0


def test_an_unknown_kind_is_refused():
    with pytest.raises(att.ArgumentError, match="events"):
        att.send_by_company(events(), kind="sms")


@responses.activate
def test_no_token_in_any_view_of_the_report(tmp_path):
    fake_api(refuse={"cB"})
    report = att.send_by_company(events(), event_type="Visit")
    report.to_csv(tmp_path / "r.csv")
    views = [repr(report), report._repr_html_(), (tmp_path / "r.csv").read_text()]
    views += [report.table.to_string(), report.summary.to_string()]
    for token in TOKENS.values():
        for piece in (token, token[:10], token[-10:]):
            assert all(piece not in view for view in views)


def test_an_empty_frame_is_an_empty_report_and_sends_nothing():
    report = att.send_by_company(events().iloc[:0], event_type="Visit")
    assert len(report) == 0 and report.table.empty and report.ok


def test_a_ledger_object_cannot_travel_to_another_process(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    from attentive_nb.send.ledger import Ledger

    refused = pytest.raises(att.ArgumentError, match="ledger= as a path")
    with Ledger(tmp_path / "l") as ledger, ProcessPoolExecutor(1) as pool, refused:
        att.send_by_company(events(), event_type="Visit", executor=pool, ledger=ledger)


def test_a_part_is_plain_data_that_pickles():
    import pickle

    from attentive_nb.fleet import Part

    part = Part("cA", "events", {"event_type": "Visit"}, "http://127.0.0.1:1", portable=True)
    assert pickle.loads(pickle.dumps(part)) == part
    assert all(token not in repr(part) for token in TOKENS.values())
