"""The sign-in panel, driven headless like a person would, against the sandbox."""

from __future__ import annotations

import html
import socket
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pandas as pd
import pytest
import requests

from attentive_nb.errors import NotSignedIn
from attentive_nb.sandbox import Sandbox
from attentive_nb.signin import core as signin
from attentive_nb.signin.panel import SignInPanel, connect
from attentive_nb.signin.tokens import TokenStore

pytestmark = pytest.mark.sandbox


# Helpers: the consent page over HTTP, and a walk over every widget.


class _FormReader(HTMLParser):
    """The consent page's form: its action and its hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value", "")


def consent(link: str, decision: str = "authorize") -> str:
    """Open the link, press Authorize or Deny, return where the browser is sent."""
    page = requests.get(link, timeout=5)
    page.raise_for_status()
    form = _FormReader()
    form.feed(page.text)
    answer = requests.post(
        urljoin(link, form.action),
        data={**form.fields, "decision": decision},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["Location"]


def all_widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from all_widgets(child)


def assert_nothing_holds(panel: SignInPanel, *secrets: str) -> None:
    """No widget's value, label, tooltip, state or repr carries a secret."""
    for widget in all_widgets(panel.widget):
        texts = [repr(widget), str(widget.get_state())]
        texts += [
            str(getattr(widget, name, ""))
            for name in ("value", "description", "tooltip", "placeholder")
        ]
        for secret in secrets:
            assert all(secret not in text for text in texts), type(widget).__name__
    assert all(secret not in repr(panel.connection) for secret in secrets)


def oauth_panel(sb: Sandbox, **options) -> SignInPanel:
    panel = SignInPanel(api_url=sb.url, auth_url=sb.auth_url, **options)
    panel.client_id.value = sb.client_id
    panel.client_secret.value = sb.client_secret
    panel.redirect_uri.value = sb.redirect_uri
    return panel


def link_of(panel: SignInPanel) -> str:
    return panel.link.value.split('href="')[1].split('"')[0].replace("&amp;", "&")


# The panel's labels, which the browser test relies on.


def test_panel_has_the_stable_labels():
    panel = SignInPanel()
    assert panel.tab.titles == ("API key", "OAuth")
    assert "attentive-signin" in panel.widget._dom_classes
    labels = {w.description for w in all_widgets(panel.widget) if getattr(w, "description", "")}
    assert {
        "API key",
        "Remember in .env",
        "Connect",
        "Client ID",
        "Client secret",
        "Redirect URI",
        "Get authorization link",
        "Paste the address",
        "Finish",
    } <= labels
    assert [box.description for box in panel.scopes if box.value] == [
        "subscriptions:write",
        "attributes:write",
        "events:write",
        "ecommerce:write",
    ]


def test_connection_before_sign_in_raises_not_signed_in():
    shown = []
    conn = connect(front_end="widgets", display=shown.append)
    assert isinstance(shown[0], type(SignInPanel().widget))
    with pytest.raises(NotSignedIn, match="finish the sign-in in the panel above"):
        conn.me()
    people = pd.DataFrame({"phone": ["+12025550123"]})
    with pytest.raises(NotSignedIn):
        conn.send_subscribers(people, sign_up_source_id="1", progress=False)


# API key tab.


def card_of(panel: SignInPanel) -> str:
    """The status card the panel became (its HTML), asserting the tabs are gone."""
    assert panel.tab not in panel.widget.children, "the tabs are still shown"
    assert panel.widget.children == (panel.card, panel.again_button)
    assert "attentive-status" in panel.card.value
    return panel.card.value.replace("&#x27;", "'")


