"""The lean exchange (http/wire.py) on a real socket: kept connections, framings, breaks.

A raw TCP server on loopback answers each connection from a script, so the test
says exactly what the wire carries: chunked and gzip answers, a connection the
server drops while it is kept, one closed without an answer, none listening.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Callable

import pytest

from attentive_nb.errors import TransportError
from attentive_nb.http.auth import ApiKeyAuth
from attentive_nb.http.client import Client, RetryPolicy

pytestmark = pytest.mark.sandbox

Reply = Callable[[bytes], bytes | None]  # a request's bytes -> the answer's (None: hang up)


def ok(body: object = None, **headers: str) -> Reply:
    data = json.dumps(body or {"ok": True}).encode()
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return lambda _: (
        f"HTTP/1.1 200 OK\r\n{extra}Content-Length: {len(data)}\r\n\r\n".encode() + data
    )


def chunked(_: bytes) -> bytes:
    data = json.dumps({"chunked": True}).encode()
    half = len(data) // 2
    return (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        + b"%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\n\r\n"
        % (half, data[:half], len(data) - half, data[half:])
    )


def gzipped(_: bytes) -> bytes:
    data = gzip.compress(json.dumps({"gzip": True}).encode())
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


class Scripted:
    """Answers connection ``i``'s requests with ``script[i]`` in turn, then closes it."""

    def __init__(self, *script: list[Reply]) -> None:
        self.script = list(script)
        self.requests: list[bytes] = []
        self.closed = [threading.Event() for _ in script]  # set once the server closed it
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Scripted:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()

    @property
    def connections(self) -> int:
        return len(self.script) - len(self._left)

    def _serve(self) -> None:
        self._left = list(self.script)
        while self._left:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with sock:
                for reply in self._left.pop(0):
                    request = _request(sock)
                    self.requests.append(request)
                    answer = reply(request)
                    if answer is None:
                        break
                    sock.sendall(answer)
            self.closed[self.connections - 1].set()


def _request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += sock.recv(65536)
    return data


def client(url: str) -> Client:
    return Client(ApiKeyAuth("ak_wire_test_key_0123456789"), url, retry=RetryPolicy(attempts=1))


def test_one_kept_connection_carries_every_framing():
    with Scripted([ok(), chunked, gzipped, ok({"last": 1})]) as server:
        c = client(server.url)
        assert c.request("me").body == {"ok": True}
        assert c.request("me").body == {"chunked": True}
        assert c.request("me").body == {"gzip": True}
        assert c.request("events", json_body={"type": "x"}).body == {"last": 1}
    assert server.connections == 1
    sent = server.requests[-1]
    assert sent.startswith(b"POST /v1/events/custom HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"Authorization: Bearer ak_wire_test_key_0123456789\r\n" in sent
    assert sent.endswith(b'\r\n\r\n{"type": "x"}')


def test_a_kept_connection_the_server_dropped_is_opened_again():
    with Scripted([ok()], [ok({"again": True})]) as server:
        c = client(server.url)
        assert c.request("me").body == {"ok": True}
        assert server.closed[0].wait(10)  # the server closed the kept connection
        assert c.request("me").body == {"again": True}
    assert server.connections == 2


def test_an_answer_saying_close_opens_a_new_connection_next():
    with Scripted([ok(Connection="close")], [ok({"next": 1})]) as server:
        c = client(server.url)
        assert c.request("me").body == {"ok": True}
        assert c.request("me").body == {"next": 1}
    assert server.connections == 2


def test_a_connection_closed_without_an_answer_is_a_lost_answer_never_resent():
    with Scripted([lambda _: None], [ok()]) as server:
        c = client(server.url)
        with pytest.raises(TransportError) as raised:
            c.request("subscribe", json_body={"user": {"phone": "+12015550100"}})
    assert raised.value.answer_lost
    assert len(server.requests) == 1


def test_nobody_listening_is_not_reached():
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    with pytest.raises(TransportError) as raised:
        client(url).request("me")
    assert not raised.value.answer_lost


def test_an_answer_that_does_not_come_in_time_is_a_lost_answer():
    gone = threading.Event()

    def hold(_: bytes) -> None:
        gone.wait(10)  # the client has given up by then
        return None

    with Scripted([hold]) as server:
        slow = Client(
            ApiKeyAuth("ak_wire_test_key_0123456789"),
            server.url,
            timeout=(5.0, 0.2),
            retry=RetryPolicy(attempts=1),
        )
        with pytest.raises(TransportError) as raised:
            slow.request("subscribe", json_body={"user": {"phone": "+12015550100"}})
        gone.set()
    assert raised.value.answer_lost and "no answer came in time" in str(raised.value)
