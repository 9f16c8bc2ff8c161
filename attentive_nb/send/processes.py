"""Which process is running, and whether another one still is (to tell live runs from dead)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Process:
    """Who runs: process id, host and the process's start time (against reused ids)."""

    pid: int
    host: str
    start: str | None

    @classmethod
    def current(cls) -> Process:
        return cls(os.getpid(), socket.gethostname(), process_start(os.getpid()))


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell reused ids apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def process_alive(pid: int, start: str | None) -> bool:
    """True while process ``pid`` runs (and is the one that started at ``start``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return start is None or process_start(pid) in (None, start)
