"""Segments at Attentive: listed, found, made, renamed, deleted, and synced from a frame.

A sync is the usual path twice at most: the frame's members planned
(:func:`attentive_nb.plan.segments.plan_members`) and run through the ledger
and the engine as v2 bulk jobs, and, for a mirror, the members this ledger
put in before who are no longer in the frame, planned and run the same way
(``report.removed``). Attentive cannot list a segment's members, so the
mirror works from the ledger's record (:mod:`~attentive_nb.send.ledger_members`):
people put in the segment some other way are never touched.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import quote

import pandas as pd

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.errors import ApiError, ConfigError
from attentive_nb.http.client import Client
from attentive_nb.plan.model import Plan, Request
from attentive_nb.plan.segments import MODES, plan_members, segment_text
from attentive_nb.report import SendReport
from attentive_nb.send import bulk, ledger_members, runner
from attentive_nb.send.engine import RunOptions
from attentive_nb.send.jobs import open_ledger
from attentive_nb.send.ledger import Ledger

#: Taking more people than this out of a segment needs ``confirm=True`` (or typing REMOVE).
CONFIRM_REMOVE_ABOVE = 1000
FRAME_COLUMNS = ("external_id", "name", "description", "created", "updated")
_MEMBER_COLUMNS = {"phone": "phone", "email": "email", "clientUserId": "client_user_id"}
_PAGE = "1000"


class Target(runner.Target, Protocol):
    """A signed-in connection, as a sync needs it (the runner's target)."""


def member_who(member: dict[str, Any]) -> str:
    """:func:`bulk.who` of a segment member, written out for its three fields.

    A million-member sync digests every member; the general function looks
    for five identifiers and custom ones, then sorts. A member holds at most
    ``clientUserId``, ``email`` and ``phone`` (that order is the sorted one),
    each non-blank text with nothing to strip; anything else goes the general way.
    """
    parts = []
    for name in _WHO_ORDER:
        value = member.get(name)
        if value is None:
            continue
        if type(value) is not str or not value or value.strip() != value:
            return bulk.who(member)
        parts.append(name + "=" + (value.lower() if name == "email" else value))
    if len(parts) != len(member):  # a field the fast way does not know
        return bulk.who(member)
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


_WHO_ORDER = ("clientUserId", "email", "phone")


def member_whos(members: Sequence[dict[str, Any]]) -> list[str]:
    """:func:`member_who` of each member; a chunk of members giving the same fields, all
    text with nothing to strip, digested column by column (no call a member)."""
    fields = [name for name in _WHO_ORDER if members and name in members[0]]
    columns = [[m.get(name) for m in members] for name in fields]
    same = sum(map(len, members)) == len(fields) * len(members)  # with the test below:
    if not fields or not same or not all(map(_plain, columns)):  # nobody gives another field
        return [member_who(m) for m in members]
    values = [
        _lower(column) if name == "email" else column for name, column in zip(fields, columns)
    ]
    heads = [("\n" if k else "") + name + "=" for k, name in enumerate(fields)]
    if len(fields) == 1:
        ((a,), (va,)) = heads, values
        texts = [f"{a}{x}" for x in va]
    elif len(fields) == 2:
        ((a, b), (va, vb)) = heads, values
        texts = [f"{a}{x}{b}{y}" for x, y in zip(va, vb)]
    else:
        ((a, b, c), (va, vb, vc)) = heads, values
        texts = [f"{a}{x}{b}{y}{c}{z}" for x, y, z in zip(va, vb, vc)]
    sha = hashlib.sha256
    return [sha(text.encode("utf-8")).hexdigest()[:32] for text in texts]


def _plain(column: list[Any]) -> bool:
    """Every value non-blank text with nothing to strip (no member lacks the field)."""
    return all(type(v) is str and v and v.strip() == v for v in column)


def _lower(column: list[Any]) -> list[Any]:
    joined = "\n".join(column)
    return column if joined == joined.lower() else [v.lower() for v in column]


# -- the segments themselves ----------------------------------------------------------------


def list_segments(client: Client, *, name: str | None = None) -> list[dict[str, Any]]:
    """Every segment Attentive lists (only those made through the API), page after page."""
    found: list[dict[str, Any]] = []
    params = {"limit": _PAGE, **({"name": name} if name else {})}
    while True:
        body = client.request("segments", params=params).body
        body = body if isinstance(body, dict) else {}
        found += [s for s in body.get("segments") or [] if isinstance(s, dict)]
        cursor = body.get("cursor")
        if not body.get("hasMore") or not cursor:
            return found
        params = {**params, "cursor": str(cursor)}


def segments_frame(client: Client) -> pd.DataFrame:
    """The segments as a table: ``external_id``, ``name``, ``description``, ``created``,
    ``updated``."""
    rows = [
        [
            s.get("externalId"),
            s.get("name"),
            s.get("description"),
            s.get("created"),
            s.get("updated"),
        ]
        for s in list_segments(client)
    ]
    frame: pd.DataFrame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS), dtype=object)
    for column in ("created", "updated"):
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce")
    return frame


