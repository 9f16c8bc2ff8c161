"""00_start_here: for trainers (and curious trainees): the course, timing, reset, glossary."""

from __future__ import annotations

from walkthroughs.common import FLOW, Cell, links

_COURSE = [
    ("01_connect", "sign in (API key, OAuth), see where keys come from", 15, "1.1, 1.2"),
    ("02_subscribers", "dry run, fix rows, subscribe, re-run safely, unsubscribe", 30, "2.1, 2.2"),
    ("03_attributes", "custom attributes, their types, bulk", 20, "3.1, 3.2"),
    ("04_events", "custom events, their time and ids, sending again", 20, "4.1, 4.2"),
    ("05_ecommerce", "purchases by order, add-to-carts, product views", 20, "5.1, 5.2"),
    ("06_segments", "a segment from a frame, mirrored as it changes", 15, "6.1, 6.2"),
]
COURSE = "\n".join(
    [
        "| notebook | you learn to | minutes | exercises |",
        "|---|---|---|---|",
        *(f"| [{n}]({n}.ipynb) | {what} | {m} | {ex} |" for n, what, m, ex in _COURSE),
    ]
)

GLOSSARY = """\
* **Sandbox**: a local stand-in for Attentive that `make demo` starts on this machine.
  It answers like Attentive and texts nobody. Each start is a new, empty company.
* **Dry run** (`dry_run=True`): every row checked, nothing sent; the report says what
  would go and why the rest would not.
* **Private app / API key**: an app made for one company in Attentive; its key signs
  requests. **Public app / OAuth**: an app installed by companies, which signs in with
  OAuth (a link, **Authorize**, a code pasted back) and gets a token per company.
* **Sign-up unit** (or **sign-up source**): how people join a company's list (a form, a
  keyword, the API); every subscription names one (`sign_up_source_id`).
* **Double opt-in**: after subscribing, a person gets a "Reply Y to confirm" text; the
  subscription is active once they reply. `single_opt_in=True` skips it (ask your CSM).
* **E.164**: the international way to write a phone number: `+`, country code, number
  (`+12015550110`). Any spelling in your data is turned into it.
* **Custom attribute**: a fact about a person (loyalty tier, points) that segments and
  journeys can use. Its type (text, number, date, true/false) is fixed by the first value.
* **Custom event**: something that happened to a person ("Order Shipped"), with a time;
  it can start a journey. **Ecommerce events**: purchases, add-to-carts, product views.
* **Segment**: a group of people picked by their attributes or events.
  **Journey**: a series of messages that an event or a segment starts.
* **Ledger**: the file `.attentive_nb/ledger.sqlite` beside the notebooks, where every
  request is written before it leaves, so that a re-run skips what was sent, per company."""

CELLS: list[Cell] = [
    (
        "md",
        "intro",
        f"""\
# Start here: the course, for trainers

Six notebooks teach an analyst to send a pandas DataFrame to Attentive and to read what
happened to every row: signing in, subscribers, custom attributes, custom events,
ecommerce events and segments. Each opens with what it teaches, explains every output,
links Attentive's documentation, and ends with two exercises that check themselves against
the sandbox, a recap and the next notebook.

{FLOW}

Every send follows the picture: the DataFrame is checked first (a *dry run* stops there),
the *ledger* notes each request before it leaves, Attentive (here the sandbox) answers, and
the report has one line per input row.""",
    ),
    ("md", "course", f"## The course\n\nAbout two hours in all.\n\n{COURSE}"),
    (
        "md",
        "running",
        """\
## Running it

`make demo` (in the project folder) starts a sandbox and JupyterLab, and prints a banner
with the address to open (it opens `01_connect`) and the sandbox's throwaway API key for
the sign-in panel. Nothing reaches Attentive. Trainees run each notebook from the top with
**Shift+Enter**, read the text under each output, then do the exercises at the end: they
write code in the empty cell, and `training.check(...)` says whether the sandbox received
what it should, in words. Solutions are folded under each check (**Solution**).""",
    ),
    (
        "md",
        "reset",
        """\
## Resetting

* **Between trainees or classes**: stop `make demo` (Ctrl-C) and start it again. Each start
  is a new, empty sandbox company, so every walkthrough shows new subscriptions again, and
  every exercise starts at *not yet*.
* **Without restarting**: the last cell of each notebook (*Start over*), or
  `training.start_over(conn)`, makes the sandbox a new, empty company; then run the
  notebook again from the top.
* Nothing the demo does touches your own settings: its OAuth tokens and JupyterLab
  settings live in a temporary folder, removed when it stops, and a sandbox key is never
  saved in `.env`.""",
    ),
    ("md", "glossary", f"## Glossary\n\n{GLOSSARY}"),
    (
        "md",
        "progress-why",
        """\
## Where is everyone?

Why: to see, at a glance, which exercises this sandbox has seen done (one sandbox per
trainee). Exercise 1.1 is checked with the answer written in its notebook.""",
    ),
    (
        "code",
        "progress",
        """\
import attentive_nb as att
from attentive_nb import training

conn = att.connect()
training.progress(conn)""",
    ),
    (
        "md",
        "docs",
        "## Attentive's documentation\n\n"
        + links("authentication", "subscribers", "attributes", "events", "ecommerce", "segments")
        + "\n\n**Start:** [01_connect](01_connect.ipynb).",
    ),
]
