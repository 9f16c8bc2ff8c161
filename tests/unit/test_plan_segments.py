"""Segment members planned (one person once, 10,000 a request) and recorded in the ledger sealed."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from attentive_spec import validate_payload

from attentive_nb.errors import ConfigError
from attentive_nb.plan.segments import plan_members, segment_text
from attentive_nb.send import ledger_members
from attentive_nb.send.ledger import Ledger

PHONE, OTHER = "+12025550143", "+12025550187"


def bodies(plan):
    units = [r for chunk in plan.requests() for r in chunk]
    return [
        json.loads(plan.wire(units[i : i + plan.batch])) for i in range(0, len(units), plan.batch)
    ]


def test_rows_naming_one_person_are_one_member_with_both_identifiers():
    df = pd.DataFrame({"phone": [PHONE, PHONE, None], "email": [None, "a@example.com", "b@x.com"]})
    plan = plan_members(df, "vip")
    (body,) = bodies(plan)
    assert body == {
        "externalId": "vip",
        "members": [{"phone": PHONE, "email": "a@example.com"}, {"email": "b@x.com"}],
    }
    assert plan.duplicates == {1: 0} and not plan.invalid
    validate_payload("POST", "/v2/bulk/segments/members", body)


def test_rows_that_disagree_about_a_person_are_refused_naming_each_other():
    df = pd.DataFrame({"phone": [PHONE, PHONE], "email": ["a@example.com", "b@example.com"]})
    plan = plan_members(df, "vip")
    assert plan.n_valid == 0 and "same person as row 1" in plan.invalid[0][0]


def test_members_go_10000_a_request_and_keys_differ_by_segment():
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(25_000)]})
    plan = plan_members(df, "vip")
    assert plan.n_requests == 3 and [len(b["members"]) for b in bodies(plan)] == [
        10_000,
        10_000,
        5_000,
    ]
    small = df.head(1)
    (one,) = next(plan_members(small, "vip").requests())
    (two,) = next(plan_members(small, "other").requests())
    assert one.text == two.text and one.key != two.key


def test_segment_texts_are_trimmed_and_within_attentives_lengths():
    assert segment_text("name", "  VIP  ") == "VIP"
    with pytest.raises(ConfigError, match="blank"):
        segment_text("name", "   ")
    with pytest.raises(ConfigError, match="241 characters long: Attentive takes 240"):
        segment_text("name", "x" * 241)
    with pytest.raises(ConfigError, match="too short: at least 2"):
        segment_text("description", "x")


@pytest.mark.parametrize(
    ("what", "value", "named"),
    [
        ("name", "VIP\x00", "U+0000"),
        ("name", "VIP\n\x1b[31m", "U+000A, U+001B"),
        ("external_id", "vip\u200b", "U+200B (ZERO WIDTH SPACE)"),
        ("description", "Lapsed\x07 buyers", "U+0007"),
    ],
)
def test_a_segment_text_with_a_control_character_is_refused_naming_it(what, value, named):
    # A pasted escape or zero-width space would be kept in Attentive as written.
    with pytest.raises(ConfigError) as refused:
        segment_text(what, value)
    assert f"has a control character, {named}: " in str(refused.value)


def test_a_description_keeps_its_line_breaks_and_tabs():
    assert segment_text("description", "Lapsed buyers:\n\tno order in 90 days") == (
        "Lapsed buyers:\n\tno order in 90 days"
    )


def test_a_frame_with_only_invalid_phones_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="No phone in column 'mobile' is a valid number"):
        plan_members(pd.DataFrame({"mobile": ["12", "abc"]}), "vip")


def test_members_are_sealed_in_the_ledger_and_a_flip_drops_the_earlier_request(tmp_path):
    path = tmp_path / "ledger.sqlite"
    record = {"email": "secret.person@example.com"}
    with Ledger(path) as ledger:
        run = ledger.open_run("c1", "segment_remove")
        key = ledger_members.member_key("segment_remove", "vip", record)
        run.settle([key], "sent")  # taken out once before
        ledger_members.want(ledger, "c1", "vip", "out", [("who1", record)])
        assert ledger.states("c1", "segment_remove", [key]) == {key: "sent"}
        ledger_members.want(ledger, "c1", "vip", "in", [("who1", record)])
        ledger_members.want(ledger, "c1", "vip", "out", [("who1", record)])  # flips back
        assert ledger.states("c1", "segment_remove", [key]) == {}  # so it is sent again
        (member,) = ledger_members.recorded(ledger, "c1", "vip")
        assert member.record == record and member.wanted == "out"
    for written in tmp_path.glob("ledger.sqlite*"):  # the ledger and its journal
        assert b"secret.person" not in written.read_bytes()
    assert (tmp_path / "members.key").stat().st_mode & 0o777 == 0o600


def test_forgetting_a_company_forgets_its_segment_members(tmp_path):
    record = {"email": "a@example.com"}
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger_members.want(ledger, "c1", "vip", "in", [("who1", record)])
        ledger_members.want(ledger, "c2", "vip", "in", [("who1", record)])
        ledger.forget("c1", "events")  # another endpoint: the members stay
        assert len(ledger_members.recorded(ledger, "c1", "vip")) == 1
        ledger.forget("c1")
        assert ledger_members.recorded(ledger, "c1", "vip") == []
        assert len(ledger_members.recorded(ledger, "c2", "vip")) == 1  # another company's stay
        ledger_members.want(ledger, "c2", "vip", "in", [("who2", record)])
        ledger.forget("c2", "segment_add")  # a members endpoint forgets the members too
        assert ledger_members.recorded(ledger, "c2", "vip") == []


def test_forget_works_on_a_ledger_that_never_held_segment_members(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert ledger.forget("c1") == 0
