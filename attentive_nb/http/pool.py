"""Connections whose wait for an answer's headers the request's deadline covers.

requests reads the status line and headers inside ``session.send`` with a
timeout per socket read, so a server sending one header byte a second holds
the request for ever. These connections hand their socket to the thread's
current wait (:func:`attentive_nb.http.reading.headers_within`) just before
waiting for the headers; the read watchdog shuts it when the deadline passes
or the run is stopped. Through a proxy (``HTTPS_PROXY``) requests builds its
own pools, which this does not reach: there only the read timeout applies.

:meth:`DeadlineAdapter.send_direct` sends a prepared request straight into
the adapter's urllib3 pool, as ``HTTPAdapter.send`` does, without what
``Session.send`` and the adapter add around it per request (hooks, adapter
and pool look-ups, history, the Response's cookie jar): that was a third of a
request's CPU on the client's side (issue 24). It is taken only where it
changes nothing (:func:`direct_for`): the session's adapter is this one with
requests' own ``send`` (a test's ``responses`` mock replaces it: the mock is
then used), no response hooks, and no proxy for the address. Redirects stay
off, the timeouts and the header wait are the same, urllib3's errors become
the same requests exceptions, and cookies an answer sets still go to the
session's jar.

The connections write each request and read its answer themselves
(:mod:`attentive_nb.http.wire`: the same bytes, without http.client's mail
parser for the headers), on every path through these pools.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    InvalidHeader,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)
from urllib3.util import Timeout

from attentive_nb.http.reading import awaiting_headers
from attentive_nb.http.wire import (
    Answer,
    LeanConnection,
    case_insensitive,
    exchange,
    never_retries,
)

_REQUESTS_SEND = HTTPAdapter.send  # requests' own; a mock (``responses``) replaces it


class _HTTPConnection(LeanConnection, HTTPConnection):
    def getresponse(self) -> Any:  # the same call, its wait watched
        awaiting_headers(self.sock)
        return super().getresponse()


class _HTTPSConnection(LeanConnection, HTTPSConnection):
    def getresponse(self) -> Any:
        awaiting_headers(self.sock)
        return super().getresponse()


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, its pools making the connections above."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        # (scheme, host, verify, cert) -> (the manager's key, its pool), while it holds it: _pool
        self._pools: dict[tuple[Any, ...], Any] = {}

    def send_direct(
        self,
        session: requests.Session,
        request: requests.PreparedRequest,
        timeout: tuple[float, float],
        verify: Any,
        cert: Any,
    ) -> requests.Response:
        """``session.send(request, allow_redirects=False, stream=True, ...)``, no proxy:
        the same request on the same pooled connections, the same errors raised."""
        try:
            pool = self._pool(request, verify, cert)
        except LocationValueError as error:
            raise requests.exceptions.InvalidURL(error, request=request) from None
        try:
            if never_retries(self.max_retries):  # urlopen's steps, leaner: http/wire.py
                answer = exchange(
                    pool,
                    request.method or "GET",
                    request.path_url,
                    request.body,
                    request.headers,
                    timeout,
                    self.max_retries,
                )
            else:
                answer = pool.urlopen(
                    method=request.method,
                    url=request.path_url,
                    body=request.body,
                    headers=request.headers,
                    redirect=False,
                    assert_same_host=False,
                    preload_content=False,
                    decode_content=False,
                    retries=self.max_retries,
                    timeout=Timeout(connect=timeout[0], read=timeout[1]),
                    chunked=not (request.body is None or "Content-Length" in request.headers),
                )
        except Exception as error:
            mapped = _as_requests_error(error, request)
            if mapped is error:
                raise
            raise mapped from error
        response = _response(request, answer, self)
        if "set-cookie" in response.headers:  # as Session.send: the session keeps them
            extract_cookies_to_jar(session.cookies, request, answer)  # type: ignore[no-untyped-call]
        return response

    def _pool(self, request: requests.PreparedRequest, verify: Any, cert: Any) -> Any:
        """The origin's pool, its TLS settings applied (``cert_verify``), as requests finds it.

        Kept per origin and TLS settings rather than asked of the pool manager per request
        (its key normalised under its lock: a tenth of the direct path's CPU), for as long
        as the manager holds it: one it let go (evicted for another origin's, or cleared
        when the adapter closed) is not used again, a new one is looked up as requests would.
        """
        parts = urlsplit(request.url)
        key = (parts.scheme, parts.netloc, verify, cert)
        kept = self._pools.get(key)
        if kept is not None and self.poolmanager.pools._container.get(kept[0]) is kept[1]:
            return kept[1]
        pool = self._looked_up(request, verify, cert)
        with self.poolmanager.pools.lock:
            held = self.poolmanager.pools._container.items()
            pool_key = next((k for k, p in held if p is pool), None)
        if pool_key is not None:
            self._pools[key] = (pool_key, pool)
        return pool

    def _looked_up(self, request: requests.PreparedRequest, verify: Any, cert: Any) -> Any:
        try:
            host_params, pool_kwargs = self.build_connection_pool_key_attributes(
                request, verify, cert
            )
        except ValueError as error:
            raise requests.exceptions.InvalidURL(error, request=request) from None
        pool = self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)
        self.cert_verify(pool, request.url or "", verify, cert)  # type: ignore[no-untyped-call]
        return pool


def direct_for(
    session: requests.Session, url: str, proxies: dict[str, str]
) -> DeadlineAdapter | None:
    """The adapter to send ``url`` with directly, or None: then ``session.send``."""
    # No proxies, none to select (select_proxy parses the URL three times to say so).
    if session.hooks.get("response") or (proxies and select_proxy(url, proxies)):
        return None
    adapter = session.get_adapter(url)
    if isinstance(adapter, DeadlineAdapter) and type(adapter).send is _REQUESTS_SEND:
        return adapter
    return None


def _response(request: requests.PreparedRequest, answer: Any, adapter: Any) -> requests.Response:
    """The Response ``HTTPAdapter.build_response`` makes, its body left to be streamed."""
    response = requests.Response()
    response.status_code = answer.status
    if isinstance(answer, Answer):  # the same dict, made from the fields at once
        response.headers = case_insensitive(answer.items)
    else:
        response.headers = CaseInsensitiveDict(answer.headers)
    response.encoding = get_encoding_from_headers(response.headers)
    response.raw = answer
    response.reason = answer.reason
    response.url = request.url or ""
    response.request = request
    response.connection = adapter
    return response


def _as_requests_error(error: Exception, request: requests.PreparedRequest) -> Exception:
    """urllib3's error as ``HTTPAdapter.send`` raises it (the client classifies those)."""
    exceptions = requests.exceptions
    if isinstance(error, ProtocolError | OSError):
        return exceptions.ConnectionError(error, request=request)
    if isinstance(error, MaxRetryError):
        reason = error.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return exceptions.ConnectTimeout(error, request=request)
        if isinstance(reason, ResponseError):
            return exceptions.RetryError(error, request=request)
        if isinstance(reason, ProxyError):
            return exceptions.ProxyError(error, request=request)
        if isinstance(reason, SSLError):
            return exceptions.SSLError(error, request=request)
        return exceptions.ConnectionError(error, request=request)
    if isinstance(error, ClosedPoolError):
        return exceptions.ConnectionError(error, request=request)
    if isinstance(error, ProxyError):
        return exceptions.ProxyError(error)
    if isinstance(error, SSLError):
        return exceptions.SSLError(error, request=request)
    if isinstance(error, ReadTimeoutError):
        return exceptions.ReadTimeout(error, request=request)
    if isinstance(error, InvalidHeader):
        return exceptions.InvalidHeader(error, request=request)
    return error  # another urllib3 HTTPError, or not urllib3's: raised as it is, as there
