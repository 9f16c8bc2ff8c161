"""Segments against the sandbox: made from a frame, mirrored, and every request per the v2 spec.

Each test counts at the sandbox what it applied (``sb.segment_members``,
``sb.received``), not only what the report says.
"""

from __future__ import annotations

import socket
from collections import Counter

import pandas as pd
import pytest
from attentive_spec import validate_payload

import attentive_nb as att
from attentive_nb.errors import ConfigError, ScopeError
from attentive_nb.http.client import RetryPolicy
from attentive_nb.plan.segments import plan_members
from attentive_nb.sandbox import Sandbox
from attentive_nb.sandbox.faults import REJECTED_MEMBER
from attentive_nb.send.ledger import Ledger
from attentive_nb.send.processes import Process
from attentive_nb.send.resend import policy

pytestmark = pytest.mark.sandbox

MEMBERS = "/v2/bulk/segments/members"
TAKEN_OUT = "DELETE " + MEMBERS  # the sandbox keeps removals apart from additions
SEGMENT = "/v2/segments/external/{externalId}"
MIRROR_NOTE = (
    "Mirror works from this folder's ledger: Attentive cannot list a segment's members, so "
    "only people this ledger put in are taken out; people added some other way are not touched."
)
FAST_RETRIES = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)


def connect(sb: Sandbox) -> att.Connection:
    return att.Connection.from_api_key(sb.api_key, api_url=sb.url, retry=FAST_RETRIES)


def people(n: int, prefix: str = "p") -> pd.DataFrame:
    return pd.DataFrame({"email": [f"{prefix}{i}@example.com" for i in range(n)]})


def quiet(**options):
    return {"progress": False, **options}


def emails(sb: Sandbox, external_id: str) -> set[str]:
    return {m["email"] for m in sb.segment_members(external_id)}


def requests_to(sb: Sandbox, endpoint: str) -> list[dict]:
    return [h for h in sb.history if h["endpoint"] == endpoint and h["status"] == 202]


def arrivals(sb: Sandbox, endpoint: str) -> list[dict]:
    """Every request the sandbox took for ``endpoint``, whatever it answered, or when."""
    return [h for h in sb.history if h["endpoint"] == endpoint]


def check_every_segments_request(sb: Sandbox) -> None:
    """Every body the sandbox took for a segments endpoint fits the v2 OpenAPI document."""
    for body in sb.received("/v2/segments"):
        validate_payload("POST", "/v2/segments", body)
    for body in sb.received(MEMBERS):
        validate_payload("POST", MEMBERS, body)
    for body in sb.received(TAKEN_OUT):
        validate_payload("DELETE", MEMBERS, body)
    for body in sb.received("PATCH " + SEGMENT):
        validate_payload("PATCH", SEGMENT, body)


def only_segment(conn: att.Connection) -> str:
    (external_id,) = conn.segments()["external_id"]
    return str(external_id)


def test_25000_members_go_in_3_requests_and_all_of_them_are_in_the_segment(sandbox, capsys):
    conn = connect(sandbox)
    report = conn.sync_segment(people(25_000), "Lapsed buyers", **quiet())
    said = capsys.readouterr().out
    assert "+25,000 added, -0 removed, 0 unchanged (to be sent).\n" in said  # before sending
    external_id = only_segment(conn)
    assert report.counts["sent"] == 25_000
    assert len(arrivals(sandbox, "segment_add")) == 3
    assert len(emails(sandbox, external_id)) == 25_000
    assert report.notes[0].endswith("+25,000 added, -0 removed, 0 unchanged (planned to be sent).")
    check_every_segments_request(sandbox)


