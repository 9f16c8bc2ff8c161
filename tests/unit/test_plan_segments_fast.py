"""Segment members built a chunk at a time: the same members, keys and texts as one by one.

The members of a segment plan are built per column (``plan.segments``); the
general path of :meth:`Plan.requests` (a payload and its JSON per unit) is
still what every other plan uses. Both must give the same outcome on a messy
frame, and the ledger keys must stay those written by earlier versions, or a
re-run of an unchanged frame would send everyone again.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from attentive_nb.plan.model import canonical_json, text_key
from attentive_nb.plan.segments import plan_members
from attentive_nb.send import ledger_members

# Keys written by the ledger before members were built per column (version of 3cf0e49).
EARLIER_KEYS = {
    ("segment_add", 0): "b55053ec1cf0af0f6d5046fb4d984f7d42a2a9c2f528608b5652c5137751976b",
    ("segment_add", 1): "50a932ca8500aaf6778b73149bf97344ad5545baea7fa8d410693cb567d53e1b",
    ("segment_remove", 0): "25b90cdd46103fc567aceab83a7f3d531f84353a4b2e2e7a0c9682a86fd95529",
    ("segment_remove", 1): "372377592049ab5c1b322844a0f1904f56d654270d6635bad668cb01c90050dd",
}


def units(plan, chunk_size=5000):
    return [r for chunk in plan.requests(chunk_size) for r in chunk]


def one_by_one(plan):
    """The general path: each unit's payload, then its canonical JSON and key."""
    return units(dataclasses.replace(plan, _chunked=None))


def outcome(requests):
    return [(r.positions, r.payload, list(r.payload), r.key, r.text, r.people) for r in requests]


def messy() -> pd.DataFrame:
    n = 40
    phones = [f"+1202555{i:04d}" for i in range(100, 100 + n)]
    phones[1] = "(202) 555-0187"  # rewritten to E.164
    phones[2] = None
    phones[3] = "12345"  # invalid
    phones[4] = phones[5] = "+12025550999"  # one person, two rows, emails below agree / absent
    phones[6] = phones[7] = "+12025550998"  # rows that disagree about the person: refused
    phones[8] = float("nan")
    emails = [f"p{i}@example.com" if i % 3 else None for i in range(n)]
    emails[4], emails[5] = "Same@Example.com", None
    emails[6], emails[7] = "one@example.com", "two@example.com"
    emails[9], emails[10] = "Twin@Example.com", "twin@example.com"  # same mailbox, case aside
    emails[11] = "not an email"
    clients: list[object] = [None] * n
    clients[2] = 'é\u2028"x\\'  # JSON escapes
    clients[8] = 7  # a number as an id
    clients[12] = "  padded  "
    clients[13] = ""  # blank
    clients[14] = clients[15] = "shared"  # joins two rows by client id
    return pd.DataFrame(
        {"phone": phones, "email": emails, "client_user_id": clients},
        index=[f"r{i}" for i in range(n)],
    )


def test_members_built_per_column_match_the_general_path_on_a_messy_frame():
    for remove in (False, True):
        plan = plan_members(messy(), "vip", remove=remove)
        fast = units(plan)
        assert plan.invalid and plan.duplicates  # the frame does exercise refusals and merges
        assert outcome(fast) == outcome(one_by_one(plan))
        for size in (1, 3, 7, 10_000):  # chunk edges change nothing
            assert outcome(units(plan, size)) == outcome(fast)


def test_every_member_text_is_its_payload_in_canonical_json_and_keyed_as_before():
    plan = plan_members(messy(), "vip")
    for r in units(plan):
        assert r.text == canonical_json(r.payload)
        assert json.loads(r.text) == r.payload
        assert r.key == text_key("segment_add\nvip", r.text)
        assert r.key == ledger_members.member_key("segment_add", "vip", r.payload)


def test_ledger_keys_are_those_earlier_versions_wrote():
    df = pd.DataFrame(
        {
            "phone": ["+12025550143", None],
            "email": ["A@Example.com", None],
            "client_user_id": [None, 'é\u2028"x\\'],
        }
    )
    for endpoint, remove in (("segment_add", False), ("segment_remove", True)):
        keys = [r.key for r in units(plan_members(df, "vip", remove=remove))]
        assert keys == [EARLIER_KEYS[(endpoint, 0)], EARLIER_KEYS[(endpoint, 1)]]


