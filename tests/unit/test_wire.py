"""The lean HTTP/1.1 exchange reads and writes what http.client and urllib3 did (no sockets).

Answers are parsed from in-memory streams; requests are written into a fake socket
and compared byte for byte with what urllib3's own connection writes.
"""

from __future__ import annotations

import gzip
import http.client
import io
import zlib

import pytest
from requests.structures import CaseInsensitiveDict
from urllib3._collections import HTTPHeaderDict
from urllib3.connection import HTTPConnection, HTTPSConnection, _normalize_header_values
from urllib3.exceptions import IncompleteRead, InvalidChunkLength, InvalidHeader, ProtocolError

from attentive_nb.http import wire


def stream(data: bytes, block: int = 7) -> wire.Stream:
    """An answer arriving ``block`` bytes a read, as a slow socket gives it."""
    source = io.BytesIO(data)
    return wire.Stream(lambda n: source.read(min(n, block)))


def stdlib_head(data: bytes, method: str = "GET") -> http.client.HTTPResponse:
    class Sock:
        def makefile(self, mode: str) -> io.BytesIO:
            return io.BytesIO(data)

    response = http.client.HTTPResponse(Sock(), method=method)  # type: ignore[arg-type]
    response.begin()
    return response


HEADS = [
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
    b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nX-Dup: a\r\nx-dup: b\r\n\r\n",
    b"HTTP/1.1 200\r\nX-Empty:\r\nX-Blanks: \t v \r\nX-Latin: caf\xe9\r\n\r\n",
    b"HTTP/1.0 200 Fine thanks\r\nServer: x\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nA: 1\r\n\r\n",
    # not plain: the email parser's own reading is used
    b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nB: 2\r\n\r\n",
    b"HTTP/1.1 200 OK\nBare: lf\n\n",
    b"HTTP/1.1 200 OK\r\nBad Name: x\r\nC: 3\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nFrom me: x\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nCr: a\rb\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n: no name\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nNo-End: x",  # the stream ends: the headers end there
]


@pytest.mark.parametrize("block", [7, 65536])  # line by line; the head whole at once
@pytest.mark.parametrize("data", HEADS)
def test_a_head_reads_as_http_client_and_urllib3_read_it(data, block):
    ours = wire.read_head(stream(data, block), "GET")
    theirs = stdlib_head(data)
    assert (ours.status, ours.reason, ours.version) == (
        theirs.status,
        theirs.reason,
        theirs.version,
    )
    assert ours.items == _normalize_header_values(theirs.msg)
    assert ours.will_close == theirs.will_close


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", http.client.RemoteDisconnected),
        (b"HTTP/1.1 abc OK\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/1.1 99 Low\r\n\r\n", http.client.BadStatusLine),
        (b"SMTP ready\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/2.0 200 OK\r\n\r\n", http.client.UnknownProtocol),
        (b"HTTP/1.1 200 " + b"x" * 70_000 + b"\r\n\r\n", http.client.LineTooLong),
        (b"HTTP/1.1 200 OK\r\nX: " + b"x" * 70_000 + b"\r\n\r\n", http.client.LineTooLong),
        (b"HTTP/1.1 200 OK\r\n" + b"X: 1\r\n" * 101 + b"\r\n", http.client.HTTPException),
    ],
)
def test_a_broken_head_raises_what_http_client_raises(data, error):
    with pytest.raises(error) as theirs:
        stdlib_head(data)
    with pytest.raises(error) as ours:
        wire.read_head(stream(data, block=65536), "GET")
    assert type(ours.value) is type(theirs.value)
    assert ours.value.args == theirs.value.args


def test_headers_are_the_dicts_urllib3_and_requests_made():
    items = [("Content-Type", "a"), ("X-Dup", "1"), ("x-dup", "2"), ("X-DUP", "3")]
    made = wire.headers_of(items)
    assert list(made.items()) == list(HTTPHeaderDict(items).items())
    assert made.getlist("x-dup") == ["1", "2", "3"]
    ours, theirs = wire.case_insensitive(items), CaseInsensitiveDict(HTTPHeaderDict(items))
    assert list(ours.items()) == list(theirs.items())
    assert ours["X-DUP"] == "1, 2, 3"


@pytest.mark.parametrize(
    ("lengths", "expected"), [(["10"], 10), (["10", "10"], 10), (["-1"], None), (["x"], None)]
)
def test_the_body_length_is_urllib3s(lengths, expected):
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"Content-Length: %s\r\n" % v.encode() for v in lengths
    )
    assert wire.read_head(stream(head + b"\r\n"), "GET").length == expected


def test_two_different_lengths_are_an_invalid_header_as_urllib3_says():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
    with pytest.raises(InvalidHeader):
        wire.read_head(stream(head), "GET")


