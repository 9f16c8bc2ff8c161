"""The plan of privacy deletion requests: one ``POST /v1/privacy/delete-request`` per person.

A row names its person by ``phone``, ``email`` and/or ``client_user_id``,
checked as for subscribe (a phone that is not a phone makes the row invalid:
nobody is deleted on a guess). Rows that share one of them and agree on the
others are one person and one request; rows that share one but disagree are
each requested as written, so that every identifier in the data is reached.
``message`` (Attentive's ``requestMsg``, for its audit trail) goes on every
request.

The ledger key of a request is the person alone, normalised (E.164 phone,
email in lower case, the client user id as stripped): the same person spelled
``(201) 555-0123`` or ``+12015550123``, ``Ann@X.com`` or ``ann@x.com``, or
asked for with another message, is the same request, and a re-run skips them.
The endpoint also declares ``reaches=`` (``endpoints.DELETES``), so the ledger
knows each phone and email deleted: a row naming an earlier person by fewer
identifiers is skipped too, and one adding a new phone or email is sent.
"""

from __future__ import annotations

import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.plan.model import Columns, Payload, Plan, Unit
from attentive_nb.plan.prepare import prepare
from attentive_nb.plan.subscriptions import people
from attentive_nb.plan.users import firsts

# Our field names -> PrivacyRequestAddDeleteEventDto's.
SUBJECT_FIELDS = {"phone": "subjectPhone", "email": "subjectEmail", "clientUserId": "clientUserId"}
MESSAGE_FIELD = "requestMsg"


def plan_deletions(
    df: pd.DataFrame,
    *,
    message: str | None = None,
    columns: Columns | None = None,
    default_region: str = "US",
) -> Plan:
    """Plan one deletion request per person; see :meth:`Connection.request_deletion`."""
    note = _message(message)
    rows = prepare(df, "privacy_delete", columns=columns, default_region=default_region)

    def payload(unit: Unit) -> Payload:
        subject = firsts(rows.ids, SUBJECT_FIELDS, unit)
        body: Payload = {SUBJECT_FIELDS[k]: v for k, v in subject.items()}
        if note is not None:
            body[MESSAGE_FIELD] = note
        return body

    grouping = people(rows, df.index, refuse_conflicts=False, link_on=tuple(SUBJECT_FIELDS))
    return Plan.of(
        "deletions",
        rows,
        df.index,
        units=grouping.units,
        count=len(grouping),
        payload=payload,
        duplicates=grouping.merged,
        keyed=person_key,
    )


def person_key(payload: Payload) -> Payload:
    """What of a deletion names it in the ledger: the person, normalised; not the message."""
    found = {name: payload[name] for name in SUBJECT_FIELDS.values() if name in payload}
    if "subjectEmail" in found:
        found["subjectEmail"] = str(found["subjectEmail"]).lower()
    return found


def _message(message: object) -> str | None:
    """The audit-trail message as written (None: none), or ConfigError."""
    if message is None:
        return None
    if not isinstance(message, str):
        raise ConfigError(
            "message= must be text (the note kept with each request), "
            f"not {type(message).__name__}."
        )
    return message if message.strip() else None
