"""The FILE a command is given: a readable, non-empty regular file, or a true reason why not.

``Path.is_file()`` is False for a missing path, a folder, a device and a pipe
alike, so "no such file" was said of ``/dev/null``. Here each case is told
apart (and a path inside a folder one may not open raises no traceback).
"""

from __future__ import annotations

import stat
from pathlib import Path

_NOT_FILES = (  # the test, and the words for what the path is instead
    (stat.S_ISDIR, "is a folder, not a file: give one CSV or Parquet file in it"),
    (stat.S_ISCHR, "is a device, not a file"),
    (stat.S_ISBLK, "is a device, not a file"),
    (stat.S_ISFIFO, "is a named pipe, not a file: to read from a pipe, give - and pipe it in"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


class BadInput(Exception):
    """The command line or the file cannot be used (exit code 2)."""


def checked_file(name: str) -> Path:
    """``name`` as a Path once it is a regular file with something in it that can be opened.

    Raises :class:`BadInput` (the CLI's usage error) saying what the path is instead.
    """
    path = Path(name)
    try:
        found = path.stat()
        if stat.S_ISREG(found.st_mode):
            with path.open("rb"):  # the only true test of "can be read" (root, ACLs, ...)
                pass
    except (FileNotFoundError, NotADirectoryError):
        raise BadInput(f"{name}: no such file") from None
    except PermissionError:
        raise BadInput(f"{name}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise BadInput(f"{name}: cannot be opened ({exc.strerror or exc})") from None
    for test, words in _NOT_FILES:
        if test(found.st_mode):
            raise BadInput(f"{name}: {words}")
    if found.st_size == 0:
        raise BadInput(f"{name}: is empty (0 bytes): there is nothing to send")
    return path
