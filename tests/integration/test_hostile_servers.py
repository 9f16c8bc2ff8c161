"""Servers that misbehave, on loopback: redirects, echoed secrets, dribbles, junk answers.

Each reproduces an unsafe outcome of issue 28 / 25 against a real socket: a
redirect turning an unsubscribe into ``sent``, a key echoed in an error id,
a server sending a byte every half second, a 200 that is not JSON or 50 MB.
"""

from __future__ import annotations

import threading
import traceback

import pandas as pd
import pytest
from hostile_server import FakeApi, answer, dribble, dribble_headers, redirect

import attentive_nb as att
from attentive_nb.errors import ApiError, AuthError, RateLimited, ServerError, TransportError
from attentive_nb.http.client import Cancelled, RetryPolicy
from attentive_nb.redact import mask_secret

pytestmark = pytest.mark.sandbox

KEY = "ak_Zq7Xv9Lk2Pw4Rt6Ys8Ub1Nc3Md5Fe0Gh"
FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
ONE = pd.DataFrame({"phone": ["+12015550100"], "email": ["kim@example.com"]})
SUBSCRIBE, UNSUBSCRIBE = "POST /v1/subscriptions", "POST /v1/subscriptions/unsubscribe"


def connect(api: FakeApi, **options) -> att.Connection:
    return att.Connection.from_api_key(KEY, api_url=api.url, retry=FAST, **options)


def send(conn: att.Connection, route: str) -> att.SendReport:
    if route == SUBSCRIBE:
        return conn.send_subscribers(ONE, sign_up_source_id="123", progress=False)
    return conn.unsubscribe(ONE, progress=False)


# -- 1. redirects are never followed ----------------------------------------------------------


@pytest.mark.parametrize("route", [SUBSCRIBE, UNSUBSCRIBE])
@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_redirect_to_a_path_answering_get_200_is_not_sent(route, status):
    ok = {"GET /ok": lambda h: answer(h, 200, {}), "POST /ok": lambda h: answer(h, 200, {})}
    with FakeApi({route: redirect(status, "/ok"), **ok}) as api:
        report = send(connect(api), route)
    row = report.table.iloc[0]
    assert row["status"] == "rejected" and row["http_status"] == status
    assert "redirect to the same host" in row["reason"] and "never follows" in row["reason"]
    assert "/ok" not in api.paths()  # not followed: no GET, no second POST


@pytest.mark.parametrize("route", [SUBSCRIBE, UNSUBSCRIBE])
@pytest.mark.parametrize("status", [307, 308])
def test_a_redirect_to_another_origin_carries_nothing_there(route, status):
    with FakeApi({f"POST {p}": lambda h: answer(h, 200, {}) for p in ("/x",)}) as other:
        target = other.url.replace("127.0.0.1", "localhost") + "/x"
        with FakeApi({route: redirect(status, target)}) as api:
            report = send(connect(api), route)
    row = report.table.iloc[0]
    assert row["status"] == "rejected" and row["http_status"] == status
    assert "redirect to localhost over plain http" in row["reason"]
    assert other.seen == []  # neither the bodies (phones) nor the key went there
    assert report.counts.get("sent", 0) == 0


def test_a_redirect_is_never_a_success_for_a_look_up_either():
    with FakeApi({"GET /v1/me": redirect(302, "https://evil.example/me")}) as api:
        conn = att.Connection(att.Client(att.ApiKeyAuth(KEY), api.url, retry=FAST))
        with pytest.raises(ApiError, match="redirect to evil.example") as info:
            conn.me()
    assert info.value.status == 302 and KEY not in str(info.value)


# -- 2. every field from the server masked ------------------------------------------------


def echo_auth(status: int):
    def route(handler):
        said = handler.headers["Authorization"]
        body = {"error": {"message": f"x {said}", "id": said}}
        answer(handler, status, body, X_Echo=said, Retry_After="0")

    return route


@pytest.mark.parametrize("status, kind", [(401, AuthError), (429, RateLimited), (500, ServerError)])
def test_a_key_echoed_in_the_error_id_is_masked_everywhere(status, kind):
    with FakeApi({"GET /v1/me": echo_auth(status)}) as api:
        conn = att.Connection(att.Client(att.ApiKeyAuth(KEY), api.url, retry=FAST))
        with pytest.raises(kind) as info:
            conn.me()
    error = info.value
    shown = [
        str(error),
        repr(error),
        repr(error.args),
        str(error.error_id),
        error.message,
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
        error.response.text,
        repr(dict(error.response.headers)),
        repr(dict(error.response.request.headers)),
    ]
    for text in shown:
        assert KEY not in text and KEY[8:30] not in text, text
    assert mask_secret(KEY) in str(error.error_id) and mask_secret(KEY) in str(error)


