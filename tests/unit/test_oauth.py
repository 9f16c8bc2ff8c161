"""OAuth paste-back sign-in: the link, every pasted form, and the code exchange."""

from __future__ import annotations

import html
import json
import re
import stat
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
import responses
from fakes import ME

from attentive_nb.endpoints import SEND_SCOPES
from attentive_nb.errors import ConfigError, OAuthError
from attentive_nb.signin.oauth import CODE_LIFETIME_S, OAuthFlow, Pasted, parse_pasted
from attentive_nb.signin.tokens import TokenStore

API = "https://api.attentivemobile.com"
TOKEN_URL = API + "/v1/authorization-codes/tokens"
CLIENT_ID = "9f7a2f11a4f849f59268869ec766111c"
CLIENT_SECRET = "cs_0FvaRpPi5KBC4Izj9ALA0AG8J2WdcBhU"
REDIRECT = "http://localhost:3000/callback"
TOKEN = "at_riSm9jz2Tq2XKO8ZqS1CJg8tOJ8cALn19zRlQc9s1"
CODE = "MTQ0NjJkZmQ5OTM2NDE1ZTZjNGZmZjI3"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def flow(clock):
    return OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock)


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def accept(mock, token=TOKEN):
    mock.post(TOKEN_URL, json={"access_token": token, "id_token": "id", "token_type": "Bearer"})
    mock.get(API + "/v1/me", json=ME)


def redirected(state, code=CODE, key="code"):
    return f"{REDIRECT}?{key}={code}&state={state}"


def start(flow) -> str:
    """Make the link (recording the pending sign-in) and return its state."""
    return parse_qs(urlsplit(flow.authorization_url).query)["state"][0]


def token_calls(mock):
    return [c for c in mock.calls if c.request.url == TOKEN_URL]


# --- the link --------------------------------------------------------------------


def test_authorization_url_carries_every_parameter(flow):
    link = urlsplit(flow.authorization_url)
    assert f"{link.scheme}://{link.netloc}{link.path}" == (
        "https://ui.attentivemobile.com/integrations/oauth-install"
    )
    query = parse_qs(link.query, strict_parsing=True)
    assert set(query) == {"client_id", "redirect_uri", "scope", "state"}
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT]
    assert query["scope"] == [" ".join(SEND_SCOPES)]
    assert query["scope"][0].split(" ") == list(SEND_SCOPES)
    assert "scope=subscriptions%3Awrite+attributes%3Awrite" in link.query
    assert query["state"] == [flow.state]


def test_state_is_unguessable_and_fresh_for_every_flow(clock):
    states = {start(OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock)) for _ in range(20)}
    assert len(states) == 20
    assert all(len(s) >= 32 for s in states)


def test_state_is_stable_within_one_flow(flow):
    assert start(flow) == start(flow) == flow.state


def test_custom_scopes_and_auth_url(clock):
    flow = OAuthFlow(
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT,
        ["events:write"],
        clock=clock,
        auth_url="https://ui.example.com/install?app=1",
    )
    query = parse_qs(urlsplit(flow.authorization_url).query)
    assert query["scope"] == ["events:write"] and query["app"] == ["1"]


def test_settings_come_from_environment_and_dotenv(clean_environment, monkeypatch):
    (clean_environment / ".env").write_text(f"ATTENTIVE_CLIENT_SECRET={CLIENT_SECRET}\n")
    monkeypatch.setenv("ATTENTIVE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("ATTENTIVE_REDIRECT_URI", REDIRECT)
    flow = OAuthFlow()
    assert (flow.client_id, flow.redirect_uri) == (CLIENT_ID, REDIRECT)


@pytest.mark.parametrize(
    "missing", ["ATTENTIVE_CLIENT_ID", "ATTENTIVE_CLIENT_SECRET", "ATTENTIVE_REDIRECT_URI"]
)
def test_missing_setting_is_a_config_error_naming_it(missing, monkeypatch):
    values = {
        "ATTENTIVE_CLIENT_ID": CLIENT_ID,
        "ATTENTIVE_CLIENT_SECRET": CLIENT_SECRET,
        "ATTENTIVE_REDIRECT_URI": REDIRECT,
    }
    for name, value in values.items():
        if name != missing:
            monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=missing):
        OAuthFlow()


