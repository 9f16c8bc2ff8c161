"""The OAuth round trip: consent page, redirect, exchange, single use, expiry, scopes."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

pytestmark = pytest.mark.sandbox

SCOPES = "subscriptions:write attributes:write"


class FormReader(HTMLParser):
    """What a browser would submit: the form's action, hidden fields and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action, self.fields, self.buttons, self._in_button = None, {}, {}, None
        self.options, self._select, self._option = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs["action"]
        elif tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs["value"]
        elif tag == "button":
            self._in_button = (attrs["name"], attrs["value"])
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option":
            self._option = attrs["value"]
            if "selected" in attrs or self._select not in self.fields:
                self.fields[self._select] = attrs["value"]

    def handle_data(self, data):
        if self._in_button:
            self.buttons[data.strip()] = self._in_button
            self._in_button = None
        elif self._option is not None:
            self.options[data.strip()] = self._option
            self._option = None


def consent(sb, scope=SCOPES, state="st-1", **changes):
    params = {
        "client_id": sb.client_id,
        "redirect_uri": sb.redirect_uri,
        "scope": scope,
        "state": state,
        **changes,
    }
    return requests.get(f"{sb.auth_url}?{urlencode(params)}", timeout=5)


def click(sb, page, button: str, **chosen) -> dict:
    """Submit the consent form with ``button`` (and ``chosen`` fields); the redirect's query."""
    form = FormReader()
    form.feed(page.text)
    name, value = form.buttons[button]
    data = {**form.fields, **chosen, name: value}
    answer = requests.post(sb.url + form.action, data=data, allow_redirects=False, timeout=5)
    assert answer.status_code in (302, 303)
    target = urlsplit(answer.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == sb.redirect_uri
    return {k: v[0] for k, v in parse_qs(target.query).items()}


def exchange(sb, code, **changes):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": sb.redirect_uri,
        "client_id": sb.client_id,
        "client_secret": sb.client_secret,
        **changes,
    }
    return requests.post(f"{sb.url}/v1/authorization-codes/tokens", data=form, timeout=5)


@pytest.fixture
def oauth_sb(make_sandbox, clock):
    return make_sandbox(clock=clock)


def test_consent_page_names_the_app_and_scopes(oauth_sb):
    page = consent(oauth_sb)
    assert page.status_code == 200 and page.headers["x-attentive-sandbox"] == "1"
    assert "Sandbox Notebook App" in page.text and "Sandbox Outfitters" in page.text
    assert "subscriptions:write" in page.text and "attributes:write" in page.text
    assert "Nothing here reaches Attentive" in page.text
    form = FormReader()
    form.feed(page.text)
    assert set(form.buttons) == {"Authorize", "Deny"}
    assert form.options == {}  # one company: nothing to choose


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "someone-else"},
        {"client_id": "caf\u00e9"},  # non-ASCII: a 400 page, not a crash
        {"redirect_uri": "https://evil.example/cb"},
        {"scope": "everything:write"},
    ],
)
def test_consent_page_refuses_unknown_client_or_redirect(oauth_sb, change):
    page = consent(oauth_sb, **change)
    assert page.status_code == 400
    assert "not valid" in page.text and "Location" not in page.headers


def test_round_trip_authorize_exchange_and_use(oauth_sb, clock):
    query = click(oauth_sb, consent(oauth_sb), "Authorize")
    assert query["state"] == "st-1" and query["code"]
    landing = requests.get(f"{oauth_sb.redirect_uri}?{urlencode(query)}", timeout=5)
    assert "Copy this page's address" in landing.text and "Sign-in approved" in landing.text
    clock.advance(60)
    token = exchange(oauth_sb, query["code"])
    assert token.status_code == 200
    body = token.json()
    assert body["token_type"] == "Bearer" and body["access_token"] and body["id_token"]
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    me = requests.get(f"{oauth_sb.url}/v1/me", headers=auth, timeout=5)
    assert me.status_code == 200 and me.json()["applicationName"] == "Sandbox Notebook App"
    subscribe = {"user": {"phone": "+13115552368"}, "signUpSourceId": "1"}
    ok = requests.post(f"{oauth_sb.url}/v1/subscriptions", json=subscribe, headers=auth, timeout=5)
    assert ok.status_code == 202
    event = {"type": "T", "user": {"phone": "+13115552368"}}
    denied = requests.post(f"{oauth_sb.url}/v1/events/custom", json=event, headers=auth, timeout=5)
    assert denied.status_code == 403 and "events:write" in denied.json()["error"]["message"]


def test_the_callback_page_does_not_exchange_the_code(oauth_sb):
    query = click(oauth_sb, consent(oauth_sb), "Authorize")
    requests.get(f"{oauth_sb.redirect_uri}?{urlencode(query)}", timeout=5)
    assert exchange(oauth_sb, query["code"]).status_code == 200