# -- bodies ---------------------------------------------------------------------------------


class FakeConn:
    def __init__(self) -> None:
        self.closed = 0
        self.sock = object()

    def close(self) -> None:
        self.closed += 1


class FakePool:
    def __init__(self) -> None:
        self.back: list[object] = []

    def _put_conn(self, conn: object) -> None:
        self.back.append(conn)


def answer(
    data: bytes, method: str = "GET", block: int = 7
) -> tuple[wire.Answer, FakeConn, FakePool]:
    source = stream(data, block)
    conn, pool = FakeConn(), FakePool()
    got = wire.Answer(wire.read_head(source, method), source, conn, "/x", decode=False)
    got._connection, got._pool = conn, pool  # as urllib3's pool lends it
    return got, conn, pool


def body(got: wire.Answer, amt: int = 5) -> bytes:
    return b"".join(got.stream(amt, decode_content=True))


@pytest.mark.parametrize("block", [7, 65536])  # the head line by line; whole with its body
def test_a_sized_body_is_read_and_the_connection_kept(block):
    got, conn, pool = answer(
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", block=block
    )
    assert body(got) == b"hello world"
    assert pool.back == [conn] and conn.closed == 0


def test_a_chunked_body_with_extensions_and_trailers():
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    data += b"5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n"
    got, conn, pool = answer(data)
    assert body(got, amt=4) == b"hello world"
    assert pool.back == [conn] and conn.closed == 0


def test_a_body_up_to_the_close_closes_the_connection():
    got, conn, pool = answer(b"HTTP/1.1 200 OK\r\n\r\nall of it")
    assert body(got) == b"all of it"
    assert pool.back == [conn] and conn.closed == 1


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", b"HTTP/1.1 200 OK\r\nConnection: close\r\n"],
)
def test_an_answer_the_server_closes_after_is_not_kept(head):
    got, conn, pool = answer(
        head + b"Content-Length: 2\r\n\r\n{}" if b"close" in head else head + b"{}"
    )
    assert body(got) == b"{}"
    assert pool.back == [conn] and conn.closed == 1


def test_bytes_past_the_answer_are_not_read_as_the_next_one():
    got, conn, pool = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}junk", block=100)
    assert body(got) == b"{}"
    assert pool.back == [conn] and conn.closed == 1


