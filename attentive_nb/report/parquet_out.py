"""A report's table as a Parquet file, written a slice at a time (pyarrow, an optional extra).

Each slice becomes a row group; the first slice's schema is the file's, so a
later slice whose column is all missing is cast to it. Only one slice is in
memory at once, however long the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from attentive_nb.errors import ConfigError
from attentive_nb.report.csv_out import checked_path

MISSING = (
    "report.to_parquet needs pyarrow, which is not installed: "
    "pip install 'attentive_nb[parquet]' (or write report.to_csv(path))"
)


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError(MISSING) from None
    return pa, pq


def write_parquet_slices(frames: Iterable[pd.DataFrame], path: str | Path) -> Path:
    """Write the frames one after another as one Parquet file (index kept); the path."""
    pa, pq = _pyarrow()
    path = Path(checked_path(str(path)))
    writer = None
    try:
        for frame in frames:
            if writer is None:
                batch = pa.Table.from_pandas(frame, preserve_index=True)
                writer = pq.ParquetWriter(path, batch.schema)
            else:
                batch = pa.Table.from_pandas(frame, schema=writer.schema, preserve_index=True)
            writer.write_table(batch)
    finally:
        if writer is not None:
            writer.close()
    return path
