"""The secret sweep: a known key, client secret, token and OAuth code never leak anywhere.

Every error path we can reach is triggered with secrets the server even
echoes back, raw, URL-encoded or JSON-escaped; the exception text, repr and
formatted traceback, every log record at DEBUG, and the repr/str of every
object holding a secret are then searched for any 9-character piece of each
secret in each of those encodings (a masked value shows at most 8).
"""

from __future__ import annotations

import html
import json
import logging
import re
import traceback
from collections.abc import Callable
from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlsplit

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from attentive_nb import config
from attentive_nb.connection import Connection
from attentive_nb.errors import AttentiveError
from attentive_nb.http.auth import ApiKeyAuth, TokenAuth
from attentive_nb.http.client import Client
from attentive_nb.redact import mask_secret
from attentive_nb.signin.oauth import OAuthFlow
from attentive_nb.signin.tokens import TokenStore

API = "https://api.attentivemobile.com"
TOKEN_URL = API + "/v1/authorization-codes/tokens"
API_KEY = "ak_Zq7Xv9Lk2Pw4Rt6Ys8Ub1Nc3Md5Fe0Gh"
CLIENT_SECRET = "cs_Hj4Kl6Mn8Bv0Cx2Za9Sd7Fg5Qw3Er1Ty"
TOKEN = "at_Ui8Op6As4Df2Gh0Jk9Lz7Xc5Vb3Nm1Qp"
# Secrets whose URL-encoded and JSON-escaped forms differ from the raw text (base64's
# / + = among them), so that an echo in another encoding is a different string.
ODD_API_KEY = 'ak_Zq7/Xv9+Lk2=Pw4"Rt6\\Ys8&Ub1<Nc3>Md5%Fe0'
ODD_CLIENT_SECRET = 'cs_Hj4/Kl6+Mn8=Bv0"Cx2\\Za9&Sd7<Fg5>Qw3%Er1'
ODD_TOKEN = "at_Ui8/Op6+As4=Df2/Gh0+Jk9=Lz7/Xc5+Vb3="
CODE = "Co7/Wq9+Er2=Ty4/Ui6+Op8=As1&Df3"
SECRETS = (API_KEY, CLIENT_SECRET, TOKEN, ODD_API_KEY, ODD_CLIENT_SECRET, ODD_TOKEN, CODE)
CLIENT_ID = "client-id-not-secret"
REDIRECT = "http://localhost:3000/callback"
ME = {
    "companyName": "Acme",
    "companyId": "co-1",
    "applicationName": "App",
    "attentiveDomainName": "acme.attn.tv",
    "contactEmail": "ops@acme.test",
}


def encodings(secret: str) -> set[str]:
    """The secret as a server may write it back: raw, URL-encoded, JSON- or HTML-escaped."""
    url = [quote(secret, safe=""), quote_plus(secret)]
    url += [re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), u) for u in url]
    escaped = json.dumps(secret)[1:-1]
    return {secret, *url, escaped, escaped.replace("/", "\\/"), html.escape(secret)}


def pieces(secret: str, width: int = 9) -> set[str]:
    return {form[i : i + width] for form in encodings(secret) for i in range(len(form) - width + 1)}


PIECES = {secret: pieces(secret) for secret in SECRETS}


def assert_clean(text: str, where: str = "") -> None:
    for secret in SECRETS:
        leaked = [piece for piece in PIECES[secret] if piece in text]
        assert not leaked, f"secret piece {leaked[0]!r} leaked in {where}: {text[:300]}"


def assert_error_clean(error: BaseException) -> None:
    assert_clean(str(error), "str")
    assert_clean(repr(error), "repr")
    assert_clean("".join(traceback.format_exception(error)), "traceback")
    assert_clean(repr(getattr(error, "message", "")), "message")


