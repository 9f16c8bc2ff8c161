"""Settings holding control characters or odd schemes are refused before any header is built.

A CR/LF in a key would split the Authorization header (header injection);
an address of ``file://`` or ``ftp://`` or with a space is not Attentive's.
Each is a ConfigError in words, raised before a request leaves (``responses``
would fail the test on any request: none is registered).
"""

from __future__ import annotations

import pytest
import responses

import attentive_nb as att
from attentive_nb import config
from attentive_nb.errors import ConfigError

KEY = "ak_Zq7Xv9Lk2Pw4Rt6Ys8Ub1Nc3Md5Fe0Gh"
CONTROLS = ["\r\nX-Evil: 1", "\n", "\r", "\x00", "\x1b[2J", "\t", "\x7f", "\x85", "\u2028"]


@pytest.fixture
def no_requests():
    with responses.RequestsMock() as rsps:
        yield rsps


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("make", [att.Connection.from_api_key, att.Connection.from_token])
def test_a_key_with_a_control_character_is_refused_before_any_request(no_requests, control, make):
    with pytest.raises(ConfigError, match="line breaks or characters a key never has") as info:
        make(KEY[:10] + control + KEY[10:])
    assert KEY[10:] not in str(info.value)
    assert len(no_requests.calls) == 0


@pytest.mark.parametrize("control", ["\r\nX-Evil: 1", "\n", "\x1b[2J", "\t", "\x7f"])
def test_a_key_with_a_control_character_in_the_environment_is_refused(monkeypatch, control):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY[:10] + control + KEY[10:])
    with pytest.raises(ConfigError, match="line breaks or characters a key never has"):
        att.Connection.from_env()


@pytest.mark.parametrize("control", CONTROLS)
def test_a_client_id_or_secret_with_a_control_character_is_refused(control):
    with pytest.raises(ConfigError):
        att.OAuthFlow("9f7a2f11" + control + "a4f849f5", "cs_secret_value_1234", "https://e.x/cb")
    with pytest.raises(ConfigError):
        att.OAuthFlow("9f7a2f11a4f849f5", "cs_secret" + control + "_value", "https://e.x/cb")


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("check", [config.api_url, config.auth_url, config.redirect_uri])
def test_an_address_with_a_control_character_is_refused(check, control):
    with pytest.raises(ConfigError):
        check("https://api.attentive" + control + "mobile.com")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://api.attentivemobile.com",
        "gopher://127.0.0.1:70",
        "javascript:alert(1)",
        "https://api.attentive mobile.com",
        " https://api.attentivemobile.com /v1",
        "https://api.attentivemobile.com\\@evil.example",
    ],
)
@pytest.mark.parametrize("check", [config.api_url, config.auth_url, config.redirect_uri])
def test_an_address_of_another_scheme_or_with_spaces_is_refused(check, url):
    with pytest.raises(ConfigError):
        check(url)


def test_a_refused_address_sends_nothing(monkeypatch, no_requests):
    monkeypatch.setenv("ATTENTIVE_API_URL", "file:///etc/passwd")
    with pytest.raises(ConfigError, match="ATTENTIVE_API_URL"):
        att.Connection.from_api_key(KEY)
    assert len(no_requests.calls) == 0
