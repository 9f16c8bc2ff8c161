"""06_segments: an audience from a DataFrame, mirrored as it changes."""

from __future__ import annotations

from walkthroughs.common import Cell, closing, exercise, exercises_intro, intro, setup

CELLS: list[Cell] = [
    intro(
        "6. Segments",
        "Make a segment hold the people of a DataFrame, and keep it in step as the frame "
        "changes: who joined is added, who left is taken out.",
        [
            "make a segment from a frame and see what a run would do before it does it;",
            "mirror a changed frame: read `+added` and `−removed`;",
            "know that mirror works from this folder's ledger.",
        ],
        15,
        ["segments", "bulk-status"],
    ),
    *setup(),
    (
        "md",
        "load-why",
        """\
## Lapsed buyers

Why: a segment is an audience you can text as one. Here the first eight people of the
sample file stand for the customers who have not bought for a while: in your work this
frame comes from a query. A segment needs only who the people are (phone and/or email).""",
    ),
    (
        "code",
        "load",
        """\
people = pd.read_csv("data/subscribers.csv", dtype={"phone": str})
lapsed = people.iloc[:8][["phone", "email"]]
lapsed""",
    ),
    (
        "md",
        "dry-why",
        """\
## A dry run first

Why: `dry_run=True` checks the rows and says what would change, and sends nothing: the
line `+8 added, -0 removed` is the whole plan.""",
    ),
    (
        "code",
        "dry",
        """\
conn.sync_segment(lapsed, "Lapsed buyers", dry_run=True).summary""",
    ),
    (
        "md",
        "sync-why",
        """\
## Mirror the frame

Why: `mode="mirror"` (the default) makes the segment hold exactly the frame's people. It
makes the segment first, as there is none by that name yet. Members go in bulk jobs
Attentive runs a moment later; the report waits for them.""",
    ),
    (
        "code",
        "sync",
        """\
report = conn.sync_segment(lapsed, "Lapsed buyers", mode="mirror")
report.summary""",
    ),
    ("code", "segments", 'conn.segments()[["external_id", "name"]]'),
    (
        "md",
        "sync-what",
        """\
What you see: eight rows `sent`, and the new segment in `conn.segments()`. Nobody was
taken out, so `report.removed` is `None`. Rows still `submitted` (the jobs had not run
yet) become `sent` with `report.refresh()`.""",
    ),
    ("code", "removed-first", "print(report.removed)"),
    (
        "md",
        "week-why",
        """\
## A week later: some leave, some join

Why: three of them bought again, so they are no longer lapsed; three others joined. Mirror
the new frame: only the changes are sent.""",
    ),
    (
        "code",
        "week",
        """\
lapsed_now = pd.concat([lapsed.iloc[3:], people.iloc[8:11][["phone", "email"]]])
week = conn.sync_segment(lapsed_now, "Lapsed buyers")
week.summary""",
    ),
    (
        "code",
        "week-removed",
        'week.refresh()\nweek.removed.table[["status", "phone", "email", "reason"]]',
    ),
    (
        "md",
        "week-what",
        """\
What you see: `+3 added, -3 removed, 5 unchanged`: the five who stayed are `skipped`,
already in the segment by this folder's ledger. `week.removed` is the report of the three
taken out, their phones and emails masked (four of its columns, to fit the screen).""",
    ),
    (
        "md",
        "ledger-why",
        """\
## Mirror works from this folder's ledger

Attentive cannot list a segment's members. So mirror remembers, in this folder's ledger,
whom it put in, and takes out only those of them no longer in the frame. People put in
the segment another way (a sign-up form, Attentive's own screens, another folder) are
never touched. To take someone out whom this folder did not put in, use
`mode="remove"`; `mode="add"` only adds. A re-run of an unchanged frame sends nothing.""",
    ),
    (
        "code",
        "rerun",
        """\
conn.sync_segment(lapsed_now, "Lapsed buyers").summary""",
    ),
    exercises_intro(),
    *exercise(
        "6.1",
        "Make the VIP winback segment",
        "`data/exercise_winback.csv` lists four people who used to buy. Make a segment "
        "named `VIP winback` that holds all four.",
        "# Exercise 6.1: your code here",
        """\
winback = pd.read_csv("data/exercise_winback.csv", dtype={"phone": str})
conn.sync_segment(winback[["phone"]], "VIP winback")""",
    ),
    *exercise(
        "6.2",
        "Take out the people who bought again",
        "Two of them have bought again (`bought_again` is `yes`). Mirror `VIP winback` so it "
        "holds only the people who have not.",
        "# Exercise 6.2: your code here",
        """\
winback = pd.read_csv("data/exercise_winback.csv", dtype={"phone": str})
still_lapsed = winback[winback["bought_again"] == "no"]
conn.sync_segment(still_lapsed[["phone"]], "VIP winback", mode="mirror")""",
    ),
    *closing(
        [
            "`sync_segment(df, name)` makes the segment and puts the frame's people in; "
            "`dry_run=True` says `+added, -removed` first.",
            "Mirroring a changed frame sends only who joined and who left; "
            "`report.removed` is who left.",
            "Mirror takes out only people this folder's ledger put in.",
        ],
        None,
    ),
]
