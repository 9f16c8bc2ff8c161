"""send_by_company against one sandbox hosting three companies: threads and a process pool."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.signin.tokens import TokenStore

pytestmark = pytest.mark.sandbox

EVENTS = "/v1/events/custom"


@pytest.fixture
def three(sandbox):
    """Three companies of the sandbox, their tokens stored as the OAuth sign-in stores them."""
    store = TokenStore()
    made = [sandbox.add_company(name) for name in ("Alpha", "Beta", "Gamma")]
    for company in made:
        store.save(company.company_id, company.access_token, company_name=company.company_name)
    return made


def frame(companies, per_company: int) -> pd.DataFrame:
    rows = [
        {"company_id": c.company_id, "phone": f"+1201{5550000 + 1000 * k + i:07d}", "n": i}
        for i in range(per_company)
        for k, c in enumerate(companies)
    ]
    return pd.DataFrame(rows)


def phones_received(sandbox, company_id: str) -> list[str]:
    return sorted(b["user"]["phone"] for b in sandbox.received(EVENTS, company=company_id))


def check_each_company_got_its_rows(sandbox, df, report):
    for company_id, rows in df.groupby("company_id"):
        assert phones_received(sandbox, company_id) == sorted(rows["phone"])
    assert list(report.table["company"]) == list(df["company_id"])
    assert report.counts["sent"] == len(df) and report.to_retry.empty
    assert set(report.summary.index) == set(df["company_id"])


def test_three_companies_each_get_their_own_rows_over_threads(sandbox, three):
    df = frame(three, 20)
    report = att.send_by_company(df, event_type="Visit", api_url=sandbox.url)
    check_each_company_got_its_rows(sandbox, df, report)
    assert sandbox.received(EVENTS, company=sandbox.company["companyId"]) == []
    # Each company's requests were made with its own key: /v1/me once, then its events.
    for company in three:
        mine = [e for e in sandbox.history if e["company"] == company.company_id]
        assert [e["endpoint"] for e in mine].count("me") == 1
        assert len(mine) == 21


def test_one_company_without_credentials_means_nothing_is_sent_for_anyone(sandbox, three):
    df = frame(three, 5)
    TokenStore().forget(three[1].company_id)
    with pytest.raises(att.ConfigError, match=three[1].company_id):
        att.send_by_company(df, event_type="Visit", api_url=sandbox.url)
    assert sandbox.received(EVENTS) == [] and sandbox.history == []


def test_a_given_thread_pool_and_a_second_run_skip_what_the_ledger_has(sandbox, three):
    df = frame(three, 5)
    with ThreadPoolExecutor(2) as pool:
        first = att.send_by_company(df, event_type="Visit", api_url=sandbox.url, executor=pool)
        again = att.send_by_company(df, event_type="Visit", api_url=sandbox.url, executor=pool)
    assert first.counts["sent"] == 15
    assert again.counts["skipped"] == 15 and len(sandbox.received(EVENTS)) == 15


def test_a_process_pool_sends_each_part_from_its_own_process(sandbox, three, tmp_path):
    df = frame(three, 10)
    spawn = multiprocessing.get_context("spawn")  # no fork of a process running the sandbox
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        report = att.send_by_company(
            df, event_type="Visit", api_url=sandbox.url, executor=pool, ledger=tmp_path / "l"
        )
    check_each_company_got_its_rows(sandbox, df, report)


def test_connect_to_one_company_by_name_shows_it_on_the_card(sandbox, three):
    shown = []
    conn = att.connect(company="Beta", api_url=sandbox.url, display=shown.append)
    assert conn.company_id() == three[1].company_id
    card = repr(shown[0])
    assert f"Company: Beta ({three[1].company_id})" in card
    assert three[1].access_token not in card + shown[0]._repr_html_()
    listed = att.companies(api_url=sandbox.url)
    assert list(listed["company_name"]) == ["Alpha", "Beta", "Gamma"]
