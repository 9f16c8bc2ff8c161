"""Where OAuth sign-ins are kept between kernels, outside any notebook.

Two small private files (mode 0600) in :func:`attentive_nb.config.state_dir`:

- ``oauth_pending.json``: sign-ins whose link was made but not yet finished,
  keyed by their ``state``, so a kernel restart between opening the link and
  pasting the address loses nothing. No secret is stored there.
- ``tokens.json``: access tokens keyed by Attentive company id, because a
  public app must keep each token with the company that installed it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attentive_nb.config import state_dir, write_private
from attentive_nb.redact import mask_secret

# Pending sign-ins are forgotten after this long; the code itself lives 2 minutes.
PENDING_TTL_S = 24 * 3600


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class PendingSignIns:
    """Sign-ins waiting for their pasted address, keyed by ``state``."""

    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.path = path or state_dir() / "oauth_pending.json"
        self._clock = clock

    def add(self, state: str, **details: Any) -> None:
        entries = self._fresh()
        entries[state] = {**details, "created_at": self._clock()}
        write_private(self.path, json.dumps(entries, indent=1))

    def get(self, state: str) -> dict[str, Any] | None:
        return self._fresh().get(state)

    def waiting(self, client_id: str) -> list[tuple[str, dict[str, Any]]]:
        """This app's unfinished sign-ins, oldest first (a bare code needs exactly one)."""
        mine = [
            (s, e)
            for s, e in self._fresh().items()
            if e.get("client_id") == client_id and not e.get("used_code")
        ]
        return sorted(mine, key=lambda item: item[1]["created_at"])

    def used(self, code_digest: str) -> bool:
        """True when a sign-in was already finished with this code."""
        return any(e.get("used_code") == code_digest for e in self._fresh().values())

    def mark_used(self, state: str, code_digest: str) -> None:
        entries = self._fresh()
        if state in entries:
            entries[state]["used_code"] = code_digest
            write_private(self.path, json.dumps(entries, indent=1))

    def _fresh(self) -> dict[str, Any]:
        now = self._clock()
        return {
            s: e
            for s, e in _read(self.path).items()
            if now - e.get("created_at", 0) < PENDING_TTL_S
        }


class TokenStore:
    """Access tokens per Attentive company, in a private file."""

    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.path = path or state_dir() / "tokens.json"
        self._clock = clock

    def save(self, company_id: str, token: str, **details: Any) -> None:
        entries = _read(self.path)
        entries[company_id] = {**details, "access_token": token, "saved_at": self._clock()}
        write_private(self.path, json.dumps(entries, indent=1))

    def token(self, company_id: str) -> str | None:
        # JSON read back: the text save() wrote, or None.
        token: str | None = _read(self.path).get(company_id, {}).get("access_token")
        return token

    def companies(self) -> dict[str, dict[str, Any]]:
        """What is stored, per company id, with the token masked."""
        return {
            cid: {**e, "access_token": mask_secret(e.get("access_token"))}
            for cid, e in _read(self.path).items()
        }

    def forget(self, company_id: str) -> None:
        entries = _read(self.path)
        if entries.pop(company_id, None) is not None:
            write_private(self.path, json.dumps(entries, indent=1))

    def __repr__(self) -> str:
        return f"TokenStore({self.path}, companies={sorted(_read(self.path))})"
