"""Start a real JupyterLab server and a headless Chromium for the browser test.

Kept apart from the test so the test reads as the steps a person takes.
Everything listens on loopback; nothing here reaches the internet.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Lab settings: no pop-ups (news, update checks) and no network; widget state saved into
# the notebook, as a person may have it, so the test can prove no secret lands there.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": True},
}


def free_port() -> int:
    """A loopback port nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its base URL, token and log file."""

    def __init__(self, url: str, token: str, log: Path) -> None:
        self.url, self.token, self.log = url, token, log

    def page_url(self, notebook: str) -> str:
        """The address that opens ``notebook`` in the lab, token included."""
        return f"{self.url}/lab/tree/{notebook}?token={self.token}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _write_settings(folder: Path) -> None:
    for name, values in LAB_SETTINGS.items():
        plugin, file = name.split("/", 1)
        target = folder / plugin / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))


def _wait_ready(url: str, token: str, proc: subprocess.Popen, timeout: float) -> None:
    """Poll /api/status until the server answers (or died, or ran out of time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {proc.returncode}")
        try:
            if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout:.0f}s")


@contextmanager
def jupyterlab(root: Path, state: Path, env: dict[str, str], timeout: float = 60):
    """Run ``python -m jupyterlab`` on a free loopback port, serving ``root``.

    ``state`` holds the lab's settings, workspaces, runtime files and log, so
    nothing is read from or written to the user's own Jupyter folders.
    """
    port, token = free_port(), secrets.token_hex(16)
    settings, log = state / "settings", state / "jupyterlab.log"
    _write_settings(settings)
    full_env = {
        **os.environ,
        **env,
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False", "--LabApp.extension_manager=readonly",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers often run as root
        cmd.append("--allow-root")
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, token, proc, timeout)
        yield Lab(url, token, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def chromium_context():
    """A headless Chromium browser context (Debian's browser, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(30_000)
            yield context
        finally:
            browser.close()
