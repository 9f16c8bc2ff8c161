"""A person's path through the walkthroughs in ``attentive-nb demo`` (make demo), in Chromium.

First demo: signs in with the panel in 01_connect (API key, then, after
"Sign in as another app", OAuth with a second browser page on the sandbox's
consent screen; each time the panel must become the status card), runs 02_subscribers,
reads its response table, does exercise 2.1 (its check says "not yet", then
"done"), and in a scratch notebook meets a renamed phone column and a
misspelt keyword (each one line, no traceback); in 06_segments, at 1280x720, runs
an exercise's check first on a fresh kernel (it says which cell to run), then
Run All: no output scrolls sideways. Saves the notebooks to prove
no secret is stored. Second demo, same folder (same ledger file): 02 again
subscribes everyone anew. Screenshots of each step go to
test-artifacts/browser/; `make screenshots` copies three of them to docs/.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest
from labharness import CHROMIUM, LAPTOP, chromium_context, demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package 'chromium')"),
]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DOCS = ROOT / "docs"
COMPANY = "Sandbox Outfitters"
KERNEL_WAIT_MS = 90_000
# `make screenshots`; read at import, since every test starts with no ATTENTIVE_* variable.
UPDATE_SCREENSHOTS = bool(os.environ.get("ATTENTIVE_NB_UPDATE_SCREENSHOTS"))
QUESTION = (
    "column 'mobile_no' looks like phone numbers: map it with columns={'mobile_no': 'phone'} "
    "or pass ignore=['mobile_no']"
)
SCRATCH = [  # what an analyst might type in a notebook of their own
    "import pandas as pd\nimport attentive_nb as att\n\nconn = att.connect()\n"
    'people = pd.read_csv("data/subscribers.csv", dtype=str)',
    'renamed = people.rename(columns={"phone": "mobile_no"})\n'
    'conn.send_subscribers(renamed, sign_up_source_id="123456")',
    'conn.send_subscribers(people, sign_up_sorce_id="123456")',
]


def solution(number: str) -> str:
    """An exercise's solution, from scripts/make_notebooks.py."""
    spec = importlib.util.spec_from_file_location("mk", ROOT / "scripts/make_notebooks.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    slug = f"solution-{number.replace('.', '-')}"
    cells = [c for cells in script.NOTEBOOK_CELLS.values() for c in cells]
    return next(source for _, cell_id, source in cells if cell_id == slug)


@pytest.fixture
def root(tmp_path):
    """A copy of notebooks/, with a scratch notebook of the analyst's own."""
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder, ignore=shutil.ignore_patterns(".*"))
    scratch = nbformat.v4.new_notebook()
    scratch.cells = [nbformat.v4.new_code_cell(source) for source in SCRATCH]
    scratch.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(scratch, folder / "scratch.ipynb")
    return folder


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


def open_notebook(page, lab, notebook: str) -> None:
    """Open a notebook on its own and wait for its kernel."""
    page.goto(lab.page_url(notebook).replace("?", "?reset&", 1))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_selector("#jp-main-statusbar >> text=/\\| Idle/", timeout=KERNEL_WAIT_MS)


def open_and_run_all(page, lab, notebook: str) -> None:
    """Open a notebook, then Run > Run All Cells."""
    open_notebook(page, lab, notebook)
    page.locator("li.lm-MenuBar-item", has_text="Run").click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def wait_until_done(page) -> None:
    """Every code cell has run: no '[*]' prompt left, and no traceback anywhere."""
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
    cell = page.locator(".jp-CodeCell", has_text=source).first
    for _ in range(2):  # the first scroll renders the cells around it, which moves it again
        cell.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(200)
    return cell


def run_cell(page, cell, code: str | None = None) -> None:
    """Click into the cell (replacing its code with ``code``), Shift+Enter, wait until it ran.

    One at a time: after an error, JupyterLab drops the cells queued behind it.
    """
    element = cell.element_handle()  # the cell itself, whatever its text becomes
    element.query_selector(".cm-content").click()
    if code is not None:
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    element.wait_for_selector(".jp-InputPrompt >> text=/\\[\\d+\\]/", timeout=KERNEL_WAIT_MS)


def save(page, lab, notebook: str) -> str:
    """Ctrl+S in the notebook; the saved file's text once the tab is clean."""
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector(".lm-TabBar-tab.jp-mod-dirty", state="detached")
    return (lab.root / notebook).read_text(encoding="utf-8")


