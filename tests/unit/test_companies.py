"""att.companies(), choosing a company, and describe_credentials naming it: no secret shown."""

from __future__ import annotations

import pytest

import attentive_nb as att
from attentive_nb.errors import ConfigError
from attentive_nb.signin import companies
from attentive_nb.signin.tokens import TokenStore

TOKEN_A = "tokA-0123456789-abcdefghijklmnop"
TOKEN_B = "tokB-9876543210-zyxwvutsrqponmlk"
KEY = "key-private-555555555555-qqqqqqqq"


@pytest.fixture
def stored():
    store = TokenStore(clock=lambda: 1_700_000_000.0)
    store.save("cA", TOKEN_A, company_name="Alpha Shoes")
    store.save("cB", TOKEN_B, company_name="Beta Hats")
    return store


def ask(setting, auth_class, api_url):
    assert setting.value == KEY
    return {"companyId": "cK", "companyName": "Key Company"}


def test_every_stored_token_and_the_environments_key_is_a_company(stored, monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    table = companies.companies(ask=ask)
    assert list(table.columns) == ["company_id", "company_name", "signs_in_with", "saved_at"]
    assert list(table["company_id"]) == ["cA", "cB", "cK"]
    assert list(table["company_name"]) == ["Alpha Shoes", "Beta Hats", "Key Company"]
    assert table["signs_in_with"].iloc[0] == companies.OAUTH
    assert table["signs_in_with"].iloc[2] == "ATTENTIVE_API_KEY from the environment"
    assert str(table["saved_at"].iloc[0]) == "2023-11-14 22:13:20+00:00"
    assert table["saved_at"].isna().iloc[2]


def test_no_secret_in_any_view_of_the_table(stored, monkeypatch, tmp_path):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    table = companies.companies(ask=ask)
    table.to_csv(tmp_path / "c.csv")
    views = [repr(table), table.to_html(), (tmp_path / "c.csv").read_text()]
    for secret in (TOKEN_A, TOKEN_B, KEY):
        for part in (secret, secret[:12], secret[-12:]):
            assert all(part not in view for view in views)


def test_a_key_that_does_not_answer_is_listed_without_an_id(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)

    def refused(*_):
        raise att.AuthError("401", status=401)

    table = companies.companies(ask=refused)
    assert list(table["company_id"]) == [""]
    assert table["company_name"].iloc[0] == "(not checked: AuthError)"


def test_nothing_here_is_an_empty_table():
    table = att.companies()
    assert table.empty and list(table.columns) == list(companies.COLUMNS)


def test_a_company_is_chosen_by_id_or_exact_name(stored):
    table = companies.companies()
    assert companies.resolve("cB", table)["company_name"] == "Beta Hats"
    assert companies.resolve("Alpha Shoes", table)["company_id"] == "cA"


def test_an_unknown_company_is_refused_naming_the_choices(stored):
    with pytest.raises(ConfigError) as caught:
        companies.resolve("Gamma", companies.companies())
    assert "Alpha Shoes (cA); Beta Hats (cB)" in str(caught.value)


def test_two_companies_with_one_name_are_refused_naming_both_ids(stored):
    stored.save("cC", "tokC-xxxxxxxxxxxxxxxxxxxxxxxx", company_name="Alpha Shoes")
    with pytest.raises(ConfigError, match=r"ids cA, cC"):
        companies.resolve("Alpha Shoes", companies.companies())


def test_connect_refuses_an_unknown_company_before_any_request(stored):
    with pytest.raises(ConfigError, match="Beta Hats"):
        att.connect(company="nobody", display=False, front_end="none")


def test_describe_credentials_names_each_stored_tokens_company(stored):
    rows = att.describe_credentials()
    shown = repr(rows) + rows._repr_html_()
    assert "OAuth token for Alpha Shoes (cA)" in shown and "Beta Hats (cB)" in shown
    assert TOKEN_A not in shown and TOKEN_B not in shown
