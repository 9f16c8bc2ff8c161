"""The one resend rule, as a table: what a run does with a request the ledger already knows."""

from __future__ import annotations

import threading

import pytest
import responses
from requests.exceptions import ConnectionError as RequestsConnectionError

from attentive_nb.http.auth import ApiKeyAuth
from attentive_nb.http.client import Cancelled, Client, RetryPolicy
from attentive_nb.report import RowOutcome
from attentive_nb.send.ledger import Seen
from attentive_nb.send.outcomes import request_state
from attentive_nb.send.resend import policy

NEVER, FAILED, REJECTED = Seen(None), Seen("failed", 1.0), Seen("rejected", 1.0)
SENT, UNKNOWN = Seen("sent", 1.0), Seen("unknown", 1.0)
STALE = Seen("unknown", 1.0, stale=True)
HELD = Seen("claimed", 1.0, holder="process 7, started 09:00")

# (seen, resend, resend_safe) -> (send?, status when not sent, tally)
TABLE = [
    (NEVER, False, False, (True, "", "")),
    (FAILED, False, False, (True, "", "")),
    (REJECTED, False, True, (True, "", "")),
    (HELD, True, True, (False, "skipped", "held")),
    (HELD, "unknown", False, (False, "skipped", "held")),
    (SENT, False, True, (False, "skipped", "sent_before")),
    (SENT, "unknown", False, (False, "skipped", "sent_before")),
    (SENT, True, False, (True, "", "resent_sent")),
    (UNKNOWN, False, False, (False, "unknown", "unknown_kept")),
    (STALE, False, False, (False, "unknown", "stale")),
    (UNKNOWN, "unknown", False, (True, "", "resent_unknown")),
    (STALE, True, False, (True, "", "resent_unknown")),
    (UNKNOWN, False, True, (True, "", "retried_unknown")),
    (STALE, False, True, (True, "", "retried_unknown")),
]


@pytest.mark.parametrize(("seen", "resend", "safe", "expected"), TABLE)
def test_the_resend_rule(seen, resend, safe, expected):
    verdict = policy(resend, safe)(seen)
    assert (verdict.send, verdict.status, verdict.tally) == expected


def test_reasons_say_what_to_do_next():
    assert "process 7, started 09:00" in policy(False, False)(HELD).reason
    assert "resend='unknown' sends it again" in policy(False, False)(UNKNOWN).reason
    assert "resend=True sends it again" in policy(False, False)(SENT).reason
    assert "stopped" in policy(False, False)(STALE).reason


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        (["sent", "sent"], "sent"),
        (["sent", "rejected"], "rejected"),
        (["unknown"], "unknown"),
        (["failed"], "failed"),
        (["not_sent"], None),
    ],
)
def test_what_the_ledger_records_for_a_request(statuses, state):
    assert request_state([RowOutcome(i, s) for i, s in enumerate(statuses)]) == state


# -- stopping: a set stop event ends every wait and the request says why -------------------------

API = "https://api.attentivemobile.com"


def client(fake_time, attempts=5) -> Client:
    return Client(
        ApiKeyAuth("k" * 20),
        retry=RetryPolicy(attempts=attempts, base_delay=1.0),
        clock=fake_time.clock,
        sleep=fake_time.sleep,
    )


@responses.activate
def test_a_stop_before_the_first_attempt_sends_nothing(fake_time):
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled) as caught:
        client(fake_time).request("subscribe", json_body={}, stop=stop)
    assert (caught.value.attempts, caught.value.reached) == (0, False)
    assert len(responses.calls) == 0


@responses.activate
def test_a_stop_between_retries_says_whether_an_attempt_may_have_landed(fake_time):
    stop = threading.Event()
    responses.post(f"{API}/v1/events/custom", body=RequestsConnectionError("reset by peer"))
    tick = fake_time.sleep

    def sleep_then_stop(seconds):
        tick(seconds)
        stop.set()  # Ctrl-C during the backoff

    fake_time.sleep = sleep_then_stop
    with pytest.raises(Cancelled) as caught:
        client(fake_time).request("events", json_body={}, stop=stop)
    assert (caught.value.attempts, caught.value.reached) == (1, True)
    assert len(responses.calls) == 1


def test_a_lost_answer_is_retried_only_where_a_copy_is_harmless(fake_time):
    with responses.RequestsMock() as mock:
        mock.post(f"{API}/v1/events/ecommerce/purchase", body=RequestsConnectionError("reset"))
        with pytest.raises(Exception, match="may or may not have been accepted"):
            client(fake_time).request("purchase", json_body={})
        assert len(mock.calls) == 1
