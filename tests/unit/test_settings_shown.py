"""Every place that shows a setting masks what it refuses, as it masks the key (issue 25).

A password in an address (``https://user:hunter2@host``) or a key pasted into
an address variable is refused, and so never shown in clear: not by
``describe_credentials()``, ``whoami``, a ``Found``'s repr, a prompt's hint,
the sign-in panel's fields, nor the message refusing it.
"""

from __future__ import annotations

import pytest

from attentive_nb import config
from attentive_nb.cli import commands as cli
from attentive_nb.errors import ConfigError

KEY = "ak_Zq7Xv9Lk2Pw4Rt6Ys8Ub1Nc3Md5Fe0Gh"
PASSWORD = "hunter2"
URL_VARIABLES = ("ATTENTIVE_API_URL", "ATTENTIVE_AUTH_URL", "ATTENTIVE_REDIRECT_URI")
REFUSED = [
    f"https://user:{PASSWORD}@127.0.0.1:9",
    f"https://{PASSWORD}@api.attentivemobile.com",
    f"http://u:{PASSWORD}@evil.example/cb",
    f"ftp://u:{PASSWORD}@127.0.0.1",
]


def everything_shown(capsys) -> str:
    rows = config.describe_credentials()
    found = [repr(config.lookup(name)) for name in config.VARIABLES]
    return repr(rows) + rows._repr_html_() + "".join(found)


@pytest.mark.parametrize("name", URL_VARIABLES)
@pytest.mark.parametrize("value", REFUSED)
def test_a_password_in_an_address_setting_is_never_shown(monkeypatch, capsys, name, value):
    monkeypatch.setenv(name, value)
    shown = everything_shown(capsys)
    assert PASSWORD not in shown
    assert "…@" in shown  # the host still says which setting it is


@pytest.mark.parametrize("source", ["environment", ".env"])
def test_whoami_shows_the_refused_address_masked(monkeypatch, capsys, clean_environment, source):
    value = f"https://user:{PASSWORD}@127.0.0.1:9"
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    if source == "environment":
        monkeypatch.setenv("ATTENTIVE_API_URL", value)
    else:
        (clean_environment / ".env").write_text(f"ATTENTIVE_API_URL={value}\n")
    assert cli.main(["whoami"]) == 2
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err and KEY not in out.out + out.err
    assert "https://…@127.0.0.1:9" in out.out


@pytest.mark.parametrize("name", URL_VARIABLES)
def test_a_key_pasted_into_an_address_setting_is_masked_like_a_key(monkeypatch, capsys, name):
    monkeypatch.setenv(name, KEY)
    shown = everything_shown(capsys)
    assert KEY not in shown and "ak_Z…" in shown


@pytest.mark.parametrize(
    "value",
    [
        KEY,
        f"https://{KEY}",
        f"https://[{KEY}",
        f"https://host:{KEY}",
        f"https://user:{KEY}@host",
        f"file:///{KEY}",
        f"http://{KEY}.example",
    ],
)
def test_the_message_refusing_an_address_never_quotes_it_in_clear(value):
    with pytest.raises(ConfigError) as info:
        config.api_url(value)
    assert KEY not in str(info.value) and KEY[6:24] not in str(info.value)


def test_a_prompt_hint_and_the_panel_never_show_a_refused_value(monkeypatch):
    from attentive_nb.signin import panel, prompt

    monkeypatch.setenv("ATTENTIVE_REDIRECT_URI", f"https://u:{PASSWORD}@example.com/cb")
    asked: list[str] = []

    class Prompter:
        def ask(self, text: str) -> str:
            asked.append(text)
            return "x"

    prompt._ask_default(Prompter(), "Redirect URI", "ATTENTIVE_REDIRECT_URI")
    assert asked and PASSWORD not in asked[0]
    assert panel._setting("ATTENTIVE_REDIRECT_URI") == ""