@pytest.fixture(autouse=True)
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("attentive_nb", "urllib3", "requests"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog
    for record in caplog.records:
        assert_clean(record.getMessage(), f"log record {record.name}")
        assert_clean(repr(record.args), f"log args {record.name}")


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def caught(call: Callable[[], object]) -> AttentiveError:
    with pytest.raises(AttentiveError) as info:
        call()
    assert_error_clean(info.value)
    return info.value


def no_sleep_client(auth) -> Client:
    return Client(auth, sleep=lambda s: None, clock=lambda: 0.0)


def echoes(secret: str) -> list[dict]:
    """Error bodies that repeat the secret, in every shape the client reads and every encoding."""
    escaped = json.dumps(secret)[1:-1]
    slashed = escaped.replace("/", "\\/")
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe=""))
    return [
        {"json": {"error": {"id": 9, "message": f"Invalid bearer token {secret}"}}},
        {"json": {"error": f"token {secret} revoked"}},
        {"json": {"message": f"Bearer {secret} is not valid"}},
        {"json": {"detail": secret}},  # re-encoded as JSON text, escapes and all
        {"body": f"Unauthorized: Bearer {secret}"},
        # The secret straddles the 200-character cut of a long page.
        {
            "body": "<html><body>" + "x" * 170 + secret + "</body></html>",
            "content_type": "text/html",
        },
        {"body": f"bad request: access_token={quote_plus(secret)}&x=1"},
        {"body": f"bad request: token={lower_hex}"},
        {"body": f'{{"error": "bad token {escaped}"', "content_type": "text/plain"},
        {"body": f'{{"error": "bad token {slashed}"}}'},
        {"body": f"<p>Token {html.escape(secret)} refused</p>", "content_type": "text/html"},
    ]


SHAPES = range(len(echoes("x")))


# --- the client's error paths -------------------------------------------------------


@pytest.mark.parametrize(
    "auth_class, secret",
    [(ApiKeyAuth, API_KEY), (TokenAuth, TOKEN), (ApiKeyAuth, ODD_API_KEY), (TokenAuth, ODD_TOKEN)],
)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500, 503])
@pytest.mark.parametrize("shape", SHAPES)
def test_api_errors_never_show_the_secret(auth_class, secret, status, shape, mock):
    mock.post(API + "/v1/subscriptions", status=status, **echoes(secret)[shape])
    caught(lambda: no_sleep_client(auth_class(secret)).request("subscribe", json_body={}))


def refused():
    reason = NewConnectionError(None, "Failed to establish a new connection: refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/v1/me", reason=reason))


@pytest.mark.parametrize(
    "failure",
    [
        lambda: requests.exceptions.ReadTimeout("read timed out"),
        lambda: requests.exceptions.ConnectTimeout("connect timed out"),
        refused,
        lambda: requests.exceptions.ConnectionError(ProtocolError("Connection aborted.")),
        lambda: requests.exceptions.ChunkedEncodingError("broken"),
    ],
)
@pytest.mark.parametrize("endpoint", ["subscribe", "events"])
def test_transport_errors_never_show_the_secret(failure, endpoint, mock):
    from attentive_nb.endpoints import ENDPOINTS

    mock.post(API + ENDPOINTS[endpoint].path, body=failure())
    caught(lambda: no_sleep_client(ApiKeyAuth(API_KEY)).request(endpoint, json_body={}))


def test_secret_never_goes_in_the_url(mock):
    mock.get(API + "/v1/subscriptions", json={})
    no_sleep_client(ApiKeyAuth(API_KEY)).request("subscriptions", params={"email": "a@b.test"})
    assert_clean(mock.calls[0].request.url, "url")


# --- configuration errors ------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: ApiKeyAuth(API_KEY[:15] + " " + API_KEY[15:]),
        lambda: TokenAuth(TOKEN[:15] + "\n" + TOKEN[15:]),
        lambda: ApiKeyAuth(API_KEY + "…"),
        lambda: OAuthFlow(CLIENT_ID, CLIENT_SECRET[:15] + " " + CLIENT_SECRET[15:], REDIRECT),
        lambda: Client(ApiKeyAuth(API_KEY), "api.attentivemobile.com"),
        lambda: Client(TokenAuth(TOKEN), "http://api.attentivemobile.com/v1"),
        lambda: Connection.from_env(),
        lambda: Connection.from_api_key(API_KEY, "https://api.attentivemobile.com/v1"),
        lambda: OAuthFlow(None, CLIENT_SECRET, REDIRECT),
        lambda: Connection.pending().me(),
    ],
)
def test_config_errors_never_show_the_secret(call):
    caught(call)