def find(client: Client, segment: str) -> dict[str, Any] | None:
    """The segment ``segment`` names: its external id, else its exact name (None: neither).

    A name two segments share is refused, naming both.
    """
    if not isinstance(segment, str):
        raise ConfigError(f"segment= is its name or external id as text, not {segment!r}.")
    if not segment.strip():
        raise ConfigError("The segment is blank: give its name or its external id.")
    # Too long for an external id (255) is too long for a name (240): say it of the name.
    text = segment_text("external_id" if len(segment.strip()) <= 255 else "name", segment)
    try:
        body = client.request("segment", path_args={"id": quote(text, safe="")}).body
    except ApiError as error:
        if error.status != 404:
            raise
    else:
        if isinstance(body, dict) and body.get("externalId"):
            return body
    same = [s for s in list_segments(client, name=text) if s.get("name") == text]
    if len(same) > 1:
        ids = " and ".join(repr(s.get("externalId")) for s in same)
        raise ConfigError(
            f"Two segments are named {text!r} (external ids {ids}): name one by its external id."
        )
    return same[0] if same else None


def found(client: Client, segment: str) -> dict[str, Any]:
    """:func:`find`, or a ConfigError saying there is no such segment."""
    known = find(client, segment)
    if known is None:
        raise ConfigError(
            f"Attentive has no segment named {segment!r} or with that external id (it may have "
            "been deleted there; conn.segments() lists those made through the API)."
        )
    return known


def create(
    client: Client, name: str, *, description: str | None = None, external_id: str | None = None
) -> dict[str, Any]:
    """``POST /v2/segments``: a new, empty segment; returns Attentive's answer."""
    body: dict[str, Any] = {"name": segment_text("name", name)}
    if description is not None:
        body["description"] = segment_text("description", description)
    if external_id is not None:
        body["externalId"] = segment_text("external_id", external_id)
    answer = client.request("segment_create", json_body=body).body
    return answer if isinstance(answer, dict) else body


def rename(
    client: Client, segment: str, *, name: str | None = None, description: str | None = None
) -> dict[str, Any]:
    """``PATCH /v2/segments/external/{id}``: a new name and/or description."""
    if name is None and description is None:
        raise ConfigError("Give name= or description= (or both): there is nothing to change.")
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = segment_text("name", name)
    if description is not None:
        body["description"] = segment_text("description", description)
    external_id = str(found(client, segment)["externalId"])
    answer = client.request(
        "segment_update", json_body=body, path_args={"id": quote(external_id, safe="")}
    ).body
    return answer if isinstance(answer, dict) else {"externalId": external_id, **body}


def delete(client: Client, segment: str, *, confirm: bool = False) -> str:
    """``DELETE /v2/segments/external/{id}`` after a yes (typed, or ``confirm=True``)."""
    known = found(client, segment)
    external_id, name = str(known["externalId"]), known.get("name")
    if not confirm:
        answer = _ask(f"This deletes segment {name!r} ({external_id}) at Attentive. Type DELETE: ")
        if answer != "DELETE":
            raise ConfigError(
                f"Not deleted: segment {name!r}. Pass confirm=True (--yes on the command "
                "line), or type DELETE when asked."
            )
    client.request("segment_delete", path_args={"id": quote(external_id, safe="")})
    return f"Deleted segment {name!r} ({external_id}) at Attentive."


def _ask(question: str) -> str:
    try:
        return input(question).strip()
    except (EOFError, OSError, NotImplementedError):
        return ""


