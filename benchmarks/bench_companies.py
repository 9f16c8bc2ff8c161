"""Fan-out over companies: rows/s and client CPU a request for 1, 5 and 20 companies at once.

Run: ``.venv/bin/python benchmarks/bench_companies.py [--rows 300] [--companies 1,5,20]``

The sandbox runs in its own process on 127.0.0.1 (20 ms of latency, Attentive's
documented limits: custom events 150/s per token) and hosts one fresh set of
companies per run (``Sandbox.add_company``); their keys go to a token store in a
temporary folder, as the OAuth sign-in would keep them. Each company sends
``--rows`` custom events, all companies in one ``att.send_by_company`` call
(threads). Since the limit is per token, the combined rate should be about
``companies`` times 150/s until the client's CPU runs out. The table is printed
beside issue #24's baseline (2.2-2.3 ms of client CPU a request at 150/s; about
1,000 requests a second at most), with ``uptime`` before and after: the machine is
shared and the figures are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd

SANDBOX = r"""
import sys, threading
from attentive_nb.sandbox import Sandbox
sb = Sandbox(port=0, latency_ms=20, seed=7).start()
for i in range(int(sys.argv[1])):
    c = sb.add_company(f"Bench company {i}")
    print(f"COMPANY {c.company_id} {c.access_token}", flush=True)  # a sandbox key, for a pipe
print(f"URL {sb.url}", flush=True)
threading.Event().wait()
"""


def start(companies: int) -> tuple[subprocess.Popen[str], str, list[tuple[str, str]]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-c", SANDBOX, str(companies)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    made = []
    for line in proc.stdout:
        word, *rest = line.split()
        if word == "COMPANY":
            made.append((rest[0], rest[1]))
        elif word == "URL":
            return proc, rest[0], made
    raise RuntimeError("the sandbox did not start")


def frame(ids: list[str], rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "company_id": [cid for cid in ids for _ in range(rows)],
            "phone": [
                f"+1201{5550000 + k * rows + i:07d}" for k in range(len(ids)) for i in range(rows)
            ],
        }
    )


def timed(send) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        report = send()
    return time.perf_counter() - wall, time.process_time() - cpu, report


BASELINE = "issue #24 baseline: 2.2-2.3 ms client CPU/request at 150/s; ~1,000 req/s at most"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300, help="events per company")
    parser.add_argument("--companies", default="1,5,20", help="company counts, one run each")
    args = parser.parse_args()
    sizes = [int(n) for n in args.companies.split(",")]
    home = tempfile.mkdtemp()
    os.environ["ATTENTIVE_NB_HOME"] = home
    os.chdir(home)  # the default ledger lands here
    import attentive_nb as att
    from attentive_nb.signin.tokens import TokenStore

    print("uptime before:", uptime())
    proc, url, made = start(sum(sizes))
    try:
        store = TokenStore()
        for cid, token in made:
            store.save(cid, token, company_name=cid)
        ids = [cid for cid, _ in made]
        print(
            f"{'companies':>9} {'rows':>6} {'wall s':>7} {'rows/s':>7} {'per co.':>7} "
            f"{'CPU ms/req':>10}   vs baseline"
        )
        for n in sizes:
            mine, ids = ids[:n], ids[n:]
            df = frame(mine, args.rows)
            wall, cpu, report = timed(
                lambda df=df: att.send_by_company(df, event_type="Bench", api_url=url)
            )
            sent = report.counts["sent"]  # type: ignore[attr-defined]
            requests = sent + n  # one event a request, and one /v1/me a company
            rate = len(df) / wall
            print(
                f"{n:>9} {len(df):>6,} {wall:>7.1f} {rate:>7,.0f} {rate / n:>7,.0f} "
                f"{1000 * cpu / requests:>10.2f}   "
                f"{'all sent' if sent == len(df) else f'SENT ONLY {sent:,}'}; "
                f"{1000 * cpu / requests / 2.25:.0%} of 2.25 ms, {rate / 1000:.0%} of 1,000/s"
            )
        print(BASELINE)
        print("uptime after: ", uptime())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
