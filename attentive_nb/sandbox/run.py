"""``attentive-nb sandbox``: run the sandbox in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from attentive_nb.sandbox.context import BULK_DELAY_S, DELETION_DELAY_S
from attentive_nb.sandbox.server import Sandbox

DEFAULT_PORT = 8765


def parser() -> argparse.ArgumentParser:
    """The command-line options; the CLI reuses them for ``attentive-nb sandbox``."""
    p = argparse.ArgumentParser(
        prog="attentive-nb sandbox",
        description="A local Attentive look-alike for practice and tests. "
        "Nothing reaches Attentive.",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1 (0: any free)")
    p.add_argument("--latency-ms", type=float, default=0, help="added to every API answer")
    p.add_argument("--jitter-ms", type=float, default=0, help="random extra latency, up to this")
    p.add_argument("--error-rate", type=float, default=0.0, help="share of 500/503 answers")
    p.add_argument("--reset-rate", type=float, default=0.0, help="share of connection resets")
    p.add_argument("--slow-rate", type=float, default=0.0, help="share of answers held 5 s")
    p.add_argument("--rate-scale", type=float, default=1.0, help="multiply the rate limits")
    p.add_argument(
        "--window-offset",
        type=float,
        default=0.0,
        metavar="S",
        help="start each one-second rate window S seconds after the clock's whole second",
    )
    p.add_argument("--seed", type=int, default=None, help="make the faults reproducible")
    p.add_argument(
        "--bulk-delay-s",
        type=float,
        default=BULK_DELAY_S,
        help="seconds a bulk job takes from submitted to run (Attentive: often hours)",
    )
    p.add_argument(
        "--deletion-delay-s",
        type=float,
        default=DELETION_DELAY_S,
        help="seconds a deletion request takes from accepted to processed (Attentive: days)",
    )
    return p


def banner(sb: Sandbox) -> str:
    """What a user needs to point a notebook at the sandbox."""
    return "\n".join(
        [
            f"Attentive sandbox running at {sb.url}  (local only: nothing reaches Attentive)",
            f"  company:             {sb.company['companyName']}",
            f"  demo API key:        {sb.api_key}",
            f"  OAuth client id:     {sb.client_id}",
            f"  OAuth client secret: {sb.client_secret}",
            f"  OAuth redirect URI:  {sb.redirect_uri}",
            "Point the notebook at it with:",
            f"  ATTENTIVE_API_URL={sb.url}",
            f"  ATTENTIVE_AUTH_URL={sb.auth_url}",
            "These keys change every time the sandbox starts. Press Ctrl-C to stop.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Parse options, serve in the foreground, print requests, stop cleanly on Ctrl-C."""
    args = parser().parse_args(argv)
    _show_requests()
    sandbox = Sandbox(
        port=args.port,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        error_rate=args.error_rate,
        reset_rate=args.reset_rate,
        slow_rate=args.slow_rate,
        rate_scale=args.rate_scale,
        window_offset_s=args.window_offset,
        seed=args.seed,
        bulk_delay_s=args.bulk_delay_s,
        deletion_delay_s=args.deletion_delay_s,
    )
    try:
        sandbox.start()
    except OSError as exc:
        print(
            f"The sandbox could not listen on port {args.port}: {exc.strerror}. "
            "Try another --port, or --port 0 for any free one.",
            file=sys.stderr,
        )
        return 1
    print(banner(sandbox), flush=True)
    try:
        while not threading.Event().wait(3600):
            pass
    except KeyboardInterrupt:
        print("\nStopping the sandbox.", flush=True)
    finally:
        sandbox.stop()
    return 0


def _show_requests() -> None:
    """One line per request on stdout (path only, never a query or a key)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
    log = logging.getLogger("attentive_nb.sandbox")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
