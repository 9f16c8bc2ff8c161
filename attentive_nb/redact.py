"""Secrets out of text, in every form a server may echo them in.

A key, client secret, token or OAuth code can come back inside an error
answer raw, URL-encoded (a form echoed back, with upper- or lower-case hex),
JSON-escaped (``\\"`` and ``\\/``) or HTML-escaped. :func:`scrub` replaces each
of those forms with the secret's masked form (``abcd…wxyz``, :func:`mask_secret`).
It is the one scrubber: errors, the command line and the sign-in panel all call it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every form of every given secret replaced by its masked form."""
    for secret in secrets:
        if secret:
            for form in _forms(secret):
                text = text.replace(form, mask_secret(secret))
            text = _percent_forms(secret).sub(mask_secret(secret), text)
    return text


def _percent_forms(secret: str) -> re.Pattern[str]:
    """The secret with any of its characters percent-encoded (``key%5F…`` for ``key_…``)."""
    parts = []
    for char in secret:
        codes = "".join(f"%{b:02X}" for b in char.encode("utf-8"))
        parts.append(f"(?:{re.escape(char)}|(?i:{re.escape(codes)}))")
    return re.compile("".join(parts))


def _forms(secret: str) -> list[str]:
    """The secret as it may be written back to us, longest first (so none is cut in two)."""
    url = [quote(secret, safe=""), quote_plus(secret), quote(secret)]
    url += [re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), u) for u in url]
    escaped = json.dumps(secret)[1:-1]
    forms = {
        secret,
        *url,
        escaped,
        escaped.replace("/", "\\/"),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
    }
    return sorted(forms, key=len, reverse=True)


def mask_secret(secret: str | None) -> str:
    """``abcd…wxyz``: at most 8 characters of a secret, fewer for short ones."""
    if not secret:
        return "(empty)"
    shown = min(4, len(secret) // 4)
    if shown == 0:
        return "…"
    return f"{secret[:shown]}…{secret[-shown:]}"