@pytest.mark.parametrize(
    ("head", "method"),
    [
        (b"HTTP/1.1 204 No Content\r\n\r\n", "POST"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", "HEAD"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "GET"),
    ],
)
def test_an_answer_without_a_body_reads_empty_and_keeps_the_connection(head, method):
    got, conn, pool = answer(head, method)
    assert body(got) == b""
    assert pool.back == [conn] and conn.closed == 0


def test_a_cut_sized_body_is_an_incomplete_read_and_the_connection_dropped():
    got, conn, pool = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
    with pytest.raises(ProtocolError) as raised:  # urllib3's IncompleteRead, wrapped as it does
        body(got)
    assert isinstance(raised.value.args[1], IncompleteRead)
    assert pool.back == [conn] and conn.closed == 1


@pytest.mark.parametrize(
    ("chunks", "error"),
    [
        (b"zz\r\nab\r\n0\r\n\r\n", InvalidChunkLength),
        (b"", ProtocolError),
        (b"5\r\nab", http.client.IncompleteRead),
    ],
)
def test_a_broken_chunked_body_raises_as_urllib3_does(chunks, error):
    got, conn, pool = answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
    with pytest.raises(ProtocolError) as raised:
        body(got)
    assert isinstance(raised.value.args[1] if len(raised.value.args) > 1 else raised.value, error)
    assert pool.back == [conn] and conn.closed == 1


@pytest.mark.parametrize(
    ("coding", "pack"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("identity", lambda b: b)],
)
def test_an_encoded_body_is_decoded(coding, pack):
    packed = pack(b'{"ok": true}' * 50)
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nContent-Length: {len(packed)}\r\n\r\n"
    got, _, _ = answer(head.encode() + packed)
    assert body(got, amt=16) == b'{"ok": true}' * 50


def test_content_encodings_in_two_headers_are_both_undone_as_urllib3_does():
    packed = gzip.compress(zlib.compress(b'{"ok": true}'))
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\ncontent-encoding: gzip\r\n"
    got, _, _ = answer(head + b"Content-Length: %d\r\n\r\n" % len(packed) + packed, block=65536)
    assert body(got) == b'{"ok": true}'
    assert got.headers["Content-Encoding"] == "deflate, gzip"  # urllib3's dict, when asked


def test_closing_an_answer_not_read_drops_its_connection():
    got, conn, pool = answer(b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 3\r\n\r\nabc")
    got.close()
    got.release_conn()
    assert pool.back == [conn] and conn.closed == 1
    assert got.get_redirect_location() == "/x"


def test_cookies_are_offered_to_the_jar_as_http_client_message():
    got, _, _ = answer(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n"
    )
    assert got._original_response.msg.get_all("Set-Cookie") == ["a=1", "b=2"]


# -- requests -------------------------------------------------------------------------------


class CapturingSocket:
    """Where a connection writes; no network."""

    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def settimeout(self, timeout: object) -> None:
        pass


class Lean(wire.LeanConnection, HTTPConnection):
    pass


class LeanTLS(wire.LeanConnection, HTTPSConnection):
    pass


def written(cls: type, host: str, port: int | None, **request: object) -> bytes:
    conn = cls(host, port)
    conn.sock = CapturingSocket()
    conn.request(**request)
    return conn.sock.sent


HEADERS = {
    "User-Agent": "attentive-nb/1",
    "Accept-Encoding": "gzip, deflate",
    "Accept": "application/json",
    "Connection": "keep-alive",
    "Content-Type": "application/json",
    "Content-Length": "11",
    "Authorization": "Bearer k",
}


@pytest.mark.parametrize(
    ("host", "port", "asked"),
    [
        (
            "127.0.0.1",
            8080,
            {
                "method": "POST",
                "url": "/v1/events/custom",
                "body": b'{"a": "b"}x',
                "headers": HEADERS,
            },
        ),
        ("api.example", None, {"method": "GET", "url": "/v1/me?x=1", "headers": {"Accept": "*/*"}}),
        ("::1", 9000, {"method": "POST", "url": "/p", "body": None, "headers": {}}),
        (
            "api.example",
            80,
            {"method": "DELETE", "url": "/v2/x", "body": b"{}", "headers": {"Host": "h"}},
        ),
        ("api.example", 443, {"method": "PUT", "url": "", "body": b"", "headers": {"X-Num": 5}}),
    ],
)
def test_a_request_is_written_as_urllib3_writes_it(host, port, asked):
    assert written(Lean, host, port, **asked) == written(HTTPConnection, host, port, **asked)
    assert written(LeanTLS, host, port, **asked) == written(HTTPSConnection, host, port, **asked)


@pytest.mark.parametrize(
    "headers",
    [
        CaseInsensitiveDict(HEADERS),  # as requests prepares them
        CaseInsensitiveDict({"host": "h", "content-length": "11", "user-agent": "u", "X": "1"}),
        CaseInsensitiveDict({"Accept": "*/*", "user-agent": wire.SKIP_HEADER}),
    ],
)
def test_requests_header_dict_is_written_as_urllib3_writes_it(headers):
    asked = {"method": "POST", "url": "/v1/x", "body": b'{"a": "b"}x', "headers": headers}
    assert written(Lean, "api.example", None, **asked) == written(
        HTTPConnection, "api.example", None, **asked
    )


@pytest.mark.parametrize(
    "asked",
    [
        {"method": "GET", "url": "/a b", "headers": {}},
        {"method": "G ET", "url": "/", "headers": {}},
        {"method": "GET", "url": "/", "headers": {"X": "a\nb"}},
        {"method": "GET", "url": "/", "headers": {"X:Y": "a"}},
    ],
)
def test_a_request_urllib3_refuses_is_refused_alike(asked):
    with pytest.raises(Exception) as theirs:
        written(HTTPConnection, "h", 80, **asked)
    with pytest.raises(Exception) as ours:
        written(Lean, "h", 80, **asked)
    assert (type(ours.value), ours.value.args) == (type(theirs.value), theirs.value.args)


def test_a_chunked_upload_goes_through_http_client_as_before():
    asked = {"method": "POST", "url": "/", "body": iter([b"ab", b"cd"]), "headers": {}}
    ours = written(Lean, "h", 80, **asked)
    asked["body"] = iter([b"ab", b"cd"])
    assert ours == written(HTTPConnection, "h", 80, **asked)


def test_header_lines_are_remembered_but_never_a_credentials():
    from attentive_nb.http import wire

    wire._LINES.clear()
    first = wire._line("Content-Type", "application/json")
    assert wire._line("Content-Type", "application/json") is first
    assert first == b"Content-Type: application/json"
    for name in ("Authorization", "authorization", "Cookie"):
        assert wire._line(name, "Bearer secret-0123") == f"{name}: Bearer secret-0123".encode()
    assert wire._line("X-Bytes", b"raw") == b"X-Bytes: raw"
    assert wire._line("Content-Length", 12) == b"Content-Length: 12"
    assert all(
        name.lower() not in ("authorization", "cookie") and isinstance(value, str)
        for name, value in wire._LINES
    )