def assert_card_replaced_the_panel(panel, kind: str, source: str) -> None:
    """The panel became the saved-key card: company, app, credential masked, its source."""
    card = panel.locator(".attentive-status")
    card.wait_for()
    text = card.inner_text()
    assert "Connected to a sandbox on this machine, not Attentive" in text
    assert COMPANY in text and "App" in text and re.search(f"{kind}\\s+\\S+…\\S+ {source}", text)
    assert panel.get_by_role("tab").count() == 0  # no tabs, fields or Connect button left
    assert panel.locator("input").count() == 0 and panel.get_by_role("button").count() == 1
    assert panel.get_by_role("button", name="Sign in as another app").is_visible()


def sign_in_with_key(page, panel, key: str, shot) -> None:
    panel.get_by_label("API key", exact=True).fill(key)
    shot(page, "02-key-typed")
    panel.get_by_role("button", name="Connect").click()
    assert_card_replaced_the_panel(panel, "API key", "from the sign-in panel")
    assert key not in panel.inner_text()


def sign_in_again(panel) -> None:
    """'Sign in as another app': the tabs come back, the key field empty."""
    panel.get_by_role("button", name="Sign in as another app").click()
    assert panel.get_by_label("API key", exact=True).input_value() == ""  # cleared at once


def sign_in_with_oauth(page, panel, shot) -> str:
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
    consent.wait_for_url(re.compile(r".*/oauth/callback\?.*"))
    shot(consent, "06-redirected")
    pasted = consent.url
    consent.close()
    panel.get_by_label("Paste the address", exact=True).fill(pasted)
    panel.get_by_role("button", name="Finish").click()
    assert_card_replaced_the_panel(panel, "OAuth token", "from the OAuth sign-in")
    assert "subscriptions:write" in panel.locator(".attentive-status").inner_text()
    return parse_qs(urlsplit(pasted).query)["code"][0]


def connect_notebook(page, lab, shots) -> None:
    """01_connect: the status card from the saved key, then the panel, both tabs."""
    open_and_run_all(page, lab, "01_connect.ipynb")
    page.keyboard.press("Control+b")  # hide the file browser: more room for the notebook
    panel = page.locator(".attentive-signin")
    panel.wait_for(timeout=KERNEL_WAIT_MS)
    wait_until_done(page)
    assert page.get_by_text("Connected to a sandbox on this machine, not Attentive").count() >= 1
    panel.scroll_into_view_if_needed()
    shots(page, "01-panel")
    sign_in_with_key(page, panel, lab.api_key, shots)
    panel.evaluate("element => element.scrollIntoView({block: 'center'})")
    shots(page, "03-key-connected")
    sign_in_again(panel)
    code = sign_in_with_oauth(page, panel, shots)
    panel.evaluate("element => element.scrollIntoView({block: 'center'})")
    shots(page, "07-oauth-connected")
    saved = save(page, lab, "01_connect.ipynb")
    assert "application/vnd.jupyter.widget" in saved
    for secret in (lab.api_key, code):
        assert secret not in saved


def subscribers_notebook(page, lab, shots, prefix: str) -> str:
    """02_subscribers, Run All: the dry run, then the send's report; its text."""
    open_and_run_all(page, lab, "02_subscribers.ipynb")
    page.keyboard.press("Control+b")
    wait_until_done(page)
    # Off-screen cells are not rendered (content-visibility), so read text_content().
    dry_run = show_cell(page, "check = conn.send_subscribers(").text_content()
    assert "rows need attention" in dry_run and "How each column was read" in dry_run
    shots(page, f"{prefix}-dry-run")
    report = show_cell(page, "report = conn.send_subscribers(").text_content()
    assert "Sandbox: nothing was sent to Attentive" in report
    shots(page, f"{prefix}-report")
    return report


def exercise_2_1(page, lab, shots) -> None:
    """The check says "not yet"; the solution typed in; the check says "done"."""
    check = show_cell(page, 'training.check("2.1", conn)')
    assert "Exercise 2.1, not yet" in check.text_content()
    shots(page, "11-exercise-not-yet")
    run_cell(page, show_cell(page, "# Exercise 2.1: your code here"), solution("2.1"))
    run_cell(page, check)
    check.get_by_text("Exercise 2.1, done").wait_for(timeout=KERNEL_WAIT_MS)
    show_cell(page, 'training.check("2.1", conn)')
    shots(page, "12-exercise-done")
    saved = save(page, lab, "02_subscribers.ipynb")
    assert lab.api_key not in saved and "NEWLY_CREATED" in saved


