"""Fan-out over companies: rows/s for one company, and for several at once via send_by_company.

Run: ``.venv/bin/python benchmarks/bench_companies.py [--rows 600] [--companies 3]``

The sandbox runs in its own process on 127.0.0.1 (20 ms of latency, Attentive's
documented limits: custom events 150/s per token) and hosts ``--companies``
companies (``Sandbox.add_company``); their keys go to a token store in a
temporary folder, as the OAuth sign-in would keep them. Each company sends
``--rows`` custom events; one company alone first, then all of them in one
``att.send_by_company`` call (threads). Since the limit is per token, the
combined rate should be about ``companies`` times one company's, until the
client's CPU runs out. Prints ``uptime``: the figures are noisy.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=600, help="events per company")
    parser.add_argument("--companies", type=int, default=3)
    args = parser.parse_args()
    home = tempfile.mkdtemp()
    os.environ["ATTENTIVE_NB_HOME"] = home
    os.chdir(home)  # the default ledger lands here
    import attentive_nb as att
    from attentive_nb.signin.tokens import TokenStore

    proc, url, made = start(args.companies + 1)
    try:
        store = TokenStore()
        for cid, token in made:
            store.save(cid, token, company_name=cid)
        ids = [cid for cid, _ in made]
        one = frame(ids[:1], args.rows)
        many = frame(ids[1:], args.rows)
        wall1, cpu1, r1 = timed(lambda: att.send_by_company(one, event_type="Bench", api_url=url))
        wall, cpu, r = timed(lambda: att.send_by_company(many, event_type="Bench", api_url=url))
        for label, n, w, c, report in (
            ("1 company", len(one), wall1, cpu1, r1),
            (f"{args.companies} companies", len(many), wall, cpu, r),
        ):
            sent = report.counts["sent"]  # type: ignore[attr-defined]
            print(
                f"{label:>13}: {n:,} events, {sent:,} sent in {w:.1f} s = {n / w:,.0f} rows/s; "
                f"client CPU {1000 * c / n:.2f} ms/request"
            )
        print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
