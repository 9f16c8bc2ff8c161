"""A streamed run (send/stream.py): chunks planned while sending, one engine run, one report.

HTTP is faked at the edge (responses); the chunk size is made small so a few hundred rows
make several chunks. No sockets, no sleeps.
"""

from __future__ import annotations

import json
import re
import sqlite3

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import responses
from fakes import ME

import attentive_nb as att
from attentive_nb.plan.hashes import Hashes64, hash64
from attentive_nb.plan.model import KeyCounter
from attentive_nb.report import RowOutcome
from attentive_nb.send import engine, memory_back, stream

API = "https://api.attentivemobile.com"
EVENTS = f"{API}/v1/events/custom"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(stream, "STREAM_ROWS", 40)


def events(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [f"+1201{5550000 + i % 97:07d}" for i in range(start, start + n)],
            "sku": [f"A{i % 61}" for i in range(start, start + n)],
        }
    )


def keys(path) -> list[str]:
    with sqlite3.connect(path) as db:
        return sorted(k for (k,) in db.execute("SELECT key FROM requests"))


def quiet(**options):
    return {"progress": False, "event_type": "Viewed", **options}


def posted() -> list[dict]:
    return [json.loads(c.request.body) for c in responses.calls if c.request.method == "POST"]


def accept():
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(EVENTS, status=200)


# -- the parts ---------------------------------------------------------------------------


def test_hashes64_finds_what_was_added_first_value_wins():
    seen = Hashes64(width=1)
    for start in range(0, 1000, 100):  # many runs, merged as they grow
        keys_ = np.arange(start, start + 150, dtype=np.uint64)
        seen.add(keys_, (keys_.astype(np.int64) * 10).reshape(-1, 1))
    found, values = seen.find(np.array([0, 149, 999, 1049, 1050, 5000], dtype=np.uint64))
    assert found.tolist() == [True, True, True, True, False, False]
    assert values[:, 0].tolist() == [0, 1490, 9990, 10490, -1, -1]
    assert len(seen) == 1050


def test_hash64_tells_values_apart_and_repeats_alike():
    hashed = hash64(np.array(["a", "b", "a", None], dtype=object))
    assert hashed[0] == hashed[2] and hashed[0] != hashed[1]


def test_one_key_counter_over_two_halves_gives_one_runs_copies():
    texts = ["x", "y", "x", "x", "z", "y"]
    whole = KeyCounter().assign("events", texts)
    shared = KeyCounter()
    assert shared.assign("events", texts[:3]) + shared.assign("events", texts[3:]) == whole
    assert len(set(whole)) == 6


# -- a streamed send -----------------------------------------------------------------------


@responses.activate
def test_a_large_frame_is_streamed_with_the_ledger_keys_of_a_whole_frame_run(conn, tmp_path):
    accept()
    df = events(300)  # 97 phones, 61 skus: repeats across chunks
    stream.STREAM_ROWS = 10**9
    whole = conn.send_events(df, ledger=tmp_path / "a.sqlite", **quiet())  # one frame
    stream.STREAM_ROWS = 40
    assert not any("Streamed" in n for n in whole.notes)
    whole_keys = keys(tmp_path / "a.sqlite")
    streamed = conn.send_events(df, ledger=tmp_path / "b.sqlite", **quiet())
    assert keys(tmp_path / "b.sqlite") == whole_keys
    assert streamed.counts == whole.counts
    assert any("Streamed: 300 rows read in 8 chunks" in n for n in streamed.notes)
    assert list(streamed.table.index) == list(df.index)


@responses.activate
def test_the_same_event_in_two_chunks_is_sent_once_and_both_rows_say_sent(conn):
    accept()
    df = pd.concat([events(50), events(5)], ignore_index=True)  # rows 50-54 repeat 0-4
    report = conn.send_events(df, **quiet())
    assert len(posted()) == 50
    table = report.table
    assert (table["status"] == "sent").all()
    assert "same event as row 0" in table["reason"].iloc[50]


