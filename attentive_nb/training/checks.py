"""The checks, one per exercise: what the sandbox received, against what should have arrived.

Each check is a pure function of a :class:`~attentive_nb.training.sandbox.SandboxView`
(and the trainee's answer, for 1.1) that returns a :class:`Verdict` in words:
what arrived, what is missing, and what to do about it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd

from attentive_nb.sandbox.context import PUBLIC_APP
from attentive_nb.training import data
from attentive_nb.training.sandbox import SandboxView
from attentive_nb.training.verdict import Verdict, done, not_yet

START_OVER = "start over with training.start_over(conn) and try again"


def _and(names: Iterable[str]) -> str:
    words = list(names)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _key(person: data.Person) -> str:
    return str(person.phone or person.email)


# -- 01: connect --------------------------------------------------------------------------------


def company_id(view: SandboxView, answer: Any) -> Verdict:
    company, name = view.company.get("companyId"), view.company.get("companyName")
    if answer is None:
        return not_yet(
            "1.1", "my_company_id is still None: ask the connection who it belongs to (conn.me())"
        )
    if str(answer) != company:
        return not_yet("1.1", f"{answer!r} is not this key's company id: look at conn.me() again")
    return done(
        "1.1",
        f"{company} is the id of {name}. The send ledger and OAuth tokens are kept per company id.",
    )


def oauth(view: SandboxView, _answer: Any) -> Verdict:
    used = [e for e in view.history if e.get("app") == PUBLIC_APP and e.get("status") == 200]
    if not used:
        return not_yet(
            "1.2",
            "no request has come with an OAuth token yet: in the panel's OAuth tab click 'Get "
            "authorization link', Authorize, paste the address back and click Finish",
        )
    return done(
        "1.2",
        f"the sandbox saw {PUBLIC_APP} (a public app, signed in with OAuth) call "
        f"{used[0]['path']}: its token works.",
    )


# -- 02: subscribers ----------------------------------------------------------------------------


def reachable(view: SandboxView, _answer: Any) -> Verdict:
    counts = view.subscribed()
    missing = [name for name, p in data.REACHABLE.items() if not counts[_key(p)]]
    if missing:
        got = len(data.REACHABLE) - len(missing)
        return not_yet(
            "2.1",
            f"{got} of {len(data.REACHABLE)} who can be reached are subscribed; {_and(missing)} "
            "not yet: send data/exercise_signups.csv with conn.send_subscribers(...)",
        )
    left = [
        f"{name} was not sent: {why}"
        for name, why in data.UNREACHABLE.items()
        if not counts[_key(data.FIXED[name])]
    ]
    tail = "; " + "; ".join(left) if left else ""
    return done("2.1", f"3 of 3 who can be reached are subscribed{tail}.")


def fixed(view: SandboxView, _answer: Any) -> Verdict:
    counts = view.subscribed()
    missing = [name for name, p in data.FIXED.items() if not counts[_key(p)]]
    if missing:
        return not_yet(
            "2.2",
            f"{_and(missing)} not subscribed yet: fix the rows (report.to_retry holds them) "
            "and send those rows",
        )
    everyone = [*data.REACHABLE.values(), *data.FIXED.values()]
    twice = [f"{p.name} ({counts[_key(p)]} times)" for p in everyone if counts[_key(p)] > 1]
    if twice:
        return not_yet(
            "2.2",
            f"Tom and Uma are subscribed, but so were {_and(twice)}: each copy texts the person "
            f"again (resend=True sends every row again); {START_OVER}",
        )
    return done(
        "2.2",
        "Tom and Uma are subscribed, and nobody was subscribed twice (the ledger skipped "
        "the rows already sent).",
    )


# -- 03: attributes -----------------------------------------------------------------------------


def tiers(view: SandboxView, _answer: Any) -> Verdict:
    held = {p.name: view.attributes().get(_key(p), {}) for p in data.TIER_PEOPLE}
    right = [
        n for n, props in held.items() if props.get(data.LOYALTY_TIER) == data.EXPECTED_TIERS[n]
    ]
    if len(right) < len(held):
        if any("tier" in props for props in held.values()):
            return not_yet(
                "3.1",
                f"the tiers arrived as 'tier', not '{data.LOYALTY_TIER}': rename the column "
                f"(columns are sent under their own names)",
            )
        return not_yet(
            "3.1",
            f"{len(right)} of {len(held)} have a {data.LOYALTY_TIER} yet: send "
            "data/exercise_tiers.csv with conn.send_attributes(...)",
        )
    shown = ", ".join(f"{n}: {data.EXPECTED_TIERS[n]}" for n in held)
    names = [c for c in ("first_name",) if any(c in props for props in held.values())]
    tail = (
        "; first_name was sent as an attribute too: names are not attributes, leave them out "
        "with columns={'first_name': None}"
        if names
        else ""
    )
    return done("3.1", f"3 of 3 have a {data.LOYALTY_TIER} ({shown}){tail}.")


def spend(view: SandboxView, _answer: Any) -> Verdict:
    attributes = view.attributes()
    values = {p.name: attributes.get(_key(p), {}).get(data.SPEND) for p in data.TIER_PEOPLE}
    text = [v for v in values.values() if isinstance(v, str)]
    if text:
        return not_yet(
            "3.2",
            f"{data.SPEND} arrived as text ({text[0]!r}); Attentive fixes an attribute's type "
            f"by the first value it gets, so it would stay text. Read the file with "
            f"thousands=',', then {START_OVER}",
        )
    wrong = [n for n, v in values.items() if not _close(v, data.EXPECTED_SPEND[n])]
    if wrong:
        return not_yet("3.2", f"no {data.SPEND} of the right amount yet for {_and(wrong)}")
    amounts = ", ".join(f"{n}: {v:,.2f}" for n, v in data.EXPECTED_SPEND.items())
    return done("3.2", f"{data.SPEND} arrived as a number for all three ({amounts}).")


def _close(value: Any, expected: float) -> bool:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return is_number and abs(float(value) - expected) < 0.005


# -- 04: events ---------------------------------------------------------------------------------


def _instant(text: Any) -> pd.Timestamp | None:
    try:
        instant: pd.Timestamp = pd.Timestamp(text)
        return instant
    except (TypeError, ValueError):
        return None


def returns(view: SandboxView, _answer: Any) -> Verdict:
    events = view.events(data.RETURN_REQUESTED)
    people = {p.name: p for p in data.TIER_PEOPLE}
    missing = [n for n in data.EXPECTED_RETURNS if not events[_key(people[n])]]
    if missing:
        return not_yet(
            "4.1",
            f"no {data.RETURN_REQUESTED} event yet for {_and(missing)}: send "
            f"data/exercise_returns.csv with conn.send_events(..., event_type="
            f"'{data.RETURN_REQUESTED}')",
        )
    late = [
        n
        for n, (_, at) in data.EXPECTED_RETURNS.items()
        if pd.Timestamp(at) not in {_instant(e.get("occurredAt")) for e in events[_key(people[n])]}
    ]
    if late:
        return not_yet(
            "4.1",
            f"the returns arrived, but {_and(late)}'s at the time of sending, not when it was "
            "requested: pass occurred_at_column='requested_at'",
        )
    return done(
        "4.1",
        f"3 of 3 returns arrived as {data.RETURN_REQUESTED} events, each at its requested_at "
        "time (being older than 12 hours, they are recorded without starting a journey).",
    )


def approved(view: SandboxView, _answer: Any) -> Verdict:
    events = view.events(data.RETURN_APPROVED)
    if events[_key(data.BO)]:
        return not_yet("4.2", f"Bo's return was approved too, and it is not; {START_OVER}")
    ids = {e.get("externalEventId") for found in events.values() for e in found}
    if ids - set(data.APPROVED.values()):
        return not_yet(
            "4.2",
            f"{data.RETURN_APPROVED} arrived with ids the toolkit made, not the return ids: "
            "pass event_id_column='return_id'",
        )
    missing = [f"{n} ({i})" for n, i in data.APPROVED.items() if i not in ids]
    if missing:
        return not_yet("4.2", f"no {data.RETURN_APPROVED} event yet for {_and(missing)}")
    return done(
        "4.2",
        f"{data.RETURN_APPROVED} arrived for Ana (R-5001) and Cleo (R-5003) with the return ids "
        "as event ids, and not for Bo.",
    )


# -- 05: ecommerce ------------------------------------------------------------------------------


def purchases(view: SandboxView, _answer: Any) -> Verdict:
    bodies = view.ecommerce("purchase", data.EXERCISE_PHONES)
    if not bodies:
        return not_yet(
            "5.1",
            "no purchase has arrived for the exercise's orders: send data/exercise_orders.csv "
            "with conn.send_ecommerce(..., event='purchase')",
        )
    orders = Counter(body.get("orderId") for body in bodies)
    if None in orders:
        return not_yet(
            "5.1",
            f"{orders[None]} purchases arrived without an order id, one per line: tell the "
            "toolkit that order_number is the order id (columns=), which also makes the lines "
            f"of one order one purchase; {START_OVER}",
        )
    items = {body["orderId"]: len(body.get("items") or []) for body in bodies}
    wrong = [
        o
        for o, (_, lines) in data.EXPECTED_ORDERS.items()
        if orders[o] != 1 or items.get(o) != lines
    ]
    if wrong:
        return not_yet(
            "5.1", f"order {_and(wrong)} did not arrive as one purchase of all its lines"
        )
    return done(
        "5.1", "3 orders arrived as 3 purchases, with 2, 1 and 3 items, each with its order number."
    )


def views(view: SandboxView, _answer: Any) -> Verdict:
    bodies = view.ecommerce("product-view", data.EXERCISE_PHONES)
    if not bodies:
        return not_yet(
            "5.2",
            f"no product view has arrived for order {data.VIEWED_ORDER}'s lines yet: send them "
            "with conn.send_ecommerce(..., event='product-view')",
        )
    if any((b.get("user") or {}).get("phone") != data.CLEO.phone for b in bodies):
        return not_yet(
            "5.2",
            f"views arrived for other orders' lines too (only {data.VIEWED_ORDER}'s were "
            f"asked for); {START_OVER}",
        )
    seen = [item.get("productVariantId") for b in bodies for item in b.get("items") or []]
    if sorted(seen) != sorted(data.VIEWED_VARIANTS) or len(bodies) != len(seen):
        return not_yet(
            "5.2",
            f"Cleo's views arrived as {len(bodies)} events of {len(seen)} products; "
            f"one view per line ({_and(sorted(data.VIEWED_VARIANTS))}) was asked for",
        )
    return done(
        "5.2",
        f"3 product views arrived for Cleo's order {data.VIEWED_ORDER}, one per line "
        f"({_and(sorted(data.VIEWED_VARIANTS))}).",
    )


# -- 06: segments -------------------------------------------------------------------------------


def _names(people: Iterable[data.Person]) -> str:
    return _and(p.name for p in people)


def _winback(view: SandboxView, number: str) -> tuple[set[str] | None, Verdict | None]:
    """The segment's phones, or the verdict when there is no such segment."""
    phones = view.segment_phones(data.WINBACK_SEGMENT)
    if phones is None:
        return None, not_yet(
            number,
            f"there is no segment named {data.WINBACK_SEGMENT!r} yet: "
            f'conn.sync_segment(df, "{data.WINBACK_SEGMENT}") makes it',
        )
    return phones, None


