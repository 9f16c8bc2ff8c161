"""Python calls and thread switches per request: a custom-events send at the limit.

Run: ``.venv/bin/python benchmarks/bench_calls.py [--rows 300] [--top 40]``

Counts, not times: what each request costs the client in Python function calls
(by thread, and the most frequent by function in the send workers) and in
voluntary context switches (the process's, ``getrusage``: each a sleep and a
wake-up). They do not depend on the machine's load, so this runs without
``/tmp/bench.lock`` and its figures compare across runs and branches directly;
the CPU figures of issue #24 are ``bench_cpu.py``'s. The profile hook slows the
send, so its pacing waits are shorter than in a plain run: switches are a floor.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import resource
import sys
import threading
from types import FrameType
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
from bench_cpu import SANDBOX, frame, send  # sibling scripts, not a package
from bench_sandbox import Server

import attentive_nb as att

Where = tuple[str, str]  # (thread, function)


def _thread() -> str:
    return threading.current_thread().name.split("_")[0]


def _function(frame_: FrameType, event: str, arg: Any) -> str:
    if event == "c_call":
        return f"<C> {getattr(arg, '__qualname__', arg)}"
    code = frame_.f_code
    path = code.co_filename.split("site-packages/")[-1].split("attentive_nb/")[-1]
    return f"{os.path.basename(path)}:{code.co_name}"


class Switches:
    """Voluntary context switches by thread name (Linux ``/proc``), sampled every 0.1 s while
    a send runs: a thread's count is its last sample (one ending between samples loses
    up to 0.1 s of its own)."""

    def __init__(self) -> None:
        self.last: dict[int, tuple[str, int]] = {}  # native id -> (name, switches)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def __enter__(self) -> Switches:
        self._sample()
        self.before = dict(self.last)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self._sample()

    def _sample(self) -> None:
        for thread in threading.enumerate():
            tid = thread.native_id
            if tid is None or thread is self._thread:
                continue
            with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/status") as status:
                for line in status:
                    if line.startswith("voluntary_ctxt_switches"):
                        self.last[tid] = (thread.name.split("_")[0], int(line.split()[1]))

    def by_name(self) -> collections.Counter[str]:
        out: collections.Counter[str] = collections.Counter()
        for tid, (name, n) in self.last.items():
            out[name] += n - self.before.get(tid, (name, 0))[1]
        return out


def counted(
    conn: att.Connection, rows: int
) -> tuple[collections.Counter[Where], int, collections.Counter[str]]:
    """Every call during one send, by thread and function; the voluntary switches
    (the process's, and by thread as sampled)."""
    counts: collections.Counter[Where] = collections.Counter()

    def hook(frame_: FrameType, event: str, arg: Any) -> None:
        if event in ("call", "c_call"):
            counts[(_thread(), _function(frame_, event, arg))] += 1

    df = frame(rows, 4_000_000)
    with contextlib.redirect_stdout(io.StringIO()):  # warm: imports, first connection
        send(conn, "events", frame(20, 4_900_000))
    with Switches() as sampled:
        switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
        threading.setprofile(hook)
        sys.setprofile(hook)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                report = send(conn, "events", df)
        finally:
            sys.setprofile(None)
            threading.setprofile(None)
        switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - switches
    assert report.counts["sent"] == rows, report.summary
    return counts, switches, sampled.by_name()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300, help="events sent (one a request)")
    parser.add_argument("--top", type=int, default=40, help="worker functions listed")
    args = parser.parse_args()
    server = Server([sys.executable, "-c", SANDBOX, "1.0"])
    try:
        conn = att.Connection.from_api_key(server.key, api_url=server.url)
        conn.me()
        counts, switches, by_name = counted(conn, args.rows)
    finally:
        server.stop()
    by_thread: collections.Counter[str] = collections.Counter()
    for (thread, _), n in counts.items():
        by_thread[thread] += n
    print(f"calls a request, by thread ({args.rows} requests):")
    for thread, n in by_thread.most_common():
        if n >= args.rows / 10:
            print(f"  {thread:<24}{n / args.rows:>8.1f}")
    print(f"  {'all':<24}{sum(by_thread.values()) / args.rows:>8.1f}")
    print(f"voluntary context switches a request: {switches / args.rows:.1f}, by thread:")
    for thread, n in by_name.most_common():
        print(f"  {thread:<24}{n / args.rows:>8.2f}")
    print("the send workers' most frequent calls, a request:")
    workers = [(where, n) for where, n in counts.items() if where[0] == "attentive-send"]
    for (_, function), n in sorted(workers, key=lambda item: -item[1])[: args.top]:
        print(f"  {n / args.rows:>6.1f}  {function}")


if __name__ == "__main__":
    main()
