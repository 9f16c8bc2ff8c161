"""Send throughput at Attentive's limits, and dry-run planning speed, beside naive loops.

Run: ``.venv/bin/python benchmarks/bench_send.py [--quick]``

The sandbox runs in its own process on 127.0.0.1 with Attentive's documented
rate limits, in two settings: 100 ms of latency on every answer, and latency
drawn uniformly from 50–300 ms (seeded) with its one-second rate windows
starting 0.37 s after the clock's whole seconds (not aligned with the
client's). For each endpoint it prints:

- the limit;
- attentive_nb's **steady-state** rows/s: the extra rows of a long run over
  its extra time against a short run, so start-up and the last answers' wait
  count for neither; and the share of answers that were 429;
- the baseline: a naive loop, one ``requests.post`` after another;
- the ratio of the two.

Then dry runs, timed in a fresh process each (with the peak memory above the
process holding the DataFrame): 1,000,000 subscribers with phone and email,
and 100,000 custom events, beside a naive loop that checks each row with
``phonenumbers`` and a regular expression.
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
from dataclasses import dataclass

import pandas as pd
import requests

sys.path.insert(0, os.path.dirname(__file__))
from bench_sandbox import Server  # a sibling script, not a package

import attentive_nb as att
from attentive_nb.endpoints import ENDPOINTS

SANDBOX = r"""
import sys, threading
from attentive_nb.sandbox import Sandbox
latency, jitter, offset = (float(a) for a in sys.argv[1:4])
sb = Sandbox(port=0, latency_ms=latency, jitter_ms=jitter, window_offset_s=offset, seed=7).start()
print(f"demo API key: {sb.api_key}", flush=True)
print(f"ATTENTIVE_API_URL={sb.url}", flush=True)
threading.Event().wait()
"""
SETTINGS = {  # name: (latency ms, jitter ms, window offset s)
    "100 ms": (100, 0, 0.0),
    "50-300 ms, windows offset": (50, 250, 0.37),
}
DRY_RUN = r"""
import resource, sys, time
import pandas as pd
import attentive_nb as att
kind, rows = sys.argv[1], int(sys.argv[2])
areas = (201, 212, 213, 305, 312, 415, 617, 646, 702, 718)
def phone(i):  # distinct, valid US numbers: area code, exchange 200-999, line
    return f"+1{areas[i % 10]}{200 + i // 100_000 % 800}{i // 10 % 10_000:04d}"
df = pd.DataFrame({"phone": [phone(i) for i in range(rows)],
                   "email": [f"person{i}@example.com" for i in range(rows)]})
