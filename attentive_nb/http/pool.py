"""Connections whose wait for an answer's headers the request's deadline covers.

requests reads the status line and headers inside ``session.send`` with a
timeout per socket read, so a server sending one header byte a second holds
the request for ever. These connections hand their socket to the thread's
current wait (:func:`attentive_nb.http.reading.headers_within`) just before
waiting for the headers; the read watchdog shuts it when the deadline passes
or the run is stopped. Through a proxy (``HTTPS_PROXY``) requests builds its
own pools, which this does not reach: there only the read timeout applies.
"""

from __future__ import annotations

from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from attentive_nb.http.reading import awaiting_headers


class _HTTPConnection(HTTPConnection):
    def getresponse(self) -> Any:  # the same call, its wait watched
        awaiting_headers(self.sock)
        return super().getresponse()


class _HTTPSConnection(HTTPSConnection):
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
