"""Shared fixtures: every test starts with no Attentive settings and its own folders."""

from __future__ import annotations

import os
import socket

import pytest

from attentive_nb.config import is_loopback


class OffLoopback(RuntimeError):
    """A test tried to reach a host other than this machine; not an OSError, so it is loud."""


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """No test in this process resolves, so none reaches, any host but loopback."""
    resolve = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not is_loopback(str(name)):
            raise OffLoopback(f"a test tried to reach {name!r}; only loopback is allowed")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    """No ATTENTIVE_* variable leaks in from the machine; state and cwd are per test."""
    for name in list(os.environ):
        if name.startswith("ATTENTIVE_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ATTENTIVE_NB_HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def sandbox():
    """A running sandbox on a free loopback port, stopped after the test.

    Its bulk jobs run 0.2 s after they are submitted: later than the answer,
    as at Attentive, and soon enough for a send's default wait.
    """
    from attentive_nb.sandbox import Sandbox

    with Sandbox(port=0, bulk_delay_s=0.2) as server:
        yield server
