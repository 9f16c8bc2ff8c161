"""What the command line prints holds no control character or terminal escape sequence."""

from __future__ import annotations

import io

import pytest
import responses
from fakes import ME

from attentive_nb.cli import commands as cli
from attentive_nb.cli.terminal import CleanStream, clean

API = "https://api.attentivemobile.com"
KEY = "ak_Zq7Xv9Lk2Pw4Rt6Ys8Ub1Nc3Md5Fe0Gh"
# Set the window title, clear the screen, write the clipboard (OSC 52), a hidden
# hyperlink (OSC 8), 8-bit CSI, a bell, a backspace, right-to-left override.
HOSTILE = (
    "\x1b]0;pwned\x07Acme\x1b[2J\x1b[H\x1b]52;c;ZWNobyBoaQ==\x07 Co"
    "\x1b]8;;http://evil.example\x1b\\here\x1b]8;;\x1b\\\x9b31m\x07\x08\u202e"
)


@pytest.mark.parametrize(
    "text, shown",
    [
        (HOSTILE, "Acme Cohere"),
        ("plain text, tabs\tand\nlines", "plain text, tabs\tand\nlines"),
        ("\x1bPq#0;2;0;0;0\x1b\\ok", "ok"),  # a DCS string (sixel) whole
        ("\x1b[38;5;196mred\x1b[0m", "red"),
        ("half an escape \x1b", "half an escape "),
        ("nul\x00 del\x7f c1\x85", "nul del c1"),
        ("über ✓ 电话", "über ✓ 电话"),
    ],
)
def test_clean_removes_escape_sequences_and_control_characters(text, shown):
    assert clean(text) == shown


def test_carriage_return_is_kept_only_where_asked():
    assert clean("10%\r20%") == "10%20%"
    assert clean("10%\r20%", keep="\n\t\r") == "10%\r20%"


def test_the_stream_cleans_every_write_and_passes_the_rest_through():
    target = io.StringIO()
    stream = CleanStream(target)
    assert stream.write("a\x1b[2Jb") == len("a\x1b[2Jb")
    stream.flush()
    assert target.getvalue() == "ab" and stream.isatty() is False


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_cli_prints_what_the_server_says_without_its_escape_sequences(mock, monkeypatch, capsys):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    mock.get(API + "/v1/me", json={**ME, "companyName": HOSTILE})
    assert cli.main(["whoami"]) == 0
    out = capsys.readouterr().out
    assert "Acme Cohere" in out
    assert not [c for c in out if not c.isprintable() and c != "\n"], repr(out)


def test_cli_errors_from_the_server_are_cleaned_too(mock, monkeypatch, capsys):
    monkeypatch.setenv("ATTENTIVE_API_KEY", KEY)
    mock.get(API + "/v1/me", status=401, json={"error": {"message": HOSTILE}})
    assert cli.main(["whoami"]) == 2  # a refused key is a setting to fix
    err = capsys.readouterr().err
    assert "Acme Cohere" in err
    assert not [c for c in err if not c.isprintable() and c != "\n"], repr(err)