def test_api_key_success_turns_the_panel_into_the_status_card(sandbox):
    panel = SignInPanel(api_url=sandbox.url)
    panel.api_key.value = sandbox.api_key
    panel.connect_button.click()
    assert panel.api_key.value == ""
    card = card_of(panel)
    assert "Connected to a sandbox on this machine, not Attentive" in card
    for shown in (sandbox.company["companyName"], sandbox.company["applicationName"]):
        assert html.escape(shown, quote=False) in card
    masked = f"{sandbox.api_key[:4]}…{sandbox.api_key[-4:]}"
    assert "<th style='text-align:left;padding-right:1em'>API key</th>" in card
    assert f"{masked} from the sign-in panel" in card
    assert panel.again_button.description == "Sign in as another app"
    assert panel.connection.me()["companyId"] == sandbox.company["companyId"]
    assert_nothing_holds(panel, sandbox.api_key)
    assert not Path(".env").exists()


def test_sign_in_as_another_app_brings_the_tabs_back_empty(sandbox):
    panel = SignInPanel(api_url=sandbox.url)
    panel.api_key.value = sandbox.api_key
    panel.connect_button.click()
    panel.again_button.click()
    assert panel.widget.children == (panel.tab, panel.status)
    assert panel.api_key.value == "" and panel.status.value == ""
    assert panel.connection.signed_in  # still usable until another sign-in replaces it
    panel.api_key.value = "not-the-right-key-123456"
    panel.connect_button.click()
    assert "regenerated" in panel.status.value and panel.tab in panel.widget.children
    assert panel.connection.me()["companyId"] == sandbox.company["companyId"]


def test_api_key_wrong(sandbox):
    panel = SignInPanel(api_url=sandbox.url)
    panel.api_key.value = "not-the-right-key-123456"
    panel.connect_button.click()
    assert "wrong" in panel.status.value and "regenerated" in panel.status.value
    assert not panel.connection.signed_in
    assert_nothing_holds(panel, "not-the-right-key-123456")


def test_api_key_empty_and_unreachable():
    panel = SignInPanel(api_url=f"http://127.0.0.1:{_closed_port()}")
    panel.connect_button.click()
    assert "API key is empty" in panel.status.value
    panel.api_key.value = "some-key-123456789"
    panel.connect_button.click()
    assert "Cannot reach the API at http://127.0.0.1:" in panel.status.value


def test_remember_in_env_never_keeps_a_sandbox_key(sandbox):
    # Writing a key that works (only that variable, mode 0600) is in tests/unit/test_signin.py.
    env = Path(".env")
    env.write_text("# mine\nOTHER=keep me\nATTENTIVE_API_KEY=old-key\n")
    panel = SignInPanel(api_url=sandbox.url)
    panel.api_key.value, panel.remember_key.value = sandbox.api_key, True
    panel.connect_button.click()
    assert env.read_text().splitlines() == ["# mine", "OTHER=keep me", "ATTENTIVE_API_KEY=old-key"]
    assert "Not saved in .env: this key belongs to the sandbox" in card_of(panel)
    assert panel.connection.signed_in
    assert_nothing_holds(panel, sandbox.api_key)


# connect() with credentials at hand.


