"""Start ``attentive-nb demo`` (as ``make demo`` does) and a headless Chromium for the browser test.

Kept apart from the test so the test reads as the steps a person takes.
Everything listens on loopback; nothing here reaches the internet.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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
LAPTOP = {"width": 1366, "height": 768}  # the size a trainee's laptop shows
BANNER_LINES = 12  # more than the demo's banner has


def free_port() -> int:
    """A loopback port nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    """A running ``attentive-nb demo``: what its banner says, and its log."""

    def __init__(self, banner: str, root: Path, log: Path) -> None:
        self.banner, self.root, self.log = banner, root, log
        self.address = _after(banner, "Open this in your browser: ")
        parts = urlsplit(self.address)
        self.url = f"{parts.scheme}://{parts.netloc}"
        self.token = parse_qs(parts.query)["token"][0]
        self.sandbox_url = _after(banner, "Sandbox API: ").split()[0]
        self.api_key = _after(banner, "(works only on this sandbox): ")

    def page_url(self, notebook: str) -> str:
        """The address that opens ``notebook`` in the lab, token included."""
        return f"{self.url}/lab/tree/{notebook}?token={self.token}"

    def sandbox(self) -> dict:
        """What the demo's sandbox received (``GET /sandbox/inspect``, with the demo key)."""
        answer = requests.get(
            self.sandbox_url + "/sandbox/inspect",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _after(text: str, marker: str) -> str:
    line = next(line for line in text.splitlines() if marker in line)
    return line.split(marker, 1)[1].strip()


def _wait_ready(url: str, token: str, proc: subprocess.Popen, timeout: float) -> None:
    """Poll /api/status until the server answers (or died, or ran out of time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the demo exited with code {proc.returncode}")
        try:
            if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout:.0f}s")


def _read_banner(proc: subprocess.Popen) -> str:
    """The banner's lines, from the first rule to the closing one."""
    lines = [proc.stdout.readline()]
    while len(lines) < BANNER_LINES and not (len(lines) > 1 and lines[-1].startswith("===")):
        lines.append(proc.stdout.readline())
    return "".join(lines)


@contextmanager
def demo(root: Path, log: Path, timeout: float = 90):
    """Run ``attentive-nb demo --no-browser`` on ``root``, then stop it with Ctrl-C."""
    command = [sys.executable, "-m", "attentive_nb.cli", "demo", "--no-browser"]
    command += [f"--port={free_port()}", f"--notebooks={root}"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "JUPYTER_PLATFORM_DIRS": "1"}
    with log.open("w") as errors:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        running = Demo(_read_banner(proc), root, log)
        _wait_ready(running.url, running.token, proc, timeout)
        yield running
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@contextmanager
def chromium_context():
    """A headless Chromium browser context (Debian's browser, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=LAPTOP)
            context.set_default_timeout(30_000)
            yield context
        finally:
            browser.close()
