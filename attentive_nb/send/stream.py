"""A streamed run: the input read, planned and sent chunk by chunk, in one engine run.

Each input chunk is planned by the kind's own builder as a :class:`Plan` of
its own, its rows placed at their position in the stream; :class:`StreamPlan`
is the one plan the :class:`~attentive_nb.send.engine.Engine` sends: its
``requests()`` plans chunk i+1 on the prefetch thread while chunk i is sent.
What needs the whole input is kept per key as 64-bit hashes
(:mod:`attentive_nb.plan.hashes`), not rows: the ledger keys' copies (one
:class:`KeyCounter` for every chunk, so each key is a whole-frame run's),
each kind's requests checked against earlier chunks'
(:mod:`~attentive_nb.send.stream_checks`: the same event, link or question
carried, the later row getting the first's outcome as one request carrying
both would; an event id given to another event, or an id to another person,
refused), a person named in an earlier chunk (remarked). Phone numbers of a
later chunk that ``phonenumbers`` must parse go to a worker process when there
are many (:mod:`~attentive_nb.plan.phone_pool`), so that parsing overlaps the
sending.

An input without an index of its own (Arrow, polars, chunks) is named by stream
position; :class:`ChunkOutcomes` holds each chunk's input rows until they are settled,
then only those that need another go, for the report's ``to_retry``.

A chunk that cannot be planned (other columns than the first chunk's, a
call-level error) or a source that raises ends the stream there: the rows
before it keep their outcomes, the rest of a source of known length are
``not_sent``, and the error is in the notes.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from attentive_nb.plan import phone_pool
from attentive_nb.plan.attributes import repeats_note
from attentive_nb.plan.hashes import Hashes64, hash64
from attentive_nb.plan.model import KeyCounter, Payload, Plan, Request, _Draft
from attentive_nb.plan.prepare import lowered
from attentive_nb.report import Outcomes, RowOutcome
from attentive_nb.report.chunks import ChunkIndex
from attentive_nb.report.rows import CODES, DONE, PENDING, STATUSES
from attentive_nb.send import memory_back, stream_checks, stream_notes

#: Input rows planned at a time (a frame this long or shorter is planned whole, as before).
STREAM_ROWS = 100_000
#: The first chunk's rows: planned before the first request, so kept small.
FIRST_ROWS = 5_000
#: A bulk plan's chunks after the first: a person's record is a few dicts and a text, built
#: for a chunk at a time and held until sent, so a bulk chunk is kept smaller.
BULK_ROWS = 25_000
#: Rows of the first chunk's request lists: the engine takes a list at a time.
FIRST_LIST = 500
#: The kinds that stream. The others read everything first (see the README's streaming
#: section): subscribe and unsubscribe ask for a confirmation with the count known, and so
#: does a deletion (irreversible) and a bulk load with a sign-up source; a coupon request
#: is 200,000 codes keyed by its body (chunks would cut other requests, other keys); a
#: segment sync is planned as a whole (a mirror must know everyone in the frame).
#: Ecommerce streams when it groups nothing (``Plan.whole_input`` says when it must not).
STREAMED_KINDS = frozenset(
    {
        "events",
        "attributes",
        "ecommerce",
        "link_identifiers",
        "lookup_subscriptions",
        "lookup_attributes",
    }
)

Planner = Callable[[pd.DataFrame], Plan]

#: By status code: the row needs another go (``report.to_retry`` has it). Pending rows
#: (``submitted``) are not: Attentive has them.
RETRY_CODES = np.zeros(len(STATUSES) + 1, dtype=bool)
RETRY_CODES[[CODES[s] for s in STATUSES if s not in DONE | PENDING]] = True


def resliced(
    chunks: Iterator[pd.DataFrame], seen: ChunkIndex | None = None
) -> Iterator[pd.DataFrame]:
    """The chunks again, at most ``STREAM_ROWS`` rows each and the first ``FIRST_ROWS``:
    the first request waits for the first chunk's plan only. ``seen`` notes each input
    chunk's index as it is read (the report names rows by chunk)."""
    limit = FIRST_ROWS
    for chunk in chunks:
        if seen is not None:
            seen.add(chunk.index)
        start = 0
        while start < len(chunk):
            yield chunk.iloc[start : start + limit]
            start += limit
            limit = STREAM_ROWS