def test_requests_are_whole_however_little_the_planner_has_built_ahead(sandbox, monkeypatch):
    """Units come from the planner's thread a list at a time: a request is never cut short
    by what happened to be built when the engine asked (one request more each time)."""
    from attentive_nb.send import engine, prefetch

    monkeypatch.setattr(engine, "CHUNK_ROWS", 3_000)  # lists of 3,000 members...
    monkeypatch.setattr(prefetch, "AHEAD", 1)  # ...at most two at hand: never 10,000
    report = connect(sandbox).sync_segment(people(25_000), "Whole", **quiet())
    assert report.counts["sent"] == 25_000
    assert [len(body["members"]) for body in sandbox.received(MEMBERS)] == [10_000, 10_000, 5_000]


def test_a_sync_builds_each_members_request_once_dry_run_or_real(sandbox, monkeypatch):
    """The sync reads every member's key before sending; the run takes the same Requests."""
    from attentive_nb.plan import members

    built: list[int] = []
    chunk = members._chunk

    def counted(firsts, *rest):
        built.append(len(firsts))
        return chunk(firsts, *rest)

    monkeypatch.setattr(members, "_chunk", counted)
    conn = connect(sandbox)
    dry = conn.sync_segment(people(12_000), "Once", dry_run=True, **quiet())
    assert dry.counts["would_send"] == 12_000 and sum(built) == 12_000
    built.clear()
    report = conn.sync_segment(people(12_000), "Once", **quiet())
    assert report.counts["sent"] == 12_000 and sum(built) == 12_000
    assert len(emails(sandbox, only_segment(conn))) == 12_000


def test_mirror_sends_exactly_who_left_and_who_joined_and_an_unchanged_rerun_sends_nothing(
    sandbox,
):
    conn = connect(sandbox)
    first = people(5_000)
    conn.sync_segment(first, "VIP", **quiet())
    external_id = only_segment(conn)
    before = len(sandbox.received(MEMBERS))

    joined = people(500, prefix="new")
    week_two = pd.concat([first.iloc[1000:], joined], ignore_index=True)
    report = conn.sync_segment(week_two, "VIP", **quiet())
    sent = sandbox.received(MEMBERS)[before:] + sandbox.received(TAKEN_OUT)
    sent_emails = [m["email"] for body in sent for m in body["members"]]
    leavers, joiners = set(first["email"][:1000]), set(joined["email"])
    assert sorted(sent_emails) == sorted(leavers | joiners)  # nobody else, nobody twice
    assert emails(sandbox, external_id) == set(week_two["email"])
    assert report.counts["sent"] == 500 and report.counts["skipped"] == 4_000
    assert report.removed is not None and report.removed.counts["sent"] == 1000
    assert "•" in report.removed.table["email"].iloc[0]  # masked
    assert "+500 added, -1,000 removed, 4,000 unchanged" in report.notes[0]
    assert MIRROR_NOTE in report.notes  # says it works from the ledger, leaves others be
    assert len(sandbox.received(TAKEN_OUT)) == 1  # 1,000 leavers: one removal request

    again = len(sandbox.received(MEMBERS)), len(sandbox.received(TAKEN_OUT))
    rerun = conn.sync_segment(week_two, "VIP", **quiet())
    assert (len(sandbox.received(MEMBERS)), len(sandbox.received(TAKEN_OUT))) == again
    assert rerun.counts["skipped"] == len(week_two) and rerun.removed is None
    check_every_segments_request(sandbox)


def test_a_person_taken_out_and_put_back_is_added_again(sandbox):
    conn = connect(sandbox)
    df = people(3)
    conn.sync_segment(df, "Churn risk", **quiet())
    external_id = only_segment(conn)
    conn.sync_segment(df.iloc[:2], "Churn risk", **quiet())
    assert emails(sandbox, external_id) == set(df["email"][:2])
    back = conn.sync_segment(df, "Churn risk", **quiet())
    assert back.counts["sent"] == 1 and emails(sandbox, external_id) == set(df["email"])


