"""Look-ups against the sandbox (100 ms latency) at the endpoints' rate limit, beside a naive loop.

Run: ``.venv/bin/python benchmarks/bench_lookup.py [--rows 900] [--naive 30]``

The sandbox runs in its own process on 127.0.0.1 with Attentive's documented
rate limits (``GET /v1/subscriptions`` and ``GET /v1/attributes/custom``:
150/s each, per token) and 100 ms of injected latency on every answer. Its
people are given an attribute, and the first 60 subscribed, first (not timed). Then, per
endpoint, rows per second for:

- attentive_nb (``conn.lookup_subscriptions`` / ``conn.lookup_attributes``):
  worker threads paced by the rate governor, answers folded into columns, in
  steady state (a run of all the rows against one of a fifth, each from a new
  connection, as ``bench_send.py`` measures sends);
- the baseline: a naive loop, one ``requests.get`` after another.

The machine's load average is printed with the figures: on a shared machine
they move with it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time

import pandas as pd
import requests

sys.path.insert(0, os.path.dirname(__file__))
from bench_sandbox import Server  # a sibling script, not a package
from bench_send import SANDBOX, SETTINGS  # the same sandbox, started the same way

import attentive_nb as att
from attentive_nb.endpoints import ENDPOINTS

LOOKUPS = {"subscriptions": "lookup_subscriptions", "attributes_read": "lookup_attributes"}
LATENCY = "100 ms"


def people(n: int) -> pd.DataFrame:
    return pd.DataFrame({"phone": [f"+1201{5550000 + i:07d}" for i in range(n)]})


def prepare(conn: att.Connection, df: pd.DataFrame) -> None:
    """Give everyone an attribute and subscribe a few (subscribe allows 10/s), quietly."""
    with contextlib.redirect_stdout(io.StringIO()):
        conn.send_attributes(df.assign(tier="gold"), progress=False)
        conn.send_subscribers(df.iloc[:60], sign_up_source_id="1", progress=False)


def engine(server: Server, name: str, df: pd.DataFrame) -> float:
    """Steady-state rows per second through attentive_nb's look-up: the extra rows of the
    whole frame over its extra time against a fifth of it (start-up counts for neither)."""
    short = df.iloc[: len(df) // 5]
    extra = timed(server, name, df) - timed(server, name, short)
    return (len(df) - len(short)) / extra


def timed(server: Server, name: str, df: pd.DataFrame) -> float:
    """Seconds for one look-up of ``df`` from a new connection (its own rate governor)."""
    fresh = att.Connection.from_api_key(server.key, api_url=server.url)
    fresh.me()
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the estimate line
        report = getattr(fresh, LOOKUPS[name])(df, progress=False)
    seconds = time.perf_counter() - started
    assert report.counts["sent"] == len(df), report.summary
    assert not report.results.empty
    return seconds


def naive(server: Server, name: str, df: pd.DataFrame) -> float:
    """Rows per second for one requests.get after another, the obvious loop."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.key}"
    url = server.url + ENDPOINTS[name].path
    started = time.perf_counter()
    for phone in df["phone"]:
        session.get(url, params={"phone": phone}, timeout=10).raise_for_status()
    return len(df) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=900)
    parser.add_argument("--naive", type=int, default=30)
    args = parser.parse_args()

    os.chdir(tempfile.mkdtemp())  # the sends' ledger goes here, not into the repository
    server = Server([sys.executable, "-c", SANDBOX, *map(str, SETTINGS[LATENCY])])
    try:
        conn = att.Connection.from_api_key(server.key, api_url=server.url)
        df = people(args.rows)
        prepare(conn, df)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"Sandbox with {LATENCY} latency and Attentive's rate limits; load {load}")
        print(
            f"{'look-up':<27}{'limit/s':>9}{'attentive_nb':>14}{'of limit':>10}"
            f"{'naive loop':>12}{'of limit':>10}"
        )
        for name in LOOKUPS:
            limit = ENDPOINTS[name].rate_per_second
            ours = engine(server, name, df)
            loop = naive(server, name, df.iloc[: args.naive])
            print(
                f"{ENDPOINTS[name].label:<27}{limit:>9g}{ours:>14.1f}"
                f"{ours / limit:>10.0%}{loop:>12.1f}{loop / limit:>10.0%}"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
