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
            "check with a look-up what Attentive holds;",
            "send one person per request, or 256 per request in bulk, and follow bulk jobs up.",
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
        "lookup-why",
        """\
## Check that they landed

Why: `conn.lookup_attributes(df)` asks Attentive for each person's custom attributes
(`GET /v1/attributes/custom`, by phone or email) and changes nothing. Put the answers beside
the data to compare them.""",
    ),
    (
        "code",
        "lookup",
        """\
found = conn.lookup_attributes(members)
members[["first_name"]].join(found.results)""",
    ),
    (
        "md",
        "lookup-what",
        """\
What you see: one column per attribute Attentive holds, beside the first names. Attentive
answers every value as **text** (`points` comes back as `'120'`), whatever type
it stores, so compare as text:""",
    ),
    (
        "code",
        "landed",
        """\
landed = found.results["points"] == members["points"].astype(str)
landed.all()""",
    ),
    (
        "md",
        "landed-what",
        """\
What you see: `True`: every person's points are what we sent.""",
    ),
    (
        "md",
        "bulk-why",
        """\
## Or in bulk

Why: for thousands of people, `bulk=True` uses the v2 bulk endpoint, up to 256 people a
request. Attentive accepts each request as a *job* and runs it later (often within minutes,
sometimes hours). By default the call waits up to 10 seconds for its jobs; `wait=0` returns
at once, which is what you see with large jobs. Here we update everyone's points after a
promotion.""",
    ),
    (
        "code",
        "bulk",
        """\
promo = members[["phone", "email", "points"]].assign(points=members["points"] + 100)
bulk_report = conn.send_attributes(promo, bulk=True, wait=0)
bulk_report""",
    ),
    (
        "md",
        "bulk-what",
        """\
What you see: 12 rows in one request (the estimate said *1 request*), every row
`submitted`: Attentive has them (`202 Accepted`) but has not run the job yet, so nobody
knows yet whether each person's value applied. A `submitted` row is neither lost nor sent
again by a re-run: the ledger keeps the job.""",
    ),
    (
        "md",
        "refresh-why",
        """\
## Follow the job up

Why: `report.refresh()` asks Attentive about the report's jobs and turns each `submitted`
row into `sent`, `rejected` (with Attentive's message for that person) or `failed` once the
job has run; `wait=30` keeps asking for up to 30 seconds. The sandbox runs a job in about 3
seconds.""",
    ),
    ("code", "refresh", "bulk_report.refresh(wait=30)"),
    (
        "md",
        "refresh-what",
        """\
What you see: the same report, now `sent 12`. In its table (`bulk_report.table`) each row's
`reason` is the job's own line for that person (`Record processed`), and `http_status` the
`202` that accepted the job.""",
    ),
    (
        "md",
        "jobs-why",
        """\
## The jobs sent from here

Why: a job can outlive the kernel. The ledger keeps every job sent from this folder, so
tomorrow (or from the command line: `attentive-nb jobs --refresh`) you can still ask how it
went, and a re-run sends only the rows that did not apply.""",
    ),
    (
        "code",
        "jobs",
        """\
jobs = conn.bulk_jobs(refresh=True)
jobs[["job_id", "rows", "status", "sent", "rejected", "failed", "unknown", "submitted"]]""",
    ),
    (
        "md",
        "jobs-what",
        """\
What you see: one line per job, newest first: Attentive's `status` (`COMPLETED`), how many
rows it carried, and how many were `sent`, `rejected`, `failed` or are still `submitted`.
The table also has `submitted_at`, `checked_at` and a `note` (left out here so it fits a
laptop's screen: `jobs.columns` lists them all).""",
    ),
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
            "`conn.lookup_attributes(df)` says what Attentive holds (as text), to check a send.",
            "`bulk=True` sends 256 people a request as jobs Attentive runs later: rows are "
            "`submitted` until `report.refresh()` reads each person's result.",
        ],
        "04_events.ipynb",
    ),
]
