"""The secret sweep: a known key, client secret and token never leak anywhere.

Every error path we can reach is triggered with secrets the server even
echoes back; the exception text, repr and formatted traceback, every log
record at DEBUG, and the repr/str of every object holding a secret are then
searched for the secrets and for any 9-character piece of them (a masked
value shows at most 8).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from attentive_nb import config
from attentive_nb.auth import ApiKeyAuth, TokenAuth
from attentive_nb.client import Client
from attentive_nb.connection import Connection
from attentive_nb.errors import AttentiveError
from attentive_nb.oauth import OAuthFlow
from attentive_nb.tokens import TokenStore

API = "https://api.attentivemobile.com"
TOKEN_URL = API + "/v1/authorization-codes/tokens"
API_KEY = "ak_Zq7Xv9Lk2Pw4Rt6Ys8Ub1Nc3Md5Fe0Gh"
CLIENT_SECRET = "cs_Hj4Kl6Mn8Bv0Cx2Za9Sd7Fg5Qw3Er1Ty"
TOKEN = "at_Ui8Op6As4Df2Gh0Jk9Lz7Xc5Vb3Nm1Qp"
SECRETS = (API_KEY, CLIENT_SECRET, TOKEN)
CLIENT_ID = "client-id-not-secret"
REDIRECT = "http://localhost:3000/callback"
ME = {
    "companyName": "Acme",
    "companyId": "co-1",
    "applicationName": "App",
    "attentiveDomainName": "acme.attn.tv",
    "contactEmail": "ops@acme.test",
}


def pieces(secret: str, width: int = 9) -> set[str]:
    return {secret[i : i + width] for i in range(len(secret) - width + 1)}


def assert_clean(text: str, where: str = "") -> None:
    for secret in SECRETS:
        leaked = [piece for piece in pieces(secret) if piece in text]
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
    """Error bodies that repeat the secret, in every shape the client reads."""
    return [
        {"json": {"error": {"id": 9, "message": f"Invalid bearer token {secret}"}}},
        {"json": {"error": f"token {secret} revoked"}},
        {"json": {"message": f"Bearer {secret} is not valid"}},
        {"json": {"detail": secret}},
        {"body": f"Unauthorized: Bearer {secret}"},
        # The secret straddles the 200-character cut of a long page.
        {
            "body": "<html><body>" + "x" * 170 + secret + "</body></html>",
            "content_type": "text/html",
        },
    ]


# --- the client's error paths -------------------------------------------------------


@pytest.mark.parametrize("auth_class, secret", [(ApiKeyAuth, API_KEY), (TokenAuth, TOKEN)])
@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500, 503])
@pytest.mark.parametrize("shape", range(6))
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


def new_flow(clock=lambda: 1_700_000_000.0) -> tuple[OAuthFlow, str]:
    flow = OAuthFlow(CLIENT_ID, CLIENT_SECRET, REDIRECT, clock=clock)
    state = parse_qs(urlsplit(flow.authorization_url).query)["state"][0]
    return flow, state


@pytest.mark.parametrize("status", [400, 401, 500])
@pytest.mark.parametrize("shape", range(6))
def test_failed_exchange_that_echoes_the_client_secret(status, shape, mock):
    flow, state = new_flow()
    mock.post(TOKEN_URL, status=status, **echoes(CLIENT_SECRET)[shape])
    caught(lambda: flow.finish(f"{REDIRECT}?code=abc123&state={state}"))


def test_expired_exchange_that_echoes_the_client_secret(mock):
    now = [1_700_000_000.0]
    flow, state = new_flow(lambda: now[0])
    now[0] += 600
    mock.post(TOKEN_URL, status=400, json={"error": f"expired for {CLIENT_SECRET}"})
    caught(lambda: flow.finish(f"{REDIRECT}?code=abc123&state={state}"))


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
        shown = config.mask(secret)
        assert len(shown.replace("…", "")) <= 8
        assert_clean(shown, "mask")