class StreamPlan(Plan):
    """The plan of a whole stream as the engine sees it, read a chunk at a time.

    Built from the first chunk's plan (its endpoint, batching, warnings and
    readings are the stream's). ``n_rows`` is the source's length when known,
    else the rows read so far; ``invalid``, ``skipped`` and ``duplicates``
    grow as chunks are planned.
    """

    def __init__(
        self,
        first: Plan,
        first_rows: pd.DataFrame,
        rest: Iterator[pd.DataFrame],
        planner: Planner,
        total: int | None,
        *,
        positional: bool,
    ) -> None:
        self.__dict__.update(first.__dict__)
        self.invalid, self.skipped, self.duplicates = {}, {}, {}
        self.notes = list(first.notes)
        self._said = stream_notes.ChunkNotes()  # each chunk's notes, each said once
        self.total, self.read, self.chunks_read, self.exhausted = total, 0, 0, False
        self.error: Exception | None = None
        self.carried: dict[int, int] = {}  # a later row of an event sent before -> its first row
        # an input without an index: its rows held for to_retry (a pandas frame is the caller's)
        self.outcomes = ChunkOutcomes(keep=positional)
        self.identifier_parts: list[pd.DataFrame] = []
        self._first, self._first_rows, self._rest = first, first_rows, rest
        self._planner, self._positional = planner, positional
        self._keys = _StreamKeys(self)
        self._people: dict[str, Hashes64] = {}
        self._lock = threading.Lock()
        self._frozen = False
        self.phones = phone_pool.PhonePool()  # started when a later chunk has many numbers
        self.n_rows = total if total is not None else len(first_rows)
        # requests a row, as in chunk 1 (a bulk request carries ``batch`` valid rows)
        per_row = first.n_valid / first.batch if first.batch > 1 else first.n_requests
        self._rate = per_row / max(first.n_rows, 1)

    # -- what the engine asks ------------------------------------------------------------

    @property
    def n_requests(self) -> int:
        """An estimate: the first chunk's requests a row, over the rows known (read so far,
        when the source's length is unknown)."""
        return int(np.ceil(self._rate * self.n_rows))

    def streamed_counts(self) -> tuple[int | None, int, int]:
        """What the estimate line says: the source's length (None: unknown), the rows read,
        and the requests: for every row at the first chunk's requests a row (known length),
        else for the rows read so far."""
        with self._lock:
            read, total = self.read, self.total
        return total, read, int(np.ceil(self._rate * (read if total is None else total)))

    def requests(
        self, chunk_size: int = 5000, keys: KeyCounter | None = None, offset: int = 0
    ) -> Iterator[list[Request]]:
        """Each chunk planned (the first already is) and its requests, in stream order."""
        try:
            yield from self._chunk(self._first, self._first_rows, min(chunk_size, FIRST_LIST))
            memory_back.give_back()
            for rows in _cut(self._rest, BULK_ROWS if self.batch > 1 else STREAM_ROWS):
                rows = self._placed(rows)
                with phone_pool.used(self.phones):  # its numbers parsed in a worker process
                    plan = self._planner(rows)
                yield from self._chunk(plan, rows, chunk_size)
                del plan, rows  # the chunk's memory freed before it is given back
                memory_back.give_back()
            self.exhausted = True
        except _Frozen:
            return
        except Exception as error:  # the rows before it stand; the engine sends what it has
            self.error = error
        finally:
            self.phones.close()

    def _placed(self, rows: pd.DataFrame) -> pd.DataFrame:
        if self._positional:  # no index of the stream's own: a row is named by its position
            rows = rows.set_axis(pd.RangeIndex(self.read, self.read + len(rows)))
        return rows

    def _chunk(self, plan: Plan, rows: pd.DataFrame, size: int) -> Iterator[list[Request]]:
        if plan.endpoint != self.endpoint:
            raise ValueError(
                f"chunk {self.chunks_read + 1} is sent to {plan.endpoint.words}, the first "
                f"chunk to {self.endpoint.words}: send such data as one frame"
            )
        offset = self.read
        self._register(plan, rows, offset)
        if self.batch == 1 or self.endpoint.reads:
            yield from plan.requests(size, self._keys, offset)
            return
        for units in plan.requests(size, self._keys, offset):
            yield [unit._replace(payload=_named(unit.payload)) for unit in units]

    def rows_read(self) -> int:
        """The rows read and planned; reading stops here (the engine is settling the rest)."""
        with self._lock:
            self._frozen = True
            return self.read

    def _register(self, plan: Plan, rows: pd.DataFrame, offset: int) -> None:
        """A chunk's rows into the stream: its settled rows, repeats, identifiers, notes."""
        with self._lock:
            if self._frozen:
                raise _Frozen
            self.outcomes.register(offset, plan.n_rows, rows, plan.identifiers)
            for p, reasons in plan.invalid.items():
                self.invalid[p + offset] = reasons
                self.outcomes.add(RowOutcome(p + offset, "invalid", message="; ".join(reasons)))
            for p, reason in plan.skipped.items():
                self.skipped[p + offset] = reason
                self.outcomes.add(RowOutcome(p + offset, "skipped", message=reason))
            self.duplicates.update({p + offset: q + offset for p, q in plan.duplicates.items()})
            notes = list(plan.notes)
            if plan.kind == "attributes":
                across = self._same_people(plan, offset)
                notes += [repeats_note(across)] if across else []
            if not self._positional:
                self.identifier_parts.append(plan.identifiers)
            self.notes = self._said.add(notes)
            self.read += plan.n_rows
            self.chunks_read += 1
            if self.total is None:
                self.n_rows = self.read

    def _same_people(self, plan: Plan, offset: int) -> int:
        """Rows naming a person an earlier chunk named: remarked like a whole frame's (how
        many the chunk's own plan did not find)."""
        valid = np.ones(plan.n_rows, dtype=bool)
        valid[list(plan.invalid) + list(plan.skipped)] = False
        positions = np.flatnonzero(valid)
        earliest = positions + offset
        for name, column in plan.identifiers.items():
            values = column.to_numpy(dtype=object)[positions]
            present = ~pd.isna(values)
            named = values[present]
            hashes = hash64(lowered(named) if name == "email" else named)
            seen = self._people.setdefault(str(name), Hashes64(width=1, small=True))
            found, first = seen.find(hashes)
            at = np.flatnonzero(present)[found]
            earliest[at] = np.minimum(earliest[at], first[found, 0])
            seen.add(hashes, (positions[present] + offset).reshape(-1, 1))
        across = 0
        for p, q in zip(positions + offset, earliest):
            if q < p:
                across += int(p) not in self.duplicates
                self.duplicates[int(p)] = min(int(q), self.duplicates.get(int(p), int(q)))
        return across

    # -- after the run -------------------------------------------------------------------

    def stream_notes(self) -> list[str]:
        """What the notes say of the stream itself: where it stopped, how far it was read."""
        chunks = "chunk" if self.chunks_read == 1 else "chunks"
        notes = [f"Streamed: {self.read:,} rows read in {self.chunks_read:,} {chunks}."]
        if self.error is not None:
            notes.append(
                f"Stopped {self._stop()}. The rows before it are recorded; the rest are not_sent."
            )
        if not self.exhausted and self.total is None:
            notes.append(
                f"The input was read up to row {self.read:,} (its length is unknown): rows "
                "after it were not read and are not in this report."
            )
        return notes

    def unfinished(self) -> str | None:
        """Why the input was not read to its end, or None when it was."""
        if self.exhausted:
            return None
        return (
            f"stopped {self._stop()}"
            if self.error is not None
            else "the run stopped before its end"
        )

    def _stop(self) -> str:
        """``at chunk 3 of the data: <the error>`` (one full stop: the caller's)."""
        why = str(self.error).rstrip(".") or type(self.error).__name__
        return f"at chunk {self.chunks_read + 1} of the data: {why}"