@responses.activate
def test_one_event_id_for_two_events_in_two_chunks_refuses_the_later(conn):
    accept()
    df = events(60)
    df["event_id"] = [f"e{i}" for i in range(60)]
    df.loc[45, "event_id"] = "e3"
    report = conn.send_events(df, event_id_column="event_id", **quiet())
    assert report.table["status"].iloc[45] == "invalid"
    assert "also used by row 3" in report.table["reason"].iloc[45]
    assert report.counts["sent"] == 59


@responses.activate
def test_a_person_named_in_an_earlier_chunk_is_remarked_on(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v1/attributes/custom", status=200)
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(50)], "tier": "gold"})
    df.loc[45, "email"] = "P2@EXAMPLE.COM"
    report = conn.send_attributes(df, progress=False)
    assert "same person as row 2" in report.table["reason"].iloc[45]
    assert report.counts["sent"] == 50


@responses.activate
def test_arrow_batches_and_polars_stream_and_name_rows_by_position(conn):
    accept()
    table = pa.Table.from_pandas(events(100))
    report = conn.send_events(table.to_reader(max_chunksize=30), **quiet())
    assert report.counts["sent"] == 100
    assert list(report.table.index) == list(range(100))
    assert any("in 4 chunks" in n for n in report.notes)


@responses.activate
def test_an_empty_iterator_is_a_report_of_no_rows(conn):
    responses.get(f"{API}/v1/me", json=ME)
    report = conn.send_events(iter([]), **quiet())
    assert len(report) == 0 and report.ok


@responses.activate
def test_a_chunk_with_other_columns_stops_there_naming_the_difference(conn):
    accept()
    bad = events(30, 60).rename(columns={"sku": "item"})
    report = conn.send_events(iter([events(30), events(30, 30), bad]), **quiet())
    assert report.counts["sent"] == 60 and len(report) == 60
    stop = (
        "Stopped at chunk 3 of the data: Chunk 3 has other columns than the first chunk: "
        "without ['sku'], with ['item']. Every chunk needs the same columns. The rows before "
        "it are recorded; the rest are not_sent."
    )
    assert stop in report.notes  # one full stop between the error and the rest
    assert any("read up to row 60" in n for n in report.notes)
    assert not report.ok and "Chunk 3 has other columns" in report.unfinished


@responses.activate
def test_a_source_raising_midway_keeps_the_rows_before_and_shows_the_error(conn):
    accept()

    def pages():
        yield events(30)
        yield events(30, 30)
        raise RuntimeError("the warehouse went away")

    report = conn.send_events(pages(), **quiet())
    assert report.counts["sent"] == 60
    assert any("the warehouse went away" in n for n in report.notes)
    # every row it holds was sent, but the input was not read to its end: not ok
    assert not report.ok and len(report.to_retry) == 0
    assert report.unfinished == "stopped at chunk 3 of the data: the warehouse went away"
    assert "input not read to its end" in repr(report)
    assert "the warehouse went away" in report._repr_html_()


@responses.activate
def test_a_stream_read_to_its_end_is_finished_and_one_chunk_is_said_so(conn):
    accept()
    report = conn.send_events(iter([events(30)]), **quiet())
    assert report.ok and report.unfinished is None
    assert "Streamed: 30 rows read in 1 chunk." in report.notes


@responses.activate
def test_a_large_frame_interrupted_leaves_the_rest_not_sent_and_the_rerun_skips_the_sent(
    conn, tmp_path, monkeypatch
):
    accept()
    df = events(200)
    calls = []
    original_emit = engine.Engine._emit

    def emit(self, records, progress):  # stands for Ctrl-C once 40 rows were recorded
        yield from original_emit(self, records, progress)
        calls.append(len(records))
        if sum(calls) >= 40:
            self._on_interrupt()

    monkeypatch.setattr(engine.Engine, "_emit", emit)
    ledger = tmp_path / "l.sqlite"
    first = conn.send_events(df, ledger=ledger, workers=1, **quiet())
    assert first.counts["sent"] >= 40 and first.counts["not_sent"] > 0
    assert first.counts["sent"] + first.counts["not_sent"] == 200
    monkeypatch.setattr(engine.Engine, "_emit", original_emit)
    before = len(posted())
    again = conn.send_events(df, ledger=ledger, **quiet())
    assert len(posted()) - before == 200 - first.counts["sent"]
    assert again.counts["sent"] == 200 - first.counts["sent"]
    assert again.counts["skipped"] == first.counts["sent"]


