"""The exercises' checks ask a real sandbox what it received; start_over gives a clean slate."""

from __future__ import annotations

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb import training
from attentive_nb.training import EXERCISES, data

pytestmark = pytest.mark.sandbox


def connect(sb) -> att.Connection:
    return att.Connection.from_api_key(sb.api_key, api_url=sb.url)


def test_a_check_asks_the_sandbox_and_start_over_gives_a_clean_slate(sandbox, capsys):
    conn = connect(sandbox)
    signups = pd.DataFrame(data.SIGNUPS)
    assert not training.check("2.1", conn).done
    first = conn.send_subscribers(signups, sign_up_source_id="1", progress=False)
    assert training.check("2.1", conn).done and first.counts["sent"] == 3

    before = conn.company_id()
    training.start_over(conn)

    assert "Started over" in capsys.readouterr().out
    assert conn.company_id() == sandbox.company["companyId"] != before
    assert not training.check("2.1", conn).done
    again = conn.send_subscribers(signups, sign_up_source_id="1", progress=False)
    assert again.counts["sent"] == 3  # a new company: nothing in the ledger for it
    assert again.table["reason"].str.contains("NEWLY_CREATED").sum() == 3


def test_authorize_clicks_through_the_sandbox_consent_page(sandbox):
    flow = att.OAuthFlow(
        sandbox.client_id,
        sandbox.client_secret,
        sandbox.redirect_uri,
        api_url=sandbox.url,
        auth_url=sandbox.auth_url,
    )
    assert not training.check("1.2", connect(sandbox)).done
    signed_in = flow.finish(training.authorize(flow.authorization_url))
    assert signed_in.company["companyId"] == sandbox.company["companyId"]
    assert training.check("1.2", connect(sandbox)).done


def test_progress_lists_every_exercise_for_the_trainer(sandbox):
    table = training.progress(connect(sandbox))
    assert table["exercise"].tolist() == list(EXERCISES)
    assert set(table["state"]) == {"not yet", "in the notebook"}
    assert list(table.columns) == ["exercise", "notebook", "title", "state", "says"]


def test_checks_and_authorize_never_go_beyond_the_sandbox():
    attentive = att.Connection.from_api_key("test-key-0123456789")  # no request is made
    with pytest.raises(att.ConfigError, match="checked against the sandbox"):
        training.check("2.1", attentive)
    with pytest.raises(att.ConfigError, match="sandbox's consent page only"):
        training.authorize("https://ui.attentivemobile.com/integrations/oauth-install?x=1")


def test_an_unknown_exercise_is_named(sandbox):
    with pytest.raises(att.ConfigError, match=r"no exercise '9.9'; they are 1.1, 1.2"):
        training.check("9.9", connect(sandbox))


def test_the_segment_checks_say_what_is_missing_and_pass_a_right_answer(sandbox):
    conn = connect(sandbox)
    winback = pd.DataFrame(data.WINBACK)[["phone"]]
    assert "no segment named 'VIP winback'" in training.check("6.1", conn).says
    conn.sync_segment(winback.iloc[:3], "VIP winback", progress=False)  # Tom left out
    first = training.check("6.1", conn)
    assert not first.done and "Tom is not in 'VIP winback'" in first.says
    conn.sync_segment(winback, "VIP winback", progress=False)
    assert training.check("6.1", conn).done
    second = training.check("6.2", conn)
    assert not second.done and "Bo and Tom bought again" in second.says
    conn.sync_segment(winback.iloc[[0]], "VIP winback", progress=False)  # Cleo taken out too
    wrong = training.check("6.2", conn)
    assert not wrong.done and "Cleo did not buy again" in wrong.says
    lapsed = pd.DataFrame(data.WINBACK).query("bought_again == 'no'")[["phone"]]
    conn.sync_segment(lapsed, "VIP winback", progress=False)
    assert training.check("6.2", conn).done and training.check("6.1", conn).done