# -- a sync ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncOptions:
    """What a sync does besides the run options: the mode, and how columns are read."""

    mode: str = "mirror"
    create: bool = True
    columns: Any = None
    default_region: str = "US"


def sync(
    target: Target, df: pd.DataFrame, segment: str, sync_options: SyncOptions, options: RunOptions
) -> SendReport:
    """Make the segment hold the frame's people (mirror), or add or remove them."""
    mode = sync_options.mode
    if mode not in MODES:
        raise ConfigError(f"mode={mode!r}: use 'mirror', 'add' or 'remove'.")
    runner.check_options(options)
    known, created = _segment(target.client, segment, sync_options.create, options)
    external_id = str(known.get("externalId") or segment_text("name", segment))
    plan = plan_members(
        df,
        external_id,
        remove=mode == "remove",
        columns=sync_options.columns,
        default_region=sync_options.default_region,
    )
    ledger = open_ledger(options.ledger)
    try:
        return _Sync(target, ledger, external_id, mode, plan, df, options).run(known, created)
    finally:
        if ledger is not options.ledger:
            ledger.close()


def _segment(
    client: Client, segment: str, create_it: bool, options: RunOptions
) -> tuple[dict[str, Any], bool]:
    """The segment, made first when it does not exist and ``create`` allows (not in a dry run)."""
    known = find(client, segment)
    if known is not None:
        return known, False
    if not create_it:
        raise ConfigError(
            f"Attentive has no segment named {segment!r} or with that external id (it may have "
            "been deleted there): nothing was sent. Pass create=True to make it."
        )
    if options.dry_run:
        return {"name": segment_text("name", segment)}, True
    return create(client, segment), True


def _handing_over(plan: Plan, chunks: list[list[Request]]) -> Plan:
    """``plan``, whose first ``requests()`` hands over ``chunks`` (made already, by the
    same plan), letting go of each as it is taken; a later call makes them again.

    A sync reads every member's key and digest before anything is sent; the
    run then takes the same Requests rather than building a million again.
    ``chunk_size`` only shapes the lists, so the first call need not honour it.
    """
    made = plan.requests
    kept = deque(chunks)
    handed = False

    def requests(chunk_size: int) -> Iterator[list[Request]]:
        nonlocal handed
        if handed:
            yield from made(chunk_size)
            return
        handed = True
        while kept:
            yield kept.popleft()

    return replace(plan, _chunked=requests)


