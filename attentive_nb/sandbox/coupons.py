"""Coupon codes: ``POST /v1/coupons/coupon-pool/{coupon-pool-id}/create``, with Attentive's rules.

Every numeric pool id is an offer of the sandbox's company (Attentive's must
exist; here the first upload makes it), so tests need no set-up. The rules of
Attentive's documentation (its ``DetailedBadRequest``), each a 400 in the
usual ``{"error": {"id", "message"}}`` form:

- at most 200,000 codes a request, each a string;
- ``distributionStart`` / ``distributionStop`` in UTC ISO form (``…Z``), both
  or neither, the start before the stop;
- one distribution type per offer: once an upload had a window every upload
  needs one, and once one had none none may;
- a window must not overlap the window of an earlier upload to the same
  offer; uploading to exactly an existing window is allowed.

Accepted: 202 with no body, and the codes added to the pool in the order
sent (``Sandbox.coupons(pool)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from attentive_nb.sandbox import validation
from attentive_nb.sandbox.base import Answer, ApiHandler, Reject
from attentive_nb.sandbox.context import Context

MAX_CODES = 200_000
MAX_BODY_BYTES = 64 * 1024 * 1024 - 1  # 200,000 long codes; Tornado reads up to 64 MiB
WINDOWED, NEVER_EXPIRE = "Custom time period", "Never expire"


@dataclass
class Pool:
    """One offer's codes and the distribution windows of its uploads."""

    kind: str | None = None  # WINDOWED or NEVER_EXPIRE, set by the first upload
    windows: list[tuple[str, str]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


class CreateCouponsHandler(ApiHandler):
    """POST …/coupon-pool/{id}/create: 202 with no body, or a 400 naming the rule broken."""

    endpoints = {"POST": "coupons"}
    max_body_bytes = MAX_BODY_BYTES

    def handle_post(self, *args: str) -> Answer:
        (pool_id,) = args
        if not pool_id.isdigit() or not pool_id.isascii():
            raise Reject(400, "Invalid parameter in request path: coupon-pool-id is an integer")
        body = self.json_body(checked=False)  # the codes by hand: 200,000 of them
        problem = _codes_problem(body) or validation.problem("coupons", {**body, "codes": []})
        if problem:
            raise Reject(400, f"Invalid parameter in request body: {problem}")
        window = _window(body)
        with self.ctx.state.lock:
            pool = self.ctx.state.coupon_pools.setdefault(pool_id, Pool())
            _check_window(pool, window)
            add(pool, window, body["codes"])
        self.accepted(body, owned=True)
        return 202, None


def _codes_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "body must be of type object"
    codes = body.get("codes")
    if "codes" not in body:
        return "codes is required"
    if not isinstance(codes, list):
        return "codes must be of type array"
    if len(codes) > MAX_CODES:
        return f"codes takes at most {MAX_CODES} items"
    odd = next((i for i, code in enumerate(codes) if not isinstance(code, str)), None)
    return None if odd is None else f"codes[{odd}] must be of type string"


def _window(body: dict[str, Any]) -> tuple[str, str] | None:
    start, stop = body.get("distributionStart"), body.get("distributionStop")
    if start is None and stop is None:
        return None
    if start is None or stop is None:
        raise Reject(
            400, "Bad Request: give both distributionStart and distributionStop, or neither"
        )
    if start >= stop:  # both ISO UTC (…Z): text order is time order, fractions aside
        raise Reject(400, "Bad Request: distributionStart must be before distributionStop")
    return start, stop


def _check_window(pool: Pool, window: tuple[str, str] | None) -> None:
    """Attentive's rules A to C: one distribution type per offer, and no overlapping window."""
    kind = NEVER_EXPIRE if window is None else WINDOWED
    if pool.kind is not None and pool.kind != kind:
        raise Reject(
            400,
            f"Bad Request: this offer's distribution window is {pool.kind!r}; every upload to "
            f"it must {'include' if pool.kind == WINDOWED else 'leave out'} distributionStart "
            "and distributionStop",
        )
    if window is None:
        return
    start, stop = window
    for earlier in pool.windows:
        if earlier != window and start < earlier[1] and earlier[0] < stop:
            raise Reject(
                400,
                f"Bad Request: the range {start} to {stop} overlaps the range {earlier[0]} to "
                f"{earlier[1]} of an earlier upload to this offer",
            )


def add(pool: Pool, window: tuple[str, str] | None, codes: list[str]) -> None:
    pool.kind = NEVER_EXPIRE if window is None else WINDOWED
    if window is not None and window not in pool.windows:
        pool.windows.append(window)
    pool.codes.extend(codes)


def codes_in(ctx: Context, pool_id: str | int) -> list[str]:
    """The codes of a pool in the order they came (``Sandbox.coupons(pool)``)."""
    with ctx.state.lock:
        pool = ctx.state.coupon_pools.get(str(pool_id))
        return [] if pool is None else list(pool.codes)