def test_ipython_verbose_traceback_shows_no_key():
    from IPython.core.ultratb import VerboseTB

    with FakeApi({"GET /v1/me": echo_auth(401)}) as api:
        conn = att.Connection(att.Client(att.ApiKeyAuth(KEY), api.url, retry=FAST))
        try:
            conn.me()
        except AuthError as caught:
            error = caught
    text = "\n".join(
        VerboseTB(theme_name="nocolor").structured_traceback(
            type(error), error, error.__traceback__
        )
    )
    assert KEY not in text and mask_secret(KEY) in text


# -- 4. a total deadline per request --------------------------------------------------------


def run_bounded(call, seconds=60.0):
    """Run ``call`` on a thread; the test fails (not hangs) when it does not return."""
    out: dict[str, object] = {}

    def target():
        try:
            out["value"] = call()
        except BaseException as error:  # handed back to the test
            out["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the request is still waiting: no total deadline"
    return out


# A body dribbled a byte at a time, or the headers before it: the total deadline ends both.
DRIBBLERS = pytest.mark.parametrize("server", [dribble, dribble_headers], ids=["body", "headers"])


@DRIBBLERS
def test_a_dribbling_server_cannot_hold_an_at_most_once_send(server):
    with FakeApi({SUBSCRIBE: server}) as api:
        conn = connect(api, deadline_s=1.0)
        out = run_bounded(lambda: send(conn, SUBSCRIBE), seconds=30)
        assert api.paths("POST") == ["/v1/subscriptions"]  # never sent twice
    row = out["value"].table.iloc[0]
    assert row["status"] == "unknown" and "resend='unknown'" in row["reason"]


@DRIBBLERS
def test_a_dribbling_server_is_retried_on_a_retry_safe_endpoint(server):
    events = pd.DataFrame({"phone": ["+12015550100"], "external_event_id": ["e-1"]})
    with FakeApi({"POST /v1/events/custom": server}) as api:
        conn = connect(api, deadline_s=1.0)
        out = run_bounded(lambda: conn.send_events(events, event_type="Shipped", progress=False))
        assert api.paths("POST") == ["/v1/events/custom"] * FAST.attempts
    row = out["value"].table.iloc[0]
    assert row["status"] == "unknown" and "did not come in time" in row["reason"]


def test_the_stop_event_ends_a_dribbling_answer_at_once():
    stop = threading.Event()
    with FakeApi({SUBSCRIBE: dribble}) as api:
        client = att.Client(att.ApiKeyAuth(KEY), api.url, retry=FAST, deadline_s=600)
        threading.Timer(0.5, stop.set).start()
        out = run_bounded(lambda: client.request("subscribe", json_body={}, stop=stop))
    assert isinstance(out["error"], Cancelled) and out["error"].reached


def test_a_stop_lets_a_request_on_the_wire_wait_for_its_headers_until_the_deadline():
    # after one Ctrl-C a request already sent is let finish, so its answer is recorded
    # (test_ledger_sandbox: two Ctrl-C); the deadline still ends it
    stop = threading.Event()
    with FakeApi({SUBSCRIBE: dribble_headers}) as api:
        client = att.Client(att.ApiKeyAuth(KEY), api.url, retry=FAST, deadline_s=1.5)
        threading.Timer(0.3, stop.set).start()
        out = run_bounded(lambda: client.request("subscribe", json_body={}, stop=stop), 30)
    error = out["error"]
    assert isinstance(error, TransportError) and error.answer_lost
    assert "did not come in time" in str(error)


# -- a 200 that cannot be read ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body, said",
    [
        (b"<html><script>alert(1)</script></html>", "not JSON (text/html)"),
        (b"\x00\xff junk", "not JSON"),
        (b"{" * 9_000_000, "larger than 8 MB"),
    ],
)
def test_a_200_that_is_not_json_or_too_large_is_a_lost_answer(body, said):
    kind = "text/html" if body.startswith(b"<") else "application/octet-stream"
    with FakeApi({SUBSCRIBE: lambda h: answer(h, 200, body, content_type=kind)}) as api:
        report = send(connect(api), SUBSCRIBE)
    row = report.table.iloc[0]
    assert row["status"] == "unknown"  # at most once: may have been taken, not resent
    assert len(api.paths("POST")) == 1


def test_an_empty_200_is_accepted_as_the_documentation_allows():
    events = pd.DataFrame({"phone": ["+12015550100"], "external_event_id": ["e-1"]})
    with FakeApi({"POST /v1/events/custom": lambda h: answer(h, 200, b"")}) as api:
        report = connect(api).send_events(events, event_type="Shipped", progress=False)
    assert report.table.iloc[0]["status"] == "sent"
