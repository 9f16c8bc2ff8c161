"""Query strings (signed links, phones and emails) are kept out of log records."""

from __future__ import annotations

import logging

import pytest

import attentive_nb.http.client  # noqa: F401  (importing the client installs the filter)
from attentive_nb.http.log_redaction import LOGGERS

SIGNED = "/v2/bulk/job/j1/results.jsonl?sig=Zq7Xv9Lk2Pw4Rt6&se=2030-01-01"


@pytest.mark.parametrize("name", [*LOGGERS, "urllib3.connectionpool", "urllib3.util.retry"])
def test_query_strings_are_hidden_in_every_http_logger(name, caplog):
    caplog.set_level(logging.DEBUG, logger=name)
    # urllib3.connectionpool's own format for a request line
    logging.getLogger(name).debug(
        '%s://%s:%s "%s %s %s" %s %s',
        "https",
        "bucket.example",
        443,
        "GET",
        SIGNED,
        "HTTP/1.1",
        200,
        12,
    )
    logging.getLogger(name).debug("Retry: https://bucket.example%s", SIGNED)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        'https://bucket.example:443 "GET /v2/bulk/job/j1/results.jsonl?… HTTP/1.1" 200 12',
        "Retry: https://bucket.example/v2/bulk/job/j1/results.jsonl?…",
    ]
    assert all(r.args is None for r in caplog.records)


def test_a_message_without_a_query_is_left_as_it_was(caplog):
    caplog.set_level(logging.DEBUG, logger="attentive_nb")
    logging.getLogger("attentive_nb").debug("%s %s", "POST", "https://api.example/v1/events")
    [record] = caplog.records
    assert record.getMessage() == "POST https://api.example/v1/events"
    assert record.args == ("POST", "https://api.example/v1/events")


def test_installing_twice_adds_one_filter():
    from attentive_nb.http import log_redaction

    log_redaction.install()
    log_redaction.install()
    for name in LOGGERS:
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, log_redaction.HideQueryStrings) for f in filters) == 1
