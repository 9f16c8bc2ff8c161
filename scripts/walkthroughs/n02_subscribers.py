"""02_subscribers: dry run, fixing rows, look-ups, sending, the response table, re-running,
unsubscribing."""

from __future__ import annotations

from walkthroughs.common import Cell, closing, exercise, exercises_intro, intro, setup

SIGN_UP = '\n\nSIGN_UP_SOURCE_ID = "123456"  # the sign-up unit people are added through'

CELLS: list[Cell] = [
    intro(
        "2. Subscribers",
        "Sign people up for text and email marketing from a table: check the data first (a "
        "*dry run*), fix what is wrong, send, read what Attentive answered, and see that "
        "running again is safe.",
        [
            "check every row before anything is sent, and read why a row cannot go;",
            "fix the rows and send, one request per person, within Attentive's rate limits;",
            "read the response table (status, HTTP status, Attentive's answer);",
            "look up who is subscribed, before a send and after it;",
            "run again without texting anyone twice, and unsubscribe people.",
        ],
        30,
        ["subscribers", "subscribe", "rate-limits"],
    ),
    *setup(SIGN_UP),
    (
        "md",
        "sign-up-why",
        """\
`SIGN_UP_SOURCE_ID` is the id of the *sign-up unit* (also called *sign-up source*) people
are added through: in Attentive, see the **Sign-up Units** tab (the sandbox accepts any
id). The unit decides which messages people get, such as the *double opt-in* text ("Reply
Y to confirm") that makes a subscription active.""",
    ),
    (
        "md",
        "load-why",
        """\
## Load the data

Why: read phone numbers as text (`dtype=str`), so a leading `+` or `0` is not lost.
Any spelling of phone numbers works; they are turned into the international *E.164* form
(`+12015550110`).""",
    ),
    ("code", "load", 'people = pd.read_csv("data/subscribers.csv", dtype=str)\npeople'),
    (
        "md",
        "load-what",
        """\
What you see: 19 people, phones written every way spreadsheets write them, `NaN` where a
cell is empty. The last three rows are wrong on purpose: Quinn's phone has no area code,
Rosa's email has no `@`, and Sam gave neither.""",
    ),
    (
        "md",
        "dry-run-why",
        """\
## Dry run: check every row, send nothing

Why: a dry run validates each row (phone, email, at least one of the two) and shows what
*would* be sent, so mistakes are fixed before anyone gets a text.""",
    ),
    (
        "code",
        "dry-run",
        """\
check = conn.send_subscribers(people, sign_up_source_id=SIGN_UP_SOURCE_ID, dry_run=True)
check""",
    ),
    (
        "md",
        "dry-run-what",
        """\
What you see, from the top:

* the verdict: nothing was sent; how many rows would be, and how many need attention;
* one line per status: `would_send` (valid), `invalid` (never sent), with what it means and
  the most common reasons;
* notes: here, that `first_name` and `last_name` are not used to subscribe anyone;
* **how each column was read**: the field it feeds (`phone`, `email`, or *not used*), the
  type its values are sent as, and an example (identifiers masked). A phone column read as
  *not used* is the mistake to catch here;
* the first rows, one line per input row, identifiers masked (`+1201•••0110`).""",
    ),
    (
        "md",
        "failed-why",
        """\
## Read the validation report

Why: `check.to_retry` holds the rows that would *not* go, with the same columns as your data,
and `check.table` says why, row by row.""",
    ),
    ("code", "to-retry", "check.to_retry"),
    ("code", "reasons", 'check.table[check.table["status"] == "invalid"]'),
    (
        "md",
        "reasons-what",
        """\
What you see: the three rows, then their reasons. Reasons quote the value they refuse,
masked like the identifier columns (`phone '55•••42' is not a valid number…`), because
reports end up in saved notebooks and files. `check.table_unmasked()` shows the values in
clear, when you need them.""",
    ),
    (
        "md",
        "unrecognised-why",
        """\
## When a column is not recognised

Why: columns are matched by name (`phone`, `mobile`, `email`, …). A phone column under a
name the toolkit does not know would be left out, and people subscribed by email only, so a
*real* send with a column that looks like phone numbers or emails stops and asks. Here the
phone column is renamed `mobile_no` to see it (a dry run only notes it).""",
    ),
    (
        "code",
        "unrecognised",
        """\
renamed = people.rename(columns={"phone": "mobile_no"})
preview = conn.send_subscribers(renamed, sign_up_source_id=SIGN_UP_SOURCE_ID, dry_run=True)
print(preview.notes[-1])
preview.columns""",
    ),
    (
        "md",
        "unrecognised-what",
        """\
What you see: the question a real send would stop with, and how each column was read:
`mobile_no` is *not used: looks like phone numbers*. Answer it with
`columns={"mobile_no": "phone"}` (then it is the phone), or `ignore=["mobile_no"]` (it is
not the person's phone; send without it).""",
    ),
    (
        "md",
        "fix-why",
        """\
## Fix the bad rows

Why: fix what can be fixed at the source of truth (here: Quinn's area code and Rosa's
email, looked up in the CRM) and drop what cannot (Sam gave neither a phone nor an email).
Then check again: every row should now be `would_send`.""",
    ),
    (
        "code",
        "fix",
        """\
fixed = people.copy()
fixed.loc[fixed["first_name"] == "Quinn", "phone"] = "(201) 555-0142"
fixed.loc[fixed["first_name"] == "Rosa", "email"] = "rosa.delgado@example.com"
fixed = fixed.dropna(subset=["phone", "email"], how="all")  # nobody to reach: drop

conn.send_subscribers(fixed, sign_up_source_id=SIGN_UP_SOURCE_ID, dry_run=True).summary""",
    ),
    (
        "md",
        "fix-what",
        """\
What you see: `summary` as a table: 18 rows `would_send`, none invalid, and the total.""",
    ),
    (
        "md",
        "lookup-before-why",
        """\
## Who is subscribed already?

Why: a *look-up* asks Attentive, person by person, what each one is eligible for, and
changes nothing (`GET /v1/subscriptions`, by phone or email). Before a send it shows who
would only get an "already subscribed" text.""",
    ),
    (
        "code",
        "lookup-before",
        """\
before = conn.lookup_subscriptions(fixed)
before.results""",
    ),
    (
        "md",
        "lookup-before-what",
        """\
What you see: one row per person, in your order, with four columns: `text_marketing`,
`text_transactional`, `email_marketing` and `email_transactional`. `True` means Attentive
may send them that kind of message, `False` that it may not (here: nobody yet, this is a
new company), and `<NA>` that the row was not asked (a row that was invalid, say). To leave
out the people already texted, keep the others:
`fixed[~before.results["text_marketing"].fillna(False)]`.""",
    ),
    (
        "md",
        "send-why",
        """\
## Send

Why: the same call without `dry_run` sends one request per person, several at a time within
Attentive's rate limits (10 subscribe requests a second), retrying only what is safe to
retry.""",
    ),
    (
        "code",
        "send",
        """\
report = conn.send_subscribers(fixed, sign_up_source_id=SIGN_UP_SOURCE_ID)
report""",
    ),
    (
        "md",
        "send-what",
        """\
What you see: the estimate (rows, requests, the rate and how long it takes), the progress
bar while it sends, then the report: the sandbox banner (only against the sandbox), the
company it was sent to and how long it took, and one line per status (`sent`).""",
    ),
    (
        "md",
        "table-why",
        """\
## Read the response table

Why: there is one line per input row, in your order, with what Attentive answered. Save it
with `report.to_csv(...)` to keep a record of the upload.""",
    ),
    ("code", "table", "report.table"),
    (
        "md",
        "table-what",
        """\
What you see, column by column:

* `status`: what happened to the row (`sent` here; the statuses are listed in the README);
* `http_status`: Attentive's answer, `202 Accepted`: subscriptions are created in the
  background, so Attentive accepts the request and answers at once (attributes and events
  answer `200 OK`);
* `reason`: Attentive's answer in short: per channel (`TEXT`, `EMAIL`), `NEWLY_CREATED`
  (a new subscription; the person gets the double opt-in text) or `PREVIOUSLY_CREATED`
  (already subscribed; Attentive texts them that they already are);
* `attempts`: how many times the request was sent: 1, unless a `429 Too Many Requests` or a
  server error made the toolkit wait and try again;
* `latency_ms`: how long the last attempt took on the wire, in milliseconds;
* `phone`, `email`: who it was, masked.""",
    ),
    ("code", "to-csv", 'report.to_csv("subscribers-report.csv")'),
    (
        "md",
        "to-csv-what",
        """\
What you see: where the file went. Cells that a spreadsheet would run as formulas (a
`+1…` phone too) start with `'` in the file; `raw=True` writes them as they are.""",
    ),
    (
        "md",
        "lookup-after-why",
        """\
## Check what Attentive did

Why: `sent` means Attentive *accepted* the request; it creates subscriptions in the
background. The same look-up again, beside the first names, says what came of it.""",
    ),
    (
        "code",
        "lookup-after",
        """\
after = conn.lookup_subscriptions(fixed)
fixed[["first_name"]].join(after.results)""",
    ),
    (
        "md",
        "lookup-after-what",
        """\
What you see: `text_marketing` is `True` for everyone with a phone and `email_marketing`
for everyone with an email. The sandbox creates them at once; Attentive may take a moment,
so a `False` right after a send is worth a second look-up before anything else.""",
    ),
    (
        "md",
        "rerun-why",
        """\
## Run it again, safely

Why: notebooks get re-run. A *ledger* (in `.attentive_nb/` next to the notebook) records
every request before it leaves and its answer after, so rows Attentive already accepted are
`skipped` instead of texting people twice, and rows whose answer was lost stay `unknown`
until you have checked them (`resend="unknown"` sends those again; `resend=True` sends
everything again).""",
    ),
    (
        "code",
        "rerun",
        """\
again = conn.send_subscribers(fixed, sign_up_source_id=SIGN_UP_SOURCE_ID)
again""",
    ),
    (
        "md",
        "rerun-what",
        """\
What you see: *Nothing to send*, no progress bar, and every row `skipped`, with the reason
(accepted in an earlier run) and a note saying how to send them again.""",
    ),
    (
        "md",
        "unsubscribe-why",
        """\
## Unsubscribe a couple of people

Why: Ben and Nora asked to stop hearing from us. `notify=False` unsubscribes them without
sending the usual "you are unsubscribed" confirmation text.""",
    ),
    (
        "code",
        "unsubscribe",
        """\
leaving = fixed[fixed["first_name"].isin(["Ben", "Nora"])]
bye = conn.unsubscribe(leaving, notify=False)
bye.table""",
    ),
    (
        "md",
        "unsubscribe-what",
        """\
What you see: both rows `sent`, `202`, and per channel `NEWLY_UNSUBSCRIBED` (they were
subscribed a moment ago; `PREVIOUSLY_UNSUBSCRIBED` means they already were not).""",
    ),
    (
        "code",
        "lookup-leaving",
        """\
conn.lookup_subscriptions(leaving).results""",
    ),
    (
        "md",
        "lookup-leaving-what",
        """\
What you see: the look-up agrees: Attentive may send Ben and Nora nothing any more
(`False` everywhere). An opt-out is what the toolkit guards most: it is never merged away
with another row, and a re-run skips it only once Attentive has accepted it.""",
    ),
    exercises_intro(),
    *exercise(
        "2.1",
        "Subscribe everyone who can be reached",
        "`data/exercise_signups.csv` has five sign-ups. Subscribe the ones who can be "
        "reached (a valid phone or email) with `SIGN_UP_SOURCE_ID`; the others will not go, "
        "and that is fine for now. Do a dry run first.",
        "# Exercise 2.1: your code here",
        """\
signups = pd.read_csv("data/exercise_signups.csv", dtype=str)
first_try = conn.send_subscribers(signups, sign_up_source_id=SIGN_UP_SOURCE_ID)
first_try.table""",
    ),
    *exercise(
        "2.2",
        "Fix the two invalid rows and send only them",
        "Tom's area code is 646 and Uma's email is `uma.ng@example.com`. Fix their two rows "
        "(`to_retry` of a dry run holds them) and send only those rows: nobody else may be "
        "texted twice.",
        "# Exercise 2.2: your code here",
        """\
signups = pd.read_csv("data/exercise_signups.csv", dtype=str)
to_fix = conn.send_subscribers(signups, sign_up_source_id=SIGN_UP_SOURCE_ID, dry_run=True)
fixed_rows = to_fix.to_retry.copy()
fixed_rows.loc[fixed_rows["first_name"] == "Tom", "phone"] = "(646) 555-0163"
fixed_rows.loc[fixed_rows["first_name"] == "Uma", "email"] = "uma.ng@example.com"
conn.send_subscribers(fixed_rows, sign_up_source_id=SIGN_UP_SOURCE_ID).table""",
    ),
    *closing(
        [
            "A dry run (`dry_run=True`) checks every row and sends nothing; `report.to_retry` "
            "holds the rows to fix, `report.table` says why.",
            "A column that looks like phones or emails but is not read stops a real send: "
            "answer with `columns=` or `ignore=`.",
            "A send answers per row: `sent` with `202` and `NEWLY_CREATED` or "
            "`PREVIOUSLY_CREATED`; `attempts` and `latency_ms` say what it took.",
            "`conn.lookup_subscriptions(df)` says who may get what, and changes nothing.",
            "Re-running is safe: the ledger skips what Attentive accepted before.",
            "`conn.unsubscribe(df, notify=False)` unsubscribes without a confirmation text.",
        ],
        "03_attributes.ipynb",
    ),
]