class _Sync:
    """One sync's two halves: the frame's members, and the members to take out."""

    def __init__(
        self,
        target: Target,
        ledger: Ledger,
        external_id: str,
        mode: str,
        plan: Any,
        df: pd.DataFrame,
        options: RunOptions,
    ) -> None:
        self.target, self.ledger, self.segment, self.mode = target, ledger, external_id, mode
        self.plan, self.df = plan, df
        # The runs open the ledger as the caller named it: the handle here is closed when
        # the sync ends, and a report's refresh() later must not be left holding it.
        self.options = options
        self.company = target.company_id()
        self.label = f"Segment {external_id}"

    def run(self, known: dict[str, Any], created: bool) -> SendReport:
        # The one walk of the plan: its chunks are kept and handed to the run below.
        chunks = list(self.plan.requests())
        members = [r for chunk in chunks for r in chunk]
        keys = [r.key for r in members]
        whos = [who for chunk in chunks for who in member_whos([r.payload for r in chunk])]
        states = self.ledger.states(self.company, self.plan.endpoint.name, keys)
        # resend=True sends the members the ledger has as in again: none is unchanged then.
        unchanged = 0
        if self.options.resend is not True:
            unchanged = sum(states.get(key) in ("sent", "submitted") for key in keys)
        del states, keys
        leaving = self._leaving(set(whos))
        name = repr(known.get("name"))
        self.label = (
            f"Segment {name} ({self.segment})" if known.get("externalId") else f"Segment {name}"
        )
        counts = (len(members) - unchanged, len(leaving), unchanged)
        dry = self.options.dry_run
        self.options.say(self._change_line(*counts, "would be" if dry else "to be"))
        # The report outlives the send: its note says when the counts were taken.
        planned = self._change_line(*counts, "would be" if dry else "planned to be")
        notes = [planned, *self._notes(known, created)]
        removed_df = pd.DataFrame(
            [{_MEMBER_COLUMNS[k]: v for k, v in m.record.items()} for m in leaving],
            columns=list(_MEMBER_COLUMNS.values()),
            dtype=object,
        )
        if not self.options.dry_run:
            self._confirm_removals(self._removal_count(len(members) - unchanged, len(leaving)))
            wanted = "out" if self.mode == "remove" else "in"
            people = [(who, r.text) for who, r in zip(whos, members)]  # the text is the record
            ledger_members.want(self.ledger, self.company, self.segment, wanted, people)
            del people
            if leaving:
                out = [(m.who, m.record) for m in leaving]
                ledger_members.want(self.ledger, self.company, self.segment, "out", out)
        del members, whos
        plan = _handing_over(self.plan, chunks)
        del chunks  # the run lets go of each chunk as it takes it
        report = runner.run(self.target, self.df, plan, self._frame_options(len(leaving)))
        report.notes[:0] = notes
        report.removed = self._removals(removed_df) if leaving else None
        return report

    def _frame_options(self, leaving: int) -> RunOptions:
        """The frame's run; when removals follow, "nothing to send" would not be true."""
        if not leaving:
            return self.options

        def all_skipped(rows: str) -> str:
            return f"No one to add: {rows} skipped (see the notes); {leaving:,} to take out."

        return replace(self.options, all_skipped=all_skipped)

    def _leaving(self, in_frame: set[str]) -> list[ledger_members.Member]:
        """A mirror's members to take out: put in through this ledger, no longer in the frame.

        Also those whose removal did not apply (Attentive refused it, the job
        failed, the answer was lost): re-runs resend what did not apply.
        """
        if self.mode != "mirror":
            return []
        recorded = ledger_members.recorded(self.ledger, self.company, self.segment)
        gone = [m for m in recorded if m.who not in in_frame]
        taken_out = self._taken_out([m for m in gone if m.wanted == "out"])
        return [m for m in gone if m.wanted == "in" or m.who not in taken_out]

    def _taken_out(self, out: list[ledger_members.Member]) -> set[str]:
        """Who of ``out`` has a removal sent (or submitted and not yet settled)."""
        endpoint = ENDPOINTS["segment_remove"].name
        keys = [ledger_members.member_key(endpoint, self.segment, m.record) for m in out]
        states = self.ledger.states(self.company, endpoint, keys)
        return {m.who for m, key in zip(out, keys) if states.get(key) in ("sent", "submitted")}

    def _change_line(self, added: int, removed: int, unchanged: int, verb: str) -> str:
        if self.mode == "remove":
            return f"{self.label}: -{added:,} {verb} removed, {unchanged:,} unchanged."
        return (
            f"{self.label}: +{added:,} added, -{removed:,} removed, "
            f"{unchanged:,} unchanged ({verb} sent)."
        )

    def _notes(self, known: dict[str, Any], created: bool) -> list[str]:
        notes = []
        if created:
            what = "would be made" if self.options.dry_run else "was made"
            notes.append(f"Segment {known.get('name')!r} was not at Attentive: it {what} now.")
        if self.mode == "mirror":
            notes.append(
                "Mirror works from this folder's ledger: Attentive cannot list a segment's "
                "members, so only people this ledger put in are taken out; people added some "
                "other way are not touched."
            )
        return notes

    def _removal_count(self, to_send: int, leaving: int) -> int:
        """How many this sync takes out: the frame's members (remove) or those who left (mirror)."""
        return {"remove": to_send, "mirror": leaving}.get(self.mode, 0)

    def _confirm_removals(self, count: int) -> None:
        if count <= CONFIRM_REMOVE_ABOVE or self.options.confirm:
            return
        answer = _ask(f"This takes {count:,} people out of segment {self.segment}. Type REMOVE: ")
        if answer != "REMOVE":
            raise ConfigError(
                f"Nothing was sent: {count:,} people would leave segment {self.segment}. Pass "
                "confirm=True (--yes on the command line), or type REMOVE when asked."
            )

    def _removals(self, removed_df: pd.DataFrame) -> SendReport:
        plan = plan_members(removed_df, self.segment, remove=True)
        return runner.run(self.target, removed_df, plan, self.options)
