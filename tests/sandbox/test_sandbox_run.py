"""``python -m attentive_nb.sandbox``: prints what a user needs, stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests

from attentive_nb.sandbox.run import parser

pytestmark = pytest.mark.sandbox


def test_options_parse():
    argv = "--port 0 --latency-ms 5 --jitter-ms 2 --error-rate 0.1 --reset-rate 0.2"
    args = parser().parse_args(
        [*argv.split(" "), "--slow-rate", "0.3", "--rate-scale", "2", "--seed", "4"]
    )
    assert (args.port, args.latency_ms, args.jitter_ms, args.seed) == (0, 5, 2, 4)
    assert (args.error_rate, args.reset_rate, args.slow_rate, args.rate_scale) == (0.1, 0.2, 0.3, 2)


def test_runs_in_the_foreground_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "attentive_nb.sandbox", "--port", "0", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(10)]
        found = dict(
            line.strip().split("=", 1) for line in lines if line.strip().startswith("ATTENTIVE_")
        )
        key = next(line.split(":", 1)[1].strip() for line in lines if "demo API key" in line)
        assert any("OAuth client id" in line for line in lines)
        assert any("OAuth client secret" in line for line in lines)
        assert any("/oauth/callback" in line for line in lines)
        assert (
            found["ATTENTIVE_AUTH_URL"]
            == found["ATTENTIVE_API_URL"] + "/integrations/oauth-install"
        )
        me = requests.get(
            found["ATTENTIVE_API_URL"] + "/v1/me?email=x",
            headers={"Authorization": f"Bearer {key}"},
            timeout=5,
        )
        assert me.status_code == 200
        access = proc.stdout.readline()
        assert "GET /v1/me 200" in access and "email" not in access and key not in access
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0
    assert "Traceback" not in err and "Stopping" in out