def test_one_column_and_an_empty_frame_per_column():
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(25)]})
    plan = plan_members(df, "vip")
    assert outcome(units(plan, 4)) == outcome(one_by_one(plan))
    empty = plan_members(pd.DataFrame({"email": pd.Series([], dtype=object)}), "vip")
    assert units(empty) == [] and empty.n_requests == 0
    numbers = pd.DataFrame({"client_user_id": np.arange(5)})
    plan = plan_members(numbers, "vip")
    assert [r.payload for r in units(plan)] == [{"clientUserId": str(i)} for i in range(5)]
    assert outcome(units(plan)) == outcome(one_by_one(plan))


def test_emails_checked_by_arrow_are_those_python_accepts():
    from attentive_nb.plan import validate

    odd = [
        "a@example.com",
        "A.B+c@Example.co.uk",
        "a@b.c",
        "a@example.com\n",  # a newline at the end: refused by both
        "\na@example.com",
        "a..b@example.com",
        "a@-example.com",
        "é@example.com",
        "a@exämple.com",
        "a@example.com ",
        "x" * 250 + "@e.co",  # 255 characters
        "x" * 243 + "@example.com",  # 255 characters... and 254 below
        "x" * 242 + "@example.com",
        "a@" + "b" * 63 + ".com",
        "a@" + "b" * 64 + ".com",
        "\u2028a@example.com",
        "",
    ]
    values = (odd * 100)[:1500]  # enough for the Arrow path
    assert validate.emails_as_written(values) == validate.emails_one_by_one(values)
    assert validate.emails_as_written(values + ["\ud800@x.com"]) == validate.emails_one_by_one(
        values + ["\ud800@x.com"]
    )


def _odd_ids() -> list[object]:
    """Identifiers an analyst might write, with every way the ends can need stripping."""
    return [
        "u1",
        "  padded  ",
        "\u00a0nbsp",  # Python strips it; the whole-column pattern must leave it to Python
        "ideographic\u3000",
        "sep\x1c",  # str.isspace() is true for \x1c..\x1f
        "tab\t",
        "a b",  # a space inside stays
        "é",
        "xé",
        "é x",
        "x\ny",
        "!",
        "~",
        " ",
        "",
        None,
        float("nan"),
        'é\u2028"x\\',
        "\ud800",  # a lone surrogate: Arrow cannot hold it, Python checks it
    ]


def _column_outcome(series, check):
    from attentive_nb.plan import cells

    problems = cells.Problems()
    result = check(series, problems)
    return [list(r) if isinstance(r, np.ndarray) else r for r in result], problems.by_row


def test_text_columns_matched_whole_by_arrow_give_what_value_by_value_gives(monkeypatch):
    from attentive_nb.plan import validate

    emails = [
        "a@example.com",
        "A@Example.com",
        " a@example.com",
        "a@example.com\n",
        "x" * 243 + "@example.com",  # 255 characters: too long
        "x" * 242 + "@example.com",
        "é@example.com",
        "not an email",
        None,
        "",
    ]
    ids = _odd_ids()
    checks = {
        "ids": (ids, lambda s, p: (validate.identifier_column(s, "client_user_id", p),)),
        "emails": (emails, validate.email_column),
    }
    for name, (values, check) in checks.items():
        text = [v for v in values if isinstance(v, str) and v != "\ud800"]
        frames = [
            pd.Series(values * 3, dtype=object),  # objects: the surrogate keeps it off Arrow
            pd.Series(text * 3, dtype=object),  # all str objects: copied into Arrow
            pd.Series(text * 3 + [None], dtype="str"),  # pandas' own text dtype
            pd.Series(text * 3, dtype=pd.StringDtype("python")),
        ]
        for series in frames[1:]:  # the text columns do take the whole-column path
            assert validate._matched_whole(series, validate._re2(validate._ID_RE2)) is not None
        for series in frames:
            whole = _column_outcome(series, check)
            with monkeypatch.context() as m:
                m.setattr(validate, "_matched_whole", lambda *a: None)
                assert whole == _column_outcome(series, check), (name, series.dtype)


def test_emails_lowered_for_merging_whether_or_not_any_has_capitals():
    from attentive_nb.plan.prepare import lowered

    plain = np.array(["a@example.com", None, "b@example.com"], dtype=object)
    mixed = np.array(["a@example.com", None, "B@Example.com"], dtype=object)
    assert list(lowered(plain)) == ["a@example.com", None, "b@example.com"]
    assert lowered(plain) is not plain
    assert list(lowered(mixed)) == ["a@example.com", None, "b@example.com"]
    assert list(lowered(np.array([], dtype=object))) == []


