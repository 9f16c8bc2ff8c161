"""A v2 bulk job's results file, read leniently and matched back to people by identifier.

The job's ``url`` points to a JSON-lines file that, in Attentive's words,
holds "a record of each request and its corresponding response". Neither the
order nor the exact shape is documented, so each line is read for what it
plausibly says: the request part (``request``, or the line itself when flat)
names the person, and the response part (``response``, ``result``, or again
the line itself) says how it went, in status words (``SUCCESS``/``FAILED``),
HTTP codes, a ``success`` flag, or only an ``error`` when something failed.

A line is matched to one of the job's records first by the record itself
(its ledger key, when the echo is exact), then by who it names (a digest of
the identifiers, emails compared without case), taking records of the same
person in the order they were sent. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from attentive_nb.plan import request_key

IDENTIFIERS = ("phone", "email", "clientUserId", "shopifyId", "klaviyoId")
MESSAGE_LIMIT = 300
_REQUEST_PARTS = ("request", "input", "record", "payload")
_RESPONSE_PARTS = ("response", "result", "output")
_FLAGS = ("success", "succeeded", "ok")
_STATUS_KEYS = ("status", "statusCode", "httpStatus", "code", "state", "result")
_ERROR_KEYS = ("error", "errors", "errorMessage", "failure")
_MESSAGE_KEYS = ("message", "error", "errors", "errorMessage", "detail", "reason")
_APPLIED = frozenset({"SUCCESS", "SUCCEEDED", "SUCCESSFUL", "OK", "COMPLETED", "PROCESSED"})
_APPLIED |= {"ACCEPTED", "CREATED", "UPDATED", "DONE"}
_TRY_AGAIN = frozenset({"ERROR", "INTERNAL_ERROR", "SERVER_ERROR", "TIMEOUT", "THROTTLED"})
_TRY_AGAIN |= {"RETRY", "UNAVAILABLE", "TOO_MANY_REQUESTS"}


@dataclass(frozen=True)
class Record:
    """One person's record in a job, as the ledger knows it: its place, key and who it names."""

    seq: int
    key: str
    who: str


@dataclass(frozen=True)
class Result:
    """One line of results: who it names (key and digest, when it says) and how it went.

    ``status`` is ``sent`` (applied), ``rejected`` (refused for this record)
    or ``failed`` (an error on Attentive's side: worth sending again).
    """

    key: str | None
    who: str | None
    status: str
    message: str


def who(identifiers: Mapping[str, Any]) -> str:
    """A digest of the identifiers a record names (no phone or email in clear)."""
    pairs = []
    for name in IDENTIFIERS:
        value = identifiers.get(name)
        if value not in (None, ""):
            text = str(value).strip()
            pairs.append((name, text.lower() if name == "email" else text))
    for custom in identifiers.get("customIdentifiers") or ():
        if isinstance(custom, Mapping):
            name = custom.get("key", custom.get("name"))
            pairs.append((f"custom:{name}", str(custom.get("value"))))
    text = "\n".join(f"{name}={value}" for name, value in sorted(pairs))  # ids hold no newline
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ResultLines:
    """The results file's readable lines, read one at a time as they are asked for.

    Nothing but the current line is held, so a file of millions of lines costs
    the memory of the matches only; ``unreadable`` counts the lines that were
    not JSON objects, once the lines have been read.
    """

    def __init__(self, text: str, endpoint: str) -> None:
        self._text, self._endpoint = text, endpoint
        self.unreadable = 0

    def __iter__(self) -> Iterator[Result]:
        for raw in _lines(self._text):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                line = None
            if isinstance(line, dict):
                yield _result(line, self._endpoint)
            else:
                self.unreadable += 1


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one by one, without a copy of the whole (as splitlines makes)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end]
        start = end + 1


def read_results(text: str, endpoint: str) -> ResultLines:
    """Every readable line of the results file (lazily; see :class:`ResultLines`)."""
    return ResultLines(text, endpoint)


def match(results: Iterable[Result], records: Sequence[Record]) -> tuple[dict[str, Result], int]:
    """Record key -> its line, and how many lines named no record of ``records``.

    Exact echoes of a record win; then lines are matched by whom they name, records
    of one person in the order sent. Only as many lines per person as they have
    records can match, so only those are kept while the lines are read.
    """
    keys = {record.key for record in records}
    queues: dict[str, deque[Record]] = {}
    for record in sorted(records, key=lambda r: r.seq):
        queues.setdefault(record.who, deque()).append(record)
    room = {person: len(queue) for person, queue in queues.items()}
    matched: dict[str, Result] = {}
    rest = []
    unmatched = 0
    for result in results:  # an exact echo of the record first
        if result.key in keys and result.key not in matched:
            matched[result.key] = result
        elif room.get(result.who or "", 0) > 0:
            room[result.who or ""] -= 1
            rest.append(result)
        else:
            unmatched += 1
    for result in rest:  # then who it names, records of one person in the order sent
        queue = queues[result.who or ""]
        while queue and queue[0].key in matched:
            queue.popleft()
        if queue:
            matched[queue.popleft().key] = result
        else:
            unmatched += 1
    return matched, unmatched


# -- one line -------------------------------------------------------------------------------


def _result(line: dict[str, Any], endpoint: str) -> Result:
    request = _part(line, _REQUEST_PARTS)
    response = _part(line, _RESPONSE_PARTS)
    status, message = _verdict(response)
    key, person = _person(request, endpoint)
    return Result(key, person, status, _short(message))


def _part(line: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The first of ``names`` holding an object, else the line itself (a flat line)."""
    return next((line[n] for n in names if isinstance(line.get(n), dict)), line)


def _person(request: dict[str, Any], endpoint: str) -> tuple[str | None, str | None]:
    """The record's ledger key (if the echo is a record) and the digest of whom it names."""
    identifiers = request.get("identifiers")
    if isinstance(identifiers, dict):
        try:
            key = request_key(endpoint, request)
        except (TypeError, ValueError):  # not JSON we could have sent: match by identifiers only
            key = None
        return key, who(identifiers)
    named = {k: request[k] for k in (*IDENTIFIERS, "customIdentifiers") if k in request}
    return None, (who(named) if named else None)


def _verdict(response: dict[str, Any]) -> tuple[str, str]:
    """(sent | rejected | failed, Attentive's message) from whatever the response says."""
    message = _message(response)
    for flag in _FLAGS:
        if isinstance(response.get(flag), bool):
            return ("sent" if response[flag] else "rejected"), message
    for name in _STATUS_KEYS:
        value = response.get(name)
        if isinstance(value, (int, str)) and not isinstance(value, bool) and str(value).strip():
            return _status_of(value), message
    failed = any(response.get(name) for name in _ERROR_KEYS)
    return ("rejected" if failed else "sent"), message


def _status_of(value: int | str) -> str:
    text = str(value).strip().upper()
    if text.isdigit():
        code = int(text)
        if 200 <= code < 300:
            return "sent"
        return "failed" if code == 429 or code >= 500 else "rejected"
    if text in _APPLIED:
        return "sent"
    return "failed" if text in _TRY_AGAIN else "rejected"


def _message(response: dict[str, Any]) -> str:
    for name in _MESSAGE_KEYS:
        text = _words(response.get(name))
        if text:
            return text
    return ""


def _words(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _words(value.get("message") or value.get("error") or "")
    if isinstance(value, list):
        return "; ".join(filter(None, (_words(item) for item in value)))
    return ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"