@responses.activate
def test_a_dry_run_reads_everything_first(conn):
    report = conn.send_events(iter([events(30), events(30, 30)]), **quiet(dry_run=True))
    assert report.counts["would_send"] == 60
    assert not any("Streamed" in n for n in report.notes)


@responses.activate
def test_bulk_attributes_stream_with_the_keys_of_a_whole_frame_run(conn, tmp_path):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v2/bulk/user/attributes", status=202, json={"batchJobId": "job-1"})
    df = pd.DataFrame({"email": [f"p{i % 70}@example.com" for i in range(100)], "tier": "gold"})
    stream.STREAM_ROWS = 10**9
    conn.send_attributes(df, bulk=True, wait=0, ledger=tmp_path / "a.sqlite", progress=False)
    stream.STREAM_ROWS = 40
    report = conn.send_attributes(
        df, bulk=True, wait=0, ledger=tmp_path / "b.sqlite", progress=False
    )
    assert any("Streamed" in n for n in report.notes)
    assert keys(tmp_path / "b.sqlite") == keys(tmp_path / "a.sqlite")
    assert report.counts["submitted"] == 100


@responses.activate
def test_polars_frames_stream(conn):
    polars = pytest.importorskip("polars")
    accept()
    report = conn.send_events(polars.from_pandas(events(90)), **quiet())
    assert report.counts["sent"] == 90
    assert any("in 3 chunks" in n for n in report.notes)


def test_the_first_chunk_is_small_and_the_others_at_most_the_chunk_size(monkeypatch):
    monkeypatch.setattr(stream, "FIRST_ROWS", 7)
    parts = stream.resliced(iter([events(100), events(0), events(30)]))
    assert [len(p) for p in parts] == [7, 40, 40, 13, 30]


@responses.activate
def test_a_bulk_load_that_subscribes_is_read_whole_and_confirmed_with_the_count(conn, monkeypatch):
    responses.get(f"{API}/v1/me", json=ME)
    monkeypatch.setattr(stream, "STREAM_ROWS", 40)
    from attentive_nb.send import runner

    monkeypatch.setattr(runner, "CONFIRM_ABOVE", 50)
    asked = []
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or "no")
    df = pd.DataFrame(
        {"email": [f"p{i}@example.com" for i in range(120)], "sign_up_source_id": "7"}
    )
    with pytest.raises(att.ConfigError, match="120 rows"):
        conn.send_attributes(df, bulk=True, wait=0, progress=False)
    assert "120 people" in asked[0]
    assert not [c for c in responses.calls if c.request.method == "POST"]


# -- what a streamed report keeps of an input that has no index of its own ----------------


def refusing(bad: set[str]):
    """Events accepted, but 400 for the phones in ``bad`` (rows that need another go)."""
    responses.get(f"{API}/v1/me", json=ME)

    def answer(request):
        phone = json.loads(request.body)["user"]["phone"]
        if phone in bad:
            return (400, {}, json.dumps({"message": "not this one"}))
        return (200, {}, "")

    responses.add_callback(responses.POST, EVENTS, callback=answer)


def some_fail(n: int) -> tuple[pd.DataFrame, set[str], list[int]]:
    """``n`` events with their own phones; rows 3 and 70 refused at Attentive, 45 invalid."""
    df = pd.DataFrame(
        {
            "phone": [f"+1201{5550000 + i:07d}" for i in range(n)],
            "sku": [f"A{i}" for i in range(n)],
        }
    )
    df.loc[45, "phone"] = "not a phone"
    return df, {df.loc[3, "phone"], df.loc[70, "phone"]}, [3, 45, 70]


