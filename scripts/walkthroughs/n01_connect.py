"""01_connect: where credentials come from, signing in (API key and OAuth), /v1/me."""

from __future__ import annotations

from walkthroughs.common import Cell, closing, exercise, exercises_intro, intro

CELLS: list[Cell] = [
    intro(
        "1. Connect to Attentive",
        "Sign in and see where your credentials come from.\n\n"
        "* Started with `make demo`, everything talks to the **sandbox**: a local stand-in for "
        "Attentive on this machine. Nothing leaves your computer, and its key is a throwaway.\n"
        "* Started with `make lab`, it talks to the real Attentive with the credentials in your "
        "`.env`.",
        [
            "tell where the key in use comes from, and keep keys out of notebooks;",
            "sign in with a private app's *API key*, or as a public app with *OAuth*;",
            "check which company a key belongs to (`GET /v1/me`).",
        ],
        15,
        ["authentication", "custom-apps", "public-apps", "rate-limits"],
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
        "where-what",
        """\
What you see: one line per setting, its value (secrets masked) and where it came from. In
the demo, `make demo` put the sandbox's address and throwaway key in the *environment*;
`not set` means nothing was found. A setting given as an argument beats the environment,
which beats `.env`.""",
    ),
    (
        "md",
        "connect-why",
        """\
## Sign in

Why: `att.connect()` is the one line every notebook starts with. With a saved key it checks
it (with `GET /v1/me`) and shows a card naming the company; without one it shows the
sign-in panel below, and `conn` starts working as soon as you sign in there.""",
    ),
    ("code", "connect", "conn = att.connect()"),
    (
        "md",
        "connect-what",
        """\
What you see: the card says what `conn` is connected to (in the demo: *a sandbox on this
machine, not Attentive*), the company and the app the key belongs to, which kind of
credential it is (masked) and where it came from. `conn` is the connection every other
notebook sends with.""",
    ),
    (
        "md",
        "panel-why",
        """\
## The sign-in panel

Why: to try another key, or to sign in as a *public app* with OAuth, open the panel even
when a key is already saved.

* **API key** tab: paste a private app's key into the password field and click **Connect**.
  Tick **Remember in .env** to keep it in the `.env` file for next time, outside the notebook
  (a sandbox key is never kept: it works only on this sandbox, and only until it stops).
* **OAuth** tab (public apps): the client ID, secret and redirect URI come from
  `ATTENTIVE_CLIENT_ID`, `ATTENTIVE_CLIENT_SECRET` and `ATTENTIVE_REDIRECT_URI` when set.
  Click **Get authorization link**, open it, click **Authorize**, then copy the address your
  browser lands on (even if the page says it cannot be reached), paste it into
  **Paste the address** and click **Finish**. The code in that address lasts two minutes.

In the demo the OAuth tab is filled in for you: try it end to end (it is exercise 1.2). For
the API key tab, use the demo key printed in the terminal where `make demo` runs.""",
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
What you see: the panel, with its two tabs. Until you sign in there, `panel_conn` is
waiting (run the cell below now and again after signing in). Once you sign in, the panel
becomes the same card as above, naming the company, the app and where the credential came
from, and `panel_conn` sends exactly like `conn`. **Sign in as another app** under the card
brings the tabs back.""",
    ),
    ("code", "panel-conn", "panel_conn"),
    (
        "md",
        "me-why",
        """\
## What `/v1/me` tells you

Why: every key and token belongs to exactly one company. Check it is the one you mean
before you send anything.""",
    ),
    ("code", "me", "conn.me()"),
    (
        "md",
        "me-what",
        """\
What you see: the five fields Attentive answers with. `companyName` and `companyId` name
the company (the toolkit keeps its send *ledger* and OAuth tokens per company id),
`applicationName` is the app the key belongs to, `attentiveDomainName` the company's
Attentive domain and `contactEmail` the app's contact. Each `make demo` is a new sandbox
company, with a new id.""",
    ),
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
notebook stores no key. Run the cell below after a change to see where the key now comes
from.""",
    ),
    ("code", "where-again", "att.describe_credentials()"),
    exercises_intro(),
    ("code", "exercise-setup", "from attentive_nb import training"),
    *exercise(
        "1.1",
        "Find your company id",
        "Ask the connection which company its key belongs to, and put the company's id in "
        "`my_company_id`. (Check it with the cell below: it compares your answer with the "
        "sandbox.)",
        "my_company_id = None  # Exercise 1.1: replace None with the id",
        'my_company_id = conn.me()["companyId"]\nmy_company_id',
        answer="my_company_id",
    ),
    *exercise(
        "1.2",
        "Sign in with OAuth",
        "Sign in as the sandbox's public app: the **OAuth** tab of the panel above does it "
        "with clicks; in code, `att.OAuthFlow()` makes the link (`flow.authorization_url`) and "
        "`flow.finish(address)` takes the address you were sent to. The check asks the "
        "sandbox whether a request came with an OAuth token.",
        "# Exercise 1.2: use the panel's OAuth tab above, or write the code here",
        """\
flow = att.OAuthFlow()  # client id, secret and redirect URI from the environment
link = flow.authorization_url  # a person opens it and clicks Authorize; in the
address = training.authorize(link)  # sandbox, training.authorize clicks for you
oauth_conn = flow.finish(address)
oauth_conn.company["companyName"]""",
    ),
    *closing(
        [
            "`att.describe_credentials()` shows which key is used and where it comes from, "
            "always masked.",
            "`att.connect()` checks a saved key with `GET /v1/me`, or shows the sign-in panel "
            "(API key or OAuth).",
            "A key belongs to one company: check `conn.me()` before sending.",
            "Keys live in `.env` or the environment, never in a notebook cell.",
        ],
        "02_subscribers.ipynb",
    )[:1],
]
