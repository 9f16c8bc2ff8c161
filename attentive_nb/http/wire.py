"""A lean HTTP/1.1 exchange on urllib3's pooled connections (issue 24).

An API answer is a status line, a dozen headers and a small JSON body, yet
http.client parses its headers with the email package (a parser built for
mail: a sixth of a request's CPU on the client's side) and urllib3 writes a
request header by header through three layers. :class:`LeanConnection`, mixed
into the pool's connection classes (``http/pool.py``), writes a request as one
block of bytes and reads its answer with :class:`Stream` and :func:`read_head`
into an :class:`Answer`, which streams the body (Content-Length, chunked, or up
to the close) and decodes it (gzip, deflate) as urllib3 does.

Everything around the exchange is urllib3's own: the pool hands out and takes
back the connections (a kept-alive one that dropped is reopened before use),
``urlopen`` wraps the errors and applies the retry rules, so a refused
connection, a timeout, a reset or a malformed status line raise what they
raised before (the same http.client and urllib3 exceptions, from the same
places). The bytes on the wire are the ones urllib3 wrote. What this does not
cover goes through http.client as before: a body that is not bytes or is sent
chunked; and header lines that are not plain ``Name: value`` (folded, bare
line ends, odd names) are parsed by http.client's own parser, as before.
"""

from __future__ import annotations

