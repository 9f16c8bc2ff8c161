"""``attentive-nb send KIND FILE``, ``link FILE``, ``lookup KIND FILE``: read, call, print.

Nothing here decides anything about the data: the command reads the file into
a DataFrame, turns the options into the Python keyword arguments, calls the
same ``Connection`` method a notebook calls (``send_*``, ``link_identifiers``,
``lookup_*``) and prints the :class:`~attentive_nb.report.send_report.SendReport`
(and, for a look-up, a count of what was found).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shlex
import signal
import sys
import threading
import warnings
from collections.abc import Hashable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from attentive_nb.cli.files import BadInput, checked_file
from attentive_nb.connection import Connection
from attentive_nb.connection.methods import METHODS
from attentive_nb.errors import ConfigError, UnmappedColumns
from attentive_nb.plan.mapping import is_field_name
from attentive_nb.report import SendReport
from attentive_nb.report.csv_out import write_csv
from attentive_nb.report.html import verdict
from attentive_nb.report.summary import rows_text, top_reasons
from attentive_nb.send.runner import lookalike_head

if TYPE_CHECKING:  # read_table imports pandas when it reads a file
    import pandas as pd

PARQUET_SUFFIXES = (".parquet", ".pq")
# Rows of CSV read at a time; a module constant so a test can make a small file span chunks.
CSV_CHUNK_ROWS = 100_000
# argparse destination -> Python keyword, for options passed through when given.
_KEYWORDS = {
    "sign_up_source_id": "sign_up_source_id",
    "locale": "locale",
    "subscription_type": "subscription_type",
    "subscriptions": "subscriptions",
    "event_type": "event_type",
    "type_column": "type_column",
    "occurred_at_column": "occurred_at_column",
    "event_id_column": "event_id_column",
    "event": "event",
    "currency": "currency",
    "sales_channel": "sales_channel",
    "language": "language",
    "region": "default_region",
    "timezone": "timezone",
    "wait": "wait",
    "message": "message",
}
# Python keyword -> option, for saying the library's messages in command-line words.
_OPTION_FOR = {
    **{keyword: dest for dest, keyword in _KEYWORDS.items()},
    **{name: name for name in ("columns", "single_opt_in", "group_by", "ignore")},
}
_QUOTED = (
    "; cells starting with = + - @, +1… phones included, begin with ' so spreadsheets "
    "show them as text: --raw-csv writes them as they are"
)
_KEYWORD_NAMES = re.compile(rf"\b({'|'.join(_OPTION_FOR)})=(?=[\s,.;:)]|$)")


def parse_columns(values: list[str] | None) -> list[tuple[str, str]]:
    """``["Mobile=phone,E-mail=email"]`` -> ``[("Mobile", "phone"), ("E-mail", "email")]``.

    Each piece is COLUMN=FIELD, as ``columns={COLUMN: FIELD}`` reads in Python.
    Split on commas; a piece without ``=`` is part of the next piece's column
    name (a column name with a comma), or, at the end, of the last one's.
    """
    pairs = []
    for piece in _pieces(values or []):
        column, sep, field = piece.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise BadInput(f"--columns {piece!r} is not COLUMN=FIELD, e.g. --columns Mobile=phone")
        pairs.append((column, field.strip()))
    return pairs


def _pieces(values: list[str]) -> list[str]:
    pieces: list[str] = []
    for value in values:
        pending = ""
        for token in value.split(","):
            pending = f"{pending},{token}" if pending else token
            if "=" in token:
                pieces.append(pending)
                pending = ""
        if pending and pieces:
            pieces[-1] += "," + pending
        elif pending:
            pieces.append(pending)
    return pieces


def columns_option(pairs: list[tuple[str, str]], present: list[object]) -> dict[str, str]:
    """The ``columns=`` mapping; a pair in the old FIELD=COLUMN order is turned round (warned).

    A pair is in the old order when its right side is a column of the file but
    no field's own name, and its left side is no column; every other pair is
    read as COLUMN=FIELD (``Mobile=phone`` is new even when ``phone`` is a column).
    """
    mapping: dict[str, str] = {}
    for left, right in pairs:
        if left not in present and right in present and not is_field_name(right):
            warnings.warn(
                f"--columns {left}={right} is the old FIELD=COLUMN order: write --columns "
                f"{right}={left} (COLUMN=FIELD, as columns={{{right!r}: {left!r}}} in Python)",
                DeprecationWarning,
                stacklevel=2,
            )
            left, right = right, left
        mapping[left] = right
    return mapping


def ignore_option(values: list[str] | None) -> list[str]:
    """``--ignore a,b --ignore c`` -> ``["a", "b", "c"]``."""
    return [name for value in values or [] for name in value.split(",") if name]


# --- reading the file -------------------------------------------------------


def read_table(name: str, *, as_text: bool = False) -> pd.DataFrame:
    """The file as a DataFrame: Parquet by extension, otherwise CSV; ``-`` is CSV on stdin.

    Read in chunks through :mod:`attentive_nb.plan.frames` (CSV ``CSV_CHUNK_ROWS`` rows at
    a time, Parquet its record batches), the way a notebook's iterable of frames is.
    ``as_text``: CSV cells kept as written (coupon codes: ``000123`` is not 123, ``NA``
    is a code); only empty cells are missing.
    """
    from attentive_nb.plan.frames import chunks, whole

    with _reading(name) as (source, what):
        if what == "Parquet":
            return whole(_parquet_batches(name, source))
        return _joined_csv(chunks(_csv_chunks(source, as_text), name))


@contextlib.contextmanager
def _reading(name: str) -> Iterator[tuple[Any, str]]:
    """The file to read (``-``: stdin) and its format ("Parquet" by extension, else "CSV");
    an error while reading it in the block is one line in the file's words."""
    import pandas as pd

    source: Any = sys.stdin if name == "-" else checked_file(name)
    what = "Parquet" if name != "-" and source.suffix.lower() in PARQUET_SUFFIXES else "CSV"
    with _noting_ctrl_c() as interrupted:
        try:
            yield source, what
        except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            if interrupted:  # pandas' C parser turns a Ctrl-C inside read() into its own error
                raise KeyboardInterrupt from None
            raise _unreadable(name, what, exc) from None


