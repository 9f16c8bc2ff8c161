"""How many requests per second the sandbox sustains, beside a trivial Tornado server.

Run: ``.venv/bin/python benchmarks/bench_sandbox.py [--seconds 3] [--threads 8]``

Each server runs in its own subprocess (one Python process, so one core for
its event loop) on 127.0.0.1; this process drives it with threads of
``requests.Session``. Rate limits are raised with ``--rate-scale`` so 429s
do not cap the figure. Scenarios, each for ``--seconds``:

- baseline: a Tornado handler answering ``{"ok": true}``;
- sandbox ``GET /v1/me`` (auth, rate limit, faults draw, JSON answer);
- sandbox ``POST /v1/events/custom`` (plus JSON parsing and schema validation);
- sandbox ``POST /v2/bulk/user/attributes`` with 256 people (the goal: at least
  the 100 requests/s Attentive allows; records are checked when the job runs);
- the same with 100 ms injected latency, at enough concurrency to need
  150 requests/s (the goal: the sandbox is not the bottleneck there).

The client shares the machine, so req/s is a floor for the server; the
server's own CPU time per request (from /proc) gives what one core could
serve ("one-core req/s").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import requests

BASELINE = r"""
import asyncio, sys
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler
delay = float(sys.argv[1]) / 1000.0
class Hello(RequestHandler):
    async def get(self):
        if delay:
            await asyncio.sleep(delay)
        self.write({"ok": True})
    post = get
async def main():
    sockets = bind_sockets(0, "127.0.0.1")
    HTTPServer(Application([(r"/.*", Hello)], log_function=lambda h: None)).add_sockets(sockets)
    print(f"ATTENTIVE_API_URL=http://127.0.0.1:{sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()
IOLoop.current().run_sync(main)
"""
# The sandbox without the CLI's access log, so printing does not cost the figures.
SANDBOX = r"""
import sys, threading
from attentive_nb.sandbox import Sandbox
sb = Sandbox(port=0, rate_scale=1000, latency_ms=float(sys.argv[1])).start()
print(f"demo API key: {sb.api_key}", flush=True)
print(f"ATTENTIVE_API_URL={sb.url}", flush=True)
threading.Event().wait()
"""
EVENT = {"type": "Order Shipped", "properties": {"id": "1"}, "user": {"phone": "+13115552368"}}
BULK = {
    "users": [
        {
            "identifiers": {"email": f"member{i}@example.com"},
            "attributes": {"firstName": "Ada", "custom": {"points": i, "tier": "gold"}},
        }
        for i in range(256)
    ]
}


@dataclass
class Figure:
    name: str
    threads: int
    done: int
    errors: int
    seconds: float
    server_cpu: float | None

    @property
    def one_core(self) -> float | None:
        """Requests per second one core could serve at the server's measured CPU cost."""
        return self.done / self.server_cpu if self.server_cpu else None

    @property
    def rate(self) -> float:
        return self.done / self.seconds


class Server:
    """A server subprocess; its URL and API key read from what it prints."""

    def __init__(self, argv: list[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
        self.url, self.key = "", "none"
        while not self.url:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the server did not start")
            if "demo API key" in line:
                self.key = line.split(":", 1)[1].strip()
            if line.startswith("ATTENTIVE_API_URL=") or "ATTENTIVE_API_URL=" in line:
                self.url = line.split("=", 1)[1].strip()

    def cpu_seconds(self) -> float | None:
        """The server process's CPU time so far (Linux /proc), to get its cost per request."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def sandbox(latency_ms: int) -> Server:
    # Not the CLI: it logs each request to stdout, which nobody reads during the run.
    return Server([sys.executable, "-c", SANDBOX, str(latency_ms)])


def baseline(latency_ms: int) -> Server:
    return Server([sys.executable, "-c", BASELINE, str(latency_ms)])


def drive(
    name: str,
    server: Server,
    method: str,
    path: str,
    threads: int,
    seconds: float,
    body: dict | None = None,
):
    """``threads`` sessions sending back-to-back requests for ``seconds``."""
    counts = [[0, 0] for _ in range(threads)]
    stop_at = time.perf_counter() + seconds
    body = body or (EVENT if method == "POST" else None)

    def worker(slot: list[int]) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {server.key}"
            while time.perf_counter() < stop_at:
                try:
                    answer = session.request(method, server.url + path, json=body, timeout=10)
                except requests.RequestException:
                    slot[1] += 1
                    continue
                slot[0 if answer.status_code < 400 else 1] += 1

    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(c,)) for c in counts]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    cpu_after = server.cpu_seconds()
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    done, errors = sum(c[0] for c in counts), sum(c[1] for c in counts)
    return Figure(name, threads, done, errors, elapsed, cpu)


def run(seconds: float, threads: int, slow_threads: int) -> list[Figure]:
    figures = []
    for make, latency, label in ((baseline, 0, "baseline hello"), (sandbox, 0, "sandbox")):
        server = make(latency)
        try:
            figures.append(drive(f"{label} GET", server, "GET", "/v1/me", threads, seconds))
            figures.append(
                drive(f"{label} POST", server, "POST", "/v1/events/custom", threads, seconds)
            )
            if label == "sandbox":
                bulk = ("sandbox POST bulk 256", server, "POST", "/v2/bulk/user/attributes")
                figures.append(drive(*bulk, 4, seconds, BULK))
        finally:
            server.stop()
    for make, label in ((baseline, "baseline hello"), (sandbox, "sandbox")):
        server = make(100)
        try:
            figures.append(
                drive(f"{label} GET +100ms", server, "GET", "/v1/me", slow_threads, seconds)
            )
        finally:
            server.stop()
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--slow-threads", type=int, default=32, help="concurrency with 100 ms latency")
    args = p.parse_args()
    figures = run(args.seconds, min(args.threads, 64), min(args.slow_threads, 64))
    print(
        f"{'scenario':<26}{'threads':>8}{'requests':>9}{'errors':>7}{'req/s':>8}"
        f"{'server CPU ms/req':>19}{'one-core req/s':>16}"
    )
    for f in figures:
        cost = f"{1000 * f.server_cpu / f.done:.2f}" if f.server_cpu and f.done else "n/a"
        core = f"{f.one_core:.0f}" if f.one_core else "n/a"
        print(
            f"{f.name:<26}{f.threads:>8}{f.done:>9}{f.errors:>7}{f.rate:>8.0f}{cost:>19}{core:>16}"
        )
    slow = next(f for f in figures if f.name == "sandbox GET +100ms")
    verdict = "meets" if slow.rate >= 150 and slow.errors == 0 else "MISSES"
    print(f"\nWith 100 ms latency the sandbox sustains {slow.rate:.0f} req/s: {verdict} 150 req/s.")
    bulk = next(f for f in figures if f.name == "sandbox POST bulk 256")
    verdict = "meets" if bulk.rate >= 100 and bulk.errors == 0 else "MISSES"
    print(f"Bulk requests of 256 people: {bulk.rate:.0f} req/s: {verdict} 100 req/s.")
    print(f"(machine: {os.cpu_count()} CPUs; client and servers share them)")


if __name__ == "__main__":
    main()
