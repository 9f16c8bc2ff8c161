"""``attentive-nb lab``: JupyterLab on the walkthrough notebooks, with the user's own settings.

The helpers here (finding the notebooks, the JupyterLab command, running it
until Ctrl-C) serve ``attentive-nb demo`` too (:mod:`attentive_nb.cli.demo`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attentive_nb.errors import ConfigError

FIRST_NOTEBOOK = "01_connect.ipynb"
STOP_GRACE_S = 10

LAB_EPILOG = """\
Other options (--ServerApp.*, --IdentityProvider.token=...) go to JupyterLab;
--allow-root is added when running as root.
Credentials come from the environment or .env, as in a notebook.

examples:
  attentive-nb lab
  attentive-nb lab --no-browser --port 8890
"""


class NotebooksMissing(Exception):
    """No notebooks folder was found (exit code 2)."""


def add_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``lab``."""
    lab = subparsers.add_parser(
        "lab",
        parents=[common],
        help="open the walkthrough notebooks in JupyterLab",
        description="Open JupyterLab on the notebooks/ folder.",
        epilog=LAB_EPILOG,
        formatter_class=formatter,
    )
    add_lab_options(lab)
    lab.set_defaults(run=run_lab)


def add_lab_options(parser: argparse.ArgumentParser) -> None:
    """The options ``lab`` and ``demo`` share; anything else goes on to JupyterLab."""
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument(
        "--port", type=int, help="JupyterLab's port (default: 8888 or the next free)"
    )
    parser.add_argument("--notebooks", metavar="DIR", help="the notebooks folder (default: found)")
    parser.set_defaults(parser=parser, passthrough=True)


def notebooks_dir(explicit: str | None = None) -> Path:
    """--notebooks, else ./notebooks, else the notebooks/ folder beside the package."""
    candidates = (
        [Path(explicit)]
        if explicit
        else [
            Path.cwd() / "notebooks",
            Path(__file__).resolve().parents[2] / "notebooks",  # a checkout: beside the package
        ]
    )
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    raise NotebooksMissing(
        f"No notebooks folder at {' or '.join(str(p) for p in candidates)}: run this from the "
        "attentive_nb checkout, or pass --notebooks DIR."
    )


def lab_command(
    args: argparse.Namespace, extra: list[str], root: Path, first: str | None
) -> list[str]:
    """``python -m jupyterlab`` from this environment, rooted at the notebooks."""
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}"]
    if args.no_browser:
        command.append("--no-browser")
    if args.port is not None:
        command.append(f"--port={args.port}")
    if _is_root() and "--allow-root" not in extra:
        # JupyterLab refuses root unless told; containers often run as root.
        command.append("--allow-root")
    command += extra
    if first and (root / first).is_file():
        command.append(first)
    return command


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def require_jupyterlab() -> None:
    """ConfigError, saying how to get it, when JupyterLab is not installed (a headless install)."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise ConfigError(
            "JupyterLab is not installed in this environment: pip install 'attentive-nb[lab]' "
            "(make demo and make lab install it for you)."
        )


def run_lab(args: argparse.Namespace, extra: list[str]) -> int:
    """JupyterLab with the user's own environment and .env."""
    require_jupyterlab()
    root = notebooks_dir(args.notebooks)
    print(f"Starting JupyterLab on {root} (Ctrl-C to stop).", flush=True)
    return run_jupyter(lab_command(args, extra, root, None), os.environ.copy(), root)


def run_jupyter(
    command: list[str],
    env: dict[str, str],
    root: Path,
    hide: Callable[[str], bool] | None = None,
) -> int:
    """Run JupyterLab until it exits or Ctrl-C; then stop it cleanly (SIGTERM, then kill).

    ``hide``: its output (and its kernels') is passed on line by line, except
    the lines ``hide`` says are noise.
    """
    # In root: JupyterLab opens a path given on its command line relative to its cwd.
    # stdin closed: JupyterLab then stops at once on a signal instead of asking y/n.
    piped = subprocess.PIPE if hide else None
    proc = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=piped,
        stderr=subprocess.STDOUT if hide else None,
        cwd=root,
        text=bool(hide),
    )
    copier = _copy_lines(proc, hide) if hide else None
    try:
        return proc.wait()
    except KeyboardInterrupt:
        print("\nStopping JupyterLab…", file=sys.stderr, flush=True)
        _stop(proc)
        return 0
    finally:
        if copier is not None:
            copier.join(timeout=STOP_GRACE_S)
            assert proc.stdout is not None  # piped whenever there is a copier
            proc.stdout.close()


def _copy_lines(proc: subprocess.Popen[str], hide: Callable[[str], bool]) -> threading.Thread:
    """A thread passing the process's output on to ours, without the lines ``hide`` picks."""
    lines = proc.stdout
    assert lines is not None  # run_jupyter pipes the output when it has lines to hide

    def copy() -> None:
        for line in lines:
            if not hide(line):
                sys.stderr.write(line)
                sys.stderr.flush()

    thread = threading.Thread(target=copy, name="jupyterlab-output", daemon=True)
    thread.start()
    return thread


def _stop(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM lets JupyterLab shut its kernels down; a second Ctrl-C or a hang kills it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE_S)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        proc.kill()
        proc.wait()
