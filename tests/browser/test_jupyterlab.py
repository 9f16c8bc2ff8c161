"""A person's path through the walkthroughs, in a real JupyterLab in headless Chromium.

Signs in with the panel in 01_connect (API key, then OAuth with a second
browser page on the sandbox's consent screen), runs 02_subscribers and reads
its response table, and saves both notebooks to prove no secret is stored.
Screenshots of each step go to test-artifacts/browser/; the sign-in panel and
the response table are copied to docs/ for the README by `make screenshots`.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from labharness import CHROMIUM, chromium_context, jupyterlab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package 'chromium')"),
]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DOCS = ROOT / "docs"
COMPANY = "Sandbox Outfitters"
KERNEL_WAIT_MS = 90_000


@pytest.fixture
def lab(sandbox, tmp_path):
    """JupyterLab on a copy of notebooks/, with the environment `make demo` gives it."""
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".*"))
    (tmp_path / "lab").mkdir()
    env = {
        **sandbox.environment(),
        "ATTENTIVE_NB_HOME": str(tmp_path / "home"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    with jupyterlab(root, tmp_path / "lab", env) as server:
        server.root = root
        yield server


@pytest.fixture
def shots():
    """Save numbered screenshots of the steps into test-artifacts/browser/."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)

    def shot(target, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        target.screenshot(path=path)
        return path

    return shot


def open_and_run_all(page, lab, notebook: str) -> None:
    """Open a notebook on its own, wait for its kernel, then Run > Run All Cells."""
    page.goto(lab.page_url(notebook).replace("?", "?reset&", 1))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_selector("#jp-main-statusbar >> text=/\\| Idle/", timeout=KERNEL_WAIT_MS)
    page.locator("li.lm-MenuBar-item", has_text="Run").click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def wait_until_done(page) -> None:
    """Every code cell has run: no '[*]' prompt left, and the kernel is idle."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=KERNEL_WAIT_MS,
    )
    assert page.locator(".jp-OutputArea-output", has_text="Traceback").count() == 0


def show_cell(page, source: str):
    """The code cell whose text contains ``source``, scrolled to the top of the view."""
    cell = page.locator(".jp-CodeCell", has_text=source)
    cell.evaluate("element => element.scrollIntoView({block: 'start'})")
    return cell


def save(page, lab, notebook: str) -> str:
    """Ctrl+S in the notebook; the saved file's text once the tab is clean."""
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector(".lm-TabBar-tab.jp-mod-dirty", state="detached")
    return (lab.root / notebook).read_text(encoding="utf-8")


def sign_in_with_key(page, panel, key: str, shot) -> None:
    panel.get_by_label("API key", exact=True).fill(key)
    shot(page, "02-key-typed")
    panel.get_by_role("button", name="Connect").click()
    panel.get_by_text(f"Connected to {COMPANY}").wait_for()
    assert panel.get_by_label("API key", exact=True).input_value() == ""  # cleared at once


def sign_in_with_oauth(page, panel, redirect_uri: str, shot) -> str:
    """The paste-back flow; returns the code that was pasted."""
    panel.get_by_role("tab", name="OAuth").click()
    panel.get_by_role("button", name="Get authorization link").click()
    link = panel.get_by_role("link", name=re.compile("authorization page"))
    link.wait_for()
    shot(page, "04-oauth-link")
    consent = page.context.new_page()
    consent.goto(link.get_attribute("href"))
    shot(consent, "05-consent")
    consent.get_by_role("button", name="Authorize").click()
    consent.wait_for_url(f"{redirect_uri}*")
    shot(consent, "06-redirected")
    pasted = consent.url
    consent.close()
    panel.get_by_label("Paste the address", exact=True).fill(pasted)
    panel.get_by_role("button", name="Finish").click()
    panel.get_by_text(re.compile(f"Connected to {COMPANY}.* with scopes")).wait_for()
    return parse_qs(urlsplit(pasted).query)["code"][0]


def test_sign_in_and_send_from_jupyterlab(lab, sandbox, shots):
    with chromium_context() as context:
        page = context.new_page()

        # 01_connect: the status card from the saved key, then the panel on its own.
        open_and_run_all(page, lab, "01_connect.ipynb")
        page.keyboard.press("Control+b")  # hide the file browser: more room for the notebook
        panel = page.locator(".attentive-signin")
        panel.wait_for(timeout=KERNEL_WAIT_MS)
        wait_until_done(page)
        assert page.get_by_text("Connected to Attentive").count() >= 1  # the status card
        panel.scroll_into_view_if_needed()
        shots(page, "01-panel")
        sign_in_with_key(page, panel, sandbox.api_key, shots)
        shots(page, "03-key-connected")
        code = sign_in_with_oauth(page, panel, sandbox.redirect_uri, shots)
        shots(page, "07-oauth-connected")
        saved = save(page, lab, "01_connect.ipynb")
        assert "attentive-signin" in saved or "application/vnd.jupyter.widget" in saved
        for secret in (sandbox.api_key, sandbox.client_secret, code):
            assert secret not in saved

        # 02_subscribers: run everything, read the response table.
        open_and_run_all(page, lab, "02_subscribers.ipynb")
        page.keyboard.press("Control+b")
        wait_until_done(page)
        # Off-screen cells are not rendered (content-visibility), so read text_content().
        dry_run = show_cell(page, "check = conn.send_subscribers(").text_content()
        assert "rows need attention" in dry_run and "would_send" in dry_run
        shots(page, "08-dry-run")
        report = show_cell(page, "report = conn.send_subscribers(").text_content()
        assert "NEWLY_CREATED" in report and "Sandbox: nothing was sent to Attentive" in report
        shots(page, "09-report")
        assert "skipped" in show_cell(page, "again = conn.send_subscribers(").text_content()
        shots(page, "10-rerun-skipped")
        saved = save(page, lab, "02_subscribers.ipynb")
        assert sandbox.api_key not in saved and "NEWLY_CREATED" in saved

    assert len(sandbox.received("/v1/subscriptions")) == 18
    if os.environ.get("ATTENTIVE_NB_UPDATE_SCREENSHOTS"):  # `make screenshots`
        shutil.copyfile(ARTIFACTS / "03-key-connected.png", DOCS / "screenshot-signin.png")
        shutil.copyfile(ARTIFACTS / "09-report.png", DOCS / "screenshot-report.png")