def test_dotenv_warning_never_shows_the_secret(clean_environment):
    import subprocess

    subprocess.run(["git", "init", "-q", str(clean_environment)], check=True)
    with pytest.warns(UserWarning) as warned:
        config.write_env_var("ATTENTIVE_API_KEY", API_KEY)
    assert_clean(str(warned[0].message), "warning")


# --- OAuth --------------------------------------------------------------------------------


def new_flow(clock=lambda: 1_700_000_000.0, secret=CLIENT_SECRET) -> tuple[OAuthFlow, str]:
    flow = OAuthFlow(CLIENT_ID, secret, REDIRECT, clock=clock)
    state = parse_qs(urlsplit(flow.authorization_url).query)["state"][0]
    return flow, state


def pasted(state: str, code: str = "abc123") -> str:
    return f"{REDIRECT}?{urlencode({'code': code, 'state': state})}"


# (the flow's client secret, what the server echoes)
ECHOED = [
    (CLIENT_SECRET, CLIENT_SECRET),
    (ODD_CLIENT_SECRET, ODD_CLIENT_SECRET),
    (CLIENT_SECRET, CODE),
]


@pytest.mark.parametrize("client_secret, echoed", ECHOED)
@pytest.mark.parametrize("status", [400, 401, 500])
@pytest.mark.parametrize("shape", SHAPES)
def test_failed_exchange_that_echoes_the_client_secret_or_the_code(
    client_secret, echoed, status, shape, mock
):
    flow, state = new_flow(secret=client_secret)
    mock.post(TOKEN_URL, status=status, **echoes(echoed)[shape])
    caught(lambda: flow.finish(pasted(state, CODE)))


@pytest.mark.parametrize("as_json", [False, True])
def test_failed_exchange_that_echoes_the_whole_form(as_json, mock):
    flow, state = new_flow(secret=ODD_CLIENT_SECRET)
    form = urlencode(
        {
            "grant_type": "authorization_code",
            "code": CODE,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
            "client_secret": ODD_CLIENT_SECRET,
        }
    )
    answer = {"json": {"error": "invalid_request", "error_description": form}}
    mock.post(TOKEN_URL, status=400, **(answer if as_json else {"body": form}))
    caught(lambda: flow.finish(pasted(state, CODE)))


@pytest.mark.parametrize(
    "paste",
    [
        lambda state: f"https://evil.example.net/callback?{urlencode({'code': CODE})}",
        lambda state: (
            f"https://evil.example.net/callback?{urlencode({'code': CODE, 'state': state})}"
        ),
        lambda state: f"{REDIRECT}?{urlencode({'code': CODE, 'state': 'not-a-state'})}",
        lambda state: CODE,  # a bare code while two sign-ins wait
        lambda state: f"{REDIRECT}?{urlencode({'error': 'invalid_request', 'state': state})}",
    ],
)
def test_refused_pastes_never_repeat_the_code(paste, mock):
    new_flow()
    flow, state = new_flow()
    mock.post(TOKEN_URL, json={"access_token": TOKEN})
    caught(lambda: flow.finish(paste(state)))


def test_expired_exchange_that_echoes_the_client_secret(mock):
    now = [1_700_000_000.0]
    flow, state = new_flow(lambda: now[0])
    now[0] += 600
    mock.post(TOKEN_URL, status=400, json={"error": f"expired for {CLIENT_SECRET}"})
    caught(lambda: flow.finish(f"{REDIRECT}?code=abc123&state={state}"))


