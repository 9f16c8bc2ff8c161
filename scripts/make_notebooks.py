"""Write the walkthrough notebooks in notebooks/ from the text below: clean, no outputs.

Edit the cells here and run this script, rather than editing and saving the
notebooks in JupyterLab (which would store outputs, and perhaps a key).
Cell ids are fixed and meaningful: tests/notebooks finds cells by them.

Run:  .venv/bin/python scripts/make_notebooks.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

SETUP = """\
import pandas as pd

import attentive_nb as att

pd.set_option("display.max_colwidth", 200)  # read the report's reasons in full
conn = att.connect()  # the key from the environment or .env; else the sign-in panel"""

SETUP_WHY = (
    "Why: every step below needs a signed-in connection. `att.connect()` checks the key "
    "you keep in `.env` (or the one `make demo` set) against Attentive and shows which "
    "company it belongs to; with no key it shows the sign-in panel from `01_connect`."
)

CONNECT = [
    (
        "md",
        "intro",
        """\
# 1. Connect to Attentive

This notebook signs you in and shows where your credentials come from.
Run the cells from top to bottom with **Shift+Enter**.

* Started with `make demo`, everything talks to the **sandbox**: a local stand-in for
  Attentive on this machine. Nothing leaves your computer, and its key is a throwaway.
* Started with `make lab`, it talks to the real Attentive with the credentials in your `.env`.""",
    ),
    (
        "md",
        "where-why",
        """\
## Where credentials come from

Why: before signing in, know which key will be used and where it was found: an argument,
an environment variable, or the `.env` file next to your notebooks. Keys are always shown
masked (`abcd…wxyz`).""",
    ),
    ("code", "where", "import attentive_nb as att\n\natt.describe_credentials()"),
    (
        "md",
        "connect-why",
        """\
## Sign in

Why: `att.connect()` is the one line every notebook starts with. With a saved key it checks
it (with `GET /v1/me`) and shows a card naming the company; without one it shows the
sign-in panel below, and `conn` starts working as soon as you sign in there.""",
    ),
    ("code", "connect", "conn = att.connect()\nconn"),
    (
        "md",
        "panel-why",
        """\
## The sign-in panel

Why: to try another key, or to sign in as a *public app* with OAuth, open the panel even
when a key is already saved.

* **API key** tab: paste a private app's key into the password field and click **Connect**.
  Tick **Remember in .env** to keep it in the `.env` file for next time, outside the notebook.
* **OAuth** tab (public apps): the client ID, secret and redirect URI come from
  `ATTENTIVE_CLIENT_ID`, `ATTENTIVE_CLIENT_SECRET` and `ATTENTIVE_REDIRECT_URI` when set.
  Click **Get authorization link**, open it, click **Authorize**, then copy the address your
  browser lands on (even if the page says it cannot be reached), paste it into
  **Paste the address** and click **Finish**. The code in that address lasts two minutes.

In the demo (`make demo`) the OAuth tab is filled in for you: try it end to end. For the
API key tab, use the demo key printed in the terminal where `make demo` runs; it works only
on the local sandbox.""",
    ),
    (
        "code",
        "panel",
        """\
panel_conn = att.connect(use_saved=False)  # the panel, even though a key is saved""",
    ),
    (
        "md",
        "panel-conn-why",
        """\
Once the panel says *Connected*, `panel_conn` is a connection like `conn`, and can
send in exactly the same way.""",
    ),
    ("code", "panel-conn", "panel_conn"),
    (
        "md",
        "me-why",
        """\
## What `/v1/me` tells you

Why: every key and token belongs to exactly one company. Check it is the one you mean
before you send anything: the company name, its id, the app the key belongs to, and the
app's contact email.""",
    ),
    ("code", "me", "conn.me()"),
    (
        "md",
        "env-why",
        """\
## Keep credentials out of the notebook

Why: a notebook is a file that gets shared, committed and emailed, and it keeps whatever
you typed into its cells. **Never paste a key into a code cell.** Put it in a `.env` file
next to the notebooks instead (the project's `.gitignore` already ignores `.env`):

```
ATTENTIVE_API_KEY=your-private-app-key
# for OAuth (public apps):
ATTENTIVE_CLIENT_ID=...
ATTENTIVE_CLIENT_SECRET=...
ATTENTIVE_REDIRECT_URI=https://your-app.example.com/callback
```

…or tick **Remember in .env** in the panel, which writes the file for you (readable by you
only). The sign-in panel clears its secret fields as soon as you click, so saving this
notebook stores no key. Run the cell below after a change to see where the key now comes from.""",
    ),
    ("code", "where-again", "att.describe_credentials()"),
]

