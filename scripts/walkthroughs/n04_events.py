"""04_events: custom events, their time, their stable ids, and sending again."""

from __future__ import annotations

from walkthroughs.common import Cell, closing, exercise, exercises_intro, intro, setup

CELLS: list[Cell] = [
    intro(
        "4. Custom events",
        'Send things that happened to people ("Order Shipped") as *custom events*, with the '
        "time they happened and an event id that stays the same however often the notebook "
        "runs. Events can start *journeys* (a series of messages) in Attentive.",
        [
            "send one event per row, with its type and the time it happened;",
            "know what the event id is for, and why it stays the same on every run;",
            "send again on purpose (`resend=True`) without making new events.",
        ],
        20,
        ["events", "custom-events"],
    ),
    *setup('\n\nEVENT_TYPE = "Order Shipped"'),
    (
        "md",
        "load-why",
        """\
## Load the data

Why: one row per event. `occurred_at` is when it happened (with a time zone; times without
one are read as UTC). The other columns (order, carrier, tracking number) become the
event's properties, usable in messages.""",
    ),
    ("code", "load", 'shipped = pd.read_csv("data/events.csv", dtype={"phone": str})\nshipped'),
    (
        "md",
        "load-what",
        """\
What you see: ten shipments; a person may have several (Hana has three orders).""",
    ),
    (
        "md",
        "send-why",
        """\
## Send

Why: `event_type` names the event for every row (or use `type_column=` when the type is in a
column). Attentive starts journeys only for events less than 12 hours old; older ones,
like these sample events, are still recorded.""",
    ),
    (
        "code",
        "send",
        """\
report = conn.send_events(shipped, event_type=EVENT_TYPE, occurred_at_column="occurred_at")
report""",
    ),
    (
        "md",
        "send-what",
        """\
What you see: ten rows `sent` with `200 OK`. The notes say nothing about time zones here
because every `occurred_at` carries one (`Z`, UTC).""",
    ),
    (
        "md",
        "resend-why",
        """\
## Sending again

Why: running the cell again skips what Attentive already accepted. If you must send again
(say, Attentive asked you to), `resend=True` does, with the same event ids.""",
    ),
    (
        "code",
        "rerun",
        """\
again = conn.send_events(shipped, event_type=EVENT_TYPE, occurred_at_column="occurred_at")
again.counts""",
    ),
    (
        "code",
        "resend",
        """\
resent = conn.send_events(shipped, event_type=EVENT_TYPE, occurred_at_column="occurred_at",
                          resend=True)
resent.counts""",
    ),
    (
        "md",
        "resend-what",
        """\
What you see: `counts`, rows per status: first all `skipped` (*Nothing to send*), then,
with `resend=True`, all `sent` again.""",
    ),
    (
        "md",
        "ids-why",
        """\
## Stable event ids

Why: each event carries an `externalEventId`. When your data has no id column, it is made
from the event's content, so the same row gets the same id in every run: an event sent
again is recognisably the same event, not a new one. The sandbox shows what it received:
count how often each id arrived.""",
    ),
    (
        "code",
        "ids",
        """\
arrived = training.received(conn, "/v1/events/custom")
ids = pd.Series([e["externalEventId"] for e in arrived if e["type"] == EVENT_TYPE])
ids.value_counts().head()""",
    ),
    (
        "md",
        "ids-what",
        """\
What you see: each id arrived twice, once from the first send and once from `resend=True`:
ten events, each sent two times, never twenty different events. (Pass
`event_id_column=` when your data has its own ids.)""",
    ),
    exercises_intro(),
    *exercise(
        "4.1",
        "Send Return Requested events at the right time",
        "`data/exercise_returns.csv` has three returns. Send one `Return Requested` event "
        "per row, at the time each return was requested (`requested_at`), not the time you "
        "send it.",
        "# Exercise 4.1: your code here",
        """\
returns = pd.read_csv("data/exercise_returns.csv", dtype={"phone": str})
conn.send_events(returns, event_type="Return Requested", occurred_at_column="requested_at")""",
    ),
    *exercise(
        "4.2",
        "Approve two returns, with your own event ids",
        "Returns R-5001 and R-5003 are approved (R-5002 is not). Send a `Return Approved` "
        "event for those two only, each with its return id as the event id.",
        "# Exercise 4.2: your code here",
        """\
returns = pd.read_csv("data/exercise_returns.csv", dtype={"phone": str})
approved = returns[returns["return_id"].isin(["R-5001", "R-5003"])]
conn.send_events(approved, event_type="Return Approved", event_id_column="return_id")""",
    ),
    *closing(
        [
            "`send_events` sends one event per row; `event_type=` or `type_column=` names it, "
            "`occurred_at_column=` says when it happened.",
            "Every event has an id, the same on every run (or yours, with "
            "`event_id_column=`): a resent event is the same event.",
            "Re-running skips what was sent; `resend=True` sends again, on purpose.",
        ],
        "05_ecommerce.ipynb",
    ),
]