class FileChunks:
    """A large file read chunk by chunk for a streamed send (its first chunks read already,
    so its columns are known). A chunk that cannot be read ends the stream there with a
    message in the file's words (the report's ``unfinished``)."""

    def __init__(self, name: str, first: list[pd.DataFrame], rest: Iterator[Any], what: str):
        self.name, self.columns, self.what = name, first[0].columns, what
        self._first, self._rest = first, rest

    def __iter__(self) -> Iterator[Any]:
        import pandas as pd

        first, self._first = self._first, []  # let the stream own (and drop) its chunks
        yield from first
        try:
            yield from self._rest
        except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise _unreadable(self.name, self.what, exc) from None


def read_chunks(name: str) -> pd.DataFrame | FileChunks:
    """The file as its chunks (:class:`FileChunks`) when it has more rows than a streamed
    run plans at a time; a smaller file is read whole (:func:`read_table`'s frame)."""
    from attentive_nb.plan.frames import chunks, whole
    from attentive_nb.send.stream import STREAM_ROWS

    with _reading(name) as (source, what):
        parquet = what == "Parquet"
        read = _parquet_batches(name, source) if parquet else _csv_chunks(source, False)
        parts = chunks(read, name)
        first: list[pd.DataFrame] = []
        rows = 0
        for part in parts:  # read until there is more than one stream chunk, or the end
            first.append(part)
            rows += len(part)
            if rows > STREAM_ROWS:
                return FileChunks(name, first, parts, what)
        return whole(iter(first)) if parquet else _joined_csv(iter(first))  # as read_table


def _joined_csv(parts: Iterator[pd.DataFrame]) -> pd.DataFrame:
    """CSV chunks joined with every value kept as its chunk read it (``frames.whole``), so
    a file read whole sends what the same file streamed chunk by chunk sends."""
    from attentive_nb.plan.frames import whole

    return whole(parts)


