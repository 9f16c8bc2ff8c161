"""One company's part of a send, and ``send_by_company`` running the parts side by side.

A :class:`Part` is plain data (company id, kind, options, API address,
ledger path) so a process pool or another machine can run it: it builds its
own connection there (:func:`attentive_nb.signin.companies.connection_for`),
checks with ``/v1/me`` that the credential is that company's, and sends
through the connection's own ``send_*`` method. Each part therefore has its
own token, rate limits, ledger records and confirmation rules; nothing here
sends a request itself.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from attentive_nb.connection.methods import METHODS
from attentive_nb.errors import ArgumentError, AttentiveError, ConfigError
from attentive_nb.fleet.split import by_company
from attentive_nb.plan import frames
from attentive_nb.report import SendReport
from attentive_nb.report.companies import NO_COMPANY, CompanyReport, stopped_part
from attentive_nb.send import voice
from attentive_nb.send.runner import CONFIRM_ABOVE
from attentive_nb.signin import companies

#: The kinds a fan-out sends (look-ups and deletions are not sends to fan out).
KINDS = {
    kind: METHODS[kind]
    for kind in (
        "subscribers",
        "unsubscribe",
        "attributes",
        "events",
        "ecommerce",
        "link",
        "segment",
    )
}
#: Kinds whose many rows need a yes before sending (the runner asks above CONFIRM_ABOVE).
ASKS_ABOVE = frozenset({"subscribers", "unsubscribe"})


@dataclass(frozen=True)
class Part:
    """What one company's send needs where it runs; no secret (the token is found there).

    Where it runs it needs: the token store (``$ATTENTIVE_NB_HOME``) holding
    the company's OAuth token, or that company's key in the environment or
    ``.env``; the API address (``api_url``, else ``ATTENTIVE_API_URL``); and a
    ledger folder it can write (``ledger``, else the default ledger there).
    """

    company_id: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    api_url: str | None = None
    portable: bool = False  # the report travels back by pickle: drop its live follow-up
    # /v1/me's answer for the environment's credential, asked in this process; only for parts
    # run here (a thread): elsewhere the environment may hold another key, so it is asked there.
    env_me: dict[str, Any] | None = None

    def run(self, rows: pd.DataFrame) -> SendReport:
        """Send ``rows`` for this company; a refusal or a stop is the part's report, not a raise.

        What the send says (its estimate, notes) goes into the report's notes,
        not the output: parts run at once, and their lines would interleave.
        """
        with voice.kept() as said:
            try:
                conn = companies.connection_for(self.company_id, self.api_url, env_me=self.env_me)
                report: SendReport = getattr(conn, KINDS[self.kind])(rows, **self.options)
            except AttentiveError as error:  # a 401, a wrong company, a refused confirmation
                report = stopped_part(rows, self.kind, "not_sent", f"{self.company_id}: {error}")
        report.notes[:0] = [line.removeprefix("Note: ") for line in said]
        if self.portable:
            for one in (report, report.removed):
                if one is not None:
                    one._follow_up = None  # holds a live client and ledger: not picklable
        return report


def _run_part(part: Part, rows: pd.DataFrame) -> SendReport:
    return part.run(rows)  # module level, so process pools can pickle it


def send_by_company(
    df: Any,
    by: Hashable = "company_id",
    kind: str = "events",
    *,
    executor: cf.Executor | None = None,
    api_url: str | None = None,
    **options: Any,
) -> CompanyReport:
    """Send each company's rows under that company's own credentials, all parts at once.

    ``by`` names the column holding each row's company (an id, or an exact
    name from ``att.companies()``); it is not sent. ``kind`` is one of
    :data:`KINDS`; ``options`` are that method's (``event_type=``,
    ``segment=``, ``confirm=``, ``ledger=`` ...). Rows naming no company are
    ``invalid`` ("no company"). Refused before anything is sent: a company with
    no credentials on this machine (all of them are named), a name two
    companies share, and a send that would ask for a yes (many subscribers; a
    segment mirror) without ``confirm=True``, since parallel parts cannot ask.
    ``executor``: any ``concurrent.futures.Executor`` (default: one thread a
    company); with a process pool each part finds its company's token in the
    token store of the process it runs in. Returns one :class:`CompanyReport`.
    """
    if kind not in KINDS:
        raise ArgumentError(f"kind={kind!r}: choose one of {', '.join(KINDS)}.")
    df = frames.whole(df)
    named, blanks = by_company(df, by)
    asked: list[dict[str, Any]] = []  # /v1/me's answer for the environment's credential
    ids = _resolve_all(named, api_url, asked)
    _check_confirmations(kind, options, {cid: len(pos) for cid, pos in ids.items()})
    portable = executor is not None and not isinstance(executor, cf.ThreadPoolExecutor)
    if portable and not isinstance(options.get("ledger"), str | Path | None):
        raise ArgumentError("With this executor pass ledger= as a path: a Ledger cannot travel.")
    options.setdefault("progress", False)  # one bar per company, all at once, would be noise
    env_me = None if portable or not asked else asked[0]
    parts = {cid: Part(cid, kind, dict(options), api_url, portable, env_me) for cid in ids}
    rows = {cid: df.iloc[pos].drop(columns=[by]) for cid, pos in ids.items()}  # by is not data
    if rows:
        voice.say(_starting_line(kind, rows, bool(options.get("dry_run"))))
    sent = _run_all(parts, rows, executor)
    results = {cid: (sent[cid], ids[cid]) for cid in ids}
    if blanks:
        results[""] = (stopped_part(df.iloc[blanks], kind, "invalid", NO_COMPANY), blanks)
    return CompanyReport(df, results, kind=kind)


def _starting_line(kind: str, rows: dict[str, pd.DataFrame], dry_run: bool) -> str:
    """The one line a fan-out says before its parts start (each part's own are in its notes)."""
    n = sum(len(part) for part in rows.values())
    many = f"{len(rows)} compan{'y' if len(rows) == 1 else 'ies'}"
    if dry_run:
        return f"Dry run of {kind} for {many}, each under its own token: {n:,} rows; none sent."
    return f"Sending {kind} for {many} at once, each under its own token: {n:,} rows."


def _resolve_all(
    named: dict[str, list[int]], api_url: str | None, asked: list[dict[str, Any]]
) -> dict[str, list[int]]:
    """Company id -> positions; every company without credentials here refused at once.

    ``asked`` gets /v1/me's answer for the environment's credential, when there is one.
    """

    def ask(setting: Any, auth_class: Any, url: str | None) -> dict[str, Any]:
        me = companies.ask_me(setting, auth_class, url)
        asked.append(me)
        return me

    table = companies.companies(api_url, ask=ask)
    table = table[table["company_id"] != ""]
    ids: dict[str, list[int]] = {}
    unknown = []
    for value, positions in named.items():
        row = companies.find(value, table)  # a name two companies share raises here
        if row is None:
            unknown.append(value)
            continue
        cid = str(row["company_id"])
        ids[cid] = sorted(ids.get(cid, []) + positions)
    if unknown:
        listed = ", ".join(repr(u) for u in unknown)
        raise ConfigError(
            f"Not sent, for anyone: no credentials here for {listed}. {companies.choices(table)}"
        )
    return ids


def _check_confirmations(kind: str, options: dict[str, Any], sizes: dict[str, int]) -> None:
    """A part that would stop to ask for a yes is refused first: nobody can answer in parallel."""
    if options.get("confirm") or options.get("dry_run"):
        return
    big = [cid for cid, n in sizes.items() if kind in ASKS_ABOVE and n > CONFIRM_ABOVE]
    if big:
        raise ConfigError(
            f"Not sent, for anyone: {', '.join(big)} would each {kind} more than "
            f"{CONFIRM_ABOVE:,} people, which needs a yes, and the parts run in parallel where "
            "nobody can be asked. Pass confirm=True to go ahead."
        )
    if kind == "segment" and options.get("mode", "mirror") == "mirror":
        raise ConfigError(
            "Not sent, for anyone: a segment mirror may take more than "
            f"{CONFIRM_ABOVE:,} people out, which needs a yes, and the parts run in parallel "
            "where nobody can be asked. Pass confirm=True, or mode='add'."
        )


def _run_all(
    parts: dict[str, Part], rows: dict[str, pd.DataFrame], executor: cf.Executor | None
) -> dict[str, SendReport]:
    own = executor is None
    pool = cf.ThreadPoolExecutor(max(1, len(parts)), "company") if own else executor
    assert pool is not None
    try:
        futures = {cid: pool.submit(_run_part, part, rows[cid]) for cid, part in parts.items()}
        return {cid: future.result() for cid, future in futures.items()}
    finally:
        if own:
            pool.shutdown(wait=True)
