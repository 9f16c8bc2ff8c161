"""A bulk job's results file: read leniently, each line matched to its person by identifier."""

from __future__ import annotations

import json

import pytest

from attentive_nb.plan import request_key
from attentive_nb.send.bulk import Record, match, read_results, who

ENDPOINT = "attributes_bulk"
ADA = {"identifiers": {"phone": "+12015550123"}, "attributes": {"custom": {"tier": "gold"}}}
BO = {"identifiers": {"email": "Bo@Example.com"}, "attributes": {"custom": {"tier": "x"}}}
CY = {
    "identifiers": {"clientUserId": "c3", "customIdentifiers": [{"key": "loyalty", "value": "L3"}]},
    "attributes": {"firstName": "Cy"},
}


def records(*users: dict) -> list[Record]:
    return [
        Record(seq, request_key(ENDPOINT, user), who(user["identifiers"]))
        for seq, user in enumerate(users)
    ]


def jsonl(*lines: dict) -> str:
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def outcomes(text: str, *users: dict) -> dict[int, tuple[str, str]]:
    """seq -> (status, message) for each record a line was matched to."""
    ours = records(*users)
    lines = read_results(text, ENDPOINT)
    matched, unmatched = match(lines, ours)
    assert lines.unreadable == 0 and unmatched == 0
    return {
        r.seq: (matched[r.key].status, matched[r.key].message) for r in ours if r.key in matched
    }


def test_nested_request_and_response_with_status_words():
    text = jsonl(
        {"request": ADA, "response": {"status": "SUCCESS", "message": "Record processed"}},
        {"request": BO, "response": {"status": "FAILED", "message": "custom.tier clashes"}},
    )
    assert outcomes(text, ADA, BO) == {
        0: ("sent", "Record processed"),
        1: ("rejected", "custom.tier clashes"),
    }


def test_lines_in_any_order_land_on_their_own_person():
    text = jsonl(
        {"request": CY, "response": {"status": "FAILED", "message": "no such identifier"}},
        {"request": ADA, "response": {"status": "SUCCESS"}},
        {"request": BO, "response": {"status": "SUCCESS"}},
    )
    found = outcomes(text, ADA, BO, CY)
    assert found[2] == ("rejected", "no such identifier")
    assert found[0][0] == found[1][0] == "sent"


def test_the_echo_may_differ_except_in_who_the_person_is():
    echoed = {"identifiers": {"email": "bo@example.com"}, "attributes": {"custom": {"tier": 1}}}
    text = jsonl({"request": echoed, "response": {"status": "SUCCESS"}})
    assert outcomes(text, BO) == {0: ("sent", "")}


@pytest.mark.parametrize(
    ("line", "status", "message"),
    [
        ({**ADA, "status": "FAILED", "message": "bad value"}, "rejected", "bad value"),
        ({**ADA, "error": "age must be a number"}, "rejected", "age must be a number"),
        ({**ADA, "errors": [{"message": "a"}, "b"]}, "rejected", "a; b"),
        ({**ADA}, "sent", ""),
        (
            {"request": ADA, "response": {"success": False, "error": {"message": "no"}}},
            "rejected",
            "no",
        ),
        ({"request": ADA, "response": {"statusCode": 202}}, "sent", ""),
        ({"request": ADA, "response": {"status": 400, "message": "bad"}}, "rejected", "bad"),
        ({"request": ADA, "response": {"status": "503"}}, "failed", ""),
        ({"request": ADA, "response": {"status": "INTERNAL_ERROR"}}, "failed", ""),
        ({"input": ADA, "result": {"status": "OK"}}, "sent", ""),
        ({"phone": "+12015550123", "success": True}, "sent", ""),
    ],
)
def test_plausible_shapes_are_all_read(line, status, message):
    assert outcomes(jsonl(line), ADA) == {0: (status, message)}


def test_the_same_person_twice_in_a_job_takes_the_lines_in_turn():
    later = {"identifiers": ADA["identifiers"], "attributes": {"custom": {"tier": "silver"}}}
    text = jsonl(
        {"request": later, "response": {"status": "FAILED", "message": "second"}},
        {"request": {"identifiers": ADA["identifiers"]}, "response": {"status": "SUCCESS"}},
    )
    assert outcomes(text, ADA, later) == {0: ("sent", ""), 1: ("rejected", "second")}


def test_lines_naming_nobody_of_ours_and_unreadable_lines_are_counted():
    stranger = {"identifiers": {"email": "who@example.com"}}
    text = jsonl({"request": stranger, "response": {"status": "SUCCESS"}}) + "not json\n\n"
    lines = read_results(text, ENDPOINT)
    matched, unmatched = match(lines, records(ADA))
    assert (matched, unmatched, lines.unreadable) == ({}, 1, 1)


def test_long_messages_are_cut_and_whitespace_folded():
    text = jsonl({"request": ADA, "response": {"status": "FAILED", "message": "x  \n y" * 200}})
    (_, message) = outcomes(text, ADA)[0]
    assert len(message) <= 300 and "\n" not in message and "  " not in message