def test_add_and_remove_modes_leave_everyone_else_alone(sandbox):
    conn = connect(sandbox)
    conn.sync_segment(people(4), "Mixed", mode="add", **quiet())
    external_id = only_segment(conn)
    conn.sync_segment(people(2, prefix="x"), "Mixed", mode="add", **quiet())
    assert len(emails(sandbox, external_id)) == 6
    removed = conn.sync_segment(people(1), "Mixed", mode="remove", **quiet())
    assert removed.counts["sent"] == 1 and len(emails(sandbox, external_id)) == 5
    assert MIRROR_NOTE not in removed.notes  # only a mirror works from the ledger's record
    check_every_segments_request(sandbox)


def test_lost_answers_are_recovered_on_a_rerun():
    with Sandbox(port=0, bulk_delay_s=0.1, reset_rate=1.0, seed=3) as sb:
        sb.faults.endpoints = frozenset({"segment_add"})
        conn = connect(sb)
        df = people(30)
        first = conn.sync_segment(df, "Lost", **quiet())
        assert (first.table["status"] == "unknown").all()
        sb.faults.reset_rate = 0.0
        second = conn.sync_segment(df, "Lost", **quiet())
        assert second.counts["sent"] == 30
        assert emails(sb, only_segment(conn)) == set(df["email"])  # adding twice: once


def test_an_answer_later_than_the_client_waits_is_resent_once_and_no_more():
    """A slow answer is a lost one: membership is idempotent, so the body is sent again
    (the resend rule's one copy per lost answer, up to the retry policy's attempts), and
    nothing else is: each of a 25,000-member sync's 3 bodies reached the sandbox exactly
    as many times as the report says it was tried, and every slow answer cost one more try.

    Counted against the client's own attempts, not the sandbox's slow answers alone: on a
    loaded machine an answer the sandbox meant as prompt may also come after the client
    stopped waiting, and is then rightly sent again."""
    with Sandbox(port=0, bulk_delay_s=0.2, slow_rate=0.2, slow_seconds=3.0, seed=11) as sb:
        sb.faults.endpoints = frozenset({"segment_add"})
        # Six attempts: a body answered late every time (0.2 ** 6) would end unknown.
        retry = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)
        conn = att.Connection.from_api_key(
            sb.api_key, api_url=sb.url, retry=retry, timeout=(5.0, 2.0)
        )
        df = people(25_000)
        report = conn.sync_segment(df, "Slow", **quiet())
        assert report.counts["sent"] == 25_000, report.summary
        # Recorded as each body is processed, before its answer (slow or not) leaves.
        took = Counter(tuple(m["email"] for m in body["members"]) for body in sb.received(MEMBERS))
        slow = sb.counters.get("slow", 0)
        assert slow, "the seed gives no slow answer: the test shows nothing"
        tries = dict(zip(df["email"], report.table["attempts"], strict=True))
        assert len(took) == 3
        assert {body: tries[body[0]] for body in took} == dict(took)  # each as often as tried
        assert all(len({tries[e] for e in body}) == 1 for body in took)
        assert sum(took.values()) - 3 >= slow  # every slow answer was sent again
        assert len(emails(sb, only_segment(conn))) == 25_000  # adding twice: once
        again = conn.sync_segment(df, "Slow", **quiet())
        assert again.counts["skipped"] == 25_000
        assert len(sb.received(MEMBERS)) == sum(took.values())


def _claim_all(sb: Sandbox, conn: att.Connection, df: pd.DataFrame, process: Process) -> None:
    external_id = conn.create_segment("Busy", external_id="busy")["externalId"]
    plan = plan_members(df, external_id)
    keys = [r.key for chunk in plan.requests() for r in chunk]
    ledger = Ledger(process=process)
    run = ledger.open_run(conn.company_id(), "segment_add")
    run.claim(keys, policy(False, True), max_claims=len(keys))
    ledger.close()


def test_a_run_in_progress_keeps_its_rows_and_a_dead_runs_rows_are_sent(sandbox):
    conn = connect(sandbox)
    df = people(5)
    _claim_all(sandbox, conn, df, Process.current())  # live: this very process
    busy = conn.sync_segment(df, "busy", **quiet())
    assert (busy.table["status"] == "skipped").all()
    assert all("another run in progress" in r for r in busy.table["reason"])
    assert emails(sandbox, "busy") == set()


