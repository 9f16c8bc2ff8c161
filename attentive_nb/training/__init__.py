"""Exercises for the walkthrough notebooks, checked against the sandbox (never Attentive).

>>> from attentive_nb import training
>>> training.check("2.1", conn)        # doctest: +SKIP
Exercise 2.1, not yet: 0 of 3 who can be reached are subscribed; ...

- :func:`check`: ask the sandbox what it received and say, in words, whether
  an exercise is done;
- :func:`progress`: every exercise at once (for trainers);
- :func:`received`: what the sandbox received on one endpoint;
- :func:`start_over`: make the sandbox a new, empty company, to run the
  walkthroughs again from the top;
- :func:`authorize`: click Authorize on the sandbox's consent page from code.

``data`` holds the exercises' rows (``notebooks/data/exercise_*.csv`` is
written from them), ``checks`` the checks, one pure function each, and
``exercises`` the list of them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from attentive_nb.connection import Connection
from attentive_nb.errors import ConfigError
from attentive_nb.training import sandbox
from attentive_nb.training.exercises import EXERCISES
from attentive_nb.training.sandbox import authorize
from attentive_nb.training.verdict import Verdict


def check(exercise: str, conn: Connection, answer: Any = None) -> Verdict:
    """Whether ``exercise`` ("2.1") is done, from what the sandbox behind ``conn`` received."""
    found = EXERCISES.get(str(exercise))
    if found is None:
        raise ConfigError(f"There is no exercise {exercise!r}; they are {', '.join(EXERCISES)}.")
    return found.check(sandbox.look(conn), answer)


def progress(conn: Connection) -> pd.DataFrame:
    """Every exercise with the notebook it is in, and whether the sandbox shows it done."""
    view = sandbox.look(conn)
    rows = []
    for exercise in EXERCISES.values():
        if exercise.needs_answer:
            state, says = "in the notebook", "checked with the answer written in the notebook"
        else:
            verdict = exercise.check(view, None)
            state, says = verdict.word, verdict.says
        rows.append((exercise.number, exercise.notebook, exercise.title, state, says))
    table: pd.DataFrame = pd.DataFrame(
        rows, columns=["exercise", "notebook", "title", "state", "says"]
    )
    return table


def received(conn: Connection, path: str) -> list[Any]:
    """The bodies the sandbox received on ``path`` (``"/v1/events/custom"``), in order."""
    return sandbox.look(conn).bodies(path)


def start_over(conn: Connection) -> None:
    """Make the sandbox a new, empty company; say so. Run the notebooks again from the top."""
    company = sandbox.start_over(conn)
    print(
        f"Started over: the sandbox is now an empty company ({company.get('companyId')}), so "
        "nothing counts as sent before. Run the notebook again from the top."
    )


__all__ = ["EXERCISES", "Verdict", "authorize", "check", "progress", "received", "start_over"]
