"""What every walkthrough shares: the setup cell, the flow picture, links, the closing cells.

A cell is ``(kind, id, source)``: kind ``md`` or ``code``, or ``solution``
(shown folded under its exercise, and run by the tests as code).
"""

from __future__ import annotations

Cell = tuple[str, str, str]

SETUP = """\
import pandas as pd

import attentive_nb as att
from attentive_nb import training

pd.set_option("display.max_colwidth", 200)  # read the report's reasons in full
conn = att.connect()  # the key from the environment or .env; else the sign-in panel"""

SETUP_WHY = (
    "Why: every step below needs a signed-in connection. `att.connect()` checks the key "
    "you keep in `.env` (or the one `make demo` set) against Attentive and shows which "
    "company it belongs to; with no key it shows the sign-in panel from `01_connect`. "
    "`training` checks the exercises at the end against the sandbox."
)

SETUP_WHAT = (
    "What you see: a card naming the company the key belongs to. In the demo it says "
    "*a sandbox on this machine, not Attentive*: nothing below reaches a real person."
)

FLOW = (
    "![Your DataFrame goes through the checks (a dry run stops there), then to Attentive "
    "(the sandbox in the demo); the ledger notes every request before it leaves, and the "
    "report says what happened to each row](images/flow.svg)"
)

DOCS = {
    "authentication": ("Authentication", "https://docs.attentive.com/pages/authentication"),
    "custom-apps": (
        "Create and manage custom apps",
        "https://docs.attentivemobile.com/pages/create-and-manage-custom-apps",
    ),
    "public-apps": (
        "Distribute your app (OAuth)",
        "https://docs.attentive.com/pages/distribute-your-app/",
    ),
    "rate-limits": ("API rate limits", "https://docs.attentivemobile.com/pages/api-rate-limits"),
    "subscribers": (
        "Subscribers API",
        "https://docs.attentive.com/openapi/reference/tag/Subscribers/",
    ),
    "subscribe": ("Subscribe a user", "https://docs.attentive.com/reference/addsubscriptions"),
    "attributes": (
        "Custom Attributes API",
        "https://docs.attentive.com/openapi/reference/tag/Custom-Attributes/",
    ),
    "bulk": (
        "Bulk user attributes (v2)",
        "https://docs.attentive.com/reference/postbulkuserattributes",
    ),
    "bulk-status": (
        "Bulk job status (v2)",
        "https://docs.attentive.com/openapi/reference-v2/tag/Bulk-Status",
    ),
    "events": (
        "Custom Events API",
        "https://docs.attentivemobile.com/openapi/reference/tag/Custom-Events/",
    ),
    "custom-events": ("Custom events", "https://docs.attentive.com/reference/postcustomevents"),
    "segments": (
        "Segments (v2)",
        "https://docs.attentive.com/openapi/reference-v2/tag/Segments",
    ),
    "ecommerce": (
        "eCommerce API",
        "https://docs.attentivemobile.com/openapi/reference/tag/eCommerce/",
    ),
}


def links(*names: str) -> str:
    """A markdown list of Attentive's documentation pages."""
    return "\n".join(f"* [{DOCS[n][0]}]({DOCS[n][1]})" for n in names)


def intro(title: str, summary: str, goals: list[str], minutes: int, docs: list[str]) -> Cell:
    """The opening cell: what the notebook is for, its goals, the picture, the docs."""
    listed = "\n".join(f"* {goal}" for goal in goals)
    return (
        "md",
        "intro",
        f"# {title}\n\n{summary}\n\n**You will learn to**\n\n{listed}\n\n"
        f"About {minutes} minutes. Run the cells from top to bottom with **Shift+Enter**; "
        f"each output is explained below it. Opened halfway down, or the kernel restarted? "
        f"**Run > Run All Above Selected Cell** catches up (a cell run too early says which "
        f"cell it needs). Words in *italics* are in the glossary of "
        f"[00_start_here](00_start_here.ipynb).\n\n{FLOW}\n\n"
        f"**Attentive's documentation for this notebook**\n\n{links(*docs)}",
    )


def setup(extra: str = "") -> list[Cell]:
    """The setup cell, why it is there, and what it shows."""
    return [
        ("md", "setup-why", SETUP_WHY),
        ("code", "setup", SETUP + extra),
        ("md", "setup-what", SETUP_WHAT),
    ]


def exercises_intro() -> Cell:
    """The heading of the exercises, and how the checks work."""
    return (
        "md",
        "exercises",
        """\
## Exercises

Now you try. Write your code in the empty cell under each task, run it, then run the
`training.check(...)` cell below it: it asks the sandbox what it actually received and
says, in words, whether the exercise is done, and if not, what is missing. Stuck? Open
**Solution** under the check. (Checks work only against the sandbox of `make demo`.)

The exercises use their own people (`data/exercise_*.csv`), so the walkthrough above
does not count for them. Trainers see every exercise at once in
[00_start_here](00_start_here.ipynb).""",
    )


def exercise(
    number: str, title: str, task: str, placeholder: str, solution: str, answer: str = ""
) -> list[Cell]:
    """The task, a cell to write in, the check (with the ``answer`` variable), the solution."""
    slug = number.replace(".", "-")
    given = f", {answer}" if answer else ""
    return [
        ("md", f"ex-{slug}", f"### Exercise {number}: {title}\n\n{task}"),
        ("code", f"ex-{slug}-try", placeholder),
        ("code", f"check-{slug}", f'training.check("{number}", conn{given})'),
        ("solution", f"solution-{slug}", solution),
    ]


def closing(recap: list[str], next_notebook: str | None) -> list[Cell]:
    """The recap, the pointer to the next notebook, and the start-over step."""
    listed = "\n".join(f"* {line}" for line in recap)
    after = (
        f"**Next:** [{next_notebook}]({next_notebook})."
        if next_notebook
        else "That is the whole course: well done. [00_start_here](00_start_here.ipynb) "
        "lists what it covered."
    )
    return [
        ("md", "recap", f"## Recap\n\n{listed}\n\n{after}"),
        (
            "md",
            "start-over-why",
            """\
## Start over

Why: a run that already happened stays in the sandbox and in the ledger, so running this
notebook again shows `skipped` rows (that is the ledger keeping people from being texted
twice). To see it all from the beginning, give yourself a clean slate: set `START_OVER`
to `True` and run the cell. The sandbox becomes a new, empty company (a new company id,
so the ledger has nothing for it); then run the notebook again from the top. Stopping and
starting `make demo` does the same.""",
        ),
        (
            "code",
            "start-over",
            """\
START_OVER = False  # True: make the sandbox a new, empty company (make demo only)
if START_OVER:
    training.start_over(conn)""",
        ),
    ]