def test_pending_sign_in_is_kept_in_a_private_file_without_secrets(flow, tmp_path):
    start(flow)
    pending = tmp_path / "home" / "oauth_pending.json"
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    assert CLIENT_SECRET not in pending.read_text()
    assert flow.state in json.loads(pending.read_text())


def test_seconds_left_counts_down_from_the_link(flow, clock):
    assert flow.seconds_left == CODE_LIFETIME_S
    start(flow)
    clock.now += 45
    assert flow.seconds_left == CODE_LIFETIME_S - 45
    clock.now += 1000
    assert flow.seconds_left == 0


# --- what may be pasted ------------------------------------------------------------


@pytest.mark.parametrize(
    "pasted, expected",
    [
        (f"{REDIRECT}?code={CODE}&state=s1", Pasted(CODE, "s1", REDIRECT)),
        (f"{REDIRECT}?authorizationCode={CODE}&state=s1", Pasted(CODE, "s1", REDIRECT)),
        (f"{REDIRECT}?state=s1&code={CODE}&extra=1", Pasted(CODE, "s1", REDIRECT)),
        (f"{REDIRECT}#code={CODE}&state=s1", Pasted(CODE, "s1", REDIRECT)),
        (f"  '{REDIRECT}?code={CODE}&state=s1'\n", Pasted(CODE, "s1", REDIRECT)),
        (f'"{REDIRECT}?code={CODE}&state=s1"', Pasted(CODE, "s1", REDIRECT)),
        (f"<{REDIRECT}?code={CODE}&state=s1>", Pasted(CODE, "s1", REDIRECT)),
        (f"{REDIRECT}?code={CODE[:10]}\n{CODE[10:]}&state=s1", Pasted(CODE, "s1", REDIRECT)),
        (f"code={CODE}&state=s1", Pasted(CODE, "s1")),
        (f"?code={CODE}", Pasted(CODE, None)),
        (CODE, Pasted(CODE, None, bare=True)),
        (f"  {CODE}  ", Pasted(CODE, None, bare=True)),
        (f"'{CODE}'", Pasted(CODE, None, bare=True)),
        ("QUJDREVGRw==", Pasted("QUJDREVGRw==", None, bare=True)),
    ],
)
def test_every_pasted_form_is_read(pasted, expected):
    assert parse_pasted(pasted) == expected


@pytest.mark.parametrize("pasted", ["", "   ", "''", None])
def test_nothing_pasted(pasted):
    with pytest.raises(OAuthError, match="Nothing was pasted"):
        parse_pasted(pasted)


def test_address_without_a_code():
    with pytest.raises(OAuthError, match="has no code in it"):
        parse_pasted(f"{REDIRECT}?state=s1")


def test_access_denied_is_reported():
    with pytest.raises(OAuthError, match="declined") as info:
        parse_pasted(f"{REDIRECT}?error=access_denied&state=s1")
    assert "Authorize" in str(info.value)


def test_other_error_with_its_description():
    with pytest.raises(OAuthError) as info:
        parse_pasted(
            f"{REDIRECT}?error=invalid_scope&error_description=Scope+foo+is+unknown&state=s"
        )
    assert "invalid_scope: Scope foo is unknown" in str(info.value)


# --- finishing ------------------------------------------------------------------------


def test_finish_exchanges_the_code_as_a_form_and_returns_a_ready_connection(flow, mock, tmp_path):
    accept(mock)
    conn = flow.finish(redirected(start(flow)))
    exchange = token_calls(mock)
    assert len(exchange) == 1
    sent = exchange[0].request
    assert sent.method == "POST"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in sent.headers
    with pytest.raises(ValueError):
        json.loads(sent.body)
    assert parse_qs(sent.body, strict_parsing=True) == {
        "grant_type": ["authorization_code"],
        "code": [CODE],
        "redirect_uri": [REDIRECT],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }
    me_call = mock.calls[1].request
    assert me_call.url == API + "/v1/me"
    assert me_call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert conn.signed_in and conn.company == ME
    assert conn.scopes == SEND_SCOPES
    store = tmp_path / "home" / "tokens.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert TokenStore().token(ME["companyId"]) == TOKEN


def test_authorization_code_key_works_too(flow, mock):
    accept(mock)
    flow.finish(redirected(start(flow), key="authorizationCode"))
    assert parse_qs(token_calls(mock)[0].request.body)["code"] == [CODE]