SUBSCRIBERS = [
    (
        "md",
        "intro",
        """\
# 2. Subscribers

Sign people up for text and email marketing from a table: check the data first (a *dry run*),
fix what is wrong, send, read what Attentive answered, and see that running again is safe.""",
    ),
    (
        "md",
        "setup-why",
        SETUP_WHY
        + """

`SIGN_UP_SOURCE_ID` is the id of the sign-up unit people are added through: in Attentive,
see **Sign-up Units** (the sandbox accepts any id).""",
    ),
    ("code", "setup", SETUP + '\n\nSIGN_UP_SOURCE_ID = "123456"'),
    (
        "md",
        "load-why",
        """\
## Load the data

Why: read phone numbers as text (`dtype=str`), so a leading `+` or `0` is not lost.
Any spelling of phone numbers works; they are turned into the international `+1…` form.""",
    ),
    ("code", "load", 'people = pd.read_csv("data/subscribers.csv", dtype=str)\npeople'),
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
        "failed-why",
        """\
## Read the validation report

Why: `check.to_retry` holds the rows that would *not* go, with the same columns as your data,
and `check.table` says why, row by row (identifiers masked).""",
    ),
    ("code", "to-retry", "check.to_retry"),
    ("code", "reasons", 'check.table[check.table["status"] == "invalid"]'),
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
        "send-why",
        """\
## Send

Why: the same call without `dry_run` sends one request per person, several at a time within
Attentive's rate limits, retrying only what is safe to retry.""",
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
        "table-why",
        """\
## Read the response table

Why: there is one line per input row, in your order: its status (`sent`, `rejected`,
`failed`, …), the HTTP status, and Attentive's answer (for example whether the subscription
was newly created). Save it with `report.to_csv(...)` to keep a record of the upload.""",
    ),
    ("code", "table", "report.table"),
    ("code", "to-csv", 'report.to_csv("subscribers-report.csv")'),
    (
        "md",
        "rerun-why",
        """\
## Run it again, safely

Why: notebooks get re-run. A ledger (in `.attentive_nb/` next to the notebook) records every
request before it leaves and its answer after, so rows Attentive already accepted are
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
]

ATTRIBUTES = [
    (
        "md",
        "intro",
        """\
# 3. Custom attributes

Store facts about people (loyalty tier, points, home store, …) as custom attributes that
segments and journeys can use: one person per request, or many per request with the bulk
endpoint.""",
    ),
    ("md", "setup-why", SETUP_WHY),
    ("code", "setup", SETUP),
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
]

EVENTS = [
    (
        "md",
        "intro",
        """\
# 4. Custom events

Send things that happened to people ("Order Shipped") as custom events, with the time they
happened and an event id that stays the same however often the notebook runs.""",
    ),
    ("md", "setup-why", SETUP_WHY),
    ("code", "setup", SETUP + '\n\nEVENT_TYPE = "Order Shipped"'),
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
        "ids-why",
        """\
## Stable event ids

Why: each event carries an `externalEventId`. When your data has no id column, it is made
from the event's content, so the same row gets the same id in every run: a re-sent event is
recognisably the same event, not a new one. Planning twice shows it (a plan is what a dry
run looks at; nothing is sent).""",
    ),
    (
        "code",
        "ids",
        """\
from attentive_nb.plan import plan_events


def event_ids(frame):
    plan = plan_events(frame, event_type=EVENT_TYPE)
    return [request.payload["externalEventId"] for chunk in plan.requests() for request in chunk]


first, second = event_ids(shipped), event_ids(shipped.copy())
print(first[:3])
print("same ids in both runs:", first == second)""",
    ),
    (
        "md",
        "send-why",
        """\
## Send

Why: `event_type` names the event for every row (or use `type_column=` when the type is in a
column). Attentive triggers journeys only for events less than 12 hours old; older ones,
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
]

ECOMMERCE = [
    (
        "md",
        "intro",
        """\
# 5. Ecommerce events

Send purchases, add-to-carts and product views from an order-lines table: one row per item,
several rows per order.""",
    ),
    ("md", "setup-why", SETUP_WHY),
    ("code", "setup", SETUP),
    (
        "md",
        "load-why",
        """\
## Load the order lines

Why: this is the shape most shops export: one row per item, the order id, customer and time
repeated on each line. Prices are numbers; the phone stays text.""",
    ),
    (
        "code",
        "load",
        """\
lines = pd.read_csv("data/order_lines.csv", dtype={"phone": str})
lines.head(8)""",
    ),
    (
        "md",
        "purchase-why",
        """\
## Purchases: one event per order

Why: `group_by="order_id"` turns the lines of an order into one purchase event with several
items, so Attentive sees eight orders, not fifteen purchases. `ordered_at` is the time of
the order.""",
    ),
    (
        "code",
        "purchase",
        """\
purchases = conn.send_ecommerce(lines, event="purchase", group_by="order_id",
                                occurred_at_column="ordered_at")
purchases""",
    ),
    (
        "md",
        "cart-why",
        """\
## Add to cart

Why: each order's basket was added to a cart before checkout; the same grouping sends one
add-to-cart event per basket.""",
    ),
    (
        "code",
        "cart",
        """\
carts = conn.send_ecommerce(lines, event="add-to-cart", group_by="order_id",
                            occurred_at_column="ordered_at")
carts.summary""",
    ),
    (
        "md",
        "view-why",
        """\
## Product views

Why: a product view is about one product, so each line is its own event: leave the order
out (`columns={"order_id": None}`) so nothing groups the lines.""",
    ),
    (
        "code",
        "view",
        """\
views = conn.send_ecommerce(lines, event="product-view", occurred_at_column="ordered_at",
                            columns={"order_id": None})
views.summary""",
    ),
    ("code", "view-table", "views.table.head()"),
]

NOTEBOOK_CELLS = {
    "01_connect.ipynb": CONNECT,
    "02_subscribers.ipynb": SUBSCRIBERS,
    "03_attributes.ipynb": ATTRIBUTES,
    "04_events.ipynb": EVENTS,
    "05_ecommerce.ipynb": ECOMMERCE,
}


def build(cells: list[tuple[str, str, str]]) -> nbformat.NotebookNode:
    """A notebook from (kind, id, source) triples, with no outputs and no execution counts."""
    nb = new_notebook(metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    for kind, cell_id, source in cells:
        make = new_markdown_cell if kind == "md" else new_code_cell
        nb.cells.append(make(source, id=cell_id))
    nbformat.validate(nb)
    return nb


def main() -> None:
    for name, cells in NOTEBOOK_CELLS.items():
        ids = [cell_id for _, cell_id, _ in cells]
        assert len(ids) == len(set(ids)), f"{name}: repeated cell id"
        nbformat.write(build(cells), NOTEBOOKS / name)
        print(f"notebooks/{name}: {len(cells)} cells")


if __name__ == "__main__":
    main()