def _csv_chunks(source: Any, as_text: bool) -> Any:
    """``read_csv`` in chunks of ``CSV_CHUNK_ROWS`` rows, the same for a whole read and a
    streamed one.

    Nullable dtypes: a column of whole numbers with blanks stays whole numbers (``5``, not
    the ``5.0`` a float column holds, and a 19-digit id keeps every digit) whichever chunk
    the blanks are in, so a chunk's types do not depend on the rows of another. A column
    with whole numbers and fractions holds floats in the chunks that have fractions; the
    chunks are joined keeping each one's values (:func:`_joined_csv`).
    """
    import pandas as pd

    if as_text:
        return pd.read_csv(
            source, dtype=str, keep_default_na=False, na_values=[""], chunksize=CSV_CHUNK_ROWS
        )
    return pd.read_csv(source, chunksize=CSV_CHUNK_ROWS, dtype_backend="numpy_nullable")


def _parquet_batches(name: str, path: Path) -> Any:
    """The record batches of a Parquet file; the ``[parquet]`` extra named when missing."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise BadInput(
            f"{name}: reading Parquet needs pyarrow (pip install 'attentive-nb[parquet]')"
        ) from None
    try:
        return pq.ParquetFile(path).iter_batches()
    except _parquet_errors() as exc:  # the footer is read at once: a damaged file fails here
        raise BadInput(f"{name}: cannot be read as Parquet ({_first_line(exc)})") from None


def _parquet_errors() -> tuple[type[BaseException], ...]:
    """What pyarrow raises for a file that is not (or no longer) Parquet."""
    import pyarrow as pa

    return (pa.ArrowException, OSError, ValueError)


@contextlib.contextmanager
def _noting_ctrl_c() -> Iterator[list[int]]:
    """A list that gets an item when Ctrl-C is pressed inside the block (main thread only)."""
    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return

    def note(signum: int, frame: FrameType | None) -> NoReturn:
        noted.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)


def _unreadable(name: str, what: str, exc: BaseException) -> BadInput:
    """Why the file cannot be read, in one line; text in another encoding says what to do."""
    if isinstance(exc, UnicodeDecodeError):
        return BadInput(
            # exc.start counts from the block pandas was decoding, not from the file's start
            f"{name}: is not UTF-8 text (it has the byte 0x{exc.object[exc.start]:02x}): "
            "save it as CSV UTF-8 (Excel: Save As > CSV UTF-8) and try again"
        )
    return BadInput(f"{name}: cannot be read as {what} ({_first_line(exc)})")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def send_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of the send_* call; options not given keep the Python defaults."""
    options: dict[str, Any] = {"dry_run": args.dry_run, "progress": sys.stderr.isatty()}
    if hasattr(args, "resend"):  # a look-up has nothing to resend
        options["resend"] = {None: False, "all": True, "unknown": "unknown"}[args.resend]
    for dest, keyword in _KEYWORDS.items():
        if getattr(args, dest, None) is not None:
            options[keyword] = getattr(args, dest)
    flags = {
        "yes": ("confirm", True),
        "single_opt_in": ("single_opt_in", True),
        "no_notify": ("notify", False),
        "bulk": ("bulk", True),
    }
    for dest, (keyword, value) in flags.items():
        if getattr(args, dest, False):
            options[keyword] = value
    if getattr(args, "group_by", None):
        names = [n.strip() for n in args.group_by.split(",") if n.strip()]
        options["group_by"] = names[0] if len(names) == 1 else names
    if getattr(args, "ignore", None):
        options["ignore"] = ignore_option(args.ignore)
    return options


# --- running it -------------------------------------------------------------


def prepared(
    args: argparse.Namespace, *, streamed: bool = False
) -> tuple[pd.DataFrame | FileChunks, dict[str, Any]]:
    """The file's rows and the call's keyword arguments (options checked before reading).

    ``streamed``: a large file of a kind that streams, sent for real, comes as its chunks
    (:class:`FileChunks`), never whole in memory; any other is read whole, as before.
    """
    options = send_options(args)  # option errors before reading a large file
    pairs = parse_columns(args.columns)
    from attentive_nb.send.stream import STREAMED_KINDS

    kind = _PLAN_KINDS.get(args.kind, args.kind)
    if streamed and kind in STREAMED_KINDS and not args.dry_run:
        frame: pd.DataFrame | FileChunks = read_chunks(args.file)
    else:  # a dry run reads everything first anyway: the values of one read
        frame = read_table(args.file)
    if pairs:
        options["columns"] = columns_option(pairs, list(frame.columns))
    return frame, options


