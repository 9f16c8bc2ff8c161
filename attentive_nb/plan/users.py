"""The person a request names: v1's EventUser, and the identifiers of one unit of rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from attentive_nb.plan.model import Payload, Unit
from attentive_nb.plan.prepare import Rows, first

PERSON_KEYS = ("phone", "email")


def firsts(columns: Mapping[str, np.ndarray], names: Iterable[str], unit: Unit) -> dict[str, Any]:
    """name -> first value in ``unit``, for the ``names`` in ``columns`` that have one."""
    found = {k: first(columns[k], unit) for k in names if k in columns}
    return {k: v for k, v in found.items() if v is not None}


def event_user(rows: Rows, unit: Unit) -> Payload:
    """The v1 EventUser: phone, email, externalIdentifiers{clientUserId, customIdentifiers}.

    Each identifier comes from the first row of ``unit`` that has it (an
    ecommerce event spans the lines of its order).
    """
    user: Payload = dict(firsts(rows.ids, PERSON_KEYS, unit))
    ext: Payload = dict(firsts(rows.ids, ("clientUserId",), unit))
    custom = [{"name": k, "value": v} for k, v in firsts(rows.custom, rows.custom, unit).items()]
    if custom:
        ext["customIdentifiers"] = custom
    if ext:
        user["externalIdentifiers"] = ext
    return user
