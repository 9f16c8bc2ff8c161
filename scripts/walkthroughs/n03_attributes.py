"""03_attributes: custom attributes, one person a request or in bulk, and their types."""

from __future__ import annotations

from walkthroughs.common import Cell, closing, exercise, exercises_intro, intro, setup

CELLS: list[Cell] = [
    intro(
        "3. Custom attributes",
        "Store facts about people (loyalty tier, points, home store, …) as *custom "
        "attributes* that *segments* and *journeys* can use: one person per request, or many "
        "per request with the bulk endpoint.",
        [
            "choose which columns become attributes, and leave the others out;",
            "send each value with the type you mean (an attribute's type is fixed by the "
            "first value ever sent);",
            "send one person per request, or 256 per request in bulk.",
        ],
        20,
        ["attributes", "bulk", "bulk-status"],
    ),
    *setup(),
    (
        "md",
        "load-why",
        """\
## Load the data

Why: each row is a person (phone and/or email) and every other column is an attribute.
Keep phones as text; let pandas read numbers, yes/no and dates as such, because an
attribute's type is fixed by the **first value ever sent** (send `points` as a number
the first time, or it stays text forever).""",
    ),
    (
        "code",
        "load",
        """\
members = pd.read_csv("data/attributes.csv", dtype={"phone": str})
members.dtypes""",
    ),
    (
        "md",
        "load-what",
        """\
What you see: each column's pandas type. `points` is `int64` (a number), `vip` is `bool`
(true/false), and `object` columns hold text: `member_since` too, which Attentive reads as a
date because it is written `YYYY-MM-DD`.""",
    ),
    (
        "md",
        "pick-why",
        """\
## Choose the columns

Why: names are not custom attributes; leave them out with `columns={"first_name": None, …}`
(or select the columns you want). A dry run shows which columns were read as what.""",
    ),
    (
        "code",
        "dry-run",
        """\
NOT_ATTRIBUTES = {"first_name": None, "last_name": None}
check = conn.send_attributes(members, columns=NOT_ATTRIBUTES, dry_run=True)
check""",
    ),
    (
        "md",
        "dry-run-what",
        """\
What you see: 12 rows would be sent, and **how each column was read**: `phone` and `email`
identify the person, every other column is an `attribute` with the type it is sent as
(`points` a number, `vip` true/false, `member_since` a date written as text), and the two
name columns are *left out*.""",
    ),
    (
        "md",
        "send-why",
        """\
## Send, one person per request

Why: `POST /v1/attributes/custom` answers for each person at once, so the report says right
away which rows were accepted.""",
    ),
    (
        "code",
        "send",
        """\
report = conn.send_attributes(members, columns=NOT_ATTRIBUTES)
report""",
    ),
    (
        "md",
        "send-what",
        """\
What you see: 12 rows `sent`. In the table, `http_status` is `200 OK` (stored at once;
subscriptions answer `202`), `attempts` is 1 and `latency_ms` the time on the wire.""",
    ),
    (
        "md",
        "bulk-why",
        """\
## Or in bulk

Why: for thousands of people, `bulk=True` uses the v2 bulk endpoint, up to 256 people per
request. Attentive processes bulk jobs in the background; the report waits for the job and
shows each person's result. Here we update everyone's points after a promotion.""",
    ),
    (
        "code",
        "bulk",
        """\
promo = members[["phone", "email", "points"]].assign(points=members["points"] + 100)
bulk_report = conn.send_attributes(promo, bulk=True)
bulk_report""",
    ),
    ("code", "bulk-table", "bulk_report.table"),
    (
        "md",
        "bulk-what",
        """\
What you see: 12 rows in one request (the estimate said *1 request*). Each row's `reason`
is the job's own line for that person (`Record processed`), and `http_status` is the `202`
that accepted the job.""",
    ),
    # Issue 12 (bulk jobs): the follow-up of a bulk job still running (report.refresh(),
    # the `submitted` status) goes here.
    exercises_intro(),
    *exercise(
        "3.1",
        "Give each person a Loyalty Tier",
        "`data/exercise_tiers.csv` has three people with a `tier`. Give each a custom "
        "attribute named `Loyalty Tier` (with the space and the capitals) holding their tier; "
        "leave `first_name` and `lifetime_spend` out for now.",
        "# Exercise 3.1: your code here",
        """\
tiers = pd.read_csv("data/exercise_tiers.csv", dtype={"phone": str})
loyalty = tiers[["phone", "tier"]].rename(columns={"tier": "Loyalty Tier"})
conn.send_attributes(loyalty).table""",
    ),
    *exercise(
        "3.2",
        "Send lifetime spend as a number",
        "Send `lifetime_spend` from the same file as a **number** attribute, so that segments "
        "can compare it. Look at how pandas reads `1,250.50` first (`tiers.dtypes`), and at "
        "the dry run's *type* column. If it went as text already, the check says how to "
        "start over.",
        "# Exercise 3.2: your code here",
        """\
spend = pd.read_csv("data/exercise_tiers.csv", dtype={"phone": str}, thousands=",")
conn.send_attributes(spend[["phone", "lifetime_spend"]]).table""",
    ),
    *closing(
        [
            "Every column that is not an identifier is an attribute, under its own name; "
            "`columns={col: None}` leaves one out.",
            "An attribute's type is fixed by the first value Attentive gets: check the dry "
            "run's *type* column before the first send.",
            "`bulk=True` sends 256 people a request and reads each person's result from the job.",
        ],
        "04_events.ipynb",
    ),
]
