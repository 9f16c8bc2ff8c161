"""Bearer auth objects: the header they set and how they present themselves."""

from __future__ import annotations

import pytest
import requests
import responses

from attentive_nb.errors import ConfigError
from attentive_nb.http.auth import ApiKeyAuth, BearerAuth, TokenAuth

KEY = "key_0123456789abcdefghijklmnopqrstuv"


@pytest.mark.parametrize("auth_class", [ApiKeyAuth, TokenAuth])
def test_sets_bearer_header_on_a_prepared_request(auth_class):
    prepared = requests.Request(
        "GET", "https://api.example.com/v1/me", auth=auth_class(KEY)
    ).prepare()
    assert prepared.headers["Authorization"] == f"Bearer {KEY}"


@responses.activate
def test_header_reaches_the_wire_through_a_session():
    responses.get("https://api.example.com/v1/me", json={})
    session = requests.Session()
    session.auth = ApiKeyAuth(KEY)
    session.get("https://api.example.com/v1/me")
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("pasted", [f" {KEY}\n", f"'{KEY}'", f'"{KEY}" '])
def test_pasted_key_is_cleaned(pasted):
    prepared = requests.Request("GET", "https://x.example", auth=ApiKeyAuth(pasted)).prepare()
    assert prepared.headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    "auth_class, variable",
    [(ApiKeyAuth, "ATTENTIVE_API_KEY"), (TokenAuth, "ATTENTIVE_ACCESS_TOKEN")],
)
@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_blank_secret_is_a_config_error_naming_the_variable(auth_class, variable, blank):
    with pytest.raises(ConfigError, match=variable):
        auth_class(blank)


@pytest.mark.parametrize("auth_class", [ApiKeyAuth, TokenAuth])
def test_repr_and_str_show_only_the_masked_secret(auth_class):
    auth = auth_class(KEY)
    for text in (repr(auth), str(auth), f"{auth}", f"{auth!r}"):
        assert KEY not in text
        assert KEY[4:-4] not in text
        assert "key_…stuv" in text


def test_kinds_tell_key_from_token():
    assert ApiKeyAuth(KEY).kind == "API key"
    assert TokenAuth(KEY).kind == "OAuth token"
    assert issubclass(ApiKeyAuth, BearerAuth) and issubclass(TokenAuth, BearerAuth)


def test_equality_depends_on_class_and_secret():
    assert ApiKeyAuth(KEY) == ApiKeyAuth(KEY)
    assert hash(ApiKeyAuth(KEY)) == hash(ApiKeyAuth(KEY))
    assert ApiKeyAuth(KEY) != TokenAuth(KEY)
    assert ApiKeyAuth(KEY) != ApiKeyAuth(KEY + "x")


def test_scrub_masks_an_echoed_secret():
    auth = ApiKeyAuth(KEY)
    assert auth.scrub(f"bad token {KEY}!") == f"bad token {auth.masked}!"