if kind == "events":
    df = df.assign(step=range(rows), plan=["gold", "silver"] * (rows // 2))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
conn = att.Connection.from_api_key("dry-run-needs-no-real-key", api_url="http://127.0.0.1:9")
started = time.perf_counter()
if kind == "events":
    report = conn.send_events(df, event_type="Bench", dry_run=True, progress=False)
else:
    report = conn.send_subscribers(df, sign_up_source_id="1", dry_run=True, progress=False)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert report.counts["would_send"] == rows, report.counts
print(seconds, (peak - before) / 1024, before / 1024)
"""
NAIVE_CHECK = r"""
import re, sys, time
import phonenumbers
rows = int(sys.argv[1])
areas = (201, 212, 213, 305, 312, 415, 617, 646, 702, 718)
email = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
started = time.perf_counter()
def phone(i):
    return f"+1{areas[i % 10]}{200 + i // 100_000 % 800}{i // 10 % 10_000:04d}"
for i in range(rows):
    number = phonenumbers.parse(phone(i))
    assert phonenumbers.is_valid_number(number)
    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert email.match(f"person{i}@example.com")
print(time.perf_counter() - started)
"""


@dataclass
class Figure:
    rows_per_s: float
    share_429: float


def frame(rows: int, offset: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [f"+1201{5550000 + offset + i:07d}" for i in range(rows)],
            "email": [f"p{offset + i}@example.com" for i in range(rows)],
        }
    )


def one_run(server: Server, kind: str, rows: int, offset: int) -> tuple[float, int, int]:
    """(seconds, answers, 429s) of one send of ``rows`` rows through the engine."""
    conn = att.Connection.from_api_key(server.key, api_url=server.url)
    conn.me()
    df = frame(rows, offset)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the estimate line, said before sending
        report = _send(conn, kind, df)
    seconds = time.perf_counter() - started
    assert report.counts["sent"] == rows, report.summary
    attempts = int(report.table["attempts"].sum())
    return seconds, attempts, attempts - rows  # every extra attempt here was a 429


def _send(conn: att.Connection, kind: str, df: pd.DataFrame) -> att.SendReport:
    rows = len(df)
    if kind == "events":
        report = conn.send_events(df.assign(n=range(rows)), event_type="Bench", progress=False)
    elif kind == "attributes":
        report = conn.send_attributes(df.assign(tier="gold", n=range(rows)), progress=False)
    else:
        report = conn.send_subscribers(df, sign_up_source_id="1", progress=False)
    return report


def steady(server: Server, kind: str, rows: int, offset: int) -> Figure:
    """Rows/s between a short run and a long one, and the 429 share of both."""
    short = max(rows // 5, 10)
    t_short, a_short, r_short = one_run(server, kind, short, offset)
    t_long, a_long, r_long = one_run(server, kind, rows, offset + 500_000)
    return Figure((rows - short) / (t_long - t_short), (r_short + r_long) / (a_short + a_long))


def naive(server: Server, kind: str, rows: int, offset: int) -> float:
    """Rows per second of one requests.post after another."""
    endpoint = ENDPOINTS[{"subscribers": "subscribe"}.get(kind, kind)]
    headers = {"Authorization": f"Bearer {server.key}"}
    with requests.Session() as session:
        started = time.perf_counter()
        for i in range(rows):
            user = {"phone": f"+1201{5550000 + offset + i:07d}"}
            body = {
                "subscribers": {"user": user, "signUpSourceId": "1"},
                "events": {"type": "Bench", "user": user, "properties": {"n": i}},
                "attributes": {"user": user, "properties": {"tier": "gold"}},
            }[kind]
            answer = session.post(server.url + endpoint.path, json=body, headers=headers)
            assert answer.ok, answer.text
        return rows / (time.perf_counter() - started)


def dry_run(kind: str, rows: int) -> tuple[float, float, float]:
    """(seconds, peak MB over the frame, MB of the process holding the frame)."""
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [sys.executable, "-c", DRY_RUN, kind, str(rows)],
            capture_output=True,
            text=True,
            check=True,
            cwd=folder,
        ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def naive_check(rows: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", NAIVE_CHECK, str(rows)], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def send_lines(quick: bool) -> None:
    jobs = (("events", 3000, 120), ("subscribers", 100, 20), ("attributes", 3000, 120))
    print(
        f"{'endpoint':<13}{'latency':<27}{'limit':>6}{'attentive_nb':>13}{'of limit':>9}"
        f"{'429s':>7}{'naive loop':>11}{'of limit':>9}{'ratio':>7}"
    )
    for setting, (latency, jitter, offset) in SETTINGS.items():
        os.chdir(tempfile.mkdtemp())  # a fresh ledger: every sandbox is the same company
        server = Server([sys.executable, "-c", SANDBOX, str(latency), str(jitter), str(offset)])
        try:
            for n, (kind, rows, naive_rows) in enumerate(jobs):
                rows = rows // 5 if quick else rows
                limit = ENDPOINTS[{"subscribers": "subscribe"}.get(kind, kind)].rate_per_second
                ours = steady(server, kind, rows, n * 1_000_000)
                loop = naive(
                    server, kind, naive_rows // (5 if quick else 1), n * 1_000_000 + 900_000
                )
                print(
                    f"{kind:<13}{setting:<27}{limit:>6g}{ours.rows_per_s:>13.1f}"
                    f"{ours.rows_per_s / limit:>9.1%}{ours.share_429:>7.2%}{loop:>11.1f}"
                    f"{loop / limit:>9.1%}{ours.rows_per_s / loop:>7.1f}"
                )
        finally:
            server.stop()


def dry_lines(quick: bool) -> None:
    print(f"\n{'dry run':<34}{'attentive_nb':>13}{'memory':>16}{'naive loop':>12}{'ratio':>7}")
    for kind, rows in (("subscribers", 1_000_000), ("events", 100_000)):
        rows = rows // 10 if quick else rows
        seconds, peak_mb, base_mb = dry_run(kind, rows)
        loop = naive_check(rows)
        print(
            f"{f'{rows:,} {kind}':<34}{seconds:>12.2f}s{f'+{peak_mb:,.0f} MB':>16}"
            f"{loop:>11.2f}s{loop / seconds:>7.1f}"
        )
    print(f"(memory: peak above the {base_mb:,.0f} MB process holding the frame)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the rows, to try it out")
    args = parser.parse_args()
    send_lines(args.quick)
    dry_lines(args.quick)


if __name__ == "__main__":
    main()
