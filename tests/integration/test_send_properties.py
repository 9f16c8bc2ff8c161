"""Property-style: random faults, interrupts, two runs at once and re-runs never break the promise.

For each kind and seed: a sandbox answering with random 5xx, connection
resets after processing and answers slower than the client waits; one run
interrupted with Ctrl-C at a random request while a second run of the same
data goes at the same time; then re-runs until nothing is left to do. After
all of it:

- every report has exactly one status per input row (``SendReport`` refuses
  anything else);
- subscribe, unsubscribe and purchase: the sandbox processed no request
  twice (no ``resend`` was asked);
- custom events: every event arrived, and a copy of an event arrived only
  after an answer the client did not get (a retry, or a row left unknown and
  sent again: Attentive tells copies apart by their externalEventId).
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
from collections import Counter

import pandas as pd
import pytest

import attentive_nb as att
from attentive_nb.http.client import RetryPolicy
from attentive_nb.sandbox import Sandbox
from attentive_nb.sandbox.context import ALL_SCOPES, PRIVATE_APP

pytestmark = pytest.mark.sandbox

ROWS = 24
SEEDS = (1, 2, 3)
KINDS = {
    "subscribe": "/v1/subscriptions",
    "unsubscribe": "/v1/subscriptions/unsubscribe",
    "purchase": "/v1/events/ecommerce/purchase",
    "events": "/v1/events/custom",
}


def frame(kind: str) -> pd.DataFrame:
    people = {
        "phone": [f"+1201{5550100 + i:07d}" for i in range(ROWS)],
        "email": [f"p{i}@example.com" for i in range(ROWS)],
    }
    if kind == "purchase":
        return pd.DataFrame(
            {
                "order_id": [f"A{i}" for i in range(ROWS)],
                "email": people["email"],
                "product_id": ["p1"] * ROWS,
                "product_variant_id": ["v1"] * ROWS,
                "price": [9.5] * ROWS,
            }
        )
    if kind == "events":
        return pd.DataFrame({**people, "step": range(ROWS)})
    return pd.DataFrame(people)


def send(conn: att.Connection, kind: str, **options) -> att.SendReport:
    options = {"progress": False, "confirm": True, **options}
    df = frame(kind)
    if kind == "subscribe":
        return conn.send_subscribers(df, sign_up_source_id="7", **options)
    if kind == "unsubscribe":
        return conn.unsubscribe(df, notify=False, **options)
    if kind == "purchase":
        return conn.send_ecommerce(df, event="purchase", **options)
    return conn.send_events(df, event_type="Step Done", **options)


def connect(sb: Sandbox, token: str | None = None) -> att.Connection:
    make = att.Connection.from_token if token else att.Connection.from_api_key
    return make(
        token or sb.api_key,
        api_url=sb.url,
        retry=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05),
        timeout=(2.0, 0.3),  # the sandbox's slow answers come after 0.6 s: lost
        rate_scale=10,
    )


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def by_main(entry: dict) -> bool:
    return entry["app"] == PRIVATE_APP and entry["endpoint"] != "me"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_faults_interrupts_and_concurrent_runs_never_repeat_or_lose_a_send(kind, seed):
    rng = random.Random(seed)
    path = KINDS[kind]
    faults = {
        "error_rate": rng.uniform(0.05, 0.25),
        "reset_rate": rng.uniform(0.05, 0.2),
        "slow_rate": rng.uniform(0.0, 0.1),
    }
    with Sandbox(port=0, rate_scale=10, slow_seconds=0.6, latency_ms=20, seed=seed, **faults) as sb:
        sb.faults.endpoints = frozenset({kind})  # each kind here is its endpoint's name
        # The other run signs in as another app, so Ctrl-C can be pressed while the main
        # run (the one in the main thread, where Python delivers it) surely runs.
        main = connect(sb)
        other = connect(sb, sb.token_for(ALL_SCOPES))
        main.me()
        reports: list[att.SendReport] = []

        sb.when_requests(rng.randint(2, ROWS // 3), ctrl_c, where=by_main)
        beside = threading.Thread(target=lambda: reports.append(send(other, kind)))
        beside.start()
        reports.append(send(main, kind, workers=rng.choice((2, 4))))
        beside.join(timeout=60)
        assert not beside.is_alive()

        sb.faults.error_rate = sb.faults.reset_rate = sb.faults.slow_rate = 0.0
        for _ in range(2):
            reports.append(send(main, kind))

        for report in reports:
            assert sum(report.counts.values()) == ROWS
        processed = sb.processed(path)
        if kind == "events":
            arrived = Counter()
            for body, times in processed.items():
                arrived[json.loads(body)["properties"]["step"]] += times
            assert sorted(arrived) == list(range(ROWS)), "an event never arrived"
            for row, times in arrived.items():
                assert times <= 1 + _answers_missed(reports, row), f"row {row} sent twice"
        else:
            assert max(processed.values()) == 1, f"a {kind} request was processed twice"
            final = reports[-1].table["status"]
            assert set(final) <= {"skipped", "unknown"}, "the last re-run still had work"


def _answers_missed(reports: list[att.SendReport], row: int) -> int:
    """How often the client went on without an answer for ``row``: retries and unknowns."""
    missed = 0
    for report in reports:
        line = report.table.iloc[row]
        missed += max(int(line["attempts"]) - 1, 0) + (line["status"] == "unknown")
    return missed
