"""A streamed report names each row of an input of chunks by its chunk and its index there.

HTTP is faked at the edge (responses); chunks are small. No sockets, no sleeps.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import responses
from fakes import ME

from attentive_nb.report.chunks import ChunkIndex
from attentive_nb.send import stream

API = "https://api.attentivemobile.com"
EVENTS = f"{API}/v1/events/custom"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(stream, "STREAM_ROWS", 40)
    monkeypatch.setattr(stream, "FIRST_ROWS", 15)


def events(n: int, start: int = 0) -> pd.DataFrame:
    i = range(start, start + n)
    return pd.DataFrame(
        {"phone": [f"+1201{5550000 + v:07d}" for v in i], "sku": [f"A{v}" for v in i]}
    )


def quiet(**options):
    return {"progress": False, "event_type": "Viewed", **options}


def accept(refused: str | None = None):
    responses.get(f"{API}/v1/me", json=ME)

    def answer(request):
        sku = json.loads(request.body)["properties"]["sku"]
        return (400, {}, '{"message": "no"}') if sku == refused else (200, {}, "")

    responses.add_callback(responses.POST, EVENTS, callback=answer)


def test_the_chunk_index_names_positions_by_chunk_and_index_there():
    index = ChunkIndex()
    index.add(pd.RangeIndex(3))
    index.add(pd.Index(["a", "b"]))
    index.add(pd.RangeIndex(100, 104))
    seen = index.upto(7)  # the last chunk read only in part
    chunk, within = seen.columns(slice(1, 7))
    assert chunk.tolist() == [1, 1, 2, 2, 3, 3]
    assert within.tolist() == [1, 2, "a", "b", 100, 101]
    chunk, within = seen.columns(slice(5, 7))
    assert chunk.tolist() == [3, 3] and within.tolist() == [100, 101]
    assert within.dtype == np.int64


@responses.activate
def test_arrow_batches_name_each_row_by_its_batch_and_its_row_there(conn, tmp_path):
    accept(refused="A57")
    batches = [
        pa.RecordBatch.from_pandas(events(50, s), preserve_index=False) for s in (0, 50, 100)
    ]
    report = conn.send_events(iter(batches), **quiet())
    table = report.table
    assert list(table.index) == list(range(150))  # the position in the stream
    assert table["chunk"].tolist() == [1] * 50 + [2] * 50 + [3] * 50
    assert table["chunk_index"].tolist() == list(range(50)) * 3
    assert list(table.columns[:3]) == ["chunk", "chunk_index", "status"]
    assert report.to_retry["sku"].tolist() == ["A57"]
    assert report.to_retry.index.tolist() == [57]
    csv = pd.read_csv(report.to_csv(tmp_path / "r.csv"), index_col=0)
    assert csv.loc[57, "chunk"] == 2 and csv.loc[57, "chunk_index"] == 7
    parquet = pq.read_table(report.to_parquet(tmp_path / "r.parquet")).to_pandas()
    assert parquet["chunk"].tolist() == table["chunk"].tolist()
    assert report.head(3)["chunk_index"].tolist() == [0, 1, 2]


@responses.activate
def test_pandas_chunks_keep_their_own_index_within_the_chunk(conn):
    accept()
    frames = [
        events(30, 0).set_axis(pd.RangeIndex(0, 30)),
        events(30, 30).set_axis(pd.RangeIndex(30, 60)),
    ]
    frames.append(events(5, 60).set_axis(pd.Index([f"x{i}" for i in range(5)])))
    report = conn.send_events(iter(frames), **quiet())
    table = report.table
    assert table["chunk"].tolist() == [1] * 30 + [2] * 30 + [3] * 5
    assert table["chunk_index"].tolist() == [*range(60), "x0", "x1", "x2", "x3", "x4"]


@responses.activate
def test_one_frame_has_no_chunk_columns(conn):
    accept()
    frame = events(100).set_axis(pd.RangeIndex(1000, 1100))
    report = conn.send_events(frame, **quiet())
    assert list(report.table.index) == list(range(1000, 1100))  # the frame's own index
    assert "chunk" not in report.table.columns
    arrow = conn.send_events(pa.Table.from_pandas(events(100, 200)), **quiet())
    assert "chunk" not in arrow.table.columns  # one table: its position names a row


@responses.activate
def test_a_source_stopped_midway_names_the_rows_read(conn):
    accept()

    def pages():
        yield events(30)
        yield events(30, 30)
        raise RuntimeError("the query timed out")

    report = conn.send_events(pages(), **quiet())
    assert len(report) == 60
    assert report.table["chunk"].tolist() == [1] * 30 + [2] * 30
