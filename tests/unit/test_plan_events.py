"""Custom event plans: types, properties, occurredAt, externalEventId."""

from __future__ import annotations

import subprocess
import sys
import uuid

import numpy as np
import pandas as pd
import pytest
from plan_helpers import sent

from attentive_nb.errors import ConfigError
from attentive_nb.plan import plan_events
from attentive_nb.plan.events import EVENT_NAMESPACE
from attentive_nb.plan.model import canonical_json

# The plan's clock in these tests: within 12 hours of their events, so no journey note.
MAY_FIRST_NOON = pd.Timestamp("2024-05-01T12:00:00Z")


def shipments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": ["a@x.com", "b@x.com"],
            "Order Id": [54321, 54322],
            "tracking": ["1Z", None],
            "occurred_at": ["2024-05-01 12:00:00", "2024-05-01 09:30:00"],  # naive: in UTC
        }
    )


def test_event_payloads_with_generated_ids():
    plan = plan_events(shipments(), event_type="Order Shipped", now=MAY_FIRST_NOON)
    first = {
        "type": "Order Shipped",
        "user": {"email": "a@x.com"},
        "properties": {"Order Id": 54321, "tracking": "1Z"},
        "occurredAt": "2024-05-01T12:00:00Z",
    }
    second = {
        "type": "Order Shipped",
        "user": {"email": "b@x.com"},
        "properties": {"Order Id": 54322},
        "occurredAt": "2024-05-01T09:30:00Z",
    }
    ids = [str(uuid.uuid5(EVENT_NAMESPACE, canonical_json(body))) for body in (first, second)]
    assert sent(plan) == [
        ((0,), {**first, "externalEventId": ids[0]}),
        ((1,), {**second, "externalEventId": ids[1]}),
    ]
    assert plan.notes == ["2 timestamps without a time zone were taken as UTC."]
    assert plan.column_map == {
        "email": "email",
        "occurred_at": "occurredAt",
        "Order Id": "properties.Order Id",
        "tracking": "properties.tracking",
    }