def winback(view: SandboxView, _answer: Any) -> Verdict:
    phones, missing_segment = _winback(view, "6.1")
    if phones is None:
        return missing_segment  # type: ignore[return-value]
    lapsed = {_key(p) for p in data.STILL_LAPSED}
    if phones == lapsed:  # 6.2 is done too: the buyers were taken out since
        return done("6.1", f"{data.WINBACK_SEGMENT!r} was made, and now holds the two of 6.2.")
    absent = [p for p in data.WINBACK_PEOPLE if _key(p) not in phones]
    if absent:
        return not_yet(
            "6.1",
            f"{_names(absent)} {'is' if len(absent) == 1 else 'are'} not in "
            f"{data.WINBACK_SEGMENT!r}: send every row of data/exercise_winback.csv",
        )
    return done(
        "6.1", f"{data.WINBACK_SEGMENT!r} holds the {len(phones)} people of the file, by phone."
    )


def mirrored(view: SandboxView, _answer: Any) -> Verdict:
    phones, missing_segment = _winback(view, "6.2")
    if phones is None:
        return missing_segment  # type: ignore[return-value]
    still_in = [p for p in data.BOUGHT_AGAIN if _key(p) in phones]
    if still_in:
        return not_yet(
            "6.2",
            f"{_names(still_in)} bought again but {'is' if len(still_in) == 1 else 'are'} "
            "still in the segment: mirror it with only the rows where bought_again is 'no'",
        )
    gone = [p for p in data.STILL_LAPSED if _key(p) not in phones]
    if gone:
        return not_yet(
            "6.2",
            f"{_names(gone)} did not buy again and should still be in the segment: "
            f"mirror the rows where bought_again is 'no', or {START_OVER}",
        )
    return done(
        "6.2",
        f"{_names(data.STILL_LAPSED)} are still in {data.WINBACK_SEGMENT!r}; "
        f"{_names(data.BOUGHT_AGAIN)}, who bought again, were taken out.",
    )