def scratch_notebook(page, lab, shots) -> None:
    """A renamed phone column stops a real send; a misspelt keyword: one line each."""
    open_notebook(page, lab, "scratch.ipynb")
    run_cell(page, show_cell(page, "conn = att.connect()"))
    stopped, typo = show_cell(page, "renamed = people"), show_cell(page, "sign_up_sorce_id")
    run_cell(page, stopped)
    run_cell(page, typo)
    for cell in (stopped, typo):
        text = cell.locator(".jp-OutputArea-output").text_content()
        assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text
    assert QUESTION in stopped.text_content() and "Nothing was sent" in stopped.text_content()
    shots(page, "13-unrecognised-column")
    assert "did you mean sign_up_source_id=?" in typo.text_content()
    typo.scroll_into_view_if_needed()
    shots(page, "14-usage-error")
    assert page.locator(".jp-OutputArea-output", has_text="Traceback").count() == 0


WIDE_OUTPUTS = """() => [...document.querySelectorAll('.jp-OutputArea-output')].flatMap(out =>
    [out, ...out.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 2
        && getComputedStyle(e).overflowX !== 'visible').map(() => out.textContent.slice(0, 80)))"""


def wide_outputs(page) -> list[str]:
    """Outputs that scroll sideways, each cell scrolled into view (off-screen ones lack layout)."""
    found: list[str] = []
    cells = page.locator(".jp-Notebook .jp-Cell")
    for i in range(cells.count()):
        cells.nth(i).evaluate("element => element.scrollIntoView({block: 'start'})")
        found += [text for text in page.evaluate(WIDE_OUTPUTS) if text not in found]
    return found


def segments_notebook(page, lab, shots) -> None:
    """06_segments: a check run first on a fresh kernel says which cell; Run All at 1280x720."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_notebook(page, lab, "06_segments.ipynb")
    early = show_cell(page, 'training.check("6.1", conn)')
    run_cell(page, early)
    said = early.locator(".jp-OutputArea-output").text_content()
    assert "`training` is not set in this kernel yet: the setup cell at the top" in said, said
    assert "Run All Above Selected Cell" in said and "Traceback" not in said
    shots(page, "16-segments-cell-first")
    open_and_run_all(page, lab, "06_segments.ipynb")
    wait_until_done(page)
    assert page.locator(".jp-OutputArea-output", has_text="Loading widget").count() == 0
    assert wide_outputs(page) == []  # the file browser open, as a trainee first sees it
    show_cell(page, "week.removed.table")
    shots(page, "17-segments-week")
    page.set_viewport_size(LAPTOP)


def test_two_demos_sign_in_send_exercise_and_errors_in_words(root, tmp_path, shots):
    with chromium_context() as context:
        page = context.new_page()
        with demo(root, tmp_path / "demo-1.log") as first:
            connect_notebook(page, first, shots)
            report = subscribers_notebook(page, first, shots, "08")
            assert "NEWLY_CREATED" in report
            rerun = show_cell(page, "again = conn.send_subscribers(").text_content()
            assert "Nothing to send: 18 rows skipped" in rerun
            shots(page, "10-rerun-skipped")
            exercise_2_1(page, first, shots)
            scratch_notebook(page, first, shots)
            segments_notebook(page, first, shots)
            seen_first = first.sandbox()
        assert len(seen_first["received"]["/v1/subscriptions"]) == 18 + 3  # 02, then 2.1

        with demo(root, tmp_path / "demo-2.log") as second:  # the same folder and ledger
            report = subscribers_notebook(page, second, shots, "15")
            assert "NEWLY_CREATED" in report and "skipped" not in report
            seen_second = second.sandbox()
    assert seen_second["company"]["companyId"] != seen_first["company"]["companyId"]
    assert (root / ".attentive_nb" / "ledger.sqlite").exists()  # kept, and no obstacle

    if UPDATE_SCREENSHOTS:
        shutil.copyfile(ARTIFACTS / "03-key-connected.png", DOCS / "screenshot-signin.png")
        shutil.copyfile(ARTIFACTS / "08-report.png", DOCS / "screenshot-report.png")
        shutil.copyfile(ARTIFACTS / "12-exercise-done.png", DOCS / "screenshot-exercise.png")


def test_the_other_walkthroughs_run_all_and_fit_a_laptop(root, tmp_path):
    """00, 03, 04, 05 at 1280x720 (01, 02, 06: above): Run All, no error, no sideways scroll."""
    with chromium_context() as context, demo(root, tmp_path / "demo.log") as lab:
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 720})
        for notebook in ("00_start_here", "03_attributes", "04_events", "05_ecommerce"):
            open_and_run_all(page, lab, f"{notebook}.ipynb")
            wait_until_done(page)
            assert page.locator(".jp-OutputArea-output", has_text="Loading widget").count() == 0
            assert wide_outputs(page) == [], notebook  # the file browser open, as at first