@pytest.mark.parametrize("kind", ["arrow", "polars"])
@responses.activate
def test_rows_needing_another_go_keep_the_inputs_columns_and_identifiers(conn, kind):
    df, bad, retry = some_fail(130)
    refusing(bad)
    if kind == "arrow":
        data = pa.Table.from_pandas(df).to_reader(max_chunksize=25)
    else:
        data = pytest.importorskip("polars").from_pandas(df)
    report = conn.send_events(data, **quiet())
    assert any("Streamed" in n for n in report.notes)
    again = report.to_retry
    assert list(again.index) == retry
    assert list(again.columns) == ["phone", "sku"]
    assert again["sku"].tolist() == ["A3", "A45", "A70"]
    assert again["phone"].tolist() == df.loc[retry, "phone"].tolist()
    table = report.table
    assert table["status"].iloc[retry].tolist() == ["rejected", "invalid", "rejected"]
    assert table["phone"].iloc[3] == "+1201•••0003"  # named, masked
    assert table["phone"].iloc[[0, 50]].isna().all()  # rows sent: not kept
    assert report.to_retry_with_reasons()["status"].tolist() == ["rejected", "invalid", "rejected"]


@responses.activate
def test_an_arrow_table_interrupted_keeps_the_rows_never_read_for_a_retry(conn, monkeypatch):
    accept()
    df = events(200)
    calls = []
    original_emit = engine.Engine._emit

    def emit(self, records, progress):  # Ctrl-C once 40 rows were recorded
        yield from original_emit(self, records, progress)
        calls.append(len(records))
        if sum(calls) >= 40:
            self._on_interrupt()

    monkeypatch.setattr(engine.Engine, "_emit", emit)
    report = conn.send_events(pa.Table.from_pandas(df), workers=1, **quiet())
    again = report.to_retry
    assert len(again) == report.counts["not_sent"] > 0
    assert list(again.columns) == ["phone", "sku"]
    assert again["sku"].tolist() == df["sku"].iloc[again.index].tolist()


def test_kept_rows_are_dropped_once_their_chunk_is_settled():
    kept = stream.ChunkOutcomes(keep=True)
    rows = events(10).set_axis(pd.RangeIndex(100, 110))
    kept.register(100, 10, rows, pd.DataFrame({"phone": rows["phone"]}))
    for p in range(100, 110):
        kept.add(RowOutcome(p, "failed" if p == 104 else "sent"))
    assert kept.held() == 0  # the chunk's frame is let go
    outcomes = kept.joined(110, {})
    positions, frame, _ids = kept.kept(outcomes)
    assert positions.tolist() == [104] and frame["sku"].tolist() == [rows["sku"].iloc[4]]


@responses.activate
def test_nothing_to_retry_is_an_empty_frame_with_the_inputs_columns(conn):
    accept()
    report = conn.send_events(pa.Table.from_pandas(events(100)), **quiet())
    assert report.ok and len(report.to_retry) == 0
    assert list(report.to_retry.columns) == ["phone", "sku"]


@responses.activate
def test_rows_in_bulk_jobs_are_not_kept_and_a_note_says_how_to_retry_them(conn):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v2/bulk/user/attributes", status=202, json={"batchJobId": "job-1"})
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(100)], "tier": "gold"})
    df.loc[7, "email"] = "nobody"
    report = conn.send_attributes(
        pa.Table.from_pandas(df).to_reader(max_chunksize=30), bulk=True, wait=0, progress=False
    )
    assert report.counts["submitted"] == 99
    assert list(report.to_retry.index) == [7] and report.to_retry["email"].iloc[0] == "nobody"
    assert any("not kept for to_retry" in n for n in report.notes)


@responses.activate
def test_a_carried_row_is_kept_when_its_first_row_needs_another_go(conn):
    df, bad, _ = some_fail(80)
    df = pd.concat([df, df.iloc[[3, 4]]], ignore_index=True)  # rows 80, 81 repeat 3, 4
    refusing(bad)
    report = conn.send_events(pa.Table.from_pandas(df).to_reader(max_chunksize=25), **quiet())
    assert list(report.to_retry.index) == [3, 45, 70, 80]  # 81 was sent with row 4
    assert report.to_retry["sku"].tolist() == ["A3", "A45", "A70", "A3"]