def test_connect_with_environment_key_shows_the_card_not_the_panel(sandbox, monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", sandbox.api_key)
    shown = []
    conn = connect(api_url=sandbox.url, front_end="widgets", display=shown.append)
    assert [type(s) for s in shown] == [signin.StatusCard]
    assert "the environment" in shown[0]._repr_html_()
    assert sandbox.api_key not in shown[0]._repr_html_() + repr(shown[0])
    assert conn.company["companyName"] == sandbox.company["companyName"]


def test_connect_with_a_rejected_key_explains_then_shows_the_panel(sandbox):
    shown = []
    conn = connect(
        "wrong-key-1234567890", api_url=sandbox.url, front_end="widgets", display=shown.append
    )
    assert not conn.signed_in
    status = [w for w in all_widgets(shown[0]) if "regenerated" in str(getattr(w, "value", ""))]
    assert status and "wrong-key-1234567890" not in status[0].value


# OAuth tab.


def test_oauth_success(sandbox):
    panel = oauth_panel(sandbox, remember=True)
    panel.link_button.click()
    assert panel.client_secret.value == ""
    assert 'target="_blank"' in panel.link.value and "min" in panel.countdown.value
    assert "cannot be reached" in panel.help.value
    panel.pasted.value = consent(link_of(panel))
    panel.finish_button.click()
    card = card_of(panel)
    me = panel.connection.me()  # the public app's own name, not the private app's
    company, app = (html.escape(me[k], quote=False) for k in ("companyName", "applicationName"))
    assert company in card and app in card and me["companyId"] == sandbox.company["companyId"]
    assert "OAuth token</th>" in card and "from the OAuth sign-in" in card
    assert "subscriptions:write, attributes:write, events:write, ecommerce:write" in card
    assert f"Token stored for {company}" in card and panel.connection.me()
    token = TokenStore().token(sandbox.company["companyId"])
    assert token and not Path(".env").exists()  # a sandbox token is not remembered
    assert "Not saved in .env" in card
    assert_nothing_holds(panel, sandbox.client_secret, token)


def test_oauth_offers_the_lookup_and_identity_scopes_and_they_work(sandbox):
    panel = oauth_panel(sandbox)
    offered = {box.description: box for box in panel.scopes}
    assert not offered["subscriptions:read"].value and not offered["identity:write"].value
    for box in panel.scopes:
        box.value = box.description in ("subscriptions:read", "identity:write")
    panel.link_button.click()
    scope = parse_qs(urlsplit(link_of(panel)).query)["scope"][0]
    assert scope.split() == ["subscriptions:read", "identity:write"]
    panel.pasted.value = consent(link_of(panel))
    panel.finish_button.click()
    conn = panel.connection
    people = pd.DataFrame({"phone": ["+12025550123"], "client_user_id": ["c-1"]})
    assert conn.link_identifiers(people, progress=False).counts["sent"] == 1
    assert conn.lookup_subscriptions(people, progress=False).counts["sent"] == 1
    refused = conn.lookup_attributes(people, progress=False)  # attributes:write not granted
    assert refused.counts["rejected"] == 1


def test_oauth_address_pasted_again_says_the_code_was_used(sandbox):
    panel = oauth_panel(sandbox)
    panel.link_button.click()
    address = consent(link_of(panel))
    panel.pasted.value = address
    panel.finish_button.click()
    assert panel.connection.signed_in
    panel.again_button.click()
    panel.pasted.value = address
    panel.finish_button.click()
    assert "already used" in panel.status.value
    assert "Get authorization link' first" not in panel.status.value.replace("&#x27;", "'")


def test_oauth_state_mismatch(sandbox):
    panel = oauth_panel(sandbox)
    panel.link_button.click()
    address = consent(link_of(panel))
    state = parse_qs(urlsplit(address).query)["state"][0]
    panel.pasted.value = address.replace(state, "someone-elses-state")
    panel.finish_button.click()
    assert "different sign-in" in panel.status.value
    assert not panel.connection.signed_in
    assert_nothing_holds(panel, sandbox.client_secret)


def test_oauth_deny(sandbox):
    panel = oauth_panel(sandbox)
    panel.link_button.click()
    panel.pasted.value = consent(link_of(panel), decision="deny")
    panel.finish_button.click()
    assert "declined" in panel.status.value and not panel.connection.signed_in


def test_oauth_expired_code():
    now = [1_000_000.0]
    with Sandbox(port=0, clock=lambda: now[0]) as sb:
        panel = oauth_panel(sb, clock=lambda: now[0])
        panel.link_button.click()
        panel.pasted.value = consent(link_of(panel))
        now[0] += 150
        panel.finish_button.click()
        assert "expired" in panel.status.value and "expired" in panel.countdown.value
        assert not panel.connection.signed_in
        assert_nothing_holds(panel, sb.client_secret)


def test_oauth_finish_before_link_and_missing_client_id(sandbox):
    panel = SignInPanel(api_url=sandbox.url, auth_url=sandbox.auth_url)
    panel.finish_button.click()
    assert "Get authorization link" in panel.status.value
    panel.client_secret.value = "typed-secret-123456"
    panel.link_button.click()
    assert "ATTENTIVE_CLIENT_ID is not set" in panel.status.value
    assert_nothing_holds(panel, "typed-secret-123456")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
