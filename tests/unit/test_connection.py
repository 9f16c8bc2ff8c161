"""Connection: who am I, where the credentials come from, and the pending state."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from fakes import ME

from attentive_nb.connection import ME_FIELDS, Connection, credentials_from_env
from attentive_nb.errors import ConfigError, NotSignedIn
from attentive_nb.http.auth import ApiKeyAuth, TokenAuth

API = "https://api.attentivemobile.com"
KEY = "key_0123456789abcdefghijklmnopqrstuv"
TOKEN = "tok_zyxwvutsrqponmlkjihgfedcba987654"


@pytest.fixture
def mock():
    with responses.RequestsMock() as rsps:
        yield rsps


def test_me_returns_the_five_fields_and_remembers_the_company(mock):
    mock.get(API + "/v1/me", json={**ME, "somethingNew": 1})
    conn = Connection.from_api_key(KEY)
    assert conn.me() == ME
    assert tuple(conn.company) == ME_FIELDS
    assert conn.company_id() == ME["companyId"]
    assert len(mock.calls) == 1
    assert mock.calls[0].request.headers["Authorization"] == f"Bearer {KEY}"


def test_me_with_missing_fields_gives_none(mock):
    mock.get(API + "/v1/me", json={"companyName": "Acme"})
    assert Connection.from_api_key(KEY).me() == dict.fromkeys(ME_FIELDS) | {"companyName": "Acme"}


def test_company_id_asks_me_once(mock):
    mock.get(API + "/v1/me", json=ME)
    conn = Connection.from_api_key(KEY)
    assert conn.company_id() == conn.company_id() == ME["companyId"]
    assert len(mock.calls) == 1


def test_repr_names_the_company_and_masks_the_key(mock):
    mock.get(API + "/v1/me", json=ME)
    conn = Connection.from_api_key(KEY)
    assert "company not checked yet" in repr(conn)
    conn.me()
    assert "'Hudson & Ivy'" in repr(conn) and KEY not in repr(conn)


def test_from_api_key_and_from_token_pick_their_auth():
    assert type(Connection.from_api_key(KEY).client.auth) is ApiKeyAuth
    assert type(Connection.from_token(TOKEN).client.auth) is TokenAuth


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_key_is_a_config_error(blank, mock):
    with pytest.raises(ConfigError):
        Connection.from_api_key(blank)
    assert len(mock.calls) == 0


def test_from_api_key_passes_client_options():
    slept = []
    conn = Connection.from_api_key(KEY, "http://127.0.0.1:9999", sleep=slept.append)
    assert conn.client.api_url == "http://127.0.0.1:9999"
    assert conn.is_sandbox


def test_real_attentive_is_not_the_sandbox():
    assert not Connection.from_api_key(KEY).is_sandbox


# --- from_env ---------------------------------------------------------------------


def test_from_env_without_credentials_names_both_variables():
    with pytest.raises(ConfigError) as info:
        Connection.from_env()
    assert "ATTENTIVE_API_KEY" in str(info.value)
    assert "ATTENTIVE_ACCESS_TOKEN" in str(info.value)


def test_from_env_uses_the_environment_before_dotenv(clean_environment, monkeypatch):
    (clean_environment / ".env").write_text(f"ATTENTIVE_API_KEY={KEY}dotenv\n")
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    conn = Connection.from_env()
    assert conn.client.auth == ApiKeyAuth(KEY)
    assert conn.source == "environment"


def test_from_env_reads_dotenv(clean_environment):
    (clean_environment / ".env").write_text(f"ATTENTIVE_API_KEY={KEY}\n")
    conn = Connection.from_env()
    assert conn.client.auth == ApiKeyAuth(KEY)
    assert Path(conn.source) == clean_environment / ".env"


def test_from_env_prefers_the_api_key_over_a_token(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    monkeypatch.setenv("ATTENTIVE_ACCESS_TOKEN", TOKEN)
    assert type(Connection.from_env().client.auth) is ApiKeyAuth


def test_from_env_falls_back_to_the_access_token(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", "   ")
    monkeypatch.setenv("ATTENTIVE_ACCESS_TOKEN", TOKEN)
    assert Connection.from_env().client.auth == TokenAuth(TOKEN)


def test_from_env_takes_the_api_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    monkeypatch.setenv("ATTENTIVE_API_URL", "http://localhost:8765")
    assert Connection.from_env().client.api_url == "http://localhost:8765"


def test_credentials_from_env_is_none_when_unset():
    assert credentials_from_env() is None


# --- pending (sign-in panel still open) -----------------------------------------------


def test_pending_connection_says_to_finish_sign_in_in_the_panel_above(mock):
    conn = Connection.pending()
    assert not conn.signed_in and not conn.is_sandbox
    assert repr(conn) == "<Connection: not signed in yet>"
    for call in (lambda: conn.client, conn.me, conn.company_id):
        with pytest.raises(NotSignedIn, match="finish the sign-in in the panel above"):
            call()
    assert len(mock.calls) == 0


def test_adopt_makes_a_pending_connection_usable(mock):
    mock.get(API + "/v1/me", json=ME)
    pending = Connection.pending()
    ready = Connection.from_token(TOKEN)
    ready.me()
    ready.scopes = ("events:write",)
    pending.adopt(ready)
    assert pending.signed_in and pending.company == ME and pending.scopes == ("events:write",)
    assert pending.client is ready.client
