"""Fixtures for the sandbox tests: a fake clock, a sandbox factory, an API caller."""

from __future__ import annotations

import pytest
import requests

from attentive_nb.sandbox import Sandbox


class FakeClock:
    """A clock the test moves by hand, so nothing ever sleeps to expire."""

    def __init__(self, now: float = 1_700_000_000.25) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A requests session pointed at one sandbox, sending its API key unless told otherwise."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.session = requests.Session()

    def call(self, method: str, path: str, token: str | None = "key", **kwargs):
        headers = kwargs.pop("headers", {})
        token = self.sb.api_key if token == "key" else token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.sb.url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_sandbox():
    """Start sandboxes with any options; all are stopped after the test."""
    started: list[Sandbox] = []

    def make(**options) -> Sandbox:
        sb = Sandbox(port=0, **options).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def api(sandbox):
    caller = Api(sandbox)
    yield caller
    caller.session.close()


@pytest.fixture
def make_api():
    """An Api for any sandbox; sessions are closed after the test."""
    made: list[Api] = []

    def make(sb: Sandbox) -> Api:
        made.append(Api(sb))
        return made[-1]

    yield make
    for caller in made:
        caller.session.close()
