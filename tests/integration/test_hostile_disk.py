"""The ledger's folder read-only or full, HOME unset or wrong: the CLI against a sandbox (issue 25).

Each must end in one clear line saying why, nothing sent that the ledger
cannot record, and no traceback. The read-only folder and the full disk are
small tmpfs mounts over ``.attentive_nb`` (root only: a root process writes
through a chmod 0500 folder); the tests skip where mounting is not allowed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sandbox

CLI = [sys.executable, "-m", "attentive_nb.cli"]
PEOPLE = "phone,email\n+12015550110,ada@example.com\n+12125550111,ben@example.com\n"
MORE = "phone\n+14155550112\n+14155550113\n+14155550114\n"
SEND = ["send", "subscribers", "people.csv", "--sign-up-source-id", "1"]


def run(*args: str, env: dict[str, str], drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    whole = {k: v for k, v in {**os.environ, **env}.items() if k not in drop}
    return subprocess.run(
        [*CLI, *args], env=whole, capture_output=True, text=True, timeout=90, check=False
    )


def creds(sb) -> dict[str, str]:
    return {"ATTENTIVE_API_URL": sb.url, "ATTENTIVE_API_KEY": sb.api_key}


def one_clear_error(result: subprocess.CompletedProcess, *words: str) -> str:
    """The one ``error:`` line of a failed run (no traceback), holding every one of ``words``."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if "error: " in line]
    assert len(errors) == 1, result.stderr
    assert all(w in errors[0] for w in words), errors[0]
    return errors[0]


@contextlib.contextmanager
def tmpfs(folder: Path, options: str):
    """A tmpfs mounted on ``folder`` for the test; skip when this machine does not allow it."""
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


def fill(folder: Path) -> None:
    """Write into ``folder`` until its file system has no byte left."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)


# -- the ledger's folder read-only ------------------------------------------------------------


def test_a_read_only_ledger_folder_sends_nothing_and_says_why(sandbox):
    Path("people.csv").write_text(PEOPLE)
    with tmpfs(Path(".attentive_nb"), "ro,size=64k"):
        result = run(*SEND, env=creds(sandbox))
    one_clear_error(result, "ledger.sqlite", "read-only", "nothing more was sent")
    assert sandbox.received("/v1/subscriptions") == []


def test_a_ledger_whose_folder_became_read_only_sends_nothing_more(sandbox):
    Path("people.csv").write_text(PEOPLE)
    with tmpfs(Path(".attentive_nb"), "size=1m") as folder:
        assert run(*SEND, env=creds(sandbox)).returncode == 0
        remount(folder, "ro")
        Path("people.csv").write_text(MORE)
        result = run(*SEND, env=creds(sandbox))
    one_clear_error(result, "ledger.sqlite", "read-only")
    assert len(sandbox.received("/v1/subscriptions")) == 2  # the first run's, none of these


# -- the disk full ------------------------------------------------------------------------------


def test_a_full_disk_sends_nothing_and_says_why(sandbox):
    Path("people.csv").write_text(PEOPLE)
    with tmpfs(Path(".attentive_nb"), "size=64k") as folder:
        fill(folder)
        result = run(*SEND, env=creds(sandbox))
    one_clear_error(result, "ledger.sqlite", "the disk is full", "free some space")
    assert sandbox.received("/v1/subscriptions") == []


def test_a_disk_full_after_a_first_send_never_sends_anyone_twice(sandbox):
    Path("people.csv").write_text(PEOPLE)
    with tmpfs(Path(".attentive_nb"), "size=1m") as folder:
        assert run(*SEND, env=creds(sandbox)).returncode == 0
        fill(folder)
        Path("people.csv").write_text(PEOPLE + MORE.removeprefix("phone\n").replace("\n", ",\n"))
        result = run(*SEND, env=creds(sandbox))
        # SQLite may still fit a small send in the pages it already has; if not, it says so
        if result.returncode != 0:
            one_clear_error(result, "ledger.sqlite", "the disk is full")
        (folder / "filler").unlink()
        again = run(*SEND, env=creds(sandbox))
    assert again.returncode == 0, again.stderr
    for phone in ("+12015550110", "+12125550111"):  # sent by the first run, never again
        assert sandbox.subscribe_count(phone) == 1
    for phone in ("+14155550112", "+14155550113", "+14155550114"):
        assert sandbox.subscribe_count(phone) == 1


# -- HOME unset or wrong ------------------------------------------------------------------------


def test_a_send_needs_no_home_its_ledger_is_beside_the_data(sandbox):
    Path("people.csv").write_text(PEOPLE)
    result = run(*SEND, env=creds(sandbox), drop=("HOME", "ATTENTIVE_NB_HOME"))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert Path(".attentive_nb/ledger.sqlite").exists()
    assert len(sandbox.received("/v1/subscriptions")) == 2


@pytest.mark.parametrize("home", ["/proc/no-such-home", "/dev/null"])
def test_a_send_with_a_home_that_cannot_hold_files_is_paced_alone_and_says_so(sandbox, home):
    Path("people.csv").write_text(PEOPLE)
    env = {**creds(sandbox), "HOME": home}
    result = run(*SEND, env=env, drop=("ATTENTIVE_NB_HOME",))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "Paced this run on its own" in result.stdout
    assert len(sandbox.received("/v1/subscriptions")) == 2


@pytest.mark.parametrize("home", ["/proc/no-such-home", "/dev/null"])
def test_a_sign_in_with_a_home_that_cannot_hold_its_state_says_why(sandbox, home):
    env = {**sandbox.environment(), "HOME": home}
    for command in (["oauth", "url"], ["oauth", "finish", "http://x.invalid/cb?code=c&state=s"]):
        result = run(*command, env=env, drop=("ATTENTIVE_NB_HOME", "ATTENTIVE_API_KEY"))
        line = one_clear_error(result, "~/.attentive_nb", "cannot be made", "ATTENTIVE_NB_HOME")
        assert "unexpected" not in line
    assert sandbox.received("/oauth/token") == []
