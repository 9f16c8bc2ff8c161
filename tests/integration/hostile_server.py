"""A tiny HTTP server on a free loopback port that answers as a hostile server would.

``FakeApi(routes)``: ``routes`` maps ``"METHOD /path"`` to a function taking
the request handler and writing any answer it likes (a redirect, a dribble,
junk). ``GET /v1/me`` answers the company by default. Every request is
recorded in ``seen`` (method, path, headers, body).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ME = {"companyName": "Hudson & Ivy", "companyId": "MDc6Q29tcGFueTI", "applicationName": "Pillow"}
Route = Callable[[BaseHTTPRequestHandler], None]


def answer(handler: BaseHTTPRequestHandler, status: int, body: Any = None, **headers: str) -> None:
    """Write a JSON (or, for bytes, raw) answer."""
    data = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", headers.pop("content_type", "application/json"))
    handler.send_header("Content-Length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(data)


def redirect(status: int, location: str) -> Route:
    return lambda h: answer(h, status, {}, Location=location)


def dribble(handler: BaseHTTPRequestHandler) -> None:
    """Headers of a 200 with Content-Length 100000, then one byte every half second."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        for _ in range(100000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.5)
    except OSError:  # the client hung up: what a bounded read does
        pass


def dribble_headers(handler: BaseHTTPRequestHandler) -> None:
    """A status line and headers sent one byte every fifth of a second, never ending.

    Each byte comes well within any read timeout, and the header line stays under
    http.client's 64 KB limit for hours: only a deadline on the whole answer ends it.
    """
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: "
    try:
        for byte in head + b"a" * 60_000:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:  # the client hung up: what a bounded wait does
        pass


class FakeApi:
    """The server, started on entering, stopped on leaving."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes = {"GET /v1/me": lambda h: answer(h, 200, ME), **(routes or {})}
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path, _, _ in self.seen if method in (None, m)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else b""
                path = self.path.split("?", 1)[0]
                api.seen.append((self.command, path, dict(self.headers), body))
                route = api.routes.get(f"{self.command} {path}")
                if route is None:
                    answer(self, 404, {"error": {"message": "no such path"}})
                else:
                    route(self)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        return Handler

    def __enter__(self) -> FakeApi:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