def test_an_interrupted_run_is_picked_up_by_the_next(sandbox):
    conn = connect(sandbox)
    df = people(5)
    _claim_all(sandbox, conn, df, Process(2**22 + 7, socket.gethostname(), "gone"))
    report = conn.sync_segment(df, "busy", **quiet())
    assert report.counts["sent"] == 5 and emails(sandbox, "busy") == set(df["email"])


def test_bad_input_is_refused_in_one_line_and_nothing_is_sent(sandbox):
    conn = connect(sandbox)
    with pytest.raises(ConfigError, match="240 at most"):
        conn.sync_segment(people(1), "x" * 256, **quiet())
    with pytest.raises(ConfigError, match="240 at most"):
        conn.create_segment("x" * 241)
    with pytest.raises(ConfigError, match="blank"):
        conn.sync_segment(people(1), "   ", **quiet())
    with pytest.raises(ConfigError, match="No column identifies the people"):
        conn.sync_segment(pd.DataFrame({"name": ["Ann"]}), "Named", **quiet())
    with pytest.raises(ConfigError, match="No phone in column 'phone' is a valid number"):
        conn.sync_segment(pd.DataFrame({"phone": ["12", "abc"]}), "Phones", **quiet())
    with pytest.raises(ConfigError, match="mode="):
        conn.sync_segment(people(1), "Modes", mode="replace", **quiet())
    assert sandbox.received(MEMBERS) == []


def test_a_segment_deleted_at_attentive_is_said_and_create_true_makes_it_again(sandbox):
    conn = connect(sandbox)
    conn.sync_segment(people(2), "Gone soon", **quiet())
    external_id = only_segment(conn)
    assert conn.delete_segment(external_id, confirm=True).startswith("Deleted segment")
    with pytest.raises(ConfigError, match="may have been deleted there.*create=True"):
        conn.sync_segment(people(2), external_id, create=False, **quiet())
    again = conn.sync_segment(people(2), "Gone soon", **quiet())
    assert again.counts["sent"] == 2 and len(emails(sandbox, only_segment(conn))) == 2


def test_delete_asks_and_refuses_without_an_answer(sandbox, monkeypatch):
    conn = connect(sandbox)
    conn.create_segment("Keep me")
    monkeypatch.setattr("builtins.input", lambda _question: "no")
    with pytest.raises(ConfigError, match="Not deleted"):
        conn.delete_segment("Keep me")
    assert list(conn.segments()["name"]) == ["Keep me"]


def test_removing_more_than_1000_needs_a_yes(sandbox, monkeypatch):
    conn = connect(sandbox)
    conn.sync_segment(people(1001), "Big", **quiet())
    monkeypatch.setattr("builtins.input", lambda _question: "")
    with pytest.raises(ConfigError, match="1,001 people would leave"):
        conn.sync_segment(people(1, prefix="z"), "Big", **quiet())
    dry = conn.sync_segment(people(1, prefix="z"), "Big", **quiet(dry_run=True))
    assert "+1 added, -1,001 removed, 0 unchanged (would be sent)" in dry.notes[0]
    done = conn.sync_segment(people(1, prefix="z"), "Big", **quiet(confirm=True))
    assert done.removed is not None and done.removed.counts["sent"] == 1001
    assert sum(len(body["members"]) for body in sandbox.received(TAKEN_OUT)) == 1001
    check_every_segments_request(sandbox)  # the DELETE bodies among them


def test_typing_the_word_when_asked_stands_for_confirm(sandbox, monkeypatch):
    conn = connect(sandbox)
    conn.sync_segment(people(1001), "Big", **quiet())
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or " REMOVE ")
    done = conn.sync_segment(people(1, prefix="z"), "Big", **quiet())
    assert done.removed is not None and done.removed.counts["sent"] == 1001
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or "DELETE")
    conn.delete_segment("Big")
    assert conn.segments().empty
    assert ["Type REMOVE" in asked[0], "Type DELETE" in asked[1]] == [True, True]


