"""The sandbox's memory: people, subscriptions, attributes, bulk jobs, and what came in.

Handlers run on the server thread; tests read from theirs. Every method takes
the one lock, and inspection returns copies, so a test never sees a list[Any]
change under it. Attributes and events belong to people, found through
:class:`~attentive_nb.sandbox.identities.Identities`: what names nobody (only
external ids never linked) is kept apart as ``unmatched``.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from attentive_nb.sandbox.identities import Identities, Key, key_for, matched
from attentive_nb.sandbox.segment_store import SegmentStore

_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9:]+)?)?$")


def attribute_kind(value: object) -> str:
    """The type Attentive infers from a value: boolean, number, date or text."""
    if isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false")):
        return "boolean"
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.match(value)):
        return "number"
    return "date" if _DATE.match(str(value)) else "text"


def fits(kind: str, value: object) -> bool:
    """Whether a later value fits an attribute whose type is ``kind``; text takes any string."""
    return attribute_kind(value) == kind or (kind == "text" and isinstance(value, str))


@dataclass
class BulkJob:
    """A v2 bulk job: the records as submitted, and its result lines once it has run."""

    id: str
    users: list[dict[str, Any]]
    submitted_at: float
    failed: bool = False
    lines: list[dict[str, Any]] | None = None
    # How one record runs (None: a bulk attributes record); a result line back.
    run: Callable[[dict[str, Any]], dict[str, Any]] | None = None


@dataclass
class Trigger:
    """Call ``callback`` when the ``left``-th request matching ``where`` has been answered."""

    left: int
    callback: Callable[[], None]
    where: Callable[[dict[str, Any]], bool] | None = None

    def counts(self, entry: dict[str, Any]) -> bool:
        """Count one answered request; True exactly when this one is the awaited one."""
        if self.left <= 0 or (self.where is not None and not self.where(entry)):
            return False
        self.left -= 1
        return self.left == 0


class State:
    """People, subscriptions, attributes and bulk jobs, plus what was received."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        """Forget everything received and stored (credentials live elsewhere)."""
        with self.lock:
            self.received: dict[str, list[Any]] = {}
            # Beside each received body: the company whose credential sent it.
            self.senders: dict[str, list[str | None]] = {}
            self.log: list[dict[str, Any]] = []
            self.counters: Counter[str] = Counter()
            self.subscribe_counts: Counter[str] = Counter()
            self.active: dict[tuple[str, str, str], bool] = {}  # (who, channel, type) -> on
            self.identities = Identities()
            self.attributes: dict[int, dict[str, Any]] = {}  # person -> name -> value
            self.attribute_kinds: dict[str, str] = {}
            self.delivered: dict[
                int, list[tuple[str, dict[str, Any]]]
            ] = {}  # person -> (path, body)
            self.unmatched: list[tuple[str, dict[str, Any]]] = []  # bodies that named nobody
            self.jobs: dict[str, BulkJob] = {}
            self.not_run: deque[BulkJob] = deque()  # in the order submitted
            self.triggers: list[Trigger] = []
            self.segments = SegmentStore()
            # Deletion requests by id, and coupon pools by id (sandbox.privacy, sandbox.coupons).
            self.deletions: dict[str, dict[str, Any]] = {}
            self.coupon_pools: dict[str, Any] = {}  # pool id -> sandbox.coupons.Pool

    # -- recording ---------------------------------------------------------

    def record(
        self, path: str, body: Any, *, owned: bool = False, company: str | None = None
    ) -> None:
        """Keep a body whose effect happened: a copy, unless the caller hands it (``owned``)."""
        with self.lock:
            self.received.setdefault(path, []).append(body if owned else copy.deepcopy(body))
            self.senders.setdefault(path, []).append(company)

    def count(self, *names: str) -> None:
        with self.lock:
            self.counters.update(names)

    def note(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.log.append(entry)
            due = [t for t in self.triggers if t.counts(entry)]
        for trigger in due:
            trigger.callback()

    # -- subscriptions -----------------------------------------------------

    def subscribe(self, user: dict[str, Any], sub_type: str) -> list[dict[str, Any]]:
        """Subscribe each identifier on its channel; NEWLY_ or PREVIOUSLY_CREATED each."""
        out = []
        with self.lock:
            for kind, who in user.items():
                self.subscribe_counts[matched(kind, who)] += 1
            for who, channel in _channels(user):
                key = (who, channel, sub_type)
                status = "PREVIOUSLY_CREATED" if self.active.get(key) else "NEWLY_CREATED"
                self.active[key] = True
                sub = {"type": sub_type, "channel": channel}
                out.append({"subscription": sub, "subscriptionCreationStatus": status})
        return out

    def unsubscribe(
        self, user: dict[str, Any], subscriptions: list[dict[str, Any]] | None
    ) -> list[dict[str, Any]]:
        """Unsubscribe from the listed (or all) subscriptions on each identifier's channel."""
        out = []
        with self.lock:
            for who, channel in _channels(user):
                for sub_type in self._targets(who, channel, subscriptions):
                    key = (who, channel, sub_type)
                    status = "NEWLY_" if self.active.get(key) else "PREVIOUSLY_"
                    self.active[key] = False
                    out.append(
                        {
                            "subscription": {"type": sub_type, "channel": channel},
                            "subscriptionUnsubscribeStatus": status + "UNSUBSCRIBED",
                        }
                    )
        return out

    def _targets(
        self, who: str, channel: str, subscriptions: list[dict[str, Any]] | None
    ) -> list[str]:
        if subscriptions:
            wanted = [s for s in subscriptions if s.get("channel", channel) == channel]
            return [s.get("type", "MARKETING") for s in wanted]
        on = [t for (w, c, t), active in self.active.items() if (w, c) == (who, channel) and active]
        return on or ["MARKETING"]

    def eligibilities(self, who: str, channel: str) -> list[dict[str, Any]]:
        """GET /v1/subscriptions: whether each subscription type is active for ``who``."""
        who = matched("email", who) if channel == "EMAIL" else who
        with self.lock:
            return [
                {
                    "subscription": {"type": t, "channel": channel},
                    "eligibility": {"isEligible": bool(self.active.get((who, channel, t)))},
                }
                for t in ("MARKETING", "TRANSACTIONAL")
            ]

    # -- people ------------------------------------------------------------

    def link(self, keys: Iterable[Key]) -> int:
        """Make ``keys`` one person (identity resolution); bridged people's data merge."""
        with self.lock:
            person, merged = self.identities.link(keys)
            for other in sorted(merged):
                self.attributes[person] = {
                    **self.attributes.pop(other, {}),
                    **self.attributes.get(person, {}),
                }
                self.delivered.setdefault(person, []).extend(self.delivered.pop(other, []))
            return person

    def deliver(self, path: str, body: dict[str, Any], keys: Iterable[Key]) -> int | None:
        """Note whom a processed body reached: the person ``keys`` name, or nobody."""
        with self.lock:
            person = self.identities.resolve(keys)
            if person is None:
                self.unmatched.append((path, copy.deepcopy(body)))
            else:
                self.delivered.setdefault(person, []).append((path, copy.deepcopy(body)))
            return person

    def person_of(self, who: str | Key) -> int | None:
        """The person a phone, email, clientUserId or key names, if anyone."""
        with self.lock:
            return self.identities.find([key_for(who)])

    # -- custom attributes -------------------------------------------------

    def set_attributes(self, people: Iterable[str | Key], properties: dict[str, Any]) -> str | None:
        """Store attributes for the person the identifiers name (nobody: nothing stored);
        a message if a value's type clashes with the type its name was first sent as."""
        with self.lock:
            for name, value in properties.items():
                kind = self.attribute_kinds.get(name)
                if kind is not None and not fits(kind, value):
                    return (
                        f"properties.{name} was first sent as {kind}; "
                        f"a {attribute_kind(value)} value is not accepted"
                    )
            for name, value in properties.items():
                self.attribute_kinds.setdefault(name, attribute_kind(value))
            person = self.identities.resolve(key_for(who) for who in people)
            if person is not None:
                self.attributes.setdefault(person, {}).update(properties)
        return None

    def attributes_for(self, who: str | Key) -> dict[str, Any]:
        """The attributes of the person ``who`` names ({} for nobody)."""
        with self.lock:
            person = self.identities.find([key_for(who)])
            return dict(self.attributes.get(person, {})) if person is not None else {}

    def attributes_of(self, who: str | Key) -> list[dict[str, Any]]:
        """GET /v1/attributes/custom: the person's attributes as ``[{name, value}]``."""
        return [{"name": k, "value": str(v)} for k, v in self.attributes_for(who).items()]

    # -- bulk jobs ---------------------------------------------------------

    def add_job(
        self,
        users: list[dict[str, Any]],
        now: float,
        failed: bool = False,
        run: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> BulkJob:
        """A new job, to run once its time has come (``run``: how each record runs)."""
        job = BulkJob(
            id=secrets.token_hex(16), users=users, submitted_at=now, failed=failed, run=run
        )
        with self.lock:
            self.jobs[job.id] = job
            self.not_run.append(job)
        return job

    def due_jobs(self, submitted_by: float) -> list[BulkJob]:
        """The jobs not run yet that were submitted by then, oldest first; taken off the queue."""
        due = []
        with self.lock:
            while self.not_run and self.not_run[0].submitted_at <= submitted_by:
                due.append(self.not_run.popleft())
        return due


def _channels(user: dict[str, Any]) -> list[tuple[str, str]]:
    """Identifier and channel: a phone touches TEXT, an email (matched without case) EMAIL."""
    pairs = [(user["phone"], "TEXT")] if "phone" in user else []
    return pairs + ([(matched("email", user["email"]), "EMAIL")] if "email" in user else [])