def test_an_accepted_setting_is_shown_as_it_is(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_URL", "http://127.0.0.1:8765")
    monkeypatch.setenv("ATTENTIVE_CLIENT_ID", "9f7a2f11a4f849f5")
    shown = repr(config.describe_credentials())
    assert "http://127.0.0.1:8765" in shown and "9f7a2f11a4f849f5" in shown


# --- a secret pasted into the wrong variable ------------------------------------------------

SECRET = "cs_Hq2Wm8Np4Tz6Vb1Xc3Lk5Jd7Rf9Gs0"
PASTED = [
    ("ATTENTIVE_API_KEY", KEY),  # the key pasted into the client id
    ("ATTENTIVE_CLIENT_SECRET", SECRET),  # the client secret pasted into the client id
    ("ATTENTIVE_ACCESS_TOKEN", KEY),
]


@pytest.mark.parametrize(("secret_name", "secret"), PASTED)
def test_a_secret_pasted_into_the_client_id_is_shown_masked_with_a_warning(
    monkeypatch, capsys, clean_environment, secret_name, secret
):
    monkeypatch.setenv(secret_name, secret)
    monkeypatch.setenv("ATTENTIVE_CLIENT_ID", f" {secret}")
    rows = config.describe_credentials()
    shown = everything_shown(capsys)
    assert secret not in shown and secret[6:24] not in shown and secret[:4] + "…" in shown
    warning = (
        f"ATTENTIVE_CLIENT_ID holds the same value as {secret_name}: a secret pasted into the "
        "wrong variable? It is not used; set ATTENTIVE_CLIENT_ID to the app's client id."
    )
    assert rows.warnings == [warning]
    assert f"warning: {warning}" in repr(rows) and "warning: ATTENTIVE_CLIENT_ID" in (
        rows._repr_html_()
    )


def test_whoami_shows_a_pasted_secret_masked_with_a_warning(monkeypatch, capsys, clean_environment):
    (clean_environment / ".env").write_text(
        f"ATTENTIVE_CLIENT_SECRET={SECRET}\nATTENTIVE_CLIENT_ID={SECRET}\n"
    )
    cli.main(["whoami"])
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err and SECRET[6:24] not in out.out + out.err
    assert "cs_H…" in out.out
    assert "attentive-nb: warning: ATTENTIVE_CLIENT_ID holds the same value as " in out.err


def test_the_client_secret_given_as_the_api_key_too_is_warned_about_once(
    monkeypatch, clean_environment
):
    monkeypatch.setenv("ATTENTIVE_API_KEY", SECRET)
    monkeypatch.setenv("ATTENTIVE_CLIENT_SECRET", SECRET)
    assert config.describe_credentials().warnings == [
        "ATTENTIVE_API_KEY and ATTENTIVE_CLIENT_SECRET hold the same value: one of them is in "
        "the wrong variable."
    ]


def test_the_panel_and_the_sign_in_never_take_a_secret_as_the_client_id(
    monkeypatch, clean_environment
):
    from attentive_nb.signin import panel
    from attentive_nb.signin.oauth import OAuthFlow

    monkeypatch.setenv("ATTENTIVE_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("ATTENTIVE_CLIENT_ID", SECRET)
    monkeypatch.setenv("ATTENTIVE_REDIRECT_URI", "http://localhost:3000/callback")
    assert panel._setting("ATTENTIVE_CLIENT_ID") == ""
    with pytest.raises(ConfigError, match="ATTENTIVE_CLIENT_ID holds the same value as ") as info:
        OAuthFlow()
    assert SECRET not in str(info.value)
    with pytest.raises(ConfigError, match="holds the same value as ATTENTIVE_CLIENT_SECRET"):
        OAuthFlow(client_id=SECRET)  # given as an argument: the install link would carry it
    monkeypatch.delenv("ATTENTIVE_CLIENT_SECRET")
    with pytest.raises(ConfigError, match="holds the same value as ATTENTIVE_CLIENT_SECRET"):
        OAuthFlow(client_id="pasted-twice-123", client_secret="pasted-twice-123")


def test_a_client_id_unlike_every_secret_has_no_warning(monkeypatch, clean_environment):
    monkeypatch.setenv("ATTENTIVE_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("ATTENTIVE_CLIENT_ID", "9f7a2f11a4f849f5")
    rows = config.describe_credentials()
    assert rows.warnings == [] and "9f7a2f11a4f849f5" in repr(rows) and "warning" not in repr(rows)
