"""Keep signed links (and every other query string) out of logs.

The v2 bulk job's results link is pre-signed: its query string (``sig=…``)
is the permission to read the file, so whoever reads a log could download
it. urllib3 logs the path and query of every request at DEBUG, and its retry
messages log whole URLs. A filter on the loggers of the HTTP stack replaces
every query string with ``?…``. It hides all of them, not only known
signature names: a signing scheme is easy to miss, and the query of an API
call (``phone=…``, ``email=…``) is personal data that has no place in a log
either. Importing this module (the client does) installs the filter, once.
"""

from __future__ import annotations

import logging
import re

LOGGERS = (
    "attentive_nb",
    "requests",
    "urllib3",
    "urllib3.connection",
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
)
# A '?' followed by anything up to the end of a URL (a space, a quote or an angle bracket).
_QUERY = re.compile(r"\?[^\s\"'<>]+")


class HideQueryStrings(logging.Filter):
    """Rewrites a record whose message holds a query string; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = hide_query_strings(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


def hide_query_strings(text: str) -> str:
    """``text`` with the query string of every address in it replaced by ``?…``."""
    return _QUERY.sub("?…", text)


_FILTER = HideQueryStrings()


def install() -> None:
    """Put the filter on each logger of the HTTP stack (a logger's filters see its own records)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


install()