def test_a_members_digest_is_the_one_bulk_results_are_matched_by():
    from attentive_nb.send import bulk
    from attentive_nb.send.segments import member_who

    members = [r.payload for r in units(plan_members(messy(), "vip"))]
    members += [
        {"email": "A@Example.com", "phone": "+12025550143", "clientUserId": "u1"},
        {"clientUserId": " padded "},  # not from a plan: the general way
        {"email": ""},
        {"phone": 12025550143},
        {"shopifyId": "7"},
        {},
    ]
    assert [member_who(m) for m in members] == [bulk.who(m) for m in members]


def test_members_digested_a_chunk_at_a_time_are_digested_as_one_by_one():
    from attentive_nb.send import bulk
    from attentive_nb.send.segments import member_whos

    plain = [{"clientUserId": f"u{i}", "email": f"p{i}@example.com"} for i in range(5)]
    chunks = [
        plain,
        [{"email": f"P{i}@Example.com", "phone": f"+1202555{i:04d}"} for i in range(4)],
        [{"phone": "+12025550100"}, {"phone": "+12025550101"}],
        plain + [{"email": "x@example.com"}],  # a member giving fewer fields
        plain[:2] + [{"clientUserId": "u9", "email": "e@example.com", "shopifyId": "7"}],
        plain[:2] + [{"clientUserId": " u9", "email": "e@example.com"}],  # to strip
        plain[:2] + [{"clientUserId": 9, "email": "e@example.com"}],  # not text
        plain[:1] + [{"clientUserId": "u2", "phone": "+12025550100"}],  # other fields
        [r.payload for r in units(plan_members(messy(), "vip"))],
        [{}],
        [],
    ]
    for chunk in chunks:
        assert member_whos(chunk) == [bulk.who(m) for m in chunk]


def test_members_sealed_by_earlier_versions_still_open():
    import base64
    import hashlib
    import hmac

    key = bytes(range(32))
    record = {"email": "a@example.com", "phone": "+12025550143", "clientUserId": "u1"}
    enc = hmac.new(key, b"encrypt", hashlib.sha256).digest()
    mac = hmac.new(key, b"authenticate", hashlib.sha256).digest()
    plain, nonce = canonical_json(record).encode(), bytes(16)
    stream = b"".join(
        hmac.new(enc, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(4)
    )[: len(plain)]
    body = bytes(a ^ b for a, b in zip(plain, stream))
    tag = hmac.new(mac, nonce + body, hashlib.sha256).digest()[:16]
    sealer = ledger_members.Sealer(key)
    assert sealer.open(base64.b64encode(nonce + tag + body).decode()) == record
    assert sealer.open(sealer.seal(record)) == record


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_member_texts_of_any_width_are_canonical_json_escaped_or_not(count):
    from attentive_nb.plan.members import _texts

    given = ["phone", "email", "clientUserId", "zeta"][:count]  # payload order, not sorted
    picked = [[f"{name}{i}" for i in range(3)] for name in given]
    picked[-1][1] = 'é\u2028"x\\\n'  # one column needing escapes, the others plain
    expected = [canonical_json(dict(zip(given, row))) for row in zip(*picked)]
    assert _texts(given, picked) == expected


def test_rows_sharing_a_value_are_found_alike_whether_hashes_collide_or_not(monkeypatch):
    """merge._sharing looks for repeats only among values whose hash repeats: the same
    groups as when every value is taken as a candidate (surrogates, case, 1 == 1.0)."""
    from attentive_nb.plan import merge

    def groups(values, valid=None):
        column = np.array(values, dtype=object)
        mask = np.ones(len(column), dtype=bool) if valid is None else np.array(valid)
        return sorted(merge._sharing(column, mask))

    texts = ["a", "b", None, "a", "A", "c", "b", "a", "\ud800", "\ud800", "é", "é", "\ud801"]
    expected = [[0, 3, 7], [1, 6], [8, 9], [10, 11]]
    assert groups(texts) == expected
    assert groups(texts, valid=[True] * 7 + [False] * 6) == [[0, 3], [1, 6]]
    assert groups([f"u{i}" for i in range(1000)]) == []
    assert groups([1, 1.0, "1", 2, None]) == [[0, 1]]  # Python's equality, as a set's
    assert groups(["x", None]) == groups([None]) == []
    monkeypatch.setattr(merge, "_maybe_repeated", lambda taken: np.ones(len(taken), dtype=bool))
    assert groups(texts) == expected  # every value a candidate: the same groups
    assert groups([1, 1.0, "1", 2, None]) == [[0, 1]]
