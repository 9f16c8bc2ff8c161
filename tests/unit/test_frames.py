"""Any frame in: polars, Arrow and chunks of them read as pandas, every value as written."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from plan_helpers import sent

from attentive_nb.errors import ConfigError
from attentive_nb.plan import frames, plan_events
from attentive_nb.plan.cells import is_blank

PHONES = ["+12015550100", "+12015550101", "+12015550102"]
BIG = 2**63 - 1  # no float holds it


def polars_frame() -> pl.DataFrame:
    """One column per dtype, each with a null in the middle row."""
    return pl.DataFrame(
        {
            "phone": PHONES,
            "int": [BIG, None, -5],
            "uint": pl.Series([2**64 - 1, None, 0], dtype=pl.UInt64),
            "small": pl.Series([1, None, 3], dtype=pl.Int8),
            "text": ["007", None, "x y"],
            "flag": [True, None, False],
            "real": [1.5, None, 2.0],
            "day": [dt.date(2020, 1, 31), None, dt.date(2021, 2, 1)],
            "when": pl.Series(
                [dt.datetime(2020, 1, 1, 12), None, dt.datetime(2020, 1, 2)]
            ).dt.replace_time_zone("UTC"),
            "money": pl.Series([Decimal("12.30"), None, Decimal("0.01")], dtype=pl.Decimal(10, 2)),
            "tags": [["a", "b"], None, []],
            "nested": [{"k": 1}, None, {"k": None}],
            "kind": pl.Series(["x", None, "y"], dtype=pl.Categorical),
        }
    )


EXPECTED = {
    "int": [BIG, None, -5],
    "uint": [2**64 - 1, None, 0],
    "small": [1, None, 3],
    "text": ["007", None, "x y"],
    "flag": [True, None, False],
    "real": [1.5, None, 2.0],
    "day": [dt.date(2020, 1, 31), None, dt.date(2021, 2, 1)],
    "when": [
        pd.Timestamp("2020-01-01 12:00", tz="UTC"),
        None,
        pd.Timestamp("2020-01-02", tz="UTC"),
    ],
    "money": [Decimal("12.30"), None, Decimal("0.01")],
    "tags": [["a", "b"], None, []],
    "nested": [{"k": 1}, None, {"k": None}],
    "kind": ["x", None, "y"],
}


def cells(frame: pd.DataFrame, column: str) -> list[object]:
    """A column's values as Python objects, every blank as None."""
    return [None if _blank(v) else v for v in frame[column].tolist()]


def _blank(value: object) -> bool:
    return not isinstance(value, (list, dict)) and is_blank(value)


@pytest.mark.parametrize("column", list(EXPECTED))
def test_each_dtype_of_a_polars_frame_keeps_its_values(column):
    frame = frames.whole(polars_frame())
    assert cells(frame, column) == EXPECTED[column]
    kinds = {type(v) for v in cells(frame, column) if v is not None}
    assert kinds == {type(v) for v in EXPECTED[column] if v is not None}


def test_integers_stay_integers_with_nulls_and_bools_stay_bools():
    frame = frames.whole(polars_frame())
    assert str(frame["int"].dtype) == "Int64" and str(frame["uint"].dtype) == "UInt64"
    assert str(frame["flag"].dtype) == "boolean"


def arrow_table() -> pa.Table:
    return polars_frame().to_arrow()


def batches(rows: int = 1) -> list[pa.RecordBatch]:
    return arrow_table().to_batches(max_chunksize=rows)


INPUTS = {
    "polars DataFrame": polars_frame,
    "polars LazyFrame": lambda: polars_frame().lazy(),
    "Arrow Table": arrow_table,
    "Arrow RecordBatch": lambda: arrow_table().to_batches()[0],
    "RecordBatchReader": lambda: pa.RecordBatchReader.from_batches(arrow_table().schema, batches()),
    "generator of batches": lambda: (b for b in batches()),
    "list of polars frames": lambda: list(polars_frame().iter_slices(2)),
    "generator of polars frames": lambda: polars_frame().iter_slices(1),
}


@pytest.mark.parametrize("make", INPUTS.values(), ids=list(INPUTS))
def test_every_input_kind_reads_as_the_same_rows(make):
    frame = frames.whole(make())
    assert list(frame.columns) == list(polars_frame().columns)
    assert list(frame.index) == [0, 1, 2]  # no index of their own: the place in the stream
    for column, expected in EXPECTED.items():
        assert cells(frame, column) == expected, column


def test_csv_chunks_keep_the_index_read_csv_numbers_on(tmp_path):
    path = tmp_path / "people.csv"
    pd.DataFrame({"phone": PHONES * 3, "n": range(9)}).to_csv(path, index=False)
    with pd.read_csv(path, chunksize=4) as reader:
        frame = frames.whole(reader)
    assert list(frame.index) == list(range(9)) and frame["n"].tolist() == list(range(9))


def test_parquet_batches_read_in_order(tmp_path):
    path = tmp_path / "people.parquet"
    pq.write_table(arrow_table(), path, row_group_size=1)
    frame = frames.whole(pq.ParquetFile(path).iter_batches(batch_size=1))
    assert cells(frame, "int") == EXPECTED["int"] and cells(frame, "text") == EXPECTED["text"]


