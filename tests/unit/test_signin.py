"""The plain logic behind att.connect(): words, cards, detection, prompts (no sockets)."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from attentive_nb.connection import Connection
from attentive_nb.errors import AuthError, ConfigError, NotSignedIn, OAuthError, TransportError
from attentive_nb.http.auth import ApiKeyAuth, TokenAuth
from attentive_nb.http.client import Client
from attentive_nb.signin import core as signin
from attentive_nb.signin import prompt

API = "http://127.0.0.1:9"
KEY = "unit-test-key-0123456789abcdef"
ME = {
    "companyName": "Acme <Shoes>",
    "companyId": "C1",
    "applicationName": "Loader",
    "attentiveDomainName": "acme",
    "contactEmail": "a@example.com",
}


def test_explain_401_says_wrong_or_regenerated_key():
    error = AuthError("Unauthorized", status=401)
    text = signin.explain(error, API)
    assert "wrong" in text and "regenerated" in text


def test_explain_network_names_the_api_url():
    error = TransportError("Could not reach 127.0.0.1:9: check the network.", answer_lost=False)
    assert signin.explain(error, API).startswith(f"Cannot reach the API at {API}")


def test_explain_keeps_config_and_oauth_messages_and_masks_secrets():
    assert signin.explain(ConfigError("The API key is empty: paste it.")) == (
        "The API key is empty: paste it."
    )
    text = signin.explain(OAuthError(f"bad {KEY}"), secrets=[KEY])
    assert KEY not in text and "unit…cdef" in text


def test_countdown_text_counts_down_and_then_says_expired():
    assert signin.countdown_text(119.6, now=lambda: 0).startswith(
        "Paste the address within 1 min 59 s (before "
    )
    assert "expired" in signin.countdown_text(0)


def test_status_card_shows_company_app_source_and_masked_key():
    conn = Connection(Client(ApiKeyAuth(KEY), API), source="/home/me/project/.env")
    conn.company = dict(ME)
    card = signin.StatusCard.for_connection(conn, ["Saved ATTENTIVE_API_KEY in .env"])
    text, page = repr(card), card._repr_html_()
    for shown in (text, page):
        assert KEY not in shown
        assert "unit…cdef" in shown and "/home/me/project/.env" in shown
        assert "Loader" in shown and "sandbox on this machine" in shown
    assert "Acme <Shoes>" in text and "Acme &lt;Shoes&gt;" in page
    real = Connection(Client(ApiKeyAuth(KEY), "https://api.attentivemobile.com"))
    real.company = dict(ME)
    assert "sandbox" not in repr(signin.StatusCard.for_connection(real))


def test_describe_source_in_words():
    assert signin.describe_source("environment") == "the environment"
    assert signin.describe_source("argument") == "the api_key argument"
    assert signin.describe_source("/x/.env") == "/x/.env"


def test_existing_credentials_argument_then_environment_then_dotenv(monkeypatch, tmp_path):
    assert signin.existing_credentials() is None
    (tmp_path / "work" / ".env").write_text("ATTENTIVE_ACCESS_TOKEN=tok-from-file-123456\n")
    found, kind = signin.existing_credentials()
    assert (found.source.endswith(".env"), kind) == (True, TokenAuth)
    monkeypatch.setenv("ATTENTIVE_API_KEY", "env-key-123456")
    found, kind = signin.existing_credentials()
    assert (found.source, kind) == ("environment", ApiKeyAuth)
    found, kind = signin.existing_credentials("arg-key-123456")
    assert (found.source, found.value) == ("argument", "arg-key-123456")


def test_empty_key_is_a_config_error_before_any_request():
    with pytest.raises(ConfigError, match="API key is empty"):
        signin.sign_in_with_key("  ", API)


def test_remember_in_env_keeps_other_lines_and_is_private(tmp_path):
    env = tmp_path / "work" / ".env"
    env.write_text("OTHER=1\n# a comment\n")
    message = signin.remember_in_env("ATTENTIVE_API_KEY", KEY)
    assert str(env) in message and KEY not in message
    assert env.read_text().splitlines() == ["OTHER=1", "# a comment", f"ATTENTIVE_API_KEY={KEY}"]
    assert stat.S_IMODE(env.stat().st_mode) == 0o600


def test_remember_in_env_reports_the_git_warning(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path / "work", check=True)
    message = signin.remember_in_env("ATTENTIVE_API_KEY", KEY)
    assert "Warning:" in message and ".gitignore" in message


def test_remember_saves_a_key_for_attentive_but_never_a_sandbox_key(tmp_path):
    env = tmp_path / "work" / ".env"
    sandbox = Connection.from_api_key(KEY, api_url="http://127.0.0.1:8765")
    message = signin.remember(sandbox, "ATTENTIVE_API_KEY", KEY)
    assert message.startswith("Not saved in .env: this key belongs to the sandbox on this machine")
    assert not env.exists() and KEY not in message
    attentive = Connection.from_api_key(KEY)
    assert signin.remember(attentive, "ATTENTIVE_API_KEY", KEY).startswith(
        "Saved ATTENTIVE_API_KEY"
    )
    assert f"ATTENTIVE_API_KEY={KEY}" in env.read_text()


def test_the_card_says_sandbox_not_attentive():
    card = signin.StatusCard(
        "Sandbox Outfitters (not Attentive)",
        "app",
        "API key",
        "ab…yz",
        "the environment",
        "http://127.0.0.1:8765",
        sandbox=True,
    )
    assert repr(card).splitlines()[0] == "Connected to a sandbox on this machine, not Attentive"
    assert "Connected to Attentive" not in repr(card) + card._repr_html_()
    real = signin.StatusCard("Acme", "app", "API key", "ab…yz", "the environment", API)
    assert repr(real).splitlines()[0] == "Connected to Attentive: Acme"


def test_detect_front_end_outside_a_kernel(monkeypatch):
    monkeypatch.setattr(signin, "_kernel_shell", lambda: None)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert signin.detect_front_end() == "none"
    monkeypatch.setattr(signin, "_stdin_is_tty", lambda: True)
    assert signin.detect_front_end() == "prompt"


def test_detect_front_end_in_a_kernel_with_and_without_stdin(monkeypatch):
    class Kernel:
        _allow_stdin = True

    class Shell:
        kernel = Kernel()

    monkeypatch.setattr(signin, "_kernel_shell", Shell)
    assert signin.detect_front_end() == "widgets"
    Kernel._allow_stdin = False  # nbclient / papermill: nobody to click
    assert signin.detect_front_end() == "none"


def test_pending_connection_says_finish_the_panel():
    conn = Connection.pending()
    with pytest.raises(NotSignedIn, match="finish the sign-in in the panel above"):
        conn.me()


# connect() without a widget front end (display=False: nothing shown)


def _connect(**options):
    from attentive_nb.signin.panel import connect

    return connect(display=False, **options)


def test_connect_without_anyone_to_ask_names_the_variables():
    with pytest.raises(ConfigError) as caught:
        _connect(front_end="none")
    assert "ATTENTIVE_API_KEY" in str(caught.value) and "ATTENTIVE_ACCESS_TOKEN" in str(
        caught.value
    )


@responses.activate
def test_connect_verifies_an_environment_key_and_shows_a_card(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    responses.get(f"{API}/v1/me", json=ME)
    shown = []
    from attentive_nb.signin.panel import connect

    conn = connect(api_url=API, front_end="none", display=shown.append)
    assert conn.me()["companyName"] == "Acme <Shoes>" and conn.source == "environment"
    assert [type(s) for s in shown] == [signin.StatusCard]
    assert KEY not in repr(shown[0]) and KEY not in repr(conn)


@responses.activate
def test_connect_with_a_rejected_key_and_nobody_to_ask_raises_auth_error():
    responses.get(f"{API}/v1/me", status=401, json={"message": "Unauthorized"})
    with pytest.raises(AuthError) as caught:
        _connect(api_key=KEY, api_url=API, front_end="none")
    assert KEY not in str(caught.value)


def _prompter(answers, secrets_):
    said = []
    prompter = prompt.Prompter(
        ask=lambda _q: answers.pop(0), ask_secret=lambda _q: secrets_.pop(0), say=said.append
    )
    return prompter, said


@responses.activate
def test_prompt_fallback_with_a_key_and_remember():
    attentive = "https://api.attentivemobile.com"  # a sandbox key would not be remembered
    responses.get(f"{attentive}/v1/me", json=ME)
    prompter, said = _prompter([], [f" {KEY} "])
    conn = _connect(api_url=attentive, front_end="prompt", prompter=prompter, remember=True)
    assert conn.company["companyName"] == "Acme <Shoes>"
    assert said[0] == "Connected to Acme <Shoes>." and "Saved ATTENTIVE_API_KEY" in said[1]
    assert f"ATTENTIVE_API_KEY={KEY}" in Path(".env").read_text()
    assert not any(KEY in line for line in said)


@responses.activate
def test_connect_with_a_key_passed_in_and_remember_saves_it():
    attentive = "https://api.attentivemobile.com"  # a sandbox key would not be remembered
    responses.get(f"{attentive}/v1/me", json=ME)
    shown = []
    from attentive_nb.signin.panel import connect

    conn = connect(
        api_key=KEY, api_url=attentive, remember=True, front_end="none", display=shown.append
    )
    assert conn.company["companyName"] == "Acme <Shoes>"
    assert "Saved ATTENTIVE_API_KEY" in shown[0].notes[0]
    assert f"ATTENTIVE_API_KEY={KEY}" in Path(".env").read_text()


@responses.activate
def test_prompt_fallback_oauth_when_the_key_is_left_empty(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_REDIRECT_URI", "http://localhost:3000/callback")
    auth = "http://127.0.0.1:9/integrations/oauth-install"
    responses.post(
        f"{API}/v1/authorization-codes/tokens", json={"access_token": "tok-abcdef-123456"}
    )
    responses.get(f"{API}/v1/me", json=ME)
    answers = ["client-1", "", None]
    prompter, said = _prompter(answers, ["", "client-secret-xyz-123"])

    def paste(_question):
        link = next(line for line in said if "state=" in line).split("\n")[1]
        state = parse_qs(urlsplit(link).query)["state"][0]
        return f"http://localhost:3000/callback?code=abc&state={state}"

    prompter.ask = lambda q: paste(q) if q.startswith("Paste") else answers.pop(0)
    conn = _connect(api_url=API, auth_url=auth, front_end="prompt", prompter=prompter)
    assert conn.scopes and "token stored for Acme <Shoes>" in said[-1]
    assert not any("client-secret-xyz-123" in line for line in said)