def test_bare_code_finishes_the_one_waiting_sign_in(flow, mock):
    start(flow)
    accept(mock)
    assert flow.finish(f" {CODE} ").company["companyId"] == ME["companyId"]


def test_bare_code_is_refused_while_several_sign_ins_wait(clock, mock):
    start(OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock))
    flow = OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock)
    start(flow)
    accept(mock)
    message = failure(flow, mock, CODE)
    assert "only while exactly one sign-in is waiting" in message and "2 are" in message
    assert "whole address" in message
    assert token_calls(mock) == []


# --- login CSRF (RFC 6749 section 10.12): an address must prove it came from our link ---------


@pytest.mark.parametrize(
    "pasted",
    [
        f"https://evil.example.net/?code={CODE}",
        f"{REDIRECT}?code={CODE}",
        f"?code={CODE}",
        f"code={CODE}",
        f"{REDIRECT}#code={CODE}",
    ],
)
def test_an_address_without_a_state_is_refused(flow, mock, pasted):
    start(flow)
    accept(mock)
    message = failure(flow, mock, pasted)
    assert "no state" in message and "whole address" in message
    assert token_calls(mock) == []


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example.net/callback",
        "https://localhost:3000/callback",
        "http://localhost:3001/callback",
        "http://localhost.evil.example.net:3000/callback",
        "http://localhost:3000/other",
        "http://localhost:3000/callback/more",
        "http://127.0.0.1:3000/callback",
    ],
)
def test_an_address_on_another_scheme_host_or_path_is_refused(flow, mock, elsewhere):
    state = start(flow)
    accept(mock)
    message = failure(flow, mock, f"{elsewhere}?code={CODE}&state={state}")
    assert f"not this app's redirect address ({REDIRECT})" in message
    assert CODE not in message
    assert token_calls(mock) == []


@pytest.mark.parametrize(
    "same", ["HTTP://LOCALHOST:3000/callback", "http://localhost:3000/callback?extra=1"]
)
def test_the_redirect_address_matches_without_regard_to_case_of_scheme_and_host(flow, mock, same):
    state = start(flow)
    accept(mock)
    joiner = "&" if "?" in same else "?"
    assert flow.finish(f"{same}{joiner}code={CODE}&state={state}").signed_in


def test_an_address_that_cannot_be_read_is_an_oauth_error(flow, mock):
    start(flow)
    message = failure(flow, mock, f"http://[::1/callback?code={CODE}&state=s")
    assert "cannot be read" in message


def test_the_redirect_uri_setting_is_checked_like_every_address(clock):
    with pytest.raises(ConfigError, match="ATTENTIVE_REDIRECT_URI"):
        OAuthFlow(CLIENT_ID, CLIENT_SECRET, "http://user:pw@localhost:3000/cb", clock=clock)


def test_pending_sign_in_survives_a_kernel_restart(clock, mock):
    state = start(OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock))
    after_restart = OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock)
    accept(mock)
    assert after_restart.finish(redirected(state)).signed_in


def test_bare_code_after_a_restart_uses_the_saved_redirect_uri(clock, mock):
    start(OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock))
    accept(mock)
    OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock).finish(CODE)
    assert parse_qs(token_calls(mock)[0].request.body)["redirect_uri"] == [REDIRECT]


def test_tokens_are_kept_per_company(clock, mock):
    other = {**ME, "companyId": "OTHER", "companyName": "Other Co"}
    flow = OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock)
    accept(mock)
    flow.finish(redirected(start(flow)))
    mock.replace(responses.POST, TOKEN_URL, json={"access_token": "at_second_token_value_123"})
    mock.replace(responses.GET, API + "/v1/me", json=other)
    flow2 = OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock)
    flow2.finish(redirected(start(flow2), code="another-code-123456"))
    store = TokenStore()
    assert store.token(ME["companyId"]) == TOKEN
    assert store.token("OTHER") == "at_second_token_value_123"
    assert TOKEN not in json.dumps(store.companies()) and TOKEN not in repr(store)


# --- each way it can go wrong, each with its own message ----------------------------


def failure(flow, mock, pasted) -> str:
    with pytest.raises(OAuthError) as info:
        flow.finish(pasted)
    return str(info.value)


