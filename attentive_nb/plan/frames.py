"""What came in -> pandas chunks: one place that knows every kind of frame.

A call takes a pandas DataFrame, a polars DataFrame (or LazyFrame), a pyarrow
Table, RecordBatch or RecordBatchReader, or an iterable of any of these
(``pd.read_csv(path, chunksize=...)``, ``ParquetFile(path).iter_batches()``, a
generator of query pages). ``chunks`` yields each as a pandas DataFrame;
``whole`` joins them into one.

Values are kept as written: other libraries' frames go through Arrow (narwhals
hands each library's own ``to_arrow``), and Arrow's integers and booleans
become pandas' nullable types, so a null stays a blank and a 19-digit id stays
exact instead of becoming a float. polars, pyarrow and narwhals are optional
(the ``[polars]`` and ``[arrow]`` extras); a frame that needs one that is
missing is refused naming the extra.
"""

from __future__ import annotations

import importlib
from collections.abc import Hashable, Iterable, Iterator
from types import ModuleType
from typing import Any

import pandas as pd

from attentive_nb.errors import ConfigError

# Anything a call accepts as its rows (checked when read, by ``chunks``).
FrameLike = Any

# Which extra brings the library a frame of this top-level module needs.
_EXTRA = {"polars": "polars", "pyarrow": "arrow"}


def whole(data: FrameLike, what: str = "data") -> pd.DataFrame:
    """``data`` as one pandas DataFrame (a pandas DataFrame is returned as it is)."""
    if isinstance(data, pd.DataFrame):
        return data
    parts = list(chunks(data, what))
    if not parts:  # an empty iterator: no rows (and so no columns)
        empty: pd.DataFrame = pd.DataFrame()
        return empty
    return parts[0] if len(parts) == 1 else _joined(parts)


def chunks(data: FrameLike, what: str = "data") -> Iterator[pd.DataFrame]:
    """Each chunk of ``data`` as a pandas DataFrame, the columns of every one checked
    against the first's; ConfigError naming the chunk and the difference when not."""
    single = _single(data, what)
    if single is not None:
        yield single
        return
    first: list[Hashable] | None = None
    for number, item in enumerate(_items(data, what), start=1):
        frame = _single(item, f"chunk {number} of the {what}")
        if frame is None:
            raise ConfigError(
                f"Chunk {number} of the {what} is {_kind(item)}, not a DataFrame or Arrow table."
            )
        if first is None:
            first = list(frame.columns)
        elif list(frame.columns) != first:
            frame = _aligned(frame, first, number)
        yield frame


def _single(data: Any, what: str) -> pd.DataFrame | None:
    """``data`` as a pandas DataFrame when it is one frame; None when it is chunks."""
    if isinstance(data, pd.DataFrame):
        _check_columns(data, what)
        return data
    if isinstance(data, (dict, str, bytes, pd.Series)) or data is None:
        raise ConfigError(_refused(data, what))
    module = type(data).__module__.split(".")[0]
    if module == "pyarrow":
        pa = _library("pyarrow", module)
        if isinstance(data, pa.RecordBatchReader):
            return None
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if isinstance(data, pa.Table):
            return _checked(arrow_to_pandas(data), what)
    elif _is_other_frame(data):
        return _checked(arrow_to_pandas(_to_arrow(data, module)), what)
    elif module in _EXTRA:  # a polars Series: iterating would give its values
        raise ConfigError(_refused(data, what))
    return None


