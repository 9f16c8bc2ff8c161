"""Markup and terminal escapes from data, servers and file names are shown inert (issue 25).

Column names and values with ``<script>`` or ``onerror=`` are escaped in the
report's HTML, the sign-in panel and the status card; the progress bar's text
holds neither markup nor terminal escapes; an ``--out`` name with escapes
is refused before anything is sent.
"""

from __future__ import annotations

import functools
import io

import pandas as pd
import pytest
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.cli import commands as cli
from attentive_nb.errors import ConfigError
from attentive_nb.send.progress import Progress
from attentive_nb.signin.core import StatusCard

API = "https://api.attentivemobile.com"
KEY = "ak_Zq7Xv9Lk2Pw4Rt6Ys8Ub1Nc3Md5Fe0Gh"
MARKUP = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '"><svg onload=alert(3)>',
    "<a href='javascript:alert(4)'>x</a>",
]
ESCAPES = ["\x1b]0;pwned\x07", "\x1b[2J", "\r", "\x9b31m", "\u202e"]


def inert(html: str) -> bool:
    return not any(tag in html for tag in ("<script", "<img", "<svg", "<a href"))


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(API + "/v1/me", json=ME)
        yield rsps


@pytest.mark.parametrize("markup", MARKUP)
def test_column_names_and_values_are_escaped_in_the_report(mock, markup):
    conn = att.Connection.from_api_key(KEY)
    frame = pd.DataFrame({"email": ["kim@example.com", markup], markup: [markup, "1"]})
    report = conn.send_attributes(frame, dry_run=True, progress=False)
    html = report._repr_html_()
    assert inert(html), html
    assert "&lt;" in html


@pytest.mark.parametrize("markup", MARKUP)
def test_the_status_card_escapes_what_the_server_names(markup):
    card = StatusCard(markup, markup, "API key", "ak_Z…0Gh", markup, "http://127.0.0.1:1")
    assert inert(card._repr_html_())


@pytest.mark.parametrize("markup", MARKUP)
def test_the_sign_in_panel_escapes_the_server_s_refusal(mock, markup):
    from attentive_nb.signin.panel import SignInPanel

    mock.replace(responses.GET, API + "/v1/me", status=403, json={"error": {"message": markup}})
    panel = SignInPanel()
    panel.api_key.value = KEY
    panel.connect_button.click()
    assert "&lt;" in panel.status.value and inert(panel.status.value)


@pytest.mark.parametrize("text", MARKUP + ESCAPES)
def test_the_notebook_progress_bar_shows_its_text_escaped(monkeypatch, text):
    import tqdm.auto
    import tqdm.notebook

    bars = []

    def notebook_bar(*args, **kwargs):
        bars.append(tqdm.notebook.tqdm(*args, display=False, **kwargs))
        return bars[-1]

    monkeypatch.setattr(tqdm.auto, "tqdm", notebook_bar)
    governor = type("G", (), {"waiting_reason": text})()
    progress = Progress(3, f"Sending: {text}", governor)
    progress.start()
    progress.advance(1)
    shown = [child.value for child in bars[0].container.children if isinstance(child.value, str)]
    assert all(inert(v) and "\x1b" not in v and "\u202e" not in v for v in shown), shown
    progress.close()


@pytest.mark.parametrize("text", ESCAPES)
def test_the_terminal_progress_bar_holds_no_escape(monkeypatch, text):
    import tqdm.auto
    import tqdm.std

    out = io.StringIO()
    monkeypatch.setattr(tqdm.auto, "tqdm", functools.partial(tqdm.std.tqdm, file=out))
    governor = type("G", (), {"waiting_reason": f"slow {text}"})()
    progress = Progress(3, f"Sending{text}", governor)
    progress.start()
    progress.advance(3)
    progress.close()
    written = out.getvalue().replace("\r", "").replace("\n", "")  # tqdm's own redraws
    assert "\x1b" not in written and "\x9b" not in written and "\u202e" not in written


@pytest.mark.parametrize("escape", ESCAPES + ["\n", "\x00"])
def test_an_out_file_name_with_escapes_is_refused_before_anything_is_sent(
    mock, monkeypatch, capsys, escape
):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    pd.DataFrame({"email": ["kim@example.com"], "points": [1]}).to_csv("in.csv", index=False)
    for option in ("--out", "--retry-out"):
        argv = ["send", "attributes", "in.csv", option, f"a{escape}b.csv", "--no-progress"]
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
        assert "control characters or terminal escape" in capsys.readouterr().err
    assert [c for c in mock.calls if "/v1/attributes" in c.request.url] == []


def test_a_report_is_not_saved_under_a_name_with_escapes(mock):
    conn = att.Connection.from_api_key(KEY)
    report = conn.send_attributes(
        pd.DataFrame({"email": ["kim@example.com"], "x": [1]}), dry_run=True, progress=False
    )
    with pytest.raises(ConfigError, match="plain file name"):
        report.to_csv("\x1b]0;pwned\x07report.csv")