#: The plan's kind of a command whose word is not it (``link FILE``).
_PLAN_KINDS = {"link": "link_identifiers"}


def run_send(args: argparse.Namespace, extra: list[str]) -> int:
    """Read, send, print; 0 when no row needs another go (and the file was read to its
    end), 1 otherwise."""
    frame, options = prepared(args, streamed=True)
    conn = Connection.from_env(api_url=args.api_url)
    try:
        report = getattr(conn, METHODS[args.kind])(frame, **options)
    except UnmappedColumns as exc:
        raise ConfigError(unmapped_in_cli_words(exc.columns)) from exc
    except ConfigError as exc:
        raise ConfigError(in_cli_words(str(exc))) from exc
    print_report(report)
    print_results(report)
    write_outputs(report, args)
    return 1 if len(report.to_retry) or report.unfinished else 0


def unmapped_in_cli_words(columns: dict[Hashable, str]) -> str:
    """The look-alike question with --columns and --ignore instead of Python's keywords."""
    mapped = ",".join(f"{c}={f}" for c, f in columns.items())
    ignored = ",".join(str(c) for c in columns)
    return (
        f"Nothing was sent: {lookalike_head(columns)} with --columns {shlex.quote(mapped)} "
        f"or pass --ignore {shlex.quote(ignored)}"
    )


def in_cli_words(message: str) -> str:
    """``sign_up_source_id=`` in a library message -> ``--sign-up-source-id``."""

    def option(match: re.Match[str]) -> str:
        return "--" + _OPTION_FOR[match.group(1)].replace("_", "-")

    return _KEYWORD_NAMES.sub(option, message)


def print_report(report: SendReport) -> None:
    """The one-line verdict, the summary table with its top reasons, and the notes."""
    print(verdict(report))
    summary = report.summary
    width = max(len(s) for s in summary["status"])
    for status, rows, meaning, _ in summary.itertuples(index=False):
        print(f"  {status:<{width}}  {rows:>9,}  {meaning}".rstrip())
        for reason in top_reasons(report.reasons, status):
            print(f"  {'':<{width}}  {'':>9}    {reason}")
    for note in report.notes:
        print(f"note: {note}")
    if report.dry_run and not any("nothing was sent" in note for note in report.notes):
        print("Dry run: nothing was sent.")
    waiting = report.counts.get("submitted", 0)
    if waiting and report.kind == "deletions":
        print(
            f"{rows_text(waiting)} accepted for deletion, which Attentive carries out within "
            "thirty days: attentive-nb delete --status follows them up."
        )
    elif waiting:
        print(
            f"{rows_text(waiting)} in bulk jobs Attentive has not finished: "
            "attentive-nb jobs --refresh follows them up."
        )


def print_results(report: SendReport) -> None:
    """A look-up's answers counted per column: eligible or not, or how many have a value."""
    results = report.results
    for name, column in results.items():
        if str(column.dtype) == "boolean":
            yes, no = int(column.eq(True).sum()), int(column.eq(False).sum())
            print(f"found: {name}: {yes:,} eligible, {no:,} not")
        else:
            print(f"found: {name}: {rows_text(int(column.notna().sum()))} with a value")
    if len(results.columns) and not report.dry_run:
        print("Each row's answers: --out FILE writes them beside the status of every row.")


def write_outputs(report: SendReport, args: argparse.Namespace) -> None:
    quoted = "" if args.raw_csv else _QUOTED
    if args.out:
        path = report.to_csv(args.out, raw=args.raw_csv)
        print(f"Per-row report written to {path} (identifiers masked{quoted}).")
    n_retry = len(report.to_retry)
    if args.retry_out and n_retry:
        # A retry file is for sending again: the input's own columns, written as they
        # are (no ' guard, no status/reason columns that a second round would send as
        # attributes or rename to status_2). It holds only cells of the input file.
        write_csv(report.to_retry, args.retry_out, index=False, raw=True)
        where = f"{args.out} has" if args.out else "--out FILE writes"
        print(
            f"{rows_text(n_retry)} to fix and send again written to {args.retry_out} "
            f"(the input's columns as they are; {where} each row's reason)."
        )
    elif n_retry and not args.retry_out:
        print(f"{rows_text(n_retry)} to look at; --retry-out FILE writes them to send again.")
