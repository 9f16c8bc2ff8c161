"""A column that looks like phone numbers or emails but is not read stops a real send and asks."""

from __future__ import annotations

import inspect
import json

import pandas as pd
import pytest
import responses
from fakes import ME, dataframe_calls

import attentive_nb as att
from attentive_nb.errors import ConfigError, UnmappedColumns

API = "https://api.attentivemobile.com"
QUESTION = (
    "column 'mobile_no' looks like phone numbers: map it with columns={'mobile_no': 'phone'} "
    "or pass ignore=['mobile_no']"
)


def renamed() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "first_name": ["Ada", "Ben"],
            "mobile_no": ["(201) 555-0110", "212-555-0111"],
            "email": ["ada@example.com", None],
        }
    )


@responses.activate
def test_a_real_send_stops_before_any_request_and_asks(conn):
    with pytest.raises(UnmappedColumns) as caught:
        conn.send_subscribers(renamed(), sign_up_source_id="1", progress=False)
    assert str(caught.value) == f"Nothing was sent: {QUESTION}."
    assert caught.value.columns == {"mobile_no": "phone"}
    assert isinstance(caught.value, ConfigError)
    assert len(responses.calls) == 0


def test_the_dry_run_asks_too_and_shows_how_each_column_was_read(conn):
    report = conn.send_subscribers(renamed(), sign_up_source_id="1", dry_run=True)
    assert f"A real send stops here: {QUESTION}." in report.notes
    columns = report.columns
    assert list(columns.columns) == ["column", "read as", "type", "example"]
    assert columns.to_dict("records") == [
        {"column": "first_name", "read as": "not used", "type": "text", "example": "Ada"},
        {
            "column": "mobile_no",
            "read as": "not used: looks like phone numbers",
            "type": "text",
            "example": "(201)•••0110",
        },
        {
            "column": "email",
            "read as": "email",
            "type": "email address",
            "example": "a•••@example.com",
        },
    ]
    page = report._repr_html_()
    assert "How each column was read" in page and "(201)•••0110" in page
    assert "555-0110" not in page


@responses.activate
def test_ignore_sends_without_the_column(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/subscriptions", json={"subscriptionResponses": []}, status=202)
    report = conn.send_subscribers(
        renamed(), sign_up_source_id="1", ignore=["mobile_no"], progress=False
    )
    posted = [json.loads(c.request.body) for c in responses.calls if c.request.method == "POST"]
    assert [p["user"] for p in posted] == [{"email": "ada@example.com"}]
    assert report.table["status"].tolist() == ["sent", "invalid"]
    assert not any("stops here" in note for note in report.notes)


@responses.activate
def test_mapping_the_column_answers_the_question(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/subscriptions", json={"subscriptionResponses": []}, status=202)
    report = conn.send_subscribers(
        renamed(), sign_up_source_id="1", columns={"mobile_no": "phone"}, progress=False
    )
    assert report.table["status"].tolist() == ["sent", "sent"]


def test_ignore_names_columns_of_the_data(conn):
    with pytest.raises(ConfigError, match=r"ignore= names 'mobile', which is not a column"):
        conn.send_subscribers(renamed(), sign_up_source_id="1", ignore=["mobile"], dry_run=True)
    report = conn.send_subscribers(
        renamed(), sign_up_source_id="1", ignore="mobile_no", dry_run=True
    )
    assert not any("stops here" in note for note in report.notes)  # one name, as text


def test_two_columns_are_asked_about_at_once(conn):
    members = pd.DataFrame(
        {
            "phone": ["+12015550110"],
            "home_phone": ["(212) 555-0111"],
            "work_email": ["ada@work.example.com"],
            "tier": ["gold"],
        }
    )
    report = conn.send_attributes(members, dry_run=True)
    (note,) = [n for n in report.notes if "stops here" in n]
    assert note == (
        "A real send stops here: columns 'home_phone' and 'work_email' look like phone numbers "
        "and email addresses: map them with columns={'home_phone': 'phone', 'work_email': "
        "'email'} or pass ignore=['home_phone', 'work_email']."
    )
    assert report.columns["read as"].tolist() == [
        "phone",
        "attribute home_phone: looks like phone numbers",
        "attribute work_email: looks like email addresses",
        "attribute tier",
    ]


@pytest.mark.parametrize("method", dataframe_calls())
def test_every_send_and_lookup_takes_ignore_and_documents_it(method):
    function = getattr(att.Connection, method)
    assert inspect.signature(function).parameters["ignore"].default == ()
    assert "ignore: Columns that look like phone numbers or emails" in function.__doc__
