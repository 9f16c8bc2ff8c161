"""Packaging: a headless install (the CLI under cron) does not pull JupyterLab."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from attentive_nb.cli import lab
from attentive_nb.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")
def test_jupyterlab_is_an_extra_and_the_conda_file_has_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = " ".join(project["dependencies"])
    assert "jupyterlab" not in core and "ipywidgets" in core
    assert any(d.startswith("jupyterlab") for d in project["optional-dependencies"]["lab"])
    assert "jupyterlab" in (ROOT / "environment.yml").read_text()


def test_lab_without_jupyterlab_says_how_to_get_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "jupyterlab" else real(name)
    )
    with pytest.raises(ConfigError, match=r"pip install 'attentive-nb\[lab\]'"):
        lab.require_jupyterlab()