import errno
import http.client
import io
import logging
import re
import socket
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from requests.structures import CaseInsensitiveDict
from urllib3._collections import HTTPHeaderDict
from urllib3.connection import (
    _CONTAINS_CONTROL_CHAR_RE,
    BaseSSLError,
    HTTPConnection,
    _get_default_user_agent,
    _normalize_header_values,
)
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import (
    DecodeError,
    HeaderParsingError,
    IncompleteRead,
    InvalidChunkLength,
    InvalidHeader,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as U3TimeoutError
from urllib3.response import HTTPResponse, _get_decoder
from urllib3.util import SKIP_HEADER, Retry
from urllib3.util.response import assert_header_parsing
from urllib3.util.ssl_match_hostname import CertificateError
from urllib3.util.url import _encode_target
from urllib3.util.util import to_str

_MAXLINE = http.client._MAXLINE  # type: ignore[attr-defined]
_MAXHEADERS = http.client._MAXHEADERS  # type: ignore[attr-defined]
_legal_name = http.client._is_legal_header_name  # type: ignore[attr-defined]
_illegal_value = http.client._is_illegal_header_value  # type: ignore[attr-defined]
_NO_BODY = frozenset({"GET", "HEAD", "DELETE", "TRACE", "OPTIONS", "CONNECT"})
_DECODERS = HTTPResponse.CONTENT_DECODERS
_DECODER_ERRORS = HTTPResponse.DECODER_ERROR_CLASSES
BLOCK = 64 * 1024
# A header line as the email parser reads one: a name of visible characters but the colon
# ("From " would start a mailbox), then the value, its leading blanks dropped, no CR or LF.
_PLAIN_FIELD = re.compile(r"([!-9;-~]+):[ \t]*([^\r\n]*)\r\n")
_PLAIN_BLOCK = re.compile(r"(?:[!-9;-~]+:[^\r\n]*\r\n)*")
log = logging.getLogger("urllib3.connection")  # its warning, where it gave it
log_pool = logging.getLogger("urllib3.connectionpool")  # its request line, where it logs it
_LINES: dict[tuple[str, str], bytes] = {}  # (name, value) -> its checked line
_KEPT_LINES = 512
_NOT_KEPT = frozenset({"authorization", "proxy-authorization", "cookie"})
_HOSTS: dict[tuple[str, int | None, int], bytes] = {}  # (host, port, default port) -> its line


class Stream:
    """One answer's bytes as they come: lines and blocks, from one connection's reads.

    ``recv(n)`` is the socket's (at most ``n`` bytes; ``b""`` at its end).
    """

    __slots__ = ("_recv", "_buffer")

    def __init__(self, recv: Callable[[int], bytes]) -> None:
        self._recv, self._buffer = recv, b""

    def line(self, limit: int = _MAXLINE) -> bytes:
        """A line with its end, as ``readline(limit + 1)``: at most ``limit + 1`` bytes."""
        while True:
            end = self._buffer.find(b"\n", 0, limit + 1)
            if end >= 0:
                return self._take(end + 1)
            if len(self._buffer) > limit or not self._more():
                return self._take(min(len(self._buffer), limit + 1))

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (``b""`` only at the end of the stream)."""
        if not self._buffer:
            return self._recv(min(n, BLOCK))
        return self._take(n)

    def exactly(self, n: int) -> bytes:
        """``n`` bytes, or :class:`http.client.IncompleteRead` (as http.client's ``_safe_read``)."""
        while len(self._buffer) < n:
            if not self._more():
                raise http.client.IncompleteRead(self._take(len(self._buffer)), n)
        return self._take(n)

    def head(self) -> bytes | None:
        """The status line and headers, taken whole when they came at once in CRLF lines
        (ended by a blank one, none bare LF, all within a line's limit); else None and
        nothing taken: :func:`read_head` reads them line by line."""
        if not self._buffer:
            self._more()
        end = self._buffer.find(b"\r\n\r\n", 0, _MAXLINE)
        if end < 0:
            return None
        block = self._buffer[: end + 4]
        if block.count(b"\n") != block.count(b"\r\n") or block.count(b"\n") > _MAXHEADERS:
            return None
        return self._take(end + 4)

    def left(self) -> int:
        """Bytes read past what was asked for (none, after a whole answer)."""
        return len(self._buffer)

    def _more(self) -> bool:
        data = self._recv(BLOCK)
        self._buffer += data
        return bool(data)

    def _take(self, n: int) -> bytes:
        taken, self._buffer = self._buffer[:n], self._buffer[n:]
        return taken


class Head:
    """An answer's status line and headers, and how its body is framed.

    ``chunked`` and ``length`` are urllib3's reading of them (it reads the body);
    ``will_close`` is http.client's (it decides whether the connection is kept).
    """

    __slots__ = (
        "version",
        "status",
        "reason",
        "block",
        "end",
        "items",
        "first",
        "chunked",
        "length",
        "will_close",
    )

    def __init__(
        self, version: int, status: int, reason: str, block: bytes, end: bytes, method: str
    ) -> None:
        """``block``: the header lines; ``end``: the line that ended them (blank, or none)."""
        self.version, self.status, self.reason = version, status, reason
        self.block, self.end = block, end
        self.items = _fields(block, end)
        first: dict[str, str] = {}  # each name's first value: what http.client reads
        lengths = []  # every Content-Length's value: what urllib3 reads
        for name, value in self.items:  # one pass, each name lowered once
            low = name.lower()
            if low not in first:
                first[low] = value
            if low == "content-length":
                lengths.append(value)
        self.first = first
        empty = status in (204, 304) or 100 <= status < 200 or method == "HEAD"
        coding = (first.get("transfer-encoding") or "").lower()
        self.chunked = "chunked" in (c.strip() for c in coding.split(","))
        self.length = 0 if empty else (None if self.chunked else _length(lengths))
        self.will_close = _will_close(version, first) or (
            not empty and coding != "chunked" and _plain_length(first) is None
        )


def read_head(stream: Stream, method: str) -> Head:
    """The status line and headers of the next answer, skipping ``100 Continue``s.

    Raises what ``http.client.HTTPResponse.begin`` raises, for the same answers.
    """
    whole = stream.head()
    if whole is not None:  # one split, not a read a line
        status_line, _, rest = whole.partition(b"\r\n")
        version, status, reason = _status_of(status_line + b"\r\n")
        block, end = rest[:-2], b"\r\n"
        if status == http.client.CONTINUE:  # rare: the lines after it read one by one
            version, status, reason, block, end = _head_by_lines(stream)
    else:
        version, status, reason, block, end = _head_by_lines(stream)
    if version in ("HTTP/1.0", "HTTP/0.9"):
        number = 10
    elif version.startswith("HTTP/1."):
        number = 11
    else:
        raise http.client.UnknownProtocol(version)
    return Head(number, status, reason.strip(), block, end, method)


def _head_by_lines(stream: Stream) -> tuple[str, int, str, bytes, bytes]:
    """The status line and the header lines read one by one, past ``100 Continue``s."""
    while True:
        version, status, reason = _status(stream)
        lines = _header_lines(stream)
        if status != http.client.CONTINUE:
            return version, status, reason, b"".join(lines[:-1]), lines[-1]


def _status(stream: Stream) -> tuple[str, int, str]:
    """As ``HTTPResponse._read_status``."""
    line = stream.line()
    if len(line) > _MAXLINE:
        raise http.client.LineTooLong("status line")
    if not line:
        raise http.client.RemoteDisconnected("Remote end closed connection without response")
    return _status_of(line)


def _status_of(line: bytes) -> tuple[str, int, str]:
    """The status line's version, code and reason, or the error http.client raises."""
    text = str(line, "iso-8859-1")
    try:
        version, status, reason = text.split(None, 2)
    except ValueError:
        try:
            version, status = text.split(None, 1)
            reason = ""
        except ValueError:
            version, status, reason = "", "", ""
    if not version.startswith("HTTP/"):
        raise http.client.BadStatusLine(text)
    try:
        code = int(status)
    except ValueError:
        raise http.client.BadStatusLine(text) from None
    if code < 100 or code > 999:
        raise http.client.BadStatusLine(text)
    return version, code, reason


def _header_lines(stream: Stream) -> list[bytes]:
    """As ``http.client._read_headers``: the lines up to the blank one (or the end)."""
    lines = []
    while True:
        line = stream.line()
        if len(line) > _MAXLINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > _MAXHEADERS:
            raise http.client.HTTPException(f"got more than {_MAXHEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            return lines


def _fields(block: bytes, end: bytes) -> list[tuple[str, str]]:
    """(name, value) of each header, as http.client's email parser and urllib3 read them.

    Plain ``Name: value`` lines (a name of visible characters but the colon, a
    value with no line break in it, each ending CRLF) read as the parser reads
    them: the value without its leading blanks. Anything else is given to it.
    """
    text = block.decode("iso-8859-1")
    if not _PLAIN_BLOCK.fullmatch(text):
        return _parsed(block + end)
    return _PLAIN_FIELD.findall(text)


def _parsed(head: bytes) -> list[tuple[str, str]]:
    """The headers through http.client's own parser, as before (folded lines, odd names)."""
    message = http.client.parse_headers(io.BytesIO(head))
    try:
        assert_header_parsing(message)
    except (HeaderParsingError, TypeError) as error:  # urllib3 only logs it, as here
        log.warning("Failed to parse headers: %s", error)
    return _normalize_header_values(message)


def _will_close(version: int, first: Mapping[str, str]) -> bool:
    """As ``HTTPResponse._check_close``: whether the server closes after this answer."""
    connection = (first.get("connection") or "").lower()
    if version == 11:
        return "close" in connection
    if first.get("keep-alive") or "keep-alive" in connection:
        return False
    return "keep-alive" not in (first.get("proxy-connection") or "").lower()


def _length(values: list[str]) -> int | None:
    """As urllib3's ``HTTPResponse._init_length`` of the Content-Length values: the body's
    length, or None (to the close)."""
    if not values:
        return None
    joined = ", ".join(values)
    try:
        lengths = {int(value) for value in joined.split(",")}
    except ValueError:
        return None
    if len(lengths) > 1:
        raise InvalidHeader(f"Content-Length contained multiple unmatching values ({joined})")
    length = lengths.pop()
    return length if length >= 0 else None


def _plain_length(first: Mapping[str, str]) -> int | None:
    """http.client's reading of Content-Length (its first value, a whole number)."""
    try:
        length = int(first.get("content-length") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def headers_of(items: list[tuple[str, str]]) -> HTTPHeaderDict:
    """urllib3's header dict of the fields, as ``HTTPHeaderDict(items)`` makes it."""
    headers = HTTPHeaderDict()
    kept = headers._container  # filled as its ``add`` does, without a call a header
    for name, value in items:
        new = [name, value]
        known = kept.setdefault(name.lower(), new)
        if known is not new:
            known.append(value)
    return headers


def case_insensitive(items: list[tuple[str, str]]) -> CaseInsensitiveDict[str]:
    """requests' header dict of the fields, as ``CaseInsensitiveDict(headers_of(items))``:
    each name as it first came, a repeated name's values joined by commas."""
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    kept = headers._store  # type: ignore[attr-defined]
    for name, value in items:
        low = name.lower()
        known = kept.get(low)
        kept[low] = (name, value) if known is None else (known[0], f"{known[1]}, {value}")
    return headers


# -- the request ---------------------------------------------------------------------------


def request_bytes(
    method: str, url: str, body: bytes | None, headers: Mapping[str, str], host: bytes
) -> bytes | None:
    """The bytes urllib3's ``HTTPConnection.request`` writes for a request, or None when it
    is one this does not write (a chunked upload, a header urllib3 is told to skip).

    ``host`` is the connection's own ``Host`` line (:func:`host_line`).
    """
    keys, items = _names_and_items(headers)
    lines = [f"{method} {url or '/'} HTTP/1.1".encode("ascii")]
    if "host" not in keys:
        lines.append(host)
    if "accept-encoding" not in keys:
        lines.append(b"Accept-Encoding: identity")
    if "transfer-encoding" in keys:
        return None
    if "content-length" not in keys:
        length = len(body) if body is not None else (None if method.upper() in _NO_BODY else 0)
        if length is not None:
            lines.append(b"Content-Length: %d" % length)
    if "user-agent" not in keys:
        lines.append(b"User-Agent: " + _get_default_user_agent().encode("latin-1"))
    for name, value in items:
        if value == SKIP_HEADER:
            return None
        lines.append(_line(name, value))
    lines.append(b"")
    lines.append(body or b"")
    return b"\r\n".join(lines)


def _names_and_items(headers: Mapping[str, str]) -> tuple[Any, Any]:
    """The headers' names in lower case, and their (name, value)s as given.

    requests' own dict keeps both under each lowered name: read as they are kept, not a
    ``lower()`` and a look-up a header (a tenth of a request's header handling)."""
    if type(headers) is CaseInsensitiveDict:
        store = headers._store  # type: ignore[attr-defined]
        return store.keys(), store.values()
    return {name.lower() for name in headers}, headers.items()


def _line(name: str, value: Any) -> bytes:
    """A header's line, remembered for the headers every request repeats (never a credential).

    Those remembered are looked up first: only a text value of a name not in ``_NOT_KEPT``
    is ever kept, so a line found passed those checks when it was made."""
    key = (name, value)
    try:
        line = _LINES.get(key)
    except TypeError:  # a value that cannot be a key (not text): never kept
        line = None
    if line is not None:
        return line
    if not isinstance(value, str) or name.lower() in _NOT_KEPT:
        return _header(name, value)
    line = _header(name, value)
    if len(_LINES) >= _KEPT_LINES:
        _LINES.clear()
    _LINES[key] = line
    return line


def _header(name: str, value: Any) -> bytes:
    """One header line, checked and encoded as ``http.client.HTTPConnection.putheader`` does."""
    raw_name = name.encode("ascii")
    if not _legal_name(raw_name):
        raise ValueError(f"Invalid header name {raw_name!r}")
    if hasattr(value, "encode"):
        raw = value.encode("latin-1")
    elif isinstance(value, int):
        raw = str(value).encode("ascii")
    else:
        raw = value
    if _illegal_value(raw):
        raise ValueError(f"Invalid header value {raw!r}")
    return bytes(raw_name + b": " + raw)


def host_line(host: str, port: int | None, default_port: int) -> bytes:
    """The ``Host`` line http.client writes for a connection (worked out by http.client once)."""
    key = (host, port, default_port)
    line = _HOSTS.get(key)
    if line is None:
        scratch = http.client.HTTPConnection(host, port)
        scratch.default_port = default_port
        scratch.putrequest("GET", "/", skip_accept_encoding=True)
        line = scratch._buffer[1]  # type: ignore[attr-defined]
        _HOSTS[key] = line
    return line


# -- the connection ------------------------------------------------------------------------


if TYPE_CHECKING:
    _Connection = HTTPConnection
else:
    _Connection = object  # a mixin: the class it is mixed into is urllib3's connection


class LeanConnection(_Connection):
    """Mixed into urllib3's ``HTTPConnection``: ``request`` and ``getresponse``, lean."""

    _lean: tuple[str, str, bool] | None = None  # (method, url, decode) of a request sent here

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        chunked: bool = False,
        preload_content: bool = True,
        decode_content: bool = True,
        enforce_content_length: bool = True,
    ) -> None:
        block = None
        if not chunked and (body is None or isinstance(body, bytes)) and enforce_content_length:
            block = self._lean_request(method, url, body, headers or {})
        self._lean = None
        if block is None:  # http.client's way, as before
            super().request(
                method,
                url,
                body,
                headers,
                chunked=chunked,
                preload_content=preload_content,
                decode_content=decode_content,
                enforce_content_length=enforce_content_length,
            )
            return
        if self.sock is not None:
            self.sock.settimeout(self.timeout)
        self._lean = (method, url, decode_content)
        if self.sock is None:  # as http.client's send: opened on first use
            self.connect()
        sys.audit("http.client.send", self, block)
        self.sock.sendall(block)

    def _lean_request(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> bytes | None:
        """The request's bytes, checked as urllib3's and http.client's ``putrequest`` do."""
        match = _CONTAINS_CONTROL_CHAR_RE.search(method)
        if match:
            raise ValueError(
                f"Method cannot contain non-token characters {method!r} "
                f"(found at least {match.group()!r})"
            )
        self._validate_method(method)  # type: ignore[attr-defined]
        self._validate_path(url)  # type: ignore[attr-defined]
        host = host_line(self.host, self.port, self.default_port)
        return request_bytes(method, url, body, headers, host)

    def getresponse(self) -> Any:
        lean = self._lean
        if lean is None:
            return super().getresponse()
        self._lean = None
        method, url, decode = lean
        self.sock.settimeout(self.timeout)
        stream = Stream(self.sock.recv)
        head = read_head(stream, method)
        return Answer(head, stream, self, url, decode)


class _Original:
    """What requests' cookie jar reads of an answer: its headers as http.client's message."""

    def __init__(self, head: Head) -> None:
        self.msg = http.client.parse_headers(io.BytesIO(head.block + head.end))


class Answer:
    """An answer read by :class:`LeanConnection`: what urllib3's ``HTTPResponse`` gives
    requests and the toolkit (status, headers, ``stream``, ``close``, ``release_conn``)."""

    def __init__(self, head: Head, stream: Stream, conn: Any, url: str, decode: bool) -> None:
        self.status, self.reason, self.version = head.status, head.reason, head.version
        self.version_string = "HTTP/1.1"
        self.items = head.items
        self._headers: HTTPHeaderDict | None = None  # urllib3's dict, made if asked
        self.decode_content = decode
        self.retries: Any = None
        self.chunked = head.chunked and head.length != 0  # a HEAD's or a 204's: no body
        self.length_remaining = None if self.chunked else head.length
        self.enforce_content_length = True
        self._head, self._stream, self._url = head, stream, url
        self._connection: Any = None  # set by the pool while the answer holds its connection
        self._pool: Any = None
        self._conn = conn  # the connection read from, whether or not the pool lent it
        self._chunk_left: int | None = None
        self._read = 0
        self._done = False
        self._decoder: Any = None
        # every Content-Encoding header's value, joined, as urllib3 reads it
        coding = (
            self.headers.get("content-encoding", "") if "content-encoding" in head.first else ""
        )
        coding = coding.lower()
        if coding in _DECODERS or any(c.strip() in _DECODERS for c in coding.split(",")):
            self._decoder = _get_decoder(coding)
        cookies = "set-cookie" in head.first
        self._original_response = _Original(head) if cookies else None

    @property
    def headers(self) -> HTTPHeaderDict:
        """urllib3's header dict, made when first asked (the toolkit reads requests' one)."""
        if self._headers is None:
            self._headers = headers_of(self.items)
        return self._headers

    @property
    def closed(self) -> bool:
        return self._done or self._conn is None

    def get_redirect_location(self) -> str | None | bool:
        if self.status in (301, 302, 303, 307, 308):
            return self.headers.get("location")
        return False

    def stream(
        self, amt: int | None = 2**16, decode_content: bool | None = None
    ) -> Iterator[bytes]:
        """The body in blocks of at most ``amt`` raw bytes, decoded unless told not to."""
        decode = self.decode_content if decode_content is None else decode_content
        amt = amt or BLOCK
        try:
            while not self._done:
                data = self._raw(amt)
                self._read += len(data)
                if decode and self._decoder is not None:
                    data = self._decoded(data)
                if data:
                    yield data
        except TimeoutError as error:  # socket.timeout
            self._broken()
            raise ReadTimeoutError(self._pool, self._url, "Read timed out.") from error
        except (http.client.HTTPException, OSError) as error:  # a cut body among them
            self._broken()
            raise ProtocolError(f"Connection broken: {error!r}", error) from error
        except BaseException:
            self._broken()
            raise

    def tell(self) -> int:
        """Raw body bytes read so far (urllib3's errors say it)."""
        return self._read

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        return b"".join(self.stream(amt or BLOCK, decode_content))

    def _raw(self, amt: int) -> bytes:
        """The next raw bytes of the body; the last of them ends the answer."""
        if self.chunked:
            return self._chunk(amt)
        if self.length_remaining is None:  # up to the close
            data = self._stream.read(amt)
            if not data:
                self._finish()
            return data
        if self.length_remaining == 0:  # an empty body
            self._finish()
            return b""
        data = self._stream.read(min(amt, self.length_remaining))
        if not data:
            raise IncompleteRead(self._read, self.length_remaining)
        self.length_remaining -= len(data)
        if self.length_remaining == 0:
            self._finish()
        return data

    def _chunk(self, amt: int) -> bytes:
        """As urllib3's ``read_chunked``: a chunk's size line, its bytes, its CRLF."""
        if self._chunk_left is None:
            line = self._stream.line().split(b";", 1)[0]
            try:
                self._chunk_left = int(line, 16)
            except ValueError:
                if line:
                    raise InvalidChunkLength(self, line) from None  # type: ignore[arg-type]
                raise ProtocolError("Response ended prematurely") from None
            if self._chunk_left == 0:
                while True:  # the trailer, up to its blank line
                    line = self._stream.line()
                    if not line or line == b"\r\n":
                        break
                self._finish()
                return b""
        take = min(amt, self._chunk_left)
        data = self._stream.exactly(take)
        self._chunk_left -= take
        if self._chunk_left == 0:
            self._stream.exactly(2)
            self._chunk_left = None
        return data

    def _decoded(self, data: bytes) -> bytes:
        try:
            data = self._decoder.decompress(data)
            if self._done:
                data += self._decoder.decompress(b"") + self._decoder.flush()
        except _DECODER_ERRORS as error:
            coding = self.headers.get("content-encoding", "").lower()
            raise DecodeError(
                f"Received response with content-encoding: {coding}, but failed to decode it.",
                error,
            ) from error
        return data

    def _finish(self) -> None:
        """The whole body is read: the connection goes back to the pool, kept if it can be."""
        self._done = True
        if self._head.will_close or self._stream.left():
            self._conn.close()  # the server closes it, or sent more than its answer
        self.release_conn()

    def _broken(self) -> None:
        self._done = True
        self._conn.close()
        self.release_conn()

    def shutdown(self) -> None:
        """End a read blocked in the socket (the watchdog's, from another thread)."""
        sock = self._conn.sock if self._connection is not None else None
        if sock is None:
            raise RuntimeError("the answer's connection has been released")
        sock.shutdown(socket.SHUT_RD)

    def close(self) -> None:
        """Done with the answer: a connection with body left unread is not used again."""
        if not self._done:
            self._done = True
            self._conn.close()

    def release_conn(self) -> None:
        if self._pool is not None and self._connection is not None:
            self._pool._put_conn(self._connection)
        self._connection = None

    def drain_conn(self) -> None:
        try:
            for _ in self.stream(BLOCK, decode_content=False):
                pass
        except Exception:
            pass


# -- the exchange ----------------------------------------------------------------------------

# What _make_request catches around opening a connection, to raise again (TLS ones wrapped).
_OPEN_CATCHES = (
    OSError,
    NewConnectionError,
    U3TimeoutError,
    BaseSSLError,
    CertificateError,
    SSLError,
)
# What urlopen catches to wrap and hand to its retries (the rest it lets through).
_URLOPEN_CATCHES = (
    U3TimeoutError,
    http.client.HTTPException,
    OSError,
    ProtocolError,
    BaseSSLError,
    SSLError,
    CertificateError,
    ProxyError,
)


def never_retries(retries: Retry) -> bool:
    """urllib3 retries nothing with these (requests' default, ``Retry(0, read=False)``):
    every error raises at once and no answer is asked again, so :func:`exchange` may stand
    in for ``urlopen``."""
    return isinstance(retries, Retry) and retries.total == 0 and not retries.status_forcelist


def exchange(
    pool: HTTPConnectionPool,
    method: str,
    url: str,
    body: Any,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    retries: Retry,
) -> Any:
    """``pool.urlopen(method, url, body, headers, retries, redirect=False,
    assert_same_host=False, timeout=Timeout(*timeout), preload_content=False,
    decode_content=False)``, for a pool with no proxy and ``retries`` that
    :func:`never_retries`: the same steps and the same errors, without what urlopen
    does per request for what these leave out (header copies, timeouts and retries
    as objects, redirects, file bodies).
    """
    connect_s, read_s = timeout
    if url.startswith("/"):
        url = to_str(_encode_target(url))
    conn = None
    try:
        conn = pool._get_conn()
        pool.num_requests += 1
        conn.timeout = connect_s
        _open(pool, conn, url)
        try:
            conn.request(
                method, url, body=body, headers=headers, preload_content=False, decode_content=False
            )
        except BrokenPipeError:  # as urllib3: the server may have answered before closing
            pass
        except OSError as error:
            if error.errno not in (errno.EPROTOTYPE, errno.ECONNRESET):
                raise
        if not conn.is_closed:
            if read_s == 0:
                raise ReadTimeoutError(pool, url, f"Read timed out. (read timeout={read_s})")
            conn.timeout = read_s
        try:
            answer = conn.getresponse()
        except (BaseSSLError, OSError) as error:
            pool._raise_timeout(err=error, url=url, timeout_value=read_s)
            raise
    except _URLOPEN_CATCHES as error:
        _drop(pool, conn)
        new: Exception = error
        if isinstance(error, BaseSSLError | CertificateError):
            new = SSLError(error)
        elif isinstance(error, OSError | http.client.HTTPException):
            new = ProtocolError("Connection aborted.", error)
        retries.increment(method, url, error=new, _pool=pool, _stacktrace=sys.exc_info()[2])
        raise  # never reached: these retries raise (never_retries)
    except BaseException:
        _drop(pool, conn)
        raise
    answer.retries = retries
    answer._connection = conn  # type: ignore[attr-defined]  # the answer gives it back once read
    answer._pool = pool  # type: ignore[attr-defined]
    log_pool.debug(
        '%s://%s:%s "%s %s %s" %s %s',
        pool.scheme,
        pool.host,
        pool.port,
        method,
        url,
        answer.version_string,
        answer.status,
        answer.length_remaining,
    )
    return answer


def _open(pool: HTTPConnectionPool, conn: Any, url: str) -> None:
    """As ``_make_request`` before it sends: the pool checks (and for TLS opens) the
    connection, its failures raised as urllib3 raises them."""
    try:
        try:
            pool._validate_conn(conn)
        except (TimeoutError, BaseSSLError) as error:  # socket.timeout among them
            pool._raise_timeout(err=error, url=url, timeout_value=conn.timeout)
            raise
    except _OPEN_CATCHES as error:
        if isinstance(error, BaseSSLError | CertificateError):
            raise SSLError(error) from error
        raise


def _drop(pool: HTTPConnectionPool, conn: Any) -> None:
    """As urlopen after an error: the connection closed, its place in the pool given back."""
    if conn is not None:
        conn.close()
    pool._put_conn(None)