def test_taking_more_than_1000_out_with_mode_remove_needs_a_yes_too(sandbox, monkeypatch):
    conn = connect(sandbox)
    conn.sync_segment(people(1001), "Big", mode="add", **quiet())
    monkeypatch.setattr("builtins.input", lambda _question: "")
    with pytest.raises(ConfigError, match="1,001 people would leave"):
        conn.sync_segment(people(1001), "Big", mode="remove", **quiet())
    assert sandbox.received(TAKEN_OUT) == []
    done = conn.sync_segment(people(1001), "Big", mode="remove", **quiet(confirm=True))
    assert done.counts["sent"] == 1001
    assert sum(len(body["members"]) for body in sandbox.received(TAKEN_OUT)) == 1001
    few = conn.sync_segment(people(3, prefix="z"), "Big", mode="remove", **quiet())
    assert few.counts["sent"] == 3  # 1,000 or fewer: no question


def test_names_rename_and_a_name_two_segments_share(sandbox):
    conn = connect(sandbox)
    conn.create_segment("  Twins  ", external_id="a", description="first of two")
    conn.create_segment("Twins", external_id="b")
    table = conn.segments()
    assert list(table.columns) == ["external_id", "name", "description", "created", "updated"]
    assert list(table["name"]) == ["Twins", "Twins"]  # trimmed, as Attentive documents
    with pytest.raises(ConfigError, match="Two segments are named 'Twins'.*'a' and 'b'"):
        conn.rename_segment("Twins", name="Solo")
    assert conn.rename_segment("b", name="Solo")["name"] == "Solo"
    assert conn.rename_segment("a", description="  second of two ")["description"] == (
        "second of two"
    )
    assert sandbox.received("PATCH " + SEGMENT) == [
        {"name": "Solo"},
        {"description": "second of two"},
    ]
    check_every_segments_request(sandbox)  # the PATCH bodies among them


def test_a_token_without_the_segment_scopes_is_told_which_one_is_missing(sandbox):
    token = sandbox.token_for(["subscriptions:write"])
    conn = att.Connection.from_token(token, api_url=sandbox.url)
    with pytest.raises(ScopeError, match="segments:read"):
        conn.segments()


