"""Bearer authentication that plugs into a ``requests`` session.

A private app's API key and a public app's OAuth access token are both sent
as ``Authorization: Bearer …``; the two classes differ only in how they are
described to the user. Neither ever shows the secret in ``repr`` or ``str``.
"""

from __future__ import annotations

import hashlib

import requests

from attentive_nb.config import require_secret
from attentive_nb.redact import mask_secret, scrub


class BearerAuth(requests.auth.AuthBase):
    """Sets ``Authorization: Bearer <secret>`` on every request."""

    kind = "token"

    def __init__(self, secret: str) -> None:
        self._secret = require_secret(self._variable, secret)

    _variable = "ATTENTIVE_ACCESS_TOKEN"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._secret}"
        return request

    @property
    def masked(self) -> str:
        return mask_secret(self._secret)

    @property
    def pace_id(self) -> str:
        """A digest naming this secret where runs share its pace (never the secret)."""
        return hashlib.sha256(self._secret.encode()).hexdigest()

    def scrub(self, text: str) -> str:
        """``text`` with the secret, in any encoding, masked (for echoed error bodies)."""
        return scrub(text, [self._secret])

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, BearerAuth)
            and type(other) is type(self)
            and (other._secret == self._secret)
        )

    def __hash__(self) -> int:
        return hash((type(self), self._secret))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.masked})"

    __str__ = __repr__


class ApiKeyAuth(BearerAuth):
    """A private (custom) app's API key."""

    kind = "API key"
    _variable = "ATTENTIVE_API_KEY"


class TokenAuth(BearerAuth):
    """An OAuth access token from a public app's sign-in."""

    kind = "OAuth token"
