"""Answers read whole within a deadline and a size cap, and redirects never followed.

requests' timeouts count per socket operation: a server that sends one byte
every half second never trips a 30 s read timeout and holds a send for
minutes, and one that sends 50 MB of junk is held in memory whole. So every
answer is read here, streamed: at most ``max_bytes`` (more is an answer not
read), before a total deadline counted from the start of the attempt. A
watchdog enforces the deadline, and the caller's ``stop`` event, by shutting
the connection, which ends a read blocked inside the socket (within 50 ms).

The wait for the status line and headers is bounded by the same deadline
(:func:`headers_within`): a server dribbling its headers byte by byte would
otherwise hold the request inside ``session.send``, out of ``read_whole``'s
reach. The connection taking the request (``http/pool.py``) hands its socket
to the wait, and the watchdog shuts that socket.

A redirect is never followed (the client asks requests not to): a POST
turned into a GET elsewhere would report an unsubscribe as done, and a 307
would carry the people's data to another host. :func:`redirect_words` says
where the redirect pointed, by host only (an address may carry a secret).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from attentive_nb.errors import TransportError

CHUNK = 64 * 1024
_POLL_S = 0.05


class AnswerNotRead(Exception):
    """The answer did not arrive whole: too slow, too large, cut, or the caller stopped."""

    def __init__(self, why: str, *, stopped: bool = False, too_large: bool = False) -> None:
        super().__init__(why)
        self.stopped, self.too_large = stopped, too_large


class TooLarge(TransportError):
    """A file larger than the toolkit reads (a bulk job's results): not read, not asked again."""


def read_whole(
    response: requests.Response,
    *,
    deadline: float,
    max_bytes: int,
    stop: threading.Event | None = None,
    keep: int | None = None,
) -> bytes:
    """The body of ``response`` (also set as its ``content``), read before ``deadline``.

    ``deadline`` is a ``time.monotonic()`` time. More than ``max_bytes`` raises
    :class:`AnswerNotRead`, unless ``keep`` is given: then the first ``keep``
    bytes are kept and the rest is not read (an error page needs only its start).
    """
    watched = _Read(lambda: response.raw.shutdown(), deadline, stop)
    chunks: list[bytes] = []
    size = 0
    try:
        with watched:
            for chunk in response.raw.stream(CHUNK, decode_content=True):
                chunks.append(chunk)
                size += len(chunk)
                if keep is not None and size >= keep:
                    break
                if size > max_bytes:
                    raise AnswerNotRead(
                        f"the answer was larger than {_megabytes(max_bytes)}", too_large=True
                    )
    except AnswerNotRead:
        raise
    except Exception as error:  # urllib3, http.client and the socket each raise their own
        raise watched.why() or AnswerNotRead(
            "the connection broke before the whole answer came"
        ) from error
    finally:
        response.close()
    if watched.why() is not None:
        raise watched.why()  # type: ignore[misc]
    body = b"".join(chunks)[:keep] if keep is not None else b"".join(chunks)
    response._content = body  # requests' own cache: .json(), .text and .content read it
    return body


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


class _Read:
    """One answer being read: ``shut`` when its deadline passes or its ``stop`` is set."""

    def __init__(self, shut: Callable[[], None], deadline: float, stop: Any) -> None:
        self._shut, self._deadline, self._stop = shut, deadline, stop
        self._fired: AnswerNotRead | None = None

    def __enter__(self) -> _Read:
        _WATCHDOG.watch(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _WATCHDOG.forget(self)

    def why(self) -> AnswerNotRead | None:
        return self._fired

    def check(self, now: float) -> None:
        if self._fired is not None:
            return
        if self._stop is not None and self._stop.is_set():
            self._fire(AnswerNotRead("the run was stopped while the answer came", stopped=True))
        elif now >= self._deadline:
            self._fire(AnswerNotRead("the whole answer did not come in time"))

    def _fire(self, why: AnswerNotRead) -> None:
        self._fired = why
        # No socket (a test's fake answer) or one already closed: nothing to wake.
        with contextlib.suppress(Exception):
            self._shut()  # wakes a read blocked in the socket


class _Watchdog:
    """One thread for every read in the process, checking each every 50 ms.

    (A thread per request would cost a thread's start and end on every answer.)
    The thread ends when nothing is being read and starts again with the next read.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reads: set[_Read] = set()
        self._running = False

    def watch(self, read: _Read) -> None:
        with self._lock:
            self._reads.add(read)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="attentive-read-watch", daemon=True).start()

    def forget(self, read: _Read) -> None:
        with self._lock:
            self._reads.discard(read)

    def _run(self) -> None:
        while True:
            time.sleep(_POLL_S)
            with self._lock:
                reads = list(self._reads)
                if not reads:
                    self._running = False
                    return
            now = time.monotonic()
            for read in reads:
                read.check(now)


_WATCHDOG = _Watchdog()


class _Waiting:
    """The socket an answer's headers are awaited on, once the connection hands it over."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._shut = False
        self.on_the_wire = False  # the request was sent: its answer is awaited
        self.watch: _Read | None = None

    def why(self) -> AnswerNotRead | None:
        """What cut the wait short (the deadline or ``stop``), once the request was sent."""
        return self.watch.why() if self.watch is not None and self.on_the_wire else None

    def attach(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socket, self.on_the_wire = sock, True
            late = self._shut  # the deadline passed before the request was on the wire
        if late:
            self.shut()

    def shut(self) -> None:
        with self._lock:
            self._shut, sock = True, self._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_WAITS = threading.local()


@contextlib.contextmanager
def headers_within(deadline: float, stop: threading.Event | None = None) -> Iterator[_Waiting]:
    """While inside, an answer's headers awaited on this thread end at ``deadline`` or ``stop``.

    Yields the wait: after an error, its ``why()`` says whether the deadline or
    ``stop`` cut it short once the request was sent (None: the connection broke,
    or the request never left).
    """
    waiting = _Waiting()
    waiting.watch = _Read(waiting.shut, deadline, stop)
    _WAITS.current = waiting
    try:
        with waiting.watch:
            yield waiting
    finally:
        _WAITS.current = None


def awaiting_headers(sock: socket.socket | None) -> None:
    """Called by a connection about to wait for headers: its socket joins this thread's wait."""
    waiting: _Waiting | None = getattr(_WAITS, "current", None)
    if waiting is not None:
        waiting.attach(sock)


def redirect_words(response: requests.Response, api_host: str) -> str:
    """``a redirect to evil.example (http)``: where a 3xx pointed, by host only, never followed."""
    location = response.headers.get("Location") or ""
    try:
        parts = urlsplit(location)
        host = parts.hostname or api_host
        scheme = parts.scheme
    except ValueError:
        return "a redirect to an address that cannot be read"
    if not host.isascii() or not host.isprintable() or len(host) > 253:
        return "a redirect to an address that cannot be read"
    where = "the same host" if host == api_host else host
    plain = " over plain http" if scheme == "http" else ""
    return f"a redirect to {where}{plain}"