def test_state_from_another_sign_in_is_refused_without_exchanging(flow, mock):
    start(flow)
    accept(mock)
    message = failure(flow, mock, redirected("someone-elses-state"))
    assert "different sign-in" in message
    assert token_calls(mock) == []


def test_state_of_another_app_is_refused(clock, mock):
    state = start(OAuthFlow("another-app-client-id", CLIENT_SECRET, REDIRECT, clock=clock))
    accept(mock)
    message = failure(
        OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock), mock, redirected(state)
    )
    assert "different sign-in" in message


def test_bare_code_with_no_pending_sign_in(flow, mock):
    assert "No sign-in is waiting" in failure(flow, mock, CODE)


def test_truncated_code_rejected_by_the_server(flow, mock):
    state = start(flow)
    mock.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    message = failure(flow, mock, redirected(state, code=CODE[:12]))
    assert "did not accept the code (400: invalid_grant)" in message
    assert "cut short" in message


def test_code_older_than_two_minutes_may_have_expired(flow, mock, clock):
    state = start(flow)
    clock.now += CODE_LIFETIME_S + 1
    mock.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    message = failure(flow, mock, redirected(state))
    assert "(400: invalid_grant)" in message
    assert "may have expired" in message and "two minutes" in message


@pytest.mark.parametrize(
    "answer",
    [
        {"error": "invalid_client", "error_description": "Client authentication failed"},
        {"error": {"message": "Wrong client secret"}},
        {"error": "invalid_grant", "error_description": "redirect_uri does not match"},
    ],
)
def test_an_old_link_with_another_cause_is_not_called_expired(flow, mock, clock, answer):
    state = start(flow)
    clock.now += CODE_LIFETIME_S + 600  # the two minutes run from Authorize, not the link
    mock.post(TOKEN_URL, status=401, json=answer)
    message = failure(flow, mock, redirected(state))
    assert "expired" not in message
    reason = answer.get("error_description") or answer["error"]["message"]
    assert "(401: " in message and f"{reason})" in message


def test_server_saying_expired_is_reported_as_expired(flow, mock):
    state = start(flow)
    mock.post(TOKEN_URL, status=400, json={"error": {"message": "Authorization code expired"}})
    message = failure(flow, mock, redirected(state))
    assert "(400: Authorization code expired)" in message and "codes live two minutes" in message


def test_old_code_accepted_by_the_server_still_works(flow, mock, clock):
    state = start(flow)
    clock.now += CODE_LIFETIME_S + 30
    accept(mock)
    assert flow.finish(redirected(state)).signed_in


@pytest.mark.parametrize("second", ["url", "bare"])
def test_code_pasted_twice(flow, mock, second):
    state = start(flow)
    accept(mock)
    flow.finish(redirected(state))
    message = failure(flow, mock, redirected(state) if second == "url" else CODE)
    assert "already used" in message
    assert len(token_calls(mock)) == 1


def test_network_failure_during_the_exchange(flow, mock):
    state = start(flow)
    mock.post(TOKEN_URL, body=requests.exceptions.ConnectionError("boom"))
    assert "Could not reach" in failure(flow, mock, redirected(state))


@pytest.mark.parametrize("body", [{"token_type": "Bearer"}, ["x"], "not json"])
def test_answer_without_a_token(flow, mock, body):
    state = start(flow)
    if isinstance(body, str):
        mock.post(TOKEN_URL, body=body)
    else:
        mock.post(TOKEN_URL, json=body)
    assert "no access token" in failure(flow, mock, redirected(state))


def test_every_failure_has_its_own_message(clock, mock):
    messages = set()

    def attempt(pasted, *, status=400, later=0.0, used=False):
        flow = OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock)
        state = start(flow)
        if used:
            mock.replace(responses.POST, TOKEN_URL, json={"access_token": TOKEN})
            flow.finish(pasted(state))
        mock.replace(responses.POST, TOKEN_URL, status=status, json={"error": "invalid_grant"})
        clock.now += later
        with pytest.raises(OAuthError) as info:
            flow.finish(pasted(state))
        messages.add(str(info.value))

    mock.post(TOKEN_URL, status=400)
    mock.get(API + "/v1/me", json=ME)
    attempt(lambda s: redirected("other-state"))
    attempt(lambda s: redirected(s, code=CODE[:8]))
    attempt(lambda s: f"{REDIRECT}?error=access_denied&state={s}")
    attempt(lambda s: redirected(s), later=CODE_LIFETIME_S + 5)
    attempt(lambda s: redirected(s, code="used-code-123456"), used=True)
    assert len(messages) == 5


