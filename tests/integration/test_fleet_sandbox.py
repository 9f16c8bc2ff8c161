"""send_by_company against one sandbox hosting three companies: threads, process pools, Dask."""

from __future__ import annotations

import multiprocessing
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from types import SimpleNamespace

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.signin.tokens import TokenStore

pytestmark = pytest.mark.sandbox

EVENTS = "/v1/events/custom"
CUSTOM_EVENTS_PER_SECOND = 150  # per token, as Attentive documents it


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


def check_each_company_kept_to_its_own_limit(sandbox, three):
    """No 429 for anyone, and no company's requests above its token's limit in any window."""
    mine = [e for e in sandbox.history if e["endpoint"] == "events"]
    assert mine and all(e["status"] == 200 for e in mine)
    for company in three:
        windows = Counter(int(e["at"]) for e in mine if e["company"] == company.company_id)
        assert max(windows.values()) <= CUSTOM_EVENTS_PER_SECOND


@pytest.mark.parametrize("processes", [True, False], ids=["worker-processes", "worker-threads"])
def test_a_dask_local_cluster_sends_each_part_on_its_workers(sandbox, three, tmp_path, processes):
    distributed = pytest.importorskip("distributed")
    df = frame(three, 10)
    # Loopback only: the scheduler and its workers listen on 127.0.0.1, no dashboard is
    # served, and the scheduler's small HTTP server (health checks) is on 127.0.0.1 too, on a
    # free port rather than 8787, which another cluster on this machine may hold.
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        protocol="tcp://",  # also without processes: not inproc://, to check the addresses
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    with cluster, distributed.Client(cluster) as client:
        addresses = [client.scheduler.address, *client.scheduler_info()["workers"]]
        assert all(a.startswith("tcp://127.0.0.1:") for a in addresses)
        assert cluster.scheduler.http_server.address == "127.0.0.1"
        assert "distributed.dashboard" not in sys.modules  # the dashboard was never started
        report = att.send_by_company(
            df,
            event_type="Visit",
            api_url=sandbox.url,
            executor=client.get_executor(),
            ledger=str(tmp_path / "ledger"),  # a folder every worker of this machine reaches
        )
    check_each_company_got_its_rows(sandbox, df, report)
    check_each_company_kept_to_its_own_limit(sandbox, three)


def test_the_environments_key_is_asked_whose_it_is_once(sandbox, three, monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", sandbox.api_key)
    own = sandbox.company["companyId"]
    df = pd.concat([frame(three[:1], 3), frame([SimpleNamespace(company_id=own)], 3)])
    report = att.send_by_company(df.reset_index(drop=True), event_type="Visit", api_url=sandbox.url)
    assert report.counts["sent"] == 6
    asked = [e["company"] for e in sandbox.history if e["endpoint"] == "me"]
    assert sorted(asked) == sorted([own, three[0].company_id])


def test_a_companys_key_revoked_mid_run_stops_that_company_only(sandbox, three):
    df = frame(three, 30)
    beta = three[1]

    def is_betas_event(entry):
        return entry["company"] == beta.company_id and entry["endpoint"] == "events"

    sandbox.when_requests(5, lambda: sandbox.revoke(beta), where=is_betas_event)
    report = att.send_by_company(df, event_type="Visit", api_url=sandbox.url)
    for company in (three[0], three[2]):
        assert report.summary.loc[company.company_id, "sent"] == 30
    betas = report.table[report.table["company"] == beta.company_id]
    assert (betas["status"] == "sent").sum() == len(sandbox.received(EVENTS, beta.company_id))
    assert 5 <= len(sandbox.received(EVENTS, beta.company_id)) < 30
    stopped = betas[betas["status"] != "sent"]
    assert set(stopped["status"]) <= {"rejected", "not_sent"} and len(stopped) > 0
    assert list(report.to_retry["company_id"].unique()) == [beta.company_id]
    assert stopped["reason"].str.contains("Unauthorized").any()
    assert report.summary.loc[beta.company_id, "sent"] < 30 and not report.ok


def test_a_token_kept_for_the_wrong_company_stops_that_part_and_sends_nothing_with_it(
    sandbox, three
):
    df = frame(three, 5)
    TokenStore().save(three[2].company_id, three[0].access_token, company_name="Gamma")
    report = att.send_by_company(df, event_type="Visit", api_url=sandbox.url)
    gammas = report.table[report.table["company"] == three[2].company_id]
    assert set(gammas["status"]) == {"not_sent"}
    assert gammas["reason"].str.contains(f"belongs to company '{three[0].company_id}'").all()
    assert len(sandbox.received(EVENTS, company=three[0].company_id)) == 5  # Alpha's own only
    assert report.summary.loc[three[1].company_id, "sent"] == 5


def test_rows_with_a_blank_company_are_invalid_and_the_others_are_sent(sandbox, three):
    df = frame(three[:1], 4)
    df.loc[[1, 2], "company_id"] = ["", None]
    report = att.send_by_company(df, event_type="Visit", api_url=sandbox.url)
    assert list(report.table["status"]) == ["sent", "invalid", "invalid", "sent"]
    assert list(report.table["reason"].iloc[1:3]) == ["no company", "no company"]
    assert report.summary.loc["no company", "invalid"] == 2
    assert len(sandbox.received(EVENTS)) == 2


def oauth_flow(sandbox, **options) -> att.OAuthFlow:
    """The sandbox's OAuth app, as a notebook signs in with it."""
    return att.OAuthFlow(
        sandbox.client_id,
        sandbox.client_secret,
        sandbox.redirect_uri,
        api_url=sandbox.url,
        auth_url=sandbox.auth_url,
        **options,
    )


def test_companies_that_installed_the_app_through_oauth_are_listed_and_each_sends_as_itself(
    sandbox,
):
    from attentive_nb import training

    alpha, beta = sandbox.add_company("Alpha"), sandbox.add_company("Beta")
    for company in (alpha, beta):
        flow = oauth_flow(sandbox, scopes=["events:write"])
        pasted = training.authorize(flow.authorization_url, company=company.company_name)
        signed_in = flow.finish(pasted)
        assert signed_in.company["companyId"] == company.company_id
    listed = att.companies(sandbox.url).set_index("company_id")
    assert listed.loc[[alpha.company_id, beta.company_id], "company_name"].tolist() == [
        "Alpha",
        "Beta",
    ]
    df = frame([alpha, beta], 3)
    report = att.send_by_company(
        df, by="company_id", kind="events", event_type="Visit", api_url=sandbox.url, progress=False
    )
    check_each_company_got_its_rows(sandbox, df, report)
    kept = TokenStore()
    assert all(kept.token(c.company_id) not in (None, c.access_token) for c in (alpha, beta))


def test_authorize_refuses_a_company_the_consent_page_does_not_offer(sandbox):
    from attentive_nb import training

    sandbox.add_company("Alpha")
    flow = oauth_flow(sandbox)
    with pytest.raises(att.ConfigError, match=r"'Nobody'.*Alpha"):
        training.authorize(flow.authorization_url, company="Nobody")