def test_generated_ids_are_the_same_in_another_process():
    code = (
        "import pandas as pd; from attentive_nb.plan import plan_events;"
        "df = pd.DataFrame({'email': ['a@x.com'], 'n': [1]});"
        "print(next(plan_events(df, event_type='T').requests())[0].payload['externalEventId'])"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    df = pd.DataFrame({"email": ["a@x.com"], "n": [1]})
    here = sent(plan_events(df, event_type="T"))[0][1]["externalEventId"]
    assert other.stdout.strip() == here


def test_event_ids_from_a_column_and_type_from_a_column():
    df = pd.DataFrame(
        {
            "phone": ["+12015550123"] * 3,
            "kind": ["Signed Up", "Bad (type)", None],
            "eid": ["e1", "e2", "e3"],
            "when": pd.to_datetime(["2024-05-01"] * 3, utc=True),
        }
    )
    plan = plan_events(
        df, type_column="kind", event_id_column="eid", occurred_at_column="when", now=MAY_FIRST_NOON
    )
    assert sent(plan) == [
        (
            (0,),
            {
                "type": "Signed Up",
                "user": {"phone": "+12015550123"},
                "occurredAt": "2024-05-01T00:00:00Z",
                "externalEventId": "e1",
            },
        )
    ]
    assert plan.invalid == {
        1: ["event type 'Bad (type)' contains ( ), which Attentive forbids"],
        2: ["event type is empty"],
    }
    assert plan.notes == []


def test_a_repeated_event_is_sent_once_carrying_both_rows():
    df = pd.DataFrame({"email": ["a@x.com", "a@x.com", "a@x.com"], "n": [1, 1, 2]})
    plan = plan_events(df, event_type="T")
    assert plan.duplicates == {1: 0}
    assert [positions for positions, _ in sent(plan)] == [(0, 1), (2,)]
    assert plan.notes == [
        "1 row repeats an earlier event (same externalEventId and content); "
        "each event is sent once."
    ]


def test_one_event_id_for_two_different_events_is_refused_on_both_rows():
    df = pd.DataFrame({"email": ["a@x.com", "b@x.com", "c@x.com"], "eid": ["E1", "E2", "E1"]})
    plan = plan_events(df, event_type="T", event_id_column="eid")
    assert [positions for positions, _ in sent(plan)] == [(1,)]
    assert plan.invalid == {
        0: [
            "event id 'E1' is also used by row 2 for a different event; give each event its own id"
        ],
        2: [
            "event id 'E1' is also used by row 0 for a different event; give each event its own id"
        ],
    }


def test_a_column_with_an_empty_name_is_no_property_name():
    df = pd.DataFrame({"email": ["a@x.com", "b@x.com"], "": [3, None]})
    plan = plan_events(df, event_type="T")
    assert plan.invalid == {0: ["property name '' is empty, and a property needs a name"]}
    assert [p for p, _ in sent(plan)] == [(1,)]


def test_empty_event_id_is_invalid():
    df = pd.DataFrame({"email": ["a@x.com"], "eid": [np.nan]})
    assert plan_events(df, event_type="T", event_id_column="eid").invalid == {
        0: ["event id (eid) is empty"]
    }


def test_property_keys_with_forbidden_characters():
    df = pd.DataFrame({"email": ["a@x.com", "b@x.com"], "size [cm]": [3, None], "ok": [1, 2]})
    plan = plan_events(df, event_type="T")
    assert plan.invalid == {0: ["property name 'size [cm]' contains [ ], which Attentive forbids"]}
    assert [p for p, _ in sent(plan)] == [(1,)]


def test_nested_properties_are_allowed_for_events():
    df = pd.DataFrame(
        {
            "email": ["a@x.com"],
            "products": [np.array(["p1", "p2"])],
            "shipment": [{"carrier": "fedex", "eta": np.nan}],
        }
    )
    assert sent(plan_events(df, event_type="T"))[0][1]["properties"] == {
        "products": ["p1", "p2"],
        "shipment": {"carrier": "fedex"},
    }


@pytest.mark.parametrize(
    "value, reason",
    [
        ({"score": np.inf}, "at ['score'] is not a finite number"),
        ([1.0, float("-inf")], "at [1] is not a finite number"),
        (
            {"a": [1, {"b": object()}]},
            "at ['a'][1]['b'] has a value of type object that cannot be sent",
        ),
        (
            {"a": {"b": {"c": {"d": [[np.float64(2.0), np.inf]]}}}},
            "at ['a']['b']['c']['d'][0][1] is not a finite",
        ),
        (
            {"at": pd.Timestamp("2024-03-10 02:30")},
            "at ['at'] does not exist in America/New_York: on 2024-03-10 the clocks went forward",
        ),
        ({"size [cm]": 3}, "has the key 'size [cm]' that contains [ ], which Attentive forbids"),
        ({"a": [{"b|c": 1}]}, "has the key 'b|c' at ['a'][0] that contains |, which Attentive"),
        ({1: "x", "1": "y"}, "has two keys that both read '1'"),
        ([1.0, np.nan, 3.0], "at [1] is blank (None or NaN): a list is sent whole"),
        ({"": 1}, "has the key '' that is empty, and a property needs a name"),
        ({"tags": ["a", None]}, "at ['tags'][1] is blank (None or NaN)"),
    ],
)
def test_nested_values_are_checked_like_top_level_ones_at_any_depth(value, reason):
    df = pd.DataFrame({"email": ["a@x.com", "b@x.com"], "details": [value, {"ok": [1, {"x": 2}]}]})
    plan = plan_events(df, event_type="T", timezone="America/New_York")
    [problem] = plan.invalid[0]
    assert problem.startswith("details ") and reason in problem, problem
    assert [p for p, _ in sent(plan)] == [(1,)]


def test_nested_timestamps_are_sent_as_text():
    df = pd.DataFrame(
        {"email": ["a@x.com"], "shipment": [{"at": pd.Timestamp("2024-05-01 12:00")}]}
    )
    plan = plan_events(df, event_type="T")
    assert sent(plan)[0][1]["properties"] == {"shipment": {"at": "2024-05-01T12:00:00Z"}}
    assert plan.notes == ["1 timestamp without a time zone was taken as UTC."]


def test_unparseable_occurred_at_quotes_the_value():
    df = pd.DataFrame({"email": ["a@x.com"], "timestamp": ["last tuesday"]})
    assert plan_events(df, event_type="T").invalid == {
        0: ["timestamp 'last tuesday' is not a date and time (e.g. 2024-05-01T12:00:00Z)"]
    }


def test_occurred_at_in_a_given_timezone():
    df = pd.DataFrame({"email": ["a@x.com"], "occurred_at": ["2024-01-15 08:00"]})
    plan = plan_events(df, event_type="T", timezone="America/New_York", now="2024-01-15T14:00Z")
    assert sent(plan)[0][1]["occurredAt"] == "2024-01-15T08:00:00-05:00"
    assert plan.notes == ["1 timestamp without a time zone was taken as America/New_York."]


def test_event_user_external_identifiers():
    df = pd.DataFrame({"client_user_id": ["c1"], "custom_id:crm": [42], "klaviyo_id": ["k"]})
    plan = plan_events(df, event_type="T")
    assert sent(plan)[0][1]["user"] == {
        "externalIdentifiers": {
            "clientUserId": "c1",
            "customIdentifiers": [{"name": "crm", "value": "42"}],
        }
    }
    assert "column 'klaviyo_id' (klaviyoId) is not used by events." in plan.notes


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of event_type= .* or type_column="),
        ({"event_type": "A", "type_column": "email"}, "exactly one of"),
        ({"event_type": "Order, Shipped"}, "Event type 'Order, Shipped' contains ,"),
        ({"event_type": "  "}, "Event type is empty"),
        ({"type_column": "kind"}, "There is no column 'kind' \\(for type\\)"),
        ({"event_type": "A", "occurred_at_column": "when"}, "no column 'when'"),
        ({"event_type": "A", "event_id_column": "id"}, "no column 'id'"),
    ],
)
def test_event_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        plan_events(pd.DataFrame({"email": ["a@x.com"]}), **kwargs)


