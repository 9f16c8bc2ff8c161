"""``attentive-nb demo``: its own home, the address that opens 01, and a quiet terminal."""

from __future__ import annotations

import json
from pathlib import Path

from attentive_nb.cli import demo

TOKEN = "0123456789abcdef0123456789abcdef"


def test_the_demo_keeps_what_it_writes_in_a_home_of_its_own_removed_at_the_end():
    with demo.demo_home() as (home, env):
        assert env["ATTENTIVE_NB_HOME"] == str(home / "attentive_nb")
        for name in ("JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_RUNTIME_DIR"):
            assert Path(env[name]).is_relative_to(home)
        settings = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / (
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings"
        )
        assert json.loads(settings.read_text()) == {"fetchNews": "false", "checkForUpdates": False}
        kernel_config = Path(env["IPYTHONDIR"]) / "profile_default" / "ipython_kernel_config.py"
        assert "attentive_nb.training.names" in kernel_config.read_text()  # NameErrors in words
    assert not home.exists()


def test_the_address_opens_the_first_notebook_with_its_token():
    assert demo.lab_address(8890, TOKEN) == (
        f"http://127.0.0.1:8890/lab/tree/01_connect.ipynb?token={TOKEN}"
    )


def test_a_token_given_on_the_command_line_is_used():
    assert demo.given_token(["--no-browser", f"--IdentityProvider.token={TOKEN}"]) == TOKEN
    assert demo.given_token(["--ServerApp.token=abc"]) == "abc"
    assert demo.given_token(["--no-browser"]) is None


class FakeSandbox:
    url = "http://127.0.0.1:8765"
    api_key = "sandbox-key-0123456789"


def test_the_banner_starts_with_where_to_go():
    address = demo.lab_address(8890, TOKEN)
    lines = demo.banner(FakeSandbox(), address).splitlines()
    assert "SANDBOX, not to Attentive" in lines[1]
    assert lines[2] == f"Open this in your browser: {address}"
    assert any(FakeSandbox.api_key in line for line in lines)


def test_only_noise_is_hidden():
    noise = [
        "[I 2026-11-30 14:17:52.442 ServerApp] Skipped non-installed server(s): basedpyright",
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All of it",
        "[I 2026-11-30 14:29:48.300 LabApp] Build is up to date",
        "[W 2026-11-30 14:29:49.251 ServerApp] Notebook 01_connect.ipynb is not trusted",
        "[W 2026-11-30 14:29:50.716 ServerApp] The websocket_ping_timeout (90000) cannot be",
        "    Setting websocket_ping_timeout=30000",
    ]
    kept = [
        "[E 2026-11-30 14:18:01.000 ServerApp] Uncaught exception GET /api/contents",
        "[C 2026-11-30 14:18:13.561 ServerApp] received signal 15, stopping",
        "Traceback (most recent call last):",
    ]
    assert [demo.is_noise(line) for line in noise + kept] == [True] * 6 + [False] * 3