def _named(record: Payload) -> Payload:
    """A bulk record as the engine still needs it once its JSON text is written: whom it
    names (the job's records are matched by it). A person's attributes are two dicts more
    (~300 bytes), held for every record planned ahead or on its way (~40,000)."""
    return {"identifiers": record["identifiers"]} if "identifiers" in record else record


def _cut(chunks: Iterator[pd.DataFrame], limit: int) -> Iterator[pd.DataFrame]:
    """The chunks again, none longer than ``limit`` rows."""
    for chunk in chunks:
        for start in range(0, len(chunk), limit):
            yield chunk.iloc[start : start + limit]


class _Frozen(Exception):
    """The engine stopped reading the stream (it is settling the rows read)."""


class _StreamKeys(KeyCounter):
    """The stream's one key counter; each draft checked against the chunks before it
    (:mod:`~attentive_nb.send.stream_checks`): sent, carried by an earlier row, or refused."""

    def __init__(self, stream: StreamPlan) -> None:
        super().__init__()
        self._stream = stream
        self._check = stream_checks.check_for(stream.kind)

    def admit(self, drafts: list[_Draft]) -> list[_Draft]:
        if self._check is None or not drafts:
            return drafts
        kept = []
        for draft, verdict in zip(drafts, self._check.verdicts(drafts)):
            if verdict is None:
                kept.append(draft)
            elif isinstance(verdict, stream_checks.Carried):
                self._carry(draft[0], verdict.first)
            else:
                self._refuse(draft[0], verdict.reason)
        return kept

    def _carry(self, positions: tuple[int, ...], first: int) -> None:
        stream = self._stream
        with stream._lock:
            for p in positions:
                stream.carried[p] = first
                stream.duplicates[p] = first
                stream.skipped[p] = "carried"  # its outcome is its first row's (see joined)
                stream.outcomes.add(RowOutcome(p, "skipped"), carried=True)

    def _refuse(self, positions: tuple[int, ...], reason: str) -> None:
        stream = self._stream
        with stream._lock:
            for p in positions:
                stream.invalid[p] = [reason]
                stream.outcomes.add(RowOutcome(p, "invalid", message=reason))


