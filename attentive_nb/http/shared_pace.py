"""One pace per token across processes: a governor's state in a small shared file.

Attentive counts requests per access token, whichever process sends them: two
notebooks (or a notebook and a cron job) that each pace themselves just under
the limit together send twice too many. So the governor of a token and
endpoint keeps its state (the next free send slot, the pace and its last cut
after a 429 window, the limit the headers announce, the windows' edge and the
zone being filled) in one record file, read and written under an exclusive
``fcntl.flock`` for every slot taken (or every few: while a process's callers
wait for theirs, it claims the slots of the next 50 ms at once), and every
process on this machine takes its slots from the same record.

Where: ``<ATTENTIVE_NB_HOME or ~/.attentive_nb>/pace/<name>``, one file per
token, API address and endpoint; ``<name>`` is a SHA-256 digest of them, so
no token appears in clear. The file holds times and rates only.

Clocks: slots are times on ``time.monotonic``, one clock for every process of
a machine that never jumps. Each write also notes the wall clock; when the two
disagree by more than a second about the time since (a reboot, a suspend and
resume, the wall clock set), the record is stale and starts afresh from now:
a slot is never far ahead (no stall) and the pace never skips ahead (no burst).

A run that dies leaves its lock to the kernel (released with the process) and
at most the slots its workers had taken and those it claimed ahead, a fraction
of a second of them.

When the record cannot be shared the run paces on its own, as before, and the
report says why: no ``fcntl`` (Windows), a network file system (where locks
are unreliable or slow), a folder or file that cannot be written, or a file
that is corrupt or from another version (left untouched; delete it to share
again).
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

MAGIC = b"ATNBPACE"
VERSION = 4
# magic, version, padding; written at (monotonic, wall); next slot, rate, last cut, pace
# after it, announced limit, the windows' edge (NaN: not known), its margin, filling since,
# the zones' half (the widest published) and when it was, the zone being filled (start,
# end, spacing; NaN: none), the slots it holds and those not given yet, how often the edge
# was forgotten, the 429 strikes while filling, the latest samples of the edge (NaN: none).
SAMPLES = 8
RECORD = struct.Struct(f"<8sII{19 + SAMPLES}d")
STALE_AFTER_S = 1.0  # the two clocks may disagree this much before a record is stale
NETWORK_FILE_SYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "ceph", "glusterfs", "lustre", "9p"}
    | {"fuse.sshfs", "fuse.s3fs", "fuse.gcsfuse", "davfs", "gpfs", "beegfs", "virtiofs"}
)


@dataclass
class PaceState:
    """What every process shares about one token's endpoint (monotonic times)."""

    next_slot: float
    rate: float
    last_cut: float
    cut_to: float
    limit: float
    edge: float = float("nan")  # where the server's windows begin (windows.py), a send time
    margin: float = 0.0
    fill_from: float = float("nan")
    # Every process places slots in one zone, with one half-width (the widest any process
    # needs), else slots spaced for a narrow zone land in a wide one and vice versa.
    half: float = 0.0
    half_at: float = float("-inf")
    zone_start: float = float("nan")
    zone_end: float = float("nan")
    zone_spacing: float = float("nan")
    zone_slots: float = 0.0
    zone_left: float = 0.0
    forgotten: float = 0.0  # the edge forgotten by any process (429s): all learn it again
    strikes: float = 0.0
    samples: tuple[float, ...] = (float("nan"),) * SAMPLES  # the windows' edge, learning it


class SharedPaceError(Exception):
    """The record cannot be shared; the message says why, in the report's words."""


class SharedPace:
    """One record file: :meth:`load` and :meth:`store`, between :meth:`lock` and
    :meth:`unlock`. The file stays open; a lock is held for microseconds."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.path, self._clock, self._wall = path, clock, wall
        if fcntl is None:
            raise SharedPaceError("this system has no file locks (fcntl)")
        network = network_file_system(path.parent)
        if network:
            raise SharedPaceError(f"{path.parent} is on a network file system ({network})")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise SharedPaceError(f"{path} cannot be opened ({error.strerror})") from None
        self._closer = weakref.finalize(self, os.close, self._fd)  # a dropped client's too

    def lock(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def unlock(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def load(self) -> PaceState | None:
        """The shared state, or None when there is none yet or it is stale (under the lock)."""
        data = os.pread(self._fd, RECORD.size + 1, 0)
        if not data:
            return None
        if len(data) != RECORD.size or data[:8] != MAGIC:
            raise SharedPaceError(f"{self.path} is not a pace record (corrupt?)")
        _, version, _, mono, wall, *fields = RECORD.unpack(data)
        if version != VERSION:
            raise SharedPaceError(f"{self.path} is from another version of attentive_nb")
        since_mono, since_wall = self._clock() - mono, self._wall() - wall
        if since_mono < 0 or abs(since_mono - since_wall) > STALE_AFTER_S:
            return None  # another boot, a suspend, or the wall clock was set: start afresh
        state = PaceState(*fields[:-SAMPLES])
        state.samples = tuple(fields[-SAMPLES:])
        return state

    def store(self, state: PaceState) -> None:
        record = RECORD.pack(
            MAGIC,
            VERSION,
            0,
            self._clock(),
            self._wall(),
            state.next_slot,
            state.rate,
            state.last_cut,
            state.cut_to,
            state.limit,
            state.edge,
            state.margin,
            state.fill_from,
            state.half,
            state.half_at,
            state.zone_start,
            state.zone_end,
            state.zone_spacing,
            state.zone_slots,
            state.zone_left,
            state.forgotten,
            state.strikes,
            *(list(state.samples) + [float("nan")] * SAMPLES)[:SAMPLES],
        )
        try:
            written = os.pwrite(self._fd, record, 0)
        except OSError as error:
            raise SharedPaceError(f"{self.path} cannot be written ({error.strerror})") from None
        if written != RECORD.size:
            raise SharedPaceError(f"{self.path} cannot be written (disk full?)")

    def close(self) -> None:
        self._closer()


def record_path(folder: Path, api_url: str, token_id: str, endpoint: str) -> Path:
    """The record of one token at one API address for one endpoint: named by a digest."""
    # The version in the name: an older version's record is another file, never "corrupt".
    named = f"attentive_nb pace v{VERSION}\n{api_url}\n{token_id}"
    digest = hashlib.sha256(named.encode()).hexdigest()
    return folder / f"{digest[:32]}-{endpoint}"


def network_file_system(folder: Path) -> str | None:
    """The type of the network file system ``folder`` is on, if it is on one (Linux:
    from /proc/mounts; elsewhere nothing is known and None is returned)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(_existing(folder).resolve())
    best, kind = "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind if kind in NETWORK_FILE_SYSTEMS else None


def _existing(folder: Path) -> Path:
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder
