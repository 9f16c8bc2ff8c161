"""Take docs/signin-panel-api-key.png and docs/signin-panel-oauth.png.

Runs a real JupyterLab on loopback (a throwaway folder, a random token) and a
sandbox for the OAuth app's settings, opens a notebook that calls
``att.connect()`` with no credentials, and photographs the panel in headless
Chromium. Usage: ``.venv/bin/python docs/make_signin_screenshots.py``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import requests
from playwright.sync_api import sync_playwright

from attentive_nb.sandbox import Sandbox

DOCS = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(root: Path) -> dict[str, str]:
    """The notebook, quiet JupyterLab settings, and an environment without credentials."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import attentive_nb as att\nconn = att.connect()")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, root / "signin.ipynb")
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTENTIVE_")}
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(root / ".settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"),
        JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
        ATTENTIVE_NB_HOME=str(root / ".home"),
    )
    return env


def start_lab(root: Path, env: dict[str, str], port: int, token: str) -> subprocess.Popen:
    lab = subprocess.Popen(
        [
            str(VENV_BIN / "jupyter"),
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=(root.parent / "lab.log").open("w"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(
                f"http://127.0.0.1:{port}/api/status",
                timeout=2,
                headers={"Authorization": f"token {token}"},
            ).ok:
                return lab
        except requests.ConnectionError:
            time.sleep(0.5)
    lab.terminate()
    raise RuntimeError(
        "JupyterLab did not start within a minute:\n" + (root.parent / "lab.log").read_text()
    )


def run_the_notebook(page, panel) -> None:
    """Run All Cells once the kernel is idle; again if the first request was lost."""
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90_000)
    for _attempt in range(3):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            panel.wait_for(state="visible", timeout=30_000)
            return
        except Exception:  # playwright's TimeoutError: try once more
            continue
    panel.wait_for(state="visible", timeout=30_000)


def photograph(url: str, sandbox: Sandbox) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(url)
        panel = page.locator(".attentive-signin")
        try:
            run_the_notebook(page, panel)
        except Exception:
            page.screenshot(path=Path(tempfile.gettempdir()) / "signin-failure.png")
            raise
        page.wait_for_timeout(1000)
        cell = page.locator(".jp-Notebook .jp-Cell").first
        cell.screenshot(path=DOCS / "signin-panel-api-key.png")
        panel.locator(".lm-TabBar-tab", has_text="OAuth").click()
        page.get_by_label("Client secret").fill(sandbox.client_secret)
        page.get_by_role("button", name="Get authorization link").click()
        panel.get_by_text("Open Attentive's authorization page").wait_for(timeout=30_000)
        link = panel.get_by_role("link", name="Open Attentive's authorization page")
        assert link.get_attribute("target") == "_blank", "the link must open a new tab"
        first = panel.get_by_text("Paste the address within").inner_text()
        page.wait_for_timeout(2500)
        assert panel.get_by_text("Paste the address within").inner_text() != first, "no countdown"
        cell.screenshot(path=DOCS / "signin-panel-oauth.png")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Sandbox(port=0) as sandbox:
        root = Path(tmp) / "lab"
        root.mkdir()
        env = prepare(root)
        # Pre-filled OAuth fields come from the sandbox app, so no real app is shown.
        env.update(
            ATTENTIVE_API_URL=sandbox.url,
            ATTENTIVE_AUTH_URL=sandbox.auth_url,
            ATTENTIVE_CLIENT_ID=sandbox.client_id,
            ATTENTIVE_REDIRECT_URI=sandbox.redirect_uri,
        )
        port, token = free_port(), secrets.token_urlsafe(16)
        lab = start_lab(root, env, port, token)
        try:
            photograph(f"http://127.0.0.1:{port}/lab/tree/signin.ipynb?token={token}", sandbox)
        finally:
            lab.terminate()
            lab.wait(timeout=30)
    print("wrote", DOCS / "signin-panel-api-key.png", "and", DOCS / "signin-panel-oauth.png")


if __name__ == "__main__":
    main()
