"""Where a streamed bulk load's memory goes, sampled while it sends (issue 22).

Run: ``flock /tmp/bench.lock .venv/bin/python benchmarks/bench_bulk_memory.py [--rows N]
[--fake] [--cache-kib K] [--every S] [--samples FILE]`` (Linux, glibc).

N people (default 1,000,000) from a Parquet file are sent as bulk attributes to the
lean sandbox of ``bench_stream.py`` (limits raised, bodies not kept), or with
``--fake`` to no server at all (each request accepted at once, in the process: the
client's own costs only). Every S seconds (default 3) a line: seconds, requests made,
rows planned, then MB of ``/proc/self/smaps_rollup`` Rss, Anonymous and file-backed,
glibc's ``mallinfo2`` (its arenas' total, in use, free; mmapped chunks), SQLite's
``sqlite3_memory_used``, Arrow's pool, and Python's allocated blocks. ``--cache-kib``
sets the ledger's SQLite page cache (``ledger.CACHE_KIB``). Environment variables such
as ``MALLOC_MMAP_THRESHOLD_`` reach the child. Last line: people/s sent, rows/s
planned, peak (``ru_maxrss``).

Measured (mem13, fake, 2.2 M rows, load ~1.3-2): Anonymous grows 44 B a row; glibc in use
30 B a row (22 by design), glibc free heap 16 B a row; file-backed, Python blocks, Arrow
and SQLite (32 MiB cache, full by 200 k rows) flat. With ``MALLOC_MMAP_THRESHOLD_=131072``
(glibc's dynamic threshold off) the free heap stays at 3-4 MB and the growth is 35 B a row.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench_sandbox import Server  # siblings, not a package
from bench_stream import LEAN_SANDBOX, PLANNING_TIMER, write_parquet

CHILD = (
    r"""
import ctypes, os, resource, sys, threading, time
import pyarrow.parquet as pq
import attentive_nb as att
from attentive_nb.http import client
from attentive_nb.send import stream, ledger as ledger_mod

n, url, key, ledger, path, samples = int(sys.argv[1]), *sys.argv[2:7]
if os.environ.get("CACHE_KIB"):
    ledger_mod.CACHE_KIB = int(os.environ["CACHE_KIB"])
TRIM = bool(os.environ.get("TRIM"))
libc = ctypes.CDLL("libc.so.6")
class MallInfo2(ctypes.Structure):
    _fields_ = [(f, ctypes.c_size_t) for f in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]
libc.mallinfo2.restype = MallInfo2
import sqlite3
sqlite_lib = ctypes.CDLL(next(line.split()[-1] for line in open("/proc/self/maps")
                            if "libsqlite3" in line))
sqlite_lib.sqlite3_memory_used.restype = ctypes.c_int64
import pyarrow as pa
data = pq.ParquetFile(path).iter_batches(batch_size=100_000)
first, made = [], [0]
real = client.Client.request
def request(self, *a, **k):
    if not first:
        first.append(time.perf_counter())
    made[0] += 1
    return real(self, *a, **k)
"""
    + PLANNING_TIMER
    + r"""

def rollup():
    out = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return out
done = threading.Event()
def sampler(t0):
    with open(samples, "w") as out:
        while not done.wait(float(os.environ.get("SAMPLE_S", "3"))):
            if TRIM:
                libc.malloc_trim(0)
            r = rollup()
            file = r["Rss"] - r["Anonymous"]
            m = libc.mallinfo2()
            MB = 2**20
            out.write(f"{time.perf_counter() - t0:.1f} {made[0]} {planning[1]} {r['Rss']:.0f} "
                      f"{r['Anonymous']:.0f} {file:.0f} | heap {m.arena/MB:.0f} inuse "
                      f"{m.uordblks/MB:.0f} free {m.fordblks/MB:.0f} mmap {m.hblkhd/MB:.0f} "
                      f"| sqlite {sqlite_lib.sqlite3_memory_used()/MB:.1f} arrow "
                      f"{pa.total_allocated_bytes()/MB:.0f} pyblocks {sys.getallocatedblocks()}\n")
            out.flush()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
conn = att.Connection.from_api_key(key, api_url=url)
conn.company_id()
client.Client.request = request
if os.environ.get("FAKE"):  # no HTTP: Attentive accepts every request at once
    from attentive_nb.http.client import ApiResponse
    def request(self, *a, **k):
        if not first:
            first.append(time.perf_counter())
        made[0] += 1
        return ApiResponse(202, {"batchJobId": f"job-{made[0]:08d}-0000-1111-2222"}, {})
    client.Client.request = request
t0 = time.perf_counter()
threading.Thread(target=sampler, args=(t0,), daemon=True).start()
report = conn.send_attributes(data, bulk=True, wait=0, progress=False, ledger=ledger)
t1 = time.perf_counter()
done.set()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
planned = planning[1] / planning[0] if planning[0] else 0
print(f"{first[0] - t0:.2f} {t1 - t0:.1f} {before:.0f} {peak:.0f} {report.counts['submitted']}"
      f" {planned:.0f}")
"""
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--fake", action="store_true", help="no server: accepted at once")
    parser.add_argument("--cache-kib", type=int, default=0, help="the ledger's page cache")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between samples")
    parser.add_argument("--samples", default="", help="keep the samples in this file")
    args = parser.parse_args()
    env = {**os.environ, "SAMPLE_S": str(args.every)}
    env.update({"FAKE": "1"} if args.fake else {})
    env.update({"CACHE_KIB": str(args.cache_kib)} if args.cache_kib else {})
    load = os.getloadavg()
    print(f"load: {load[0]:.2f} {load[1]:.2f} (uptime)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path, samples = os.path.join(tmp, "people.parquet"), args.samples or f"{tmp}/samples"
        write_parquet(path, args.rows)
        server = Server([sys.executable, "-c", LEAN_SANDBOX])
        try:
            argv = [server.url, server.key, os.path.join(tmp, "ledger.sqlite"), path, samples]
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(args.rows), *argv],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
        finally:
            server.stop()
        print("s requests planned rss anon file | glibc | sqlite arrow pyblocks (MB)")
        with open(samples) as lines:
            print(lines.read(), end="")
    first, took, _, peak, submitted, planned = out.stdout.split()[-6:]
    print(
        f"{int(submitted) / float(took):,.0f} people/s sent, {float(planned):,.0f} rows/s "
        f"planned, {took} s, first request {first} s, peak {float(peak):,.0f} MB"
    )


if __name__ == "__main__":
    main()
