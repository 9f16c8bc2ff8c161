"""Shared fixtures: every test starts with no Attentive settings and its own folders."""

from __future__ import annotations

import os

import pytest


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
    """A running sandbox on a free loopback port, stopped after the test."""
    from attentive_nb.sandbox import Sandbox

    with Sandbox(port=0) as server:
        yield server