def _checked(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    _check_columns(frame, what)
    return frame


def _check_columns(frame: pd.DataFrame, what: str) -> None:
    repeated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if repeated:
        raise ConfigError(f"The {what} has repeated column names: {repeated}. Rename them first.")


def _items(data: object, what: str) -> Iterator[object]:
    if not isinstance(data, Iterable):
        raise ConfigError(_refused(data, what))
    yield from data


def _refused(data: object, what: str) -> str:
    hint = {
        dict: " Make it one first: pd.DataFrame(data).",
        pd.Series: " Make it one first: series.to_frame().",
    }.get(type(data), "")
    return (
        f"Expected the {what} as a DataFrame (pandas or polars), an Arrow table, "
        f"or an iterable of them; got {_kind(data)}.{hint}"
    )


def _kind(item: object) -> str:
    if item is None:
        return "None"
    name = type(item).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _is_other_frame(data: Any) -> bool:
    """A frame of another library that narwhals reads (polars, modin, cuDF, ...)."""
    module = type(data).__module__.split(".")[0]
    try:
        import narwhals as nw
    except ImportError:
        if module in _EXTRA:  # a polars frame, and nothing here to read it
            _library("narwhals", module)
        return False
    native = nw.from_native(data, pass_through=True, allow_series=False)
    return isinstance(native, (nw.DataFrame, nw.LazyFrame))


def _to_arrow(data: Any, module: str) -> Any:
    """The frame as a pyarrow Table, through its own library's conversion (narwhals)."""
    import narwhals as nw

    _library("pyarrow", module)
    frame = nw.from_native(data)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_arrow()


def _library(name: str, module: str) -> ModuleType:
    """Import ``name``, or ConfigError naming the extra that installs it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        extra = _EXTRA.get(module, "arrow")
        raise ConfigError(
            f"Reading a {module} frame needs {name}: pip install 'attentive-nb[{extra}]'."
        ) from None


def arrow_to_pandas(table: Any) -> pd.DataFrame:
    """An Arrow table as pandas, every value as written (see the module's docstring)."""
    frame: pd.DataFrame = table.to_pandas(types_mapper=_nullable, date_as_object=True)
    for number, column in enumerate(table.columns):
        if pa_nested(column.type):  # as Python lists and dicts, as a pandas user writes them
            frame.isetitem(number, pd.Series(column.to_pylist(), index=frame.index, dtype=object))
    return frame


def pa_nested(arrow_type: Any) -> bool:
    """Lists, structs and maps: pyarrow would give numpy arrays and tuples for these."""
    import pyarrow as pa

    return bool(pa.types.is_nested(arrow_type))


def _nullable(arrow_type: Any) -> Any:
    """pandas' nullable dtype for Arrow integers and booleans; None: pyarrow's own choice
    (text stays str with None for null, floats NaN, timestamps datetime64)."""
    import pyarrow as pa

    if pa.types.is_integer(arrow_type):
        signed = pa.types.is_signed_integer(arrow_type)
        return pd.api.types.pandas_dtype(f"{'' if signed else 'U'}Int{arrow_type.bit_width}")
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None


def _aligned(frame: pd.DataFrame, first: list[Hashable], number: int) -> pd.DataFrame:
    """The chunk's columns in the first chunk's order, or ConfigError naming the difference."""
    missing = [c for c in first if c not in frame.columns]
    extra = [c for c in frame.columns if c not in first]
    if missing or extra:
        parts = [f"without {missing}" if missing else "", f"with {extra}" if extra else ""]
        difference = ", ".join(p for p in parts if p)
        raise ConfigError(
            f"Chunk {number} has other columns than the first chunk: {difference}. "
            "Every chunk needs the same columns."
        )
    ordered: pd.DataFrame = frame[first]
    return ordered


def _joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The chunks as one frame, no value changed and the rows named by their place.

    A column whose dtype differs between chunks is joined as Python objects, so
    an int chunk and a float chunk keep their ints. The chunks' own index is
    kept when it names every row once (``read_csv(chunksize=)`` numbers on);
    otherwise a row is named by its position in the stream.
    """
    mixed = [c for c in parts[0].columns if len({str(p[c].dtype) for p in parts}) > 1]
    if mixed:
        parts = [p.astype(dict.fromkeys(mixed, object)) for p in parts]
    joined = pd.concat(parts)
    if not joined.index.is_unique:
        joined = joined.reset_index(drop=True)
    return joined


def pieces(
    data: FrameLike, rows: int, what: str = "data"
) -> tuple[Iterator[pd.DataFrame], int | None]:
    """``data`` as pandas chunks of about ``rows`` rows, and its length when known first.

    One big frame (pandas, Arrow, polars) is sliced before it is converted, so a
    chunk is converted at a time; chunks (an iterable, a RecordBatchReader) come
    as they are, their length known only once read (None).
    """
    if isinstance(data, pd.DataFrame):
        _check_columns(data, what)
        n = len(data)
        return (data.iloc[i : i + rows] for i in range(0, n, rows)), n
    table = _arrow_table(data)
    if table is None:
        return chunks(data, what), None
    _check_columns(arrow_to_pandas(table.slice(0, 0)), what)
    n = table.num_rows
    return (arrow_to_pandas(table.slice(i, rows)) for i in range(0, n, rows)), n


def tail(data: FrameLike, start: int) -> pd.DataFrame:
    """The rows of one frame (Arrow, polars, pandas) from position ``start`` on, as pandas,
    named by their position (the rows a stopped stream never read, kept for a retry)."""
    if isinstance(data, pd.DataFrame):
        rest: pd.DataFrame = data.iloc[start:]
    else:
        rest = arrow_to_pandas(_arrow_table(data).slice(start))
    named: pd.DataFrame = rest.set_axis(pd.RangeIndex(start, start + len(rest)))
    return named


def _arrow_table(data: Any) -> Any:
    """One frame that is not pandas, as an Arrow table (None: not one frame)."""
    if isinstance(data, (dict, str, bytes, pd.Series)) or data is None:
        raise ConfigError(_refused(data, "data"))
    module = type(data).__module__.split(".")[0]
    if module == "pyarrow":
        pa = _library("pyarrow", module)
        if isinstance(data, pa.RecordBatch):
            return pa.Table.from_batches([data])
        return data if isinstance(data, pa.Table) else None
    if _is_other_frame(data):
        return _to_arrow(data, module)
    return None