def test_events_the_same_in_every_field_are_one_event_even_with_maps_in_another_order():
    df = pd.DataFrame(
        {
            "email": ["a@x.com", "a@x.com", "a@x.com", "a@x.com"],
            "cart": [{"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, {"a": 1, "b": [2, 1]}, None],
            "n": ["1", "1", "1", 1],
        }
    )
    plan = plan_events(df, event_type="T")
    assert [positions for positions, _ in sent(plan)] == [(0, 1), (2,), (3,)]  # "1" is not 1


def test_planning_serialises_no_body_until_requests_are_taken(monkeypatch):
    from attentive_nb.plan import events

    serialised = []
    real = events.canonical_json
    monkeypatch.setattr(events, "canonical_json", lambda b: serialised.append(b) or real(b))
    df = pd.DataFrame({"email": [f"p{i}@x.com" for i in range(50)], "n": range(50)})
    plan = plan_events(df, event_type="T")
    assert plan.n_requests == 50 and serialised == []  # a dry run stops here
    assert len(sent(plan)) == 50 and len(serialised) == 50  # one id each, as requests are taken


def test_event_types_and_property_names_with_control_characters_are_refused():
    # An escape or a zero-width space would name another type or property that looks
    # the same in Attentive: "Viewed\u200b" is not "Viewed".
    df = pd.DataFrame(
        {
            "email": ["a@x.com", "b@x.com", "c@x.com"],
            "type": ["Viewed\u200b", "Viewed", "Viewed"],
            "size\x07": [None, 3, None],
        }
    )
    plan = plan_events(df, type_column="type")
    assert plan.invalid == {
        0: ["event type 'Viewed\\u200b' has a control character, U+200B (ZERO WIDTH SPACE)"],
        1: ["property name 'size\\x07' has a control character, U+0007"],
    }
    assert [p for p, _ in sent(plan)] == [(2,)]
    with pytest.raises(ConfigError, match=r"has a control character, U\+0000"):
        plan_events(df[["email"]], event_type="Viewed\x00")
    nested = pd.DataFrame({"email": ["a@x.com"], "p": [{"a\tb": 1}]})
    (reason,) = plan_events(nested, event_type="T").invalid[0]
    assert reason.endswith("has the key 'a\\tb' that has a control character, U+0009")