def test_chunk_outcomes_fill_one_outcomes_that_is_the_joined_one():
    parts = stream.ChunkOutcomes()
    parts.register(0, 3)
    parts.add(RowOutcome(2, "sent", 200, "ok"))
    parts.register(3, 2)
    parts.add(RowOutcome(3, "failed", 500, "busy"))
    parts.add_many(5, 4, "not_sent", "not sent: stopped")
    parts.add(RowOutcome(1, "skipped"), carried=True)
    joined = parts.joined(9, {1: 2})
    statuses = joined.status[:].tolist()
    assert statuses == [None, "sent", "sent", "failed", None] + ["not_sent"] * 4
    assert joined.reason(3) == "busy" and joined.reason(8) == "not sent: stopped"
    assert parts.joined(9, {}) is joined  # one Outcomes filled in place: never held twice


def test_hashes64_runs_stop_merging_past_a_size_and_still_find_everything(monkeypatch):
    from attentive_nb.plan import hashes

    monkeypatch.setattr(hashes, "MAX_RUN", 256)
    seen = Hashes64(width=1)
    for start in range(0, 2000, 100):
        keys_ = np.arange(start, start + 100, dtype=np.uint64)
        seen.add(keys_, keys_.astype(np.int64).reshape(-1, 1))
    assert max(len(run) for run in seen._keys) <= 256  # a merge's copy stays small
    found, values = seen.find(np.array([0, 1999, 2000], dtype=np.uint64))
    assert found.tolist() == [True, True, False] and values[:2, 0].tolist() == [0, 1999]
    assert len(seen) == 2000


def test_hashes64_small_values_widen_when_one_does_not_fit():
    seen = Hashes64(width=1, small=True)
    seen.add(np.array([1, 2], dtype=np.uint64), np.array([[10], [20]]))
    assert seen._values[0].dtype == np.int32  # row positions: 4 bytes a key
    seen.add(np.array([3], dtype=np.uint64), np.array([[2**40]]))
    found, values = seen.find(np.array([1, 3, 4], dtype=np.uint64))
    assert found.tolist() == [True, True, False] and values[:, 0].tolist() == [10, 2**40, -1]


@responses.activate
def test_a_bulk_streams_first_request_leaves_once_the_first_chunk_is_planned(conn):
    # The engine has room for many requests of 256 people; it sends the first chunk's
    # people without waiting for that many (the second chunk is read after the request).
    import threading

    responses.get(f"{API}/v1/me", json=ME)
    sent = threading.Event()

    def accepted(_request):
        sent.set()
        return 202, {}, json.dumps({"batchJobId": "job-1"})

    responses.add_callback(responses.POST, f"{API}/v2/bulk/user/attributes", callback=accepted)
    seen = []

    def chunks():
        yield pd.DataFrame({"email": [f"p{i}@example.com" for i in range(10)], "tier": "gold"})
        seen.append(sent.wait(timeout=10))  # set at once, unless the engine waits for us
        yield pd.DataFrame({"email": [f"q{i}@example.com" for i in range(10)], "tier": "gold"})

    report = conn.send_attributes(chunks(), bulk=True, wait=0, progress=False)
    assert seen == [True]
    assert report.counts["submitted"] == 20


@responses.activate
def test_a_bulk_stream_is_planned_in_smaller_chunks(conn, monkeypatch):
    monkeypatch.setattr(stream, "BULK_ROWS", 10)
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v2/bulk/user/attributes", status=202, json={"batchJobId": "job-1"})
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(100)], "tier": "gold"})
    parts = iter([df.iloc[:40], df.iloc[40:80], df.iloc[80:]])
    report = conn.send_attributes(parts, bulk=True, wait=0, progress=False)
    assert report.counts["submitted"] == 100
    # the first chunk as read (40 rows), then chunks of at most 10: 4 + 2
    assert any("100 rows read in 7 chunks" in n for n in report.notes)


@responses.activate
def test_the_estimate_of_a_stream_keeps_its_length_and_the_rows_planned_apart(conn, capsys):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v2/bulk/user/attributes", status=202, json={"batchJobId": "job-1"})
    df = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(600)], "tier": "gold"})
    conn.send_attributes(pa.Table.from_pandas(df), bulk=True, wait=0, progress=False)
    said = capsys.readouterr().out
    assert re.search(r"600 rows, streamed \(\d+ planned so far\), in about 3 requests", said)
    conn.send_attributes(iter([df.iloc[:40], df.iloc[40:]]), bulk=True, wait=0, progress=False)
    said = capsys.readouterr().out
    assert re.search(r"unknown length: \d+ rows planned so far, \d+ requests? to", said)


