"""Frames analysts really have, through every kind of call: a clear outcome, never a crash.

Each case ends in the call refused with a one-line ``AttentiveError`` or a
report whose every row has a definite status, and every ``invalid`` row a
one-line reason. Dry runs: nothing is sent, no credentials are needed.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import attentive_nb as att

P = ["+12015550100", "+12015550101", "+12015550102"]
STATUSES = {"would_send", "invalid", "skipped", "duplicate"}


def conn():
    return att.Connection.from_api_key("abcdefghijklmnop1234", api_url="http://127.0.0.1:9")


CALLS = {
    "subscribers": lambda c, df: c.send_subscribers(df, sign_up_source_id="1", dry_run=True),
    "unsubscribe": lambda c, df: c.unsubscribe(df, dry_run=True),
    "attributes": lambda c, df: c.send_attributes(df, dry_run=True),
    "bulk_attributes": lambda c, df: c.send_attributes(df, bulk=True, dry_run=True),
    "events": lambda c, df: c.send_events(df, event_type="Shipped", dry_run=True),
    "ecommerce": lambda c, df: c.send_ecommerce(df, event="purchase", dry_run=True),
    "link_identifiers": lambda c, df: c.link_identifiers(df, dry_run=True),
    "lookup_subscriptions": lambda c, df: c.lookup_subscriptions(df, dry_run=True),
    "lookup_attributes": lambda c, df: c.lookup_attributes(df, dry_run=True),
}


def base(kind: str, people: list) -> dict:
    n = len(people)
    columns: dict = {"phone": people}
    if kind == "ecommerce":
        columns |= {"product_id": ["p"] * n, "product_variant_id": ["v"] * n, "price": [1.5] * n}
    if kind in ("attributes", "bulk_attributes", "events"):
        columns["tier"] = ["gold"] * n
    if kind == "link_identifiers":
        columns["client_user_id"] = [f"u{i}" for i in range(n)]
    return columns


def frame(kind: str, extra: dict | None = None, people: list | None = None) -> pd.DataFrame:
    return pd.DataFrame({**base(kind, people if people is not None else P), **(extra or {})})


def _with(change):
    def build(kind):
        df = frame(kind)
        change(df)
        return df

    return build


def _set_columns(df, columns):
    df.columns = columns


NFC = "jos\u00e9@example.com"
CASES = {
    "multiindex columns": _with(
        lambda df: _set_columns(df, pd.MultiIndex.from_tuples([(c, "x") for c in df.columns]))
    ),
    "multiindex index": _with(
        lambda df: setattr(df, "index", pd.MultiIndex.from_tuples([(1, "a"), (1, "b"), (2, "a")]))
    ),
    "two phone columns": _with(lambda df: df.insert(1, "phone", P[::-1], allow_duplicates=True)),
    "int column name": _with(lambda df: df.insert(1, 0, ["x", "y", "z"])),
    "tuple column name": _with(lambda df: df.insert(1, ("a", "b"), ["x", "y", "z"])),
    "categorical phones": _with(lambda df: df.__setitem__("phone", df["phone"].astype("category"))),
    "string[pyarrow] phones with NA": _with(
        lambda df: df.__setitem__("phone", pd.array([P[0], pd.NA, P[2]], dtype="string[pyarrow]"))
    ),
    "nullable Int64 boolean categorical": _with(
        lambda df: (
            df.__setitem__("n", pd.array([1, pd.NA, 3], dtype="Int64"))
            or df.__setitem__("b", pd.array([True, pd.NA, False], dtype="boolean"))
            or df.__setitem__("c", pd.Categorical(["x", None, "z"]))
        )
    ),
    "NaN None NaT in one column": _with(lambda df: df.__setitem__("mix", [np.nan, None, pd.NaT])),
    "phones NaN and None": _with(lambda df: df.__setitem__("phone", [P[0], None, np.nan])),
    "empty frame": lambda kind: frame(kind).iloc[0:0],
    "no columns": lambda kind: pd.DataFrame(index=range(3)),
    "nothing at all": lambda kind: pd.DataFrame(),
    "cells holding lists dicts sets bytes": _with(
        lambda df: (
            df.__setitem__("stuff", [[1, 2], {"a": 1}, {"x", "y"}])
            or df.__setitem__("raw", [b"\x00\xff", b"", b"a"])
        )
    ),
    "phones holding a list a dict and bytes": _with(
        lambda df: df.__setitem__("phone", [[P[0]], {"p": P[1]}, P[2].encode()])
    ),
    "100,000 characters": _with(
        lambda df: (
            df.__setitem__("long", ["x" * 100_000] * 3)
            or df.__setitem__("phone", ["+1201555" + "0" * 100_000, P[1], P[2]])
        )
    ),
    "integers beyond 2**53": _with(lambda df: df.__setitem__("big", [2**53 + 1, 2**64, 3])),
    "decimals": _with(
        lambda df: df.__setitem__("d", [Decimal("1" * 30 + ".5"), Decimal("1.50"), None])
    ),
    "aware and naive times in one column": _with(
        lambda df: df.__setitem__(
            "when", [pd.Timestamp("2024-05-01 12:00", tz="UTC"), pd.Timestamp("2024-05-01"), None]
        )
    ),
    "emails in NFC and NFD, with a zero-width space, IDN": lambda kind: frame(
        kind,
        people=[None] * 5,
        extra={
            "email": [
                NFC,
                unicodedata.normalize("NFD", NFC),
                "a\u200b@example.com",
                "kim@b\u00fccher.de",
                "kim@xn--bcher-kva.de",
            ]
        },
    ),
}


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("kind", CALLS, ids=str)
def test_every_hostile_frame_ends_in_a_clear_outcome(kind, case):
    df = CASES[case](kind)
    try:
        report = CALLS[kind](conn(), df)
    except att.AttentiveError as refused:
        message = str(refused)
        assert message and "\n" not in message and "Traceback" not in message
        return
    table = report.table
    assert len(table) == len(df)
    assert set(table["status"]) <= STATUSES
    for reason in table.loc[table["status"] == "invalid", "reason"]:
        assert reason and "\n" not in reason


def test_two_phone_columns_from_a_join_are_refused_by_name():
    with pytest.raises(att.ConfigError, match="repeated column names: \\['phone'\\]"):
        CALLS["subscribers"](conn(), CASES["two phone columns"]("subscribers"))


@pytest.mark.parametrize(
    "email", [unicodedata.normalize("NFD", NFC), NFC, "a\u200b@example.com", "kim@b\u00fccher.de"]
)
def test_emails_with_characters_beyond_ascii_are_invalid_never_changed(email):
    """What Attentive accepts is documented nowhere: only ASCII addresses are sent (README)."""
    report = CALLS["subscribers"](conn(), pd.DataFrame({"email": [email, "b@example.com"]}))
    assert list(report.table["status"]) == ["invalid", "would_send"]


def test_the_punycode_form_of_an_international_domain_is_sent_as_written():
    report = CALLS["subscribers"](conn(), pd.DataFrame({"email": ["kim@xn--bcher-kva.de"]}))
    assert list(report.table["status"]) == ["would_send"]


def test_a_set_in_an_event_property_is_refused_it_has_no_order():
    df = frame("events", {"tags": [{"b", "a"}, ["a", "b"], None]})
    report = CALLS["events"](conn(), df)
    assert list(report.table["status"]) == ["invalid", "would_send", "would_send"]
    assert "set" in report.table["reason"].iloc[0] and "order" in report.table["reason"].iloc[0]


@pytest.mark.parametrize("kind", CALLS, ids=str)
def test_an_empty_iterable_ends_as_an_empty_dataframe_does(kind):
    """No chunks at all is no rows and no columns: the outcome of ``pd.DataFrame()``."""
    outcomes = []
    for data in (pd.DataFrame(), iter([])):
        try:
            outcomes.append(len(CALLS[kind](conn(), data).table))
        except att.AttentiveError as refused:
            outcomes.append(f"{type(refused).__name__}: {refused}")
    assert outcomes[0] == outcomes[1]