def test_token_that_me_refuses_is_an_oauth_error(flow, mock):
    mock.post(TOKEN_URL, json={"access_token": TOKEN, "id_token": "id", "token_type": "Bearer"})
    mock.get(API + "/v1/me", status=401, json={"error": "revoked"})
    with pytest.raises(OAuthError, match="would not say which company"):
        flow.finish(redirected(start(flow)))
    assert TokenStore().companies() == {}


def test_me_without_a_company_id_stores_nothing(flow, mock):
    mock.post(TOKEN_URL, json={"access_token": TOKEN, "id_token": "id", "token_type": "Bearer"})
    mock.get(API + "/v1/me", json={**ME, "companyId": None})
    with pytest.raises(OAuthError, match="named no company"):
        flow.finish(redirected(start(flow)))
    assert TokenStore().companies() == {}


# --- an exchange error that echoes the form back ---------------------------------------


ODD_SECRET = 'cs_Hj4/Kl6+Mn8=Bv0"Cx2\\Za9&Sd7<Fg5>Qw3%Er1'
ODD_CODE = "Zx9/Ab+Cd=Ef&Gh%Ij<Kl"


def encodings(text: str) -> dict[str, str]:
    from urllib.parse import quote, quote_plus

    return {
        "raw": text,
        "url-encoded": quote(text, safe=""),
        "form-encoded": quote_plus(text),
        "url-encoded, lower-case hex": re.sub(
            r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(text, safe="")
        ),
        "JSON-escaped": json.dumps(text)[1:-1],
        "JSON-escaped with \\/": json.dumps(text)[1:-1].replace("/", "\\/"),
        "HTML-escaped": html.escape(text),
    }


def echoed_forms() -> list[str]:
    form = urlencode(
        {
            "grant_type": "authorization_code",
            "code": ODD_CODE,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
            "client_secret": ODD_SECRET,
        }
    )
    bodies = [f"Bad request: {form}"]
    for name, secret in encodings(ODD_SECRET).items():
        code = encodings(ODD_CODE)[name]
        bodies.append(f"invalid_client ({name}): client_secret={secret} code={code}")
    return bodies


@pytest.mark.parametrize("body", echoed_forms())
@pytest.mark.parametrize("as_json", [False, True])
def test_the_code_and_secret_never_show_in_any_encoding(clock, mock, body, as_json):
    flow = OAuthFlow(CLIENT_ID, ODD_SECRET, REDIRECT, clock=clock)
    state = start(flow)
    if as_json:
        mock.post(TOKEN_URL, status=400, json={"detail": body})  # re-encoded as JSON text
    else:
        mock.post(TOKEN_URL, status=400, body=body)
    message = failure(flow, mock, f"{REDIRECT}?{urlencode({'code': ODD_CODE, 'state': state})}")
    assert "did not accept the code (400: " in message
    for secret in (ODD_SECRET, ODD_CODE):
        for name, form in encodings(secret).items():
            assert form not in message, f"{name} form leaked: {message}"


@pytest.mark.parametrize("status", [302, 307, 308])
def test_a_redirected_token_exchange_is_refused_and_not_followed(flow, mock, status):
    state = start(flow)
    mock.post(TOKEN_URL, status=status, headers={"Location": "https://evil.example/steal"})
    message = failure(flow, mock, redirected(state))
    assert f"answered {status}" in message and "evil.example" in message
    assert CLIENT_SECRET not in message
    assert [c.request.url for c in mock.calls] == [TOKEN_URL]  # nothing went to evil.example


def test_the_segment_scopes_can_be_asked_for_in_the_flow_and_the_panel(clock):
    from attentive_nb.signin.panel import SignInPanel

    scopes = [*SEND_SCOPES, "segments:read", "segments:write"]
    flow = OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, scopes, clock=clock)
    query = parse_qs(urlsplit(flow.authorization_url).query)
    assert query["scope"][0].split(" ") == scopes
    offered = {box.description: box.value for box in SignInPanel().scopes}
    assert offered["segments:read"] is False and offered["segments:write"] is False  # opt in