@pytest.mark.parametrize("client_secret, echoed", ECHOED)
def test_old_link_refused_for_another_cause_that_echoes_secrets(client_secret, echoed, mock):
    now = [1_700_000_000.0]
    flow, state = new_flow(lambda: now[0], secret=client_secret)
    now[0] += 600
    description = f"client_secret={quote_plus(echoed)} is wrong for code {json.dumps(echoed)}"
    mock.post(
        TOKEN_URL, status=401, json={"error": "invalid_client", "error_description": description}
    )
    caught(lambda: flow.finish(pasted(state, CODE)))


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.exceptions.ConnectionError(f"cannot reach, secret {CLIENT_SECRET}")},
        {"json": {"token_type": "Bearer"}},
        {"body": "<html>ok</html>"},
    ],
)
def test_other_exchange_failures(answer, mock):
    flow, state = new_flow()
    mock.post(TOKEN_URL, **answer)
    caught(lambda: flow.finish(f"{REDIRECT}?code=abc123&state={state}"))


def test_me_refusing_the_new_token_does_not_show_it(mock):
    flow, state = new_flow()
    mock.post(TOKEN_URL, json={"access_token": TOKEN})
    mock.get(API + "/v1/me", status=401, json={"error": f"token {TOKEN} unknown"})
    caught(lambda: flow.finish(f"{REDIRECT}?code=abc123&state={state}"))


@pytest.mark.parametrize(
    "pasted",
    [
        f"{REDIRECT}?code=abc&state=wrong-state",
        f"{REDIRECT}?error=access_denied&state=s",
        f"{REDIRECT}?error=server_error&error_description=oops",
        f"{REDIRECT}?state=s",
        "",
    ],
)
def test_pasted_address_errors(pasted):
    flow, _ = new_flow()
    caught(lambda: flow.finish(pasted))


def test_code_used_twice_and_every_object_after_a_full_sign_in(mock):
    flow, state = new_flow()
    mock.post(TOKEN_URL, json={"access_token": TOKEN, "id_token": TOKEN, "token_type": "Bearer"})
    mock.get(API + "/v1/me", json=ME)
    conn = flow.finish(f"{REDIRECT}?code=abc123&state={state}")
    caught(lambda: flow.finish(f"{REDIRECT}?code=abc123&state={state}"))
    store = TokenStore()
    pending_file = config.state_dir() / "oauth_pending.json"
    for obj in (conn, conn.client, conn.client.auth, flow, store, store.companies()):
        assert_clean(repr(obj), f"repr {type(obj).__name__}")
        assert_clean(str(obj), f"str {type(obj).__name__}")
    assert_clean(pending_file.read_text(), "pending sign-ins file")


# --- reprs of everything that holds a secret --------------------------------------------


def test_reprs_of_objects_holding_secrets(clean_environment, monkeypatch, mock):
    (clean_environment / ".env").write_text(f"ATTENTIVE_CLIENT_SECRET={CLIENT_SECRET}\n")
    monkeypatch.setenv("ATTENTIVE_API_KEY", API_KEY)
    monkeypatch.setenv("ATTENTIVE_ACCESS_TOKEN", TOKEN)
    mock.get(API + "/v1/me", json=ME)
    conn = Connection.from_env()
    conn.me()
    objects = [
        ApiKeyAuth(API_KEY),
        TokenAuth(TOKEN),
        Client(ApiKeyAuth(API_KEY)),
        conn,
        conn.client,
        Connection.from_token(TOKEN),
        OAuthFlow(CLIENT_ID, None, REDIRECT),
        config.describe_credentials(),
        *(config.lookup(name) for name in config.SECRET_VARIABLES),
    ]
    TokenStore().save("co-1", TOKEN)
    objects.append(TokenStore())
    for obj in objects:
        assert_clean(repr(obj), f"repr {type(obj).__name__}")
        assert_clean(str(obj), f"str {type(obj).__name__}")
        assert_clean(f"{obj!s} {obj!r}", f"format {type(obj).__name__}")


def test_masked_value_of_each_secret_is_at_most_eight_characters():
    for secret in SECRETS:
        shown = mask_secret(secret)
        assert len(shown.replace("…", "")) <= 8
        assert_clean(shown, "mask")
