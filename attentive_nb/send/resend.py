"""The one resend rule: what a run does with a request the ledger already knows.

Each endpoint is either *at most once* or *retry-safe* (``resend_safe`` in
:mod:`attentive_nb.endpoints`); the user may widen what is sent again with
``resend=`` (``"unknown"``, or ``True`` for everything). :func:`policy` turns
both into the verdict for one key, and :func:`tally_notes` words what the
verdicts added up to, for the report's notes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from attentive_nb.endpoints import Reach
from attentive_nb.send.ledger import Seen, Verdict

CHOICES = (False, "unknown", True)


TALLY = {
    "sent_before": "{n} row{s} accepted in an earlier run were skipped (resend=True sends "
    "them again).",
    "held": "{n} row{s} were being sent by another run in progress, so this run skipped them; "
    "run again once it has finished to see their outcome.",
    "unknown_kept": "{n} row{s} got no answer in an earlier run (unknown) and were not resent: "
    "check these people, then resend='unknown' sends them again.",
    "stale": "{n} row{s} were on their way in an earlier run that stopped before the answer "
    "came: counted as unknown and not resent.",
    "resent_unknown": "{n} row{s} unknown from an earlier run were sent again, as resend asked.",
    "resent_sent": "{n} row{s} accepted in an earlier run were sent again, as resend=True asked.",
    "retried_unknown": "{n} row{s} with no answer in an earlier run were sent again (a copy is "
    "harmless for this endpoint).",
    "person_before": "{n} row{s} skipped: an earlier run already reached the people they name "
    "(perhaps spelled otherwise); resend=True sends them again.",
    "in_job": "{n} row{s} are in bulk jobs submitted earlier that Attentive has not reported on "
    "yet, so they were not sent again: att.bulk_jobs(refresh=True) or attentive-nb jobs "
    "--refresh follows them up.",
}


def policy(
    resend: bool | str, resend_safe: bool, reach: Reach | None = None
) -> Callable[[Seen], Verdict]:
    """The one resend rule: what to do with a request the ledger already knows.

    Never seen, failed or rejected: send. Held by another live run: skip.
    Accepted before, or in a bulk job not reported on yet: skip unless
    ``resend=True``. Unknown (no answer, or a dead run's claim): send again
    where a copy is harmless (``resend_safe``), else only when ``resend`` is
    ``True`` or ``"unknown"``.

    A request whose people were reached by another request (``seen.via``,
    for an endpoint that records them: ``reach``) is decided the same way,
    with reasons that say which of the person's identifiers, and by which run.
    """
    send = Verdict(True)
    done = reach.done if reach else "reached"

    def decide(seen: Seen) -> Verdict:
        when = _when(seen.when)
        if seen.state in (None, "failed", "rejected"):
            return send
        if seen.state == "claimed":
            reason = f"another run in progress ({seen.holder}) is sending it"
            return Verdict(False, "skipped", reason, "held")
        if seen.state in ("sent", "submitted") and resend is True:
            return Verdict(True, tally="resent_sent")
        if seen.state == "sent" and seen.via:
            return Verdict(False, "skipped", _person_reason(seen, done, when), "person_before")
        if seen.state == "sent":
            reason = f"already accepted in an earlier run ({when}); resend=True sends it again"
            return Verdict(False, "skipped", reason, "sent_before")
        if seen.state == "submitted":
            reason = (
                f"submitted in a bulk job ({when}) that Attentive has not reported on yet; "
                "att.bulk_jobs(refresh=True) follows it up, resend=True sends it again"
            )
            return Verdict(False, "skipped", reason, "in_job")
        if resend_safe:
            return Verdict(True, tally="retried_unknown")
        if resend in (True, "unknown"):
            return Verdict(True, tally="resent_unknown")
        what = (
            "was on its way in an earlier run that stopped"
            if seen.stale
            else ("got no answer in an earlier run")
        )
        if seen.via:
            what = f"the request for this person's {seen.via} {what} ({seen.run})"
        reason = (
            f"{what} ({when}), so Attentive may or may not have it; not resent: check this "
            "person, then resend='unknown' sends it again"
        )
        return Verdict(False, "unknown", reason, "stale" if seen.stale else "unknown_kept")

    return decide


def _person_reason(seen: Seen, done: str, when: str) -> str:
    """``this person's phone was already subscribed … (process 12, started 13:02, …)``."""
    reason = (
        f"this person's {seen.via} was already {done} in an earlier run "
        f"({seen.run}; recorded {when}), whatever else in the row changed"
    )
    if seen.new:
        reason += f"; its {seen.new} was not, and is not sent either: send it in a row of its own"
    return reason + "; resend=True sends it again"


def tally_notes(tally: Counter[str]) -> list[str]:
    """One note per kind of verdict that happened, with how many rows it took."""
    return [
        TALLY[name].format(n=f"{n:,}", s="" if n == 1 else "s")
        for name, n in tally.items()
        if name in TALLY and n
    ]


def _when(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) if timestamp else "earlier"
