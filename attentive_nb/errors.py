"""Every error attentive_nb raises, under one root.

::

    AttentiveError
    ├── ConfigError        a setting is missing or malformed (also a ValueError)
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
token; callers pass only masked values in.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class AttentiveError(Exception):
    """The root of every error raised by attentive_nb."""


class ConfigError(AttentiveError, ValueError):
    """A setting is missing or malformed; nothing was sent."""


class UnmappedColumns(ConfigError):
    """Columns look like phone numbers or emails, but no field reads them; nothing was sent.

    ``columns`` maps each such column to the field it looks like (``"phone"``
    or ``"email"``), so that a front end can ask in its own words.
    """

    def __init__(self, message: str, *, columns: dict[Hashable, str]) -> None:
        super().__init__(message)
        self.columns = columns


class NotSignedIn(AttentiveError):
    """The connection has no credentials yet (the sign-in panel is still open)."""

    def __init__(self) -> None:
        super().__init__(
            "Not signed in yet: finish the sign-in in the panel above "
            "(API key or OAuth), then run this cell again."
        )


class OAuthError(AttentiveError):
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
    the body has one, and the ``response`` itself for inspection.
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