def test_deny_redirects_with_access_denied(oauth_sb):
    query = click(oauth_sb, consent(oauth_sb), "Deny")
    assert query == {"error": "access_denied", "state": "st-1"}
    landing = requests.get(f"{oauth_sb.redirect_uri}?{urlencode(query)}", timeout=5)
    assert "access_denied" in landing.text and "not approved" in landing.text


def test_code_works_once(oauth_sb):
    code = click(oauth_sb, consent(oauth_sb), "Authorize")["code"]
    assert exchange(oauth_sb, code).status_code == 200
    again = exchange(oauth_sb, code)
    assert again.status_code == 400 and "already used" in again.json()["error"]["message"]


def test_code_expires_after_two_minutes(oauth_sb, clock):
    code = click(oauth_sb, consent(oauth_sb), "Authorize")["code"]
    clock.advance(120.5)
    late = exchange(oauth_sb, code)
    assert late.status_code == 400 and "expired" in late.json()["error"]["message"]


def test_exchange_rules(oauth_sb):
    code = click(oauth_sb, consent(oauth_sb), "Authorize")["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": oauth_sb.redirect_uri,
        "client_id": oauth_sb.client_id,
        "client_secret": oauth_sb.client_secret,
    }
    as_json = requests.post(f"{oauth_sb.url}/v1/authorization-codes/tokens", json=form, timeout=5)
    assert as_json.status_code == 415
    wrong_uri = exchange(oauth_sb, code, redirect_uri="http://127.0.0.1:1/elsewhere")
    assert wrong_uri.status_code == 400 and "redirect_uri" in wrong_uri.json()["error"]["message"]
    assert exchange(oauth_sb, code, client_secret="guess").status_code == 401
    assert exchange(oauth_sb, code, client_secret="caf\u00e9").status_code == 401
    assert exchange(oauth_sb, code, grant_type="password").status_code == 400
    assert exchange(oauth_sb, "made-up").status_code == 400
    assert exchange(oauth_sb, code).status_code == 200  # failed tries did not burn it


def test_no_scope_parameter_grants_the_apps_configured_scopes(oauth_sb):
    page = consent(oauth_sb, scope="")
    assert page.status_code == 200 and "ecommerce:write" in page.text


def me(sb, token):
    auth = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{sb.url}/v1/me", headers=auth, timeout=5).json()


def test_with_added_companies_the_consent_page_asks_which_one_installs_the_app(oauth_sb):
    alpha = oauth_sb.add_company("Alpha")
    page = consent(oauth_sb)
    form = FormReader()
    form.feed(page.text)
    own = oauth_sb.company
    assert form.options == {own["companyName"]: own["companyId"], "Alpha": alpha.company_id}
    assert form.fields["company"] == own["companyId"]  # the sandbox's own comes first
    code = click(oauth_sb, page, "Authorize", company=alpha.company_id)["code"]
    token = exchange(oauth_sb, code).json()["access_token"]
    assert token != alpha.access_token
    named = me(oauth_sb, token)
    assert (named["companyId"], named["companyName"]) == (alpha.company_id, "Alpha")
    assert named["applicationName"] == "Sandbox Notebook App"  # the public app, not the key's
    auth = {"Authorization": f"Bearer {token}"}
    event = {"type": "T", "user": {"phone": "+13115552368"}}
    denied = requests.post(f"{oauth_sb.url}/v1/events/custom", json=event, headers=auth, timeout=5)
    assert denied.status_code == 403  # the consented scopes, not the company key's
    default = click(oauth_sb, consent(oauth_sb), "Authorize")["code"]
    assert (
        me(oauth_sb, exchange(oauth_sb, default).json()["access_token"])["companyId"]
        == (own["companyId"])
    )


def test_a_company_the_sandbox_does_not_have_is_a_400_page_not_a_code(oauth_sb):
    oauth_sb.add_company("Alpha")
    form = FormReader()
    form.feed(consent(oauth_sb).text)
    answer = requests.post(
        oauth_sb.url + form.action,
        data={**form.fields, "company": "no-such-company", "decision": "authorize"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert "company" in answer.text


def test_a_token_for_an_added_company_acts_for_it_and_is_revoked_with_it(oauth_sb):
    alpha = oauth_sb.add_company("Alpha")
    token = oauth_sb.token_for(["events:write"], company=alpha)
    assert me(oauth_sb, token)["companyId"] == alpha.company_id
    oauth_sb.revoke(alpha)
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{oauth_sb.url}/v1/me", headers=auth, timeout=5).status_code == 401