class ChunkOutcomes:
    """Every row's outcome, in one :class:`Outcomes` grown a chunk at a time (a stream's
    length comes late; its columns are resized in place, so they are never held twice).

    With ``keep``, it also holds what a report of an input without an index of its own
    needs for ``to_retry``: each chunk's input rows (and identifiers) until every row of
    the chunk has its outcome, then only the rows that need another go (and the rows
    carried by an earlier one, whose outcome comes at the end). Memory is the rows
    needing another go plus the chunks in flight, not the input. Rows in bulk jobs
    (``submitted``) are let go: keeping them would keep the whole of a bulk load.
    """

    def __init__(self, *, keep: bool = False) -> None:
        self._all = Outcomes(0)
        self._starts: list[int] = []
        self._sizes: list[int] = []
        self._set: list[int] = []  # rows of each chunk with an outcome
        self._keep = keep
        self._carried: dict[int, list[int]] = {}  # chunk -> its carried rows (in the chunk)
        self._held: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}  # chunk -> rows, ids
        self._kept: list[tuple[np.ndarray, pd.DataFrame, pd.DataFrame]] = []
        self._none: tuple[np.ndarray, pd.DataFrame, pd.DataFrame] | None = None  # no row kept
        self._lock = threading.Lock()

    def register(
        self,
        start: int,
        n: int,
        rows: pd.DataFrame | None = None,
        identifiers: pd.DataFrame | None = None,
    ) -> None:
        """A chunk of ``n`` rows from ``start``; with ``rows``, held for ``to_retry``."""
        with self._lock:
            self._starts.append(start)
            self._sizes.append(n)
            self._set.append(0)
            if start + n > len(self._all):
                self._all.grow(start + n - len(self._all))
            if self._keep and rows is not None:
                ids = identifiers if identifiers is not None else pd.DataFrame(index=rows.index)
                self._held[len(self._starts) - 1] = (rows, ids)
                if self._none is None:  # to_retry with the input's columns when empty
                    self._none = (np.zeros(0, dtype=np.intp), rows.iloc[:0], ids.iloc[:0])

    def add(self, record: RowOutcome, *, carried: bool = False) -> None:
        """One row's outcome; ``carried``: its final outcome is an earlier row's."""
        with self._lock:
            i = bisect.bisect_right(self._starts, record.position) - 1
            if i < 0 or record.position >= self._starts[i] + self._sizes[i]:
                raise ValueError(f"outcome for row position {record.position}: not read")
            self._all.add(record)
            if carried:
                self._carried.setdefault(i, []).append(record.position - self._starts[i])
            self._set[i] += 1
            if self._set[i] == self._sizes[i] and i in self._held:
                self._settle(i)

    def _settle(self, i: int, codes: np.ndarray | None = None) -> None:
        """Chunk ``i``'s rows let go but those needing another go (or carried)."""
        rows, ids = self._held.pop(i)
        start = self._starts[i]
        if codes is None:
            codes = self._all.codes[start : start + self._sizes[i]]
        keep = RETRY_CODES[codes]
        keep[self._carried.pop(i, [])] = True
        where = np.flatnonzero(keep)
        if len(where):
            self._kept.append((where + start, rows.iloc[where], ids.iloc[where]))

    def held(self) -> int:
        """Chunks whose input rows are held until their rows are settled."""
        return len(self._held)

    def add_many(
        self, start: int, n: int, status: str, reason: str, rows: pd.DataFrame | None = None
    ) -> None:
        """A chunk of ``n`` rows from ``start``, all one status (the rows never read);
        ``rows``: their input rows, held for ``to_retry``."""
        self.register(start, n, rows)
        with self._lock:
            where = np.arange(start, start + n)
            self._all.add_many(where, status)
            self._all.set_reasons(where, self._all.strings.code(reason))
            self._set[-1] = n
            if len(self._starts) - 1 in self._held:
                self._settle(len(self._starts) - 1)

    def joined(self, n: int, carried: dict[int, int]) -> Outcomes:
        """The :class:`Outcomes` of ``n`` rows; a carried row takes its first row's outcome."""
        out = self._all
        if len(out) < n:
            out.grow(n - len(out))
        if carried:
            later = np.fromiter(carried, dtype=np.intp)
            first = np.fromiter(carried.values(), dtype=np.intp)
            out.copy_rows(later, first)
        return out

    def kept(self, outcomes: Outcomes) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
        """The rows that need another go by the run's final ``outcomes``: their positions,
        input rows and identifiers (a chunk still held is settled now)."""
        with self._lock:
            for i in list(self._held):
                start = self._starts[i]
                self._settle(i, outcomes.codes[start : start + self._sizes[i]])
            parts, self._kept = self._kept, []
        if not parts and self._none is not None:
            parts = [self._none]
        positions = np.concatenate([p for p, _, _ in parts]) if parts else np.zeros(0, np.intp)
        needed = RETRY_CODES[outcomes.codes[positions]]  # carried rows know theirs now
        rows = [r for _, r, _ in parts]
        ids = [d for _, _, d in parts]
        return positions[needed], _joined(rows).iloc[needed], _joined(ids).iloc[needed]


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    joined: pd.DataFrame = (
        pd.DataFrame() if not frames else frames[0] if len(frames) == 1 else pd.concat(frames)
    )
    return joined


def sparse_identifiers(n: int, positions: np.ndarray, ids: pd.DataFrame) -> pd.DataFrame:
    """An identifiers frame of ``n`` rows holding only the rows at ``positions`` (others
    missing): categorical columns, a small code a row, each kept value once."""
    columns = {}
    for name, column in ids.items():
        codes_of_kept, values = pd.factorize(column, use_na_sentinel=True)
        small = next(t for t in (np.int8, np.int16, np.int32) if len(values) < np.iinfo(t).max)
        codes = np.full(n, -1, dtype=small)  # the categorical's own width: not made twice
        codes[positions] = codes_of_kept
        columns[name] = pd.Categorical.from_codes(codes, categories=pd.Index(values))
    frame: pd.DataFrame = pd.DataFrame(columns, index=pd.RangeIndex(n), columns=ids.columns)
    return frame