def test_the_command_line_syncs_lists_and_deletes(sandbox, tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "p.csv").write_text("email\na@example.com\nb@example.com\n")
    env = {**os.environ, **sandbox.environment()}

    def cli(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "attentive_nb.cli", "segment", *args]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)

    dry = cli("sync", "p.csv", "--segment", "Lapsed", "--dry-run")
    assert dry.returncode == 0 and "+2 added, -0 removed, 0 unchanged" in dry.stdout
    assert sandbox.received(MEMBERS) == []
    done = cli("sync", "p.csv", "--segment", "Lapsed")
    assert done.returncode == 0, done.stderr
    listed = cli("list")
    assert "Lapsed" in listed.stdout
    external_id = listed.stdout.splitlines()[1].split()[0]
    assert emails(sandbox, external_id) == {"a@example.com", "b@example.com"}
    refused = subprocess.run(
        [sys.executable, "-m", "attentive_nb.cli", "segment", "delete", "Lapsed"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert cli("delete", "Lapsed", "--yes").returncode == 0
    assert "No segments" in cli("list").stdout
    assert "--mode" in cli("sync", "--help").stdout


def test_the_command_line_exits_as_send_does(sandbox, tmp_path):
    """1 when a row is not sent (an invalid email), 2 for a file no person can be read from."""
    import os
    import subprocess
    import sys

    (tmp_path / "some.csv").write_text("email\na@example.com\nnot an email\n")
    (tmp_path / "none.csv").write_text("name\nAnn\n")
    env = {**os.environ, **sandbox.environment()}

    def sync(name: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "attentive_nb.cli", "segment", "sync", name]
        command += ["--segment", "Exits", "--wait", "5"]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)

    some = sync("some.csv")
    assert some.returncode == 1, some.stdout + some.stderr
    assert "invalid          1" in some.stdout and "not a valid address" in some.stdout
    assert emails(sandbox, only_segment(connect(sandbox))) == {"a@example.com"}
    none = sync("none.csv")
    assert none.returncode == 2 and "No column identifies the people" in none.stderr, none.stderr


def test_default_region_reads_numbers_written_without_a_plus(sandbox):
    frame = pd.DataFrame({"phone": ["020 7183 8750", "07400 123456"]})
    report = connect(sandbox).sync_segment(frame, "UK", default_region="GB", **quiet())
    assert report.counts["sent"] == 2, report.table
    phones = {m["phone"] for m in sandbox.segment_members(only_segment(connect(sandbox)))}
    assert phones == {"+442071838750", "+447400123456"}


def test_refresh_of_a_mirror_also_refreshes_the_people_taken_out(sandbox, tmp_path):
    conn = connect(sandbox)
    folder = tmp_path / "ledger.sqlite"  # the ledger named by its path, as a notebook does
    conn.sync_segment(people(20), "Lapsed", ledger=folder, **quiet())
    report = conn.sync_segment(people(15, prefix="q"), "Lapsed", ledger=folder, **quiet(wait=0))
    assert report.removed is not None
    assert report.counts["submitted"] == 15 and report.removed.counts["submitted"] == 20
    report.refresh(wait=10)  # one call: the ledger it uses is still open
    assert report.counts["sent"] == 15
    assert report.removed.counts["sent"] == 20
    assert emails(sandbox, only_segment(conn)) == set(people(15, prefix="q")["email"])


def test_a_mirror_that_only_takes_people_out_says_so_and_counts_the_removals(sandbox, capsys):
    conn = connect(sandbox)
    df = people(4)
    conn.sync_segment(df, "Shrinking", **quiet())
    capsys.readouterr()
    report = conn.sync_segment(df.iloc[:2], "Shrinking", **quiet())
    said = capsys.readouterr().out
    assert report.removed is not None and report.removed.counts["sent"] == 2
    assert "+0 added, -2 removed, 2 unchanged" in said
    # Not "Nothing to send": two removals are sent right after.
    assert "Nothing to send" not in said, said
    assert "No one to add: 2 rows skipped (see the notes); 2 to take out." in said, said


def test_a_dry_run_would_send_every_row_and_a_job_that_fails_leaves_its_rows_failed(sandbox):
    conn = connect(sandbox)
    dry = conn.sync_segment(people(3), "Statuses", **quiet(dry_run=True))
    assert list(dry.table["status"]) == ["would_send"] * 3
    assert sandbox.received(MEMBERS) == []
    sandbox.faults.fail_bulk_jobs = True
    report = conn.sync_segment(people(3), "Statuses", **quiet())
    sandbox.faults.fail_bulk_jobs = False
    assert list(report.table["status"]) == ["failed"] * 3, report.table
    assert emails(sandbox, only_segment(conn)) == set()
    again = conn.sync_segment(people(3), "Statuses", **quiet())  # failed rows are sent again
    assert again.counts["sent"] == 3 and len(emails(sandbox, only_segment(conn))) == 3


def test_members_attentive_refuses_are_rejected_with_its_message_and_sent_again_later(sandbox):
    conn = connect(sandbox)
    df = people(4)
    sandbox.faults.reject_members = frozenset({"p1@example.com"})
    first = conn.sync_segment(df, "Picky", **quiet())
    external_id = only_segment(conn)
    assert list(first.table["status"]) == ["sent", "rejected", "sent", "sent"], first.table
    assert REJECTED_MEMBER in first.table["reason"].iloc[1]
    assert emails(sandbox, external_id) == set(df["email"]) - {"p1@example.com"}

    sandbox.faults.reject_members = frozenset({"p0@example.com"})  # p0 leaves: refused
    second = conn.sync_segment(df.iloc[1:], "Picky", **quiet())
    assert list(second.table["status"]) == ["sent", "skipped", "skipped"]  # p1 sent again
    assert second.removed is not None
    assert list(second.removed.table["status"]) == ["rejected"], second.removed.table
    assert REJECTED_MEMBER in second.removed.table["reason"].iloc[0]
    assert "•" in second.removed.table["email"].iloc[0]  # masked, rejected or not
    assert emails(sandbox, external_id) == set(df["email"])  # p0 is still in

    sandbox.faults.reject_members = frozenset()
    third = conn.sync_segment(df.iloc[1:], "Picky", **quiet())
    assert third.removed is not None and list(third.removed.table["status"]) == ["sent"]
    assert emails(sandbox, external_id) == set(df["email"][1:])
    check_every_segments_request(sandbox)


def test_columns_maps_a_column_not_known_by_name(sandbox):
    conn = connect(sandbox)
    df = pd.DataFrame({"Work address": ["a@example.com", "b@example.com"]})
    with pytest.raises(ConfigError, match="No column identifies the people"):
        conn.sync_segment(df, "Mapped", **quiet())
    report = conn.sync_segment(df, "Mapped", columns={"Work address": "email"}, **quiet())
    assert report.counts["sent"] == 2
    assert emails(sandbox, only_segment(conn)) == set(df["Work address"])


def test_ignore_lets_a_look_alike_column_stay_out_of_the_members(sandbox):
    conn = connect(sandbox)
    df = people(2).assign(backup=["x0@example.com", "x1@example.com"])
    with pytest.raises(att.errors.UnmappedColumns, match="ignore=\\['backup'\\]"):
        conn.sync_segment(df, "Looks", **quiet())
    assert sandbox.received(MEMBERS) == []
    report = conn.sync_segment(df, "Looks", ignore=["backup"], **quiet())
    assert report.counts["sent"] == 2
    assert emails(sandbox, only_segment(conn)) == set(df["email"])  # not the backups


def test_resend_sends_members_the_ledger_has_as_sent_again(sandbox):
    conn = connect(sandbox)
    df = people(3)
    conn.sync_segment(df, "Again", **quiet())
    sent_before = len(sandbox.received(MEMBERS))
    skipped = conn.sync_segment(df, "Again", **quiet())
    assert skipped.counts["skipped"] == 3 and len(sandbox.received(MEMBERS)) == sent_before
    again = conn.sync_segment(df, "Again", **quiet(resend=True))
    assert again.counts["sent"] == 3
    (body,) = sandbox.received(MEMBERS)[sent_before:]
    assert sorted(m["email"] for m in body["members"]) == sorted(df["email"])
    assert "+3 added, -0 removed, 0 unchanged" in again.notes[0], again.notes[0]
    assert emails(sandbox, only_segment(conn)) == set(df["email"])  # adding twice: once


def test_a_removal_whose_answer_was_lost_is_sent_again_by_the_next_mirror():
    with Sandbox(port=0, bulk_delay_s=0.1, seed=5) as sb:
        conn = connect(sb)
        df = people(3)
        conn.sync_segment(df, "Lost out", **quiet())
        sb.faults.endpoints, sb.faults.reset_rate = frozenset({"segment_remove"}), 1.0
        lost = conn.sync_segment(df.iloc[1:], "Lost out", **quiet())
        assert lost.removed is not None
        assert list(lost.removed.table["status"]) == ["unknown"], lost.removed.table
        sb.faults.reset_rate = 0.0
        again = conn.sync_segment(df.iloc[1:], "Lost out", **quiet())
        assert again.removed is not None
        assert list(again.removed.table["status"]) == ["sent"], again.removed.table
        assert emails(sb, only_segment(conn)) == set(df["email"][1:])
