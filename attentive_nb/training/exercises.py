"""The exercises of the walkthroughs, in order: number, notebook, title and check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from attentive_nb.training import checks
from attentive_nb.training.sandbox import SandboxView
from attentive_nb.training.verdict import Verdict


@dataclass(frozen=True)
class Exercise:
    """An exercise: its number, its notebook, what to do, and its check."""

    number: str
    notebook: str
    title: str
    check: Callable[[SandboxView, Any], Verdict]
    needs_answer: bool = False  # checked with the trainee's answer, not only the sandbox


EXERCISES = {
    e.number: e
    for e in (
        Exercise("1.1", "01_connect", "Find your company id", checks.company_id, True),
        Exercise("1.2", "01_connect", "Sign in with OAuth", checks.oauth),
        Exercise(
            "2.1", "02_subscribers", "Subscribe everyone who can be reached", checks.reachable
        ),
        Exercise(
            "2.2", "02_subscribers", "Fix the two invalid rows and send only them", checks.fixed
        ),
        Exercise("3.1", "03_attributes", "Give each person a Loyalty Tier", checks.tiers),
        Exercise("3.2", "03_attributes", "Send lifetime spend as a number", checks.spend),
        Exercise(
            "4.1", "04_events", "Send Return Requested events at the right time", checks.returns
        ),
        Exercise(
            "4.2", "04_events", "Approve two returns, with your own event ids", checks.approved
        ),
        Exercise("5.1", "05_ecommerce", "One purchase per order", checks.purchases),
        Exercise("5.2", "05_ecommerce", "Product views for one order's lines", checks.views),
        Exercise("6.1", "06_segments", "Make the VIP winback segment", checks.winback),
        Exercise("6.2", "06_segments", "Take out the people who bought again", checks.mirrored),
    )
}
