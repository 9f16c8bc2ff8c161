"""Answers read whole and bounded; where a redirect pointed, said by host only."""

from __future__ import annotations

import io
import time

import pytest
import requests
from urllib3 import HTTPResponse

from attentive_nb.http.reading import AnswerNotRead, read_whole, redirect_words


def response(body: bytes = b"", **headers: str) -> requests.Response:
    answer = requests.Response()
    answer.raw = HTTPResponse(body=io.BytesIO(body), preload_content=False)
    answer.headers.update(headers)
    answer.status_code = 200
    return answer


def later() -> float:
    return time.monotonic() + 60


def test_a_body_is_read_whole_and_kept_as_the_content():
    answer = response(b'{"ok": true}')
    assert read_whole(answer, deadline=later(), max_bytes=100) == b'{"ok": true}'
    assert answer.json() == {"ok": True}


@pytest.mark.parametrize("size", [101, 10_000, 1_000_000])
def test_a_body_over_the_cap_is_not_read(size):
    with pytest.raises(AnswerNotRead, match="larger than") as info:
        read_whole(response(b"x" * size), deadline=later(), max_bytes=100)
    assert info.value.too_large and not info.value.stopped


def test_an_error_page_keeps_only_its_start():
    answer = response(b"<html>" + b"x" * 1_000_000)
    assert read_whole(answer, deadline=later(), max_bytes=100, keep=10) == b"<html>xxxx"


@pytest.mark.parametrize(
    "location, words",
    [
        ("/v1/ok", "a redirect to the same host"),
        ("https://api.attentivemobile.com/x", "a redirect to the same host"),
        ("https://evil.example/steal?key=abc", "a redirect to evil.example"),
        ("http://evil.example/", "a redirect to evil.example over plain http"),
        ("https://user:hunter2@evil.example/", "a redirect to evil.example"),
        ("https://[::1/", "a redirect to an address that cannot be read"),
        ("https://\x1b]0;x\x07evil/", "a redirect to an address that cannot be read"),
    ],
)
def test_a_redirect_is_described_by_its_host_only(location, words):
    said = redirect_words(response(Location=location), "api.attentivemobile.com")
    assert said == words
    assert "hunter2" not in said and "key=" not in said
