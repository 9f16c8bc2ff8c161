"""``attentive-nb demo`` (``make demo``): JupyterLab on the walkthroughs, against a sandbox.

A sandbox starts in this process; its address and throwaway credentials go
to JupyterLab through the environment, so the notebooks talk to it and
nothing reaches Attentive. Everything the demo writes outside the notebooks
folder (the OAuth tokens, JupyterLab's settings, workspaces and runtime
files) goes into a home of its own, removed when the demo stops: the user's
``~/.attentive_nb`` and JupyterLab settings are never touched.

The terminal shows a banner with the one address to open (the first notebook,
token included), and JupyterLab's warnings and errors, without the noise.
Ctrl-C stops JupyterLab, then the sandbox.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from attentive_nb.cli.lab import (
    FIRST_NOTEBOOK,
    add_lab_options,
    lab_command,
    notebooks_dir,
    require_jupyterlab,
    run_jupyter,
)
from attentive_nb.errors import ConfigError

if TYPE_CHECKING:  # run_demo imports it only when a demo runs
    from attentive_nb.sandbox import Sandbox

DEMO_EPILOG = """\
The sandbox is a local look-alike of Attentive's API on 127.0.0.1: nothing you
send in the demo reaches Attentive. Each start is a new, empty sandbox company,
so the walkthroughs can be run again from the top. Ctrl-C stops JupyterLab and
the sandbox.

examples:
  attentive-nb demo
  attentive-nb demo --no-browser --port 8890 --sandbox-port 8765
"""
FIRST_PORT = 8888
#: JupyterLab settings for the demo: no news question, no update check.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
#: Lines of JupyterLab's (and its kernels') output that tell a demo user nothing.
NOISE = (
    re.compile(r"^\[I \d{4}-"),  # information, such as "Skipped non-installed server(s)"
    re.compile(r"Kernel is running over TCP without encryption"),
    re.compile(r"Notebook \S+ is not trusted"),  # every walkthrough, opened fresh
    re.compile(r"websocket_ping_timeout"),
)
#: The demo's kernels answer a cell run before the one that sets its names in words.
KERNEL_CONFIG = 'c.InteractiveShellApp.extensions = ["attentive_nb.training.names"]\n'
_TOKEN_OPTIONS = ("--IdentityProvider.token=", "--ServerApp.token=")


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    formatter: type[argparse.HelpFormatter],
) -> None:
    """``demo``."""
    demo = subparsers.add_parser(
        "demo",
        parents=[common],
        help="JupyterLab on the notebooks, connected to a local sandbox",
        description="Start a sandbox and open the notebooks against it.",
        epilog=DEMO_EPILOG,
        formatter_class=formatter,
    )
    add_lab_options(demo)
    demo.add_argument(
        "--sandbox-port", type=int, default=0, help="the sandbox's port (default: any free)"
    )
    demo.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace, extra: list[str]) -> int:
    """A sandbox in this process, and JupyterLab pointed at it, in a home of its own."""
    from attentive_nb.sandbox import Sandbox

    require_jupyterlab()
    root = notebooks_dir(args.notebooks)
    port = args.port or free_port()
    token = given_token(extra)
    if token is None:
        token = secrets.token_hex(24)
        extra = [*extra, f"--IdentityProvider.token={token}"]
    quiet = ["--port-retries=0", "--ServerApp.log_level=WARN"]
    command = lab_command(
        argparse.Namespace(**{**vars(args), "port": port}), quiet + extra, root, FIRST_NOTEBOOK
    )
    with Sandbox(port=args.sandbox_port) as sb, demo_home() as (_, home_env):
        print(banner(sb, lab_address(port, token)), flush=True)
        env = {**os.environ, **sb.environment(), **home_env}
        return run_jupyter(command, env, root, hide=is_noise)


def lab_address(port: int, token: str) -> str:
    """The address that opens the first notebook in the demo's JupyterLab."""
    return f"http://127.0.0.1:{port}/lab/tree/{FIRST_NOTEBOOK}?token={token}"


def given_token(extra: list[str]) -> str | None:
    """The JupyterLab token passed on the command line, if one was."""
    for option in extra:
        for prefix in _TOKEN_OPTIONS:
            if option.startswith(prefix):
                return option[len(prefix) :]
    return None


def free_port(first: int = FIRST_PORT, tries: int = 50) -> int:
    """JupyterLab's usual port, or the next free one (the banner must know it beforehand)."""
    for port in range(first, first + tries):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ConfigError(f"No free port from {first} to {first + tries - 1}: pass --port.")


@contextlib.contextmanager
def demo_home() -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary home for the demo, and the environment that points everything there."""
    with tempfile.TemporaryDirectory(prefix="attentive-nb-demo-") as name:
        home = Path(name)
        settings = home / "lab" / "user-settings"
        for plugin, values in LAB_SETTINGS.items():
            target = settings / plugin
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        profile = home / "ipython" / "profile_default"
        profile.mkdir(parents=True)
        (profile / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
        yield (
            home,
            {
                "ATTENTIVE_NB_HOME": str(home / "attentive_nb"),
                "IPYTHONDIR": str(home / "ipython"),
                "JUPYTERLAB_SETTINGS_DIR": str(settings),
                "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab" / "workspaces"),
                "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            },
        )


def banner(sb: Sandbox, address: str) -> str:
    """What the demo is and where to go, in a box; only the sandbox's throwaway key is shown."""
    lines = [
        "DEMO: the notebooks are connected to a local SANDBOX, not to Attentive.",
        f"Open this in your browser: {address}",
        f"Sandbox API: {sb.url}   (nothing sent here reaches Attentive)",
        f"Demo API key, for the 'API key' tab (works only on this sandbox): {sb.api_key}",
        "Each start is a new, empty sandbox company: run the walkthroughs again from the top.",
        "Press Ctrl-C here to stop JupyterLab and the sandbox.",
    ]
    rule = "=" * max(len(line) for line in lines)
    return "\n".join([rule, *lines, rule])


def is_noise(line: str) -> bool:
    """True for a line of JupyterLab's output a demo user does not need to see."""
    return any(pattern.search(line) for pattern in NOISE)
