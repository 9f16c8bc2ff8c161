"""``attentive-nb lab`` and ``attentive-nb demo``: JupyterLab on the walkthrough notebooks.

``demo`` first starts a sandbox in this process and hands its address and
credentials to JupyterLab through the environment, so the notebooks talk to
the sandbox and nothing reaches Attentive. Ctrl-C stops JupyterLab, then the
sandbox.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

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

DEMO_EPILOG = """\
The sandbox is a local look-alike of Attentive's API on 127.0.0.1: nothing you
send in the demo reaches Attentive. Ctrl-C stops JupyterLab and the sandbox.

examples:
  attentive-nb demo
  attentive-nb demo --no-browser --port 8890 --sandbox-port 8765
"""


class NotebooksMissing(Exception):
    """No notebooks folder was found (exit code 2)."""


def add_parsers(subparsers, common: argparse.ArgumentParser, formatter) -> None:
    """``lab`` and ``demo``."""
    lab = subparsers.add_parser(
        "lab",
        parents=[common],
        help="open the walkthrough notebooks in JupyterLab",
        description="Open JupyterLab on the notebooks/ folder.",
        epilog=LAB_EPILOG,
        formatter_class=formatter,
    )
    demo = subparsers.add_parser(
        "demo",
        parents=[common],
        help="JupyterLab on the notebooks, connected to a local sandbox",
        description="Start a sandbox and open the notebooks against it.",
        epilog=DEMO_EPILOG,
        formatter_class=formatter,
    )
    for parser in (lab, demo):
        parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
        parser.add_argument(
            "--port", type=int, help="JupyterLab's port (default: 8888 or the next free)"
        )
        parser.add_argument(
            "--notebooks", metavar="DIR", help="the notebooks folder (default: found)"
        )
        parser.set_defaults(parser=parser, passthrough=True)
    demo.add_argument(
        "--sandbox-port", type=int, default=0, help="the sandbox's port (default: any free)"
    )
    lab.set_defaults(run=run_lab)
    demo.set_defaults(run=run_demo)


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


def run_demo(args: argparse.Namespace, extra: list[str]) -> int:
    """A sandbox in this process, and JupyterLab pointed at it."""
    from attentive_nb.sandbox import Sandbox

    require_jupyterlab()
    root = notebooks_dir(args.notebooks)
    with Sandbox(port=args.sandbox_port) as sb:
        print(banner(sb), flush=True)
        env = {**os.environ, **sb.environment()}
        return run_jupyter(lab_command(args, extra, root, FIRST_NOTEBOOK), env, root)


def banner(sb) -> str:
    """What the demo is, in a box; only the sandbox's own throwaway key is shown."""
    lines = [
        "DEMO: the notebooks are connected to a local SANDBOX, not to Attentive.",
        f"Sandbox API: {sb.url}   (nothing sent here reaches Attentive)",
        f"Demo API key, for the 'API key' tab (works only on this sandbox): {sb.api_key}",
        f"Start with {FIRST_NOTEBOOK}. Press Ctrl-C here to stop JupyterLab and the sandbox.",
    ]
    rule = "=" * max(len(line) for line in lines)
    return "\n".join([rule, *lines, rule])


def run_jupyter(command: list[str], env: dict[str, str], root: Path) -> int:
    """Run JupyterLab until it exits or Ctrl-C; then stop it cleanly (SIGTERM, then kill)."""
    # In root: JupyterLab opens a path given on its command line relative to its cwd.
    # stdin closed: JupyterLab then stops at once on a signal instead of asking y/n.
    proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, cwd=root)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        print("\nStopping JupyterLab…", file=sys.stderr, flush=True)
        _stop(proc)
        return 0


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM lets JupyterLab shut its kernels down; a second Ctrl-C or a hang kills it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE_S)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        proc.kill()
        proc.wait()
