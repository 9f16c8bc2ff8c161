"""Every error attentive_nb raises, under one root.

::

    AttentiveError
    ├── ConfigError        a setting is missing or malformed (also a ValueError)
    │   ├── ArgumentError     a call with a keyword it does not take (also a TypeError)
    │   └── UnmappedColumns   columns look like phones or emails but no field reads them
    ├── NotSignedIn        a send was called before the sign-in panel finished
    ├── OAuthError         the pasted address or code cannot finish the sign-in
    ├── LedgerError        the send ledger cannot be read or written; nothing more is sent
    ├── TransportError     no answer from the API (network, timeout, reset)
    └── ApiError           the API answered with an error status
        ├── AuthError      401: the key or token is wrong, regenerated or revoked
        ├── ScopeError     403: the token lacks the scope the endpoint needs
        ├── RateLimited    429: too many requests in this second
        └── ServerError    5xx: Attentive had a problem

Messages are written for the analyst reading them in a notebook: what
happened and what to do next. None of them ever carries a key, secret or
token; callers pass only masked values in. The usage errors (``ConfigError``
and its children, ``NotSignedIn``, ``OAuthError``) show in IPython as that one
message, without the frames leading to it; ``%tb`` shows them.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import traceback
from collections.abc import Callable, Hashable
from typing import Any, ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")
_RED, _PLAIN = "\x1b[0;31m", "\x1b[0m"


class AttentiveError(Exception):
    """The root of every error raised by attentive_nb."""


class _OneLineInIPython:
    """IPython shows the error as one line; asked again (``%tb``), the whole traceback.

    IPython calls ``_render_traceback_`` when it shows an exception, and
    ``%tb`` shows the last exception again, the same object: so the first call
    gives the message an analyst acts on, and the next one where it came from.
    """

    _shown_short = False

    def _render_traceback_(self) -> list[str]:
        if not self._shown_short:
            self._shown_short = True
            return [f"{_RED}{type(self).__name__}{_PLAIN}: {self}   (%tb shows where)"]
        return _full_traceback(self)  # type: ignore[arg-type]


def _full_traceback(error: BaseException) -> list[str]:
    """The traceback as IPython formats it (in colour), else as Python does."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return list(
                shell.InteractiveTB.structured_traceback(type(error), error, error.__traceback__)
            )
    except ImportError:
        pass
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return text.splitlines()


class ConfigError(_OneLineInIPython, AttentiveError, ValueError):
    """A setting is missing or malformed; nothing was sent."""


class ArgumentError(ConfigError, TypeError):
    """A function was called with a keyword it does not take, or without one it needs."""


def checked_arguments(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function``, raising :class:`ArgumentError` in words (and a guess) for a wrong call.

    Python's own ``TypeError`` for a misspelt keyword would point into the
    toolkit; this one names the keyword meant. The signature stays the
    function's own (``inspect.signature`` and Shift-Tab follow ``__wrapped__``).
    """
    signature = inspect.signature(function)

    @functools.wraps(function)
    def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:
            raise ArgumentError(_in_words(function.__name__, error, kwargs, signature)) from None
        return function(*args, **kwargs)

    return checked


def _in_words(
    name: str, error: TypeError, given: dict[str, Any], signature: inspect.Signature
) -> str:
    text = f"{name}() {error}"
    known = [p for p in signature.parameters if p != "self"]
    unknown = [k for k in given if k not in signature.parameters]
    guesses = difflib.get_close_matches(unknown[0], known, n=1) if unknown else []
    return f"{text}: did you mean {guesses[0]}=?" if guesses else text


class UnmappedColumns(ConfigError):
    """Columns look like phone numbers or emails, but no field reads them; nothing was sent.

    ``columns`` maps each such column to the field it looks like (``"phone"``
    or ``"email"``), so that a front end can ask in its own words.
    """

    def __init__(self, message: str, *, columns: dict[Hashable, str]) -> None:
        super().__init__(message)
        self.columns = columns


class NotSignedIn(_OneLineInIPython, AttentiveError):
    """The connection has no credentials yet (the sign-in panel is still open)."""

    def __init__(self) -> None:
        super().__init__(
            "Not signed in yet: finish the sign-in in the panel above "
            "(API key or OAuth), then run this cell again."
        )


class OAuthError(_OneLineInIPython, AttentiveError):
    """The OAuth sign-in could not be finished (state, denial, expiry, exchange)."""


class LedgerError(AttentiveError):
    """The send ledger (what was sent, on disk) cannot be read or written.

    Raised before the first request when the file is read-only, the disk is
    full or the file is damaged; mid-run, the engine stops sending at once and
    returns its report instead. ``path`` is the ledger file.
    """

    def __init__(self, message: str, *, path: object = None) -> None:
        super().__init__(message)
        self.path = path


class TransportError(AttentiveError):
    """No answer came from the API.

    ``answer_lost`` is true when the request had been sent when the failure
    happened (read timeout, connection reset): Attentive may have acted on it.
    """

    def __init__(self, message: str, *, answer_lost: bool) -> None:
        super().__init__(message)
        self.answer_lost = answer_lost


class ApiError(AttentiveError):
    """The API answered with an error status.

    Carries the HTTP ``status``, the API's ``message``, the ``error_id`` when
    the body has one, and the ``response`` itself for inspection: all of them
    scrubbed of the key or token first, wherever the server echoed it.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_id: Any = None,
        response: Any = None,
        hint: str = "",
    ) -> None:
        self.status = status
        self.message = message
        self.error_id = error_id
        self.response = response
        text = f"Attentive answered {status}: {message}"
        if error_id is not None:
            text += f" (error id {error_id})"
        super().__init__(f"{text}. {hint}" if hint else text)


class AuthError(ApiError):
    """401: the key or token was not accepted."""


class ScopeError(ApiError):
    """403: the token lacks the scope that the endpoint needs."""

    def __init__(self, message: str, *, scope: str | None = None, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(message, **kwargs)


class RateLimited(ApiError):
    """429: more requests this second than Attentive allows."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(ApiError):
    """5xx: Attentive had a problem; the request may be retried."""