def test_a_note_each_chunk_says_in_its_own_numbers_is_said_once():
    from attentive_nb.send.stream_notes import ChunkNotes

    notes = ChunkNotes()
    notes.add(["1 row repeats a person named earlier.", "Column 'x' is text."])
    notes.add(["19 rows repeat a person named earlier.", "Column 'x' is text."])
    said = notes.add(["1,000 rows repeat a person named earlier.", "Row 7 of chunk 3 is odd."])
    assert said == [
        "1,020 rows repeat a person named earlier.",
        "Column 'x' is text.",
        "Row 7 of chunk 3 is odd.",
    ]
    said = notes.add(["Row 2 of chunk 4 is odd."])
    assert said[2] == "Row 7 of chunk 3 is odd. (said of 2 chunks)"


@responses.activate
def test_a_streamed_bulk_says_its_repeats_once_counted_as_a_whole_frame_run(conn, tmp_path):
    responses.get(f"{API}/v1/me", json=ME)
    responses.post(f"{API}/v2/bulk/user/attributes", status=202, json={"batchJobId": "job-1"})
    df = pd.DataFrame({"email": [f"p{i % 70}@example.com" for i in range(200)], "tier": "gold"})
    whole = conn.send_attributes(
        df.iloc[:100], bulk=True, wait=0, progress=False, ledger=tmp_path / "a"
    )
    parts = iter([df.iloc[:30], df.iloc[30:60], df.iloc[60:100]])
    streamed = conn.send_attributes(parts, bulk=True, wait=0, progress=False, ledger=tmp_path / "b")
    said = [n for n in streamed.notes if "repeat a person" in n]
    assert said == [n for n in whole.notes if "repeat a person" in n]
    assert said == [
        "30 rows repeat a person named earlier in the data; all are sent, the last one wins."
    ]


@responses.activate
def test_each_chunk_planned_gives_its_freed_memory_back(conn, monkeypatch):
    accept()
    given: list[int] = []
    monkeypatch.setattr(stream.memory_back, "give_back", lambda: given.append(1))
    report = conn.send_events(events(100), **quiet())
    assert report.counts["sent"] == 100
    assert len(given) == 3  # 100 rows, 40 a chunk: once after each of its three chunks


def test_giving_memory_back_is_harmless_without_glibc(monkeypatch):
    monkeypatch.setattr(memory_back.sys, "platform", "darwin")
    memory_back._malloc_trim.cache_clear()
    try:
        assert memory_back._malloc_trim() is None
        memory_back.give_back()  # pyarrow's pool only
    finally:
        memory_back._malloc_trim.cache_clear()


@responses.activate
def test_a_streamed_bulk_load_sends_and_records_each_person_as_a_whole_frame_run(conn, tmp_path):
    responses.get(f"{API}/v1/me", json=ME)
    jobs = iter(range(10**6))  # a job id a request: its records are its own in the ledger
    responses.add_callback(
        responses.POST,
        f"{API}/v2/bulk/user/attributes",
        callback=lambda _r: (202, {}, json.dumps({"batchJobId": f"job-{next(jobs)}"})),
    )
    df = pd.DataFrame({"email": [f"P{i}@example.com" for i in range(100)], "tier": "gold"})
    runs = {}
    for name, rows in (("whole", 10**9), ("streamed", 40)):
        stream.STREAM_ROWS = rows
        start = len(responses.calls)
        conn.send_attributes(
            df, bulk=True, wait=0, ledger=tmp_path / f"{name}.sqlite", progress=False
        )
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as db:
            people = sorted(db.execute("SELECT key, who FROM job_records").fetchall())
        sent = [json.loads(c.request.body) for c in responses.calls[start:] if c.request.body]
        runs[name] = (
            people,
            sorted(json.dumps(u, sort_keys=True) for b in sent for u in b["users"]),
        )
    assert runs["streamed"] == runs["whole"]
    assert len(runs["whole"][0]) == 100