def test_pandas_chunks_with_their_own_labels_repeated_are_named_by_place():
    parts = [pd.DataFrame({"phone": PHONES[:2]}), pd.DataFrame({"phone": PHONES[2:]})]
    assert list(frames.whole(parts).index) == [0, 1, 2]


def test_a_column_read_as_int_in_one_chunk_and_float_in_another_keeps_both():
    parts = [pd.DataFrame({"n": [BIG]}), pd.DataFrame({"n": [1.5]})]
    assert frames.whole(parts)["n"].tolist() == [BIG, 1.5]  # not BIG rounded to a float


def test_a_chunk_with_the_columns_in_another_order_is_put_in_the_first_order():
    parts = [pd.DataFrame({"a": [1], "b": [2]}), pd.DataFrame({"b": [4], "a": [3]})]
    assert frames.whole(parts).to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_a_pandas_frame_is_passed_through_untouched():
    df = pd.DataFrame({"phone": PHONES})
    assert frames.whole(df) is df


def test_an_empty_iterator_is_no_rows():
    assert len(frames.whole(iter([]))) == 0


def refused(data: object) -> str:
    with pytest.raises(ConfigError) as caught:
        frames.whole(data)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_chunk_whose_columns_differ_is_refused_naming_the_difference():
    parts = [pd.DataFrame({"phone": PHONES, "a": 1}), pd.DataFrame({"phone": PHONES, "b": 1})]
    message = refused(iter(parts))
    assert "Chunk 2" in message and "without ['a']" in message and "with ['b']" in message


def test_bad_input_is_refused_in_one_line():
    assert "got a dict" in refused({"phone": PHONES}) and "pd.DataFrame(data)" in refused({})
    assert "chunk 1 of the data" in refused([{"phone": PHONES[0]}, {"email": "x"}])
    assert "got a str" in refused("people.csv")
    assert "got None" in refused(None)
    assert "got an int" in refused(3) and "Chunk 1 of the data is an int" in refused([1, 2])
    assert "series.to_frame()" in refused(pd.Series(PHONES))
    assert "got a Series" in refused(pl.Series(PHONES))
    assert "repeated column names" in refused(pa.table([[1], [2]], names=["a", "a"]))


def test_a_missing_library_is_named_by_its_extra(monkeypatch):
    real = importlib.import_module

    def without_narwhals(name, *args):
        if name == "narwhals":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_narwhals)
    monkeypatch.setitem(__import__("sys").modules, "narwhals", None)
    message = refused(polars_frame())
    assert "pip install 'attentive-nb[polars]'" in message


def test_the_values_sent_from_polars_are_those_sent_from_pandas():
    df = polars_frame().select("phone", "int", "text", "flag", "real", "money", "tags", "nested")
    reference = pd.DataFrame(
        {
            "phone": PHONES,
            "int": pd.array([BIG, None, -5], dtype="Int64"),
            "text": ["007", None, "x y"],
            "flag": pd.array([True, None, False], dtype="boolean"),
            "real": [1.5, None, 2.0],
            "money": [Decimal("12.30"), None, Decimal("0.01")],
            "tags": [["a", "b"], None, []],
            "nested": [{"k": 1}, None, {"k": None}],
        }
    )
    ours = sent(plan_events(frames.whole(df), event_type="Seen"))
    assert ours == sent(plan_events(reference, event_type="Seen"))
    assert ours[0][1]["properties"]["int"] == BIG  # exact, not 9.223372036854776e18


def people() -> pl.DataFrame:
    emails = ["a@example.com", "b@example.com", None]
    return pl.DataFrame({"phone": PHONES, "email": emails, "tier": [1, 2, 3]})


DRY = {"dry_run": True, "progress": False}
CALLS = {
    "send_subscribers": lambda c, d: c.send_subscribers(d, sign_up_source_id="42", **DRY),
    "unsubscribe": lambda c, d: c.unsubscribe(d, **DRY),
    "send_attributes": lambda c, d: c.send_attributes(d, **DRY),
    "send_events": lambda c, d: c.send_events(d, event_type="Seen", **DRY),
    "lookup_subscriptions": lambda c, d: c.lookup_subscriptions(d, **DRY),
    "lookup_attributes": lambda c, d: c.lookup_attributes(d, **DRY),
    "request_deletion": lambda c, d: c.request_deletion(d, **DRY),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=list(CALLS))
@pytest.mark.parametrize("shape", ["polars", "arrow batches"])
def test_every_call_takes_polars_and_arrow_batches(conn, call, shape):
    data = people()
    report = call(conn, data if shape == "polars" else data.to_arrow().to_batches(max_chunksize=2))
    assert len(report) == 3
    assert list(report.table.index) == [0, 1, 2]


def test_coupons_take_an_arrow_table(conn):
    report = conn.upload_coupons(pa.table({"code": ["A1", "A2"]}), pool=7, **DRY)
    assert report.counts["would_send"] == 2


def test_sync_segment_hands_on_a_pandas_frame(conn, monkeypatch):
    seen = []
    monkeypatch.setattr(
        "attentive_nb.connection.segments.segments.sync", lambda t, df, *a: seen.append(df)
    )
    conn.sync_segment(people(), "vip", **DRY)
    assert isinstance(seen[0], pd.DataFrame) and seen[0]["phone"].tolist() == PHONES


def test_a_call_refuses_bad_input_before_anything(conn):
    with pytest.raises(ConfigError, match="got a dict"):
        conn.send_events({"phone": PHONES}, event_type="Seen", **DRY)
