"""A run's history: rows keyed by step, appended in batches, read in step order; and its system stream
(W&B's events: CPU, memory, GPU samples), kept by the same code in tables of its own (`Stream`), its rows
keyed by their number in the stream in place of a step.

Storage has two parts:

- the live tail, `history_chunks`: the JSON batches as they arrived, cheap to
  write and read while they are few;
- compacted segments, `history_columns`: once the tail holds COMPACT_AT rows,
  `append` turns it (in the same transaction) into segments of at most
  SEGMENT_ROWS consecutive rows, stored per key as numpy arrays: the steps
  where the key has a value (omitted when it has one in every row) and the
  values as float64 or int64, or, for anything else (strings, bools, null,
  lists, dicts, mixed types, integers beyond 64 bits), a JSON list.

Reads plan which segments and tail chunks a step range needs, decode them into
a `_Frame` (row steps plus, per key, the row positions holding it and their
values) and write JSON straight from the arrays: numbers are formatted by
orjson a whole array at a time, non-finite ones patched in Python's dialect
(NaN, Infinity), and the rows are spliced together without a dict per row."""

from __future__ import annotations

import json
import logging
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Container
from itertools import chain, compress, groupby, islice
from operator import itemgetter, lt
from typing import Any, NamedTuple

import numpy as np
import orjson
from sqlalchemy import bindparam, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from .. import documents, pagination
from ..auth import Viewer
from ..automations import engine
from ..errors import UserError
from ..tables import HistoryChunk, HistoryColumn, Run, SystemChunk, SystemColumn, utcnow
from . import console, runs
from .segment_cache import Part, SegmentCache, SegmentKey, new_token

log = logging.getLogger("runbase.server")
MAX_SAMPLES = 100_000
MAX_PAGE = 100_000
MAX_STEP = 2**63 - 1  # steps are 64-bit integers in storage
COMPACT_AT = 10_000  # tail rows that trigger compaction
SEGMENT_ROWS = 20_000  # most rows in one compacted segment
JSON_TYPES = {int: "number", float: "number", str: "string", bool: "boolean", type(None): "nil", list: "list",
              dict: "map"}

# orjson parses integers beyond 64 bits as floats. Where parsed data holds a
# float that large, a JSON text with an integer literal of 19+ digits is parsed
# again by Python's exact parser.
_BIG_FLOAT = 2.0**63
_PARSED_TAIL = "runbase.history.parsed_tail"  # session.info: the last tail parsed (_parsed_tail)
_BIG_INT = re.compile(r"[\[,:]\s*-?\d{19}")
_NUMERIC_TYPES = (int, float)
_INT, _FLOAT = frozenset((int,)), frozenset((float,))
_STEP = itemgetter("_step")


def _checked(rows: list[Any]) -> list[dict[str, Any]]:
    try:  # the common, valid case in a few passes at C speed
        steps = list(map(_STEP, rows))
        if set(map(type, steps)) <= _INT and (not steps or 0 <= steps[0] <= steps[-1] <= MAX_STEP) \
                and all(map(lt, steps, islice(steps, 1, None))):
            return rows
    except (TypeError, KeyError):
        pass
    previous = -1  # find and name the first bad row
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise UserError(f"history row {index} is not a JSON object")
        step = row.get("_step")
        if type(step) is not int or not 0 <= step <= MAX_STEP:
            raise UserError(f"history row {index} needs a non-negative integer _step up to 2^63-1, got {step!r}")
        if step <= previous:
            raise UserError(f"history rows must be in increasing _step order (row {index} has _step {step})")
        previous = step
    return rows


def _count_keys(run: Run, rows: list[dict[str, Any]]) -> None:
    # Rows from one training loop mostly share their keys: count runs of equal
    # key sets instead of every key of every row.
    counts: dict[str, int] = {}
    firsts: dict[str, Any] = {}  # each key's first value, met as its first run starts
    previous: Any = None
    repeats = 0
    for row in rows + [{}]:
        row_keys = row.keys()
        if row_keys == previous:
            repeats += 1
            continue
        for key in previous or ():
            counts[key] = counts.get(key, 0) + repeats
        for key in row_keys - firsts.keys():
            firsts[key] = row[key]
        previous, repeats = row_keys, 1
    # New entries throughout, never the stored ones changed in place: SQLAlchemy tells a change by comparing
    # with the value loaded, which would then have changed too, and would store nothing.
    keys = dict(run.history_keys or {})
    for key, count in counts.items():
        entry = keys.get(key)
        if entry is None:
            keys[key] = {"typeCounts": [{"type": JSON_TYPES.get(type(firsts[key]), "unknown"), "count": count}]}
        else:
            old = entry["typeCounts"][0]
            keys[key] = {**entry, "typeCounts": [{**old, "count": old["count"] + count},
                                                 *entry["typeCounts"][1:]]}
    run.history_keys = keys


# ---------------------------------------------------------------- rows -> columns


class _Column(NamedTuple):
    steps: np.ndarray | None  # where the key has a value; None: in every row of its segment
    kind: str  # "f8", "i8" or "json"
    values: Any  # np.ndarray for f8 / i8, list for json


class _Segment(NamedTuple):
    steps: np.ndarray  # the steps of its rows, increasing
    columns: dict[str, _Column]  # every key but "_step"
    suspect: bool = False  # holds a float that orjson may have made of a huge integer


def _column(steps: np.ndarray | None, values: list[Any]) -> tuple[_Column, bool]:
    kinds = set(map(type, values))  # at C speed; no subclass comes out of JSON
    if kinds == _FLOAT:
        array = np.fromiter(values, dtype=np.float64, count=len(values))
        big = np.abs(array) >= _BIG_FLOAT
        return _Column(steps, "f8", array), bool(big.any() and np.isfinite(array[big]).any())
    if kinds == _INT:
        try:
            return _Column(steps, "i8", np.fromiter(values, dtype=np.int64, count=len(values))), False
        except OverflowError:
            pass
    return _Column(steps, "json", values), any(documents.has_big_float(value) for value in values)


def _blocks(rows: list[dict[str, Any]]) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Runs of consecutive rows with the same keys."""
    if rows and all(map(rows[0].keys().__eq__, map(dict.keys, rows))):  # one loop's rows: one block
        return [(rows[0].keys(), rows)]
    return [(keys, list(group)) for keys, group in groupby(rows, dict.keys)]


def _columns(rows: list[dict[str, Any]], keys: frozenset[str] | None = None,
             grouped: list[tuple[Any, list[dict[str, Any]]]] | None = None) -> _Segment:
    """Rows (valid, in step order) as columns (of `keys` only, when given: a read of a few keys of wide rows
    costs those keys), a list comprehension per key and block of rows with the same keys (`grouped`, when
    known already; no per-row containers: they would wake the garbage collector, which then walks every
    parsed row)."""
    count = len(rows)
    steps = np.fromiter(map(_STEP, rows), dtype=np.int64, count=count)
    spans: dict[str, list[tuple[int, int]]] = {}
    blocks: dict[str, list[list[Any]]] = {}
    start = 0
    for held, block in _blocks(rows) if grouped is None else grouped:
        end = start + len(block)
        for key in held if keys is None else keys.intersection(held):
            if key != "_step":
                spans.setdefault(key, []).append((start, end))
                blocks.setdefault(key, []).append(list(map(itemgetter(key), block)))
        start = end
    columns = {}
    suspect = False
    for key, where in spans.items():
        parts = blocks[key]
        values = parts[0] if len(parts) == 1 else list(chain.from_iterable(parts))
        at = None if len(values) == count else steps[np.concatenate([np.arange(a, b) for a, b in where])]
        columns[key], big = _column(at, values)
        suspect = suspect or big
    return _Segment(steps, columns, suspect)


def _segments(sources: list[tuple[str, list[dict[str, Any]]]], size: int,
              keys: frozenset[str] | None = None) -> list[_Segment]:
    """Columns (of `keys` only, when given) of the rows of `sources` ((JSON text, its parsed rows or a suffix of
    them), in step order), cut into segments of at most `size` rows of nearly equal length."""

    def cut(rows: list[dict[str, Any]]) -> list[_Segment]:
        pieces = max(1, -(-len(rows) // size))
        bounds = [len(rows) * i // pieces for i in range(pieces + 1)]
        return [_columns(rows[a:b], keys) for a, b in zip(bounds, bounds[1:]) if b > a]

    segments = cut([row for _, rows in sources for row in rows])
    if any(segment.suspect for segment in segments):
        exact = []
        for text, rows in sources:
            if rows and _BIG_INT.search(text):
                rows = json.loads(text)[-len(rows):]
            exact.extend(rows)
        segments = cut(exact)
    return segments


def _segment_params(run_id: int, segment: _Segment) -> list[dict[str, Any]]:
    first, last = int(segment.steps[0]), int(segment.steps[-1])
    params = [dict(run_id=run_id, first_step=first, key="_step", last_step=last, value_count=len(segment.steps),
                   kind="i8", steps=segment.steps.astype("<i8").tobytes(), data=None, written=new_token())]
    for key, column in segment.columns.items():
        found = documents.bad_character(key)
        if found:  # stored before such keys were refused: the rest of the rows must still compact
            log.warning("run %d: history key %r holds %s and is left out of compacted history", run_id, key, found)
            continue
        if column.kind == "json":
            data = documents.dump(column.values).encode()
        else:
            data = column.values.astype("<" + column.kind).tobytes()
        params.append(dict(run_id=run_id, first_step=first, key=key, last_step=last, value_count=len(column.values),
                           kind=column.kind, data=data, written=new_token(),
                           steps=None if column.steps is None else column.steps.astype("<i8").tobytes()))
    return params


def _compact(session: Session, run: Run, stream: Stream, fresh: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Move the whole tail, plus rows not yet stored, into columnar segments."""
    chunks = stream.chunks
    texts = session.scalars(select(chunks.rows).where(chunks.run_id == run.id).order_by(chunks.first_step)).all()
    sources = [(text, documents.loads(text)) for text in texts] + fresh
    segments = _segments(sources, SEGMENT_ROWS)
    if texts:
        session.execute(delete(chunks).where(chunks.run_id == run.id))
    if segments:
        session.execute(insert(stream.columns), [p for s in segments for p in _segment_params(run.id, s)])


def compact(session: Session, run: Run) -> None:
    """Compact whatever tails a run's streams have, e.g. once it has finished; reads are then columnar only."""
    for stream in STREAMS:
        _compact(session, run, stream, [])


def _store(session: Session, run: Run, stream: Stream, text: str, fresh: list[dict[str, Any]]) -> None:
    """Add rows new to the stream (in step order; `text`, their JSON list, keeps integers beyond 64 bits
    exact) to its tail, which is compacted once it holds COMPACT_AT rows."""
    chunks = stream.chunks
    tail = session.scalar(select(func.coalesce(func.sum(chunks.row_count), 0)).where(chunks.run_id == run.id)) or 0
    if tail + len(fresh) >= COMPACT_AT:
        _compact(session, run, stream, [(text, fresh)])
    else:
        session.add(chunks(run_id=run.id, first_step=fresh[0]["_step"], last_step=fresh[-1]["_step"],
                           row_count=len(fresh), rows=text))


class Refused(NamedTuple):
    """A row of a batch that was not stored, and why; the rest of the batch is."""

    position: int  # in the batch as sent, from 0
    step: int
    reason: str


class Appended(NamedTuple):
    run: Run
    accepted: int  # rows new to the run
    refused: list[Refused]
    refused_system: list[Refused]  # system rows, each with its number in the stream as its step


def _refuse_unstorable(rows_text: str, rows: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]], list[Refused]]:
    """The batch without the rows that no database can store (a key holding NUL or a lone surrogate,
    anywhere, or a string holding a lone surrogate), as text and rows, and those refused. Only a batch
    whose text may hold such characters is looked at row by row."""
    if not documents.may_hold_unstorable(rows_text):
        return rows_text, rows, []
    if _BIG_INT.search(rows_text):  # keep integers beyond 64 bits exact in the text stored again
        rows = json.loads(rows_text)
    kept, refused = [], []
    for index, row in enumerate(rows):
        found = documents.unstorable(row)
        if found:
            refused.append(Refused(index, row["_step"], f"cannot be stored: {found}"))
        else:
            kept.append(row)
    return (documents.dump(kept), kept, refused) if refused else (rows_text, rows, [])


class Parsed(NamedTuple):
    """A batch's JSON text with the rows parsed from it as `_parse_rows` parses it (file_stream parses each line to
    check it: parsing the batch again cost it as much again)."""

    text: str
    rows: list[Any]


def _parse_rows(batch: str | Parsed, what: str) -> tuple[str, list[Any]]:
    if isinstance(batch, Parsed):
        return batch.text, batch.rows
    return batch, documents.parse(batch, what, list, exact=False, nul=True)


def append(
    session: Session,
    viewer: Viewer,
    entity: str | None,
    project: str,
    *,
    run_name: str,
    rows_text: str | Parsed,
    summary_text: str | None = None,
    console_start: int | None = None,
    console_text: str | None = None,
    removed_summary_keys: list[str] | None = None,
    system_start: int | None = None,
    system_text: str | Parsed | None = None,
    summary_replaces: bool = False,
) -> Appended:
    """Store the rows above the run's last step, console lines and system rows; returns the run, how many
    rows were new and the rows refused (each alone: one bad key must not lose the rest of the batch).
    With `summary_replaces`, the summary sent is the whole summary (W&B's file_stream sends it so): keys
    it lacks are removed.

    Steps only grow within a run, so a row at or below the last stored step was
    already delivered: dropping it makes every resend harmless."""
    run = runs.writable(session, viewer, entity, project, name=run_name, lock=True)
    rows_text, parsed = _parse_rows(rows_text, "rows")
    rows = _checked(parsed)
    rows_text, rows, refused = _refuse_unstorable(rows_text, rows)
    fresh = rows if run.last_step is None else rows[bisect_right(rows, run.last_step, key=lambda row: row["_step"]):]
    if fresh:
        text = rows_text
        if len(fresh) != len(rows):
            if _BIG_INT.search(rows_text):  # keep integers beyond 64 bits exact
                fresh = json.loads(rows_text)[-len(fresh):]
            text = documents.dump(fresh)
        _store(session, run, HISTORY, text, fresh)
        run.last_step = fresh[-1]["_step"]
        run.history_line_count = (run.history_line_count or 0) + len(fresh)
        _count_keys(run, fresh)
    summary = documents.parse(summary_text, "summaryMetrics")
    if summary_replaces and summary is not None:
        removed_summary_keys = [key for key in run.summary or {} if key not in summary]
    runs.merge_summary(run, summary, removed_summary_keys)
    console.append(session, run, console_start, console_text)
    refused_system = _append_system(session, run, system_start, system_text)
    # A crashed (or preempted) run that sends again was only silent, not dead.
    revived = run.state in runs.REVIVED and runs.change_state(session, run, runs.REVIVED[run.state])
    run.heartbeat_at = utcnow()
    session.flush()
    engine.on_history(session, run, fresh)
    if revived:
        engine.on_state(session, run)
    return Appended(run, len(fresh), refused, refused_system)


def _append_system(session: Session, run: Run, start: int | None, batch: str | Parsed | None) -> list[Refused]:
    """Store the system rows numbered from `start` that the run does not have yet; returns those refused.

    The stream is the run's alone: its steps, line count, summary and automations never see it. A row is
    keyed by its number as a history row by its step, so a resend changes nothing; numbers need not follow
    on (a batch the server refused leaves a gap), and a refused row keeps its number from the next one."""
    if batch is None:
        return []
    rows_text, rows = _parse_rows(batch, "systemRows")
    if type(start) is not int or not 0 <= start <= MAX_STEP + 1 - len(rows):
        raise UserError("systemRows needs systemStart, the number of its first row (from 0; the last row's "
                        "number at most 2^63-1)")
    bad = next((index for index, row in enumerate(rows) if not isinstance(row, dict)), None)
    if bad is not None:
        raise UserError(f"system row {bad} is not a JSON object")
    have = run.system_line_count or 0
    if start + len(rows) <= have:
        return []  # a resend
    if _BIG_INT.search(rows_text):  # keep integers beyond 64 bits exact
        rows = json.loads(rows_text)
    check = documents.may_hold_unstorable(rows_text)
    fresh, refused = [], []
    for index in range(max(0, have - start), len(rows)):
        row = rows[index]
        found = ("the key '_step' (system rows are numbered by systemStart)" if "_step" in row
                 else documents.unstorable(row) if check else None)
        if found:
            refused.append(Refused(index, start + index, f"cannot be stored: {found}"))
        else:
            row["_step"] = start + index
            fresh.append(row)
    if fresh:
        _store(session, run, SYSTEM, documents.dump(fresh), fresh)
        run.system_metrics = _latest(run.system_metrics or {}, fresh, nul="\\u0000" in rows_text)
    run.system_line_count = start + len(rows)
    return refused


def _latest(latest: dict[str, Any], rows: list[dict[str, Any]], *, nul: bool) -> dict[str, Any]:
    """The latest value of each system key after `rows`, for Run.systemMetrics (a sampler may send a row
    per device, so the last row alone would hide the others), with the last row's _timestamp and _runtime;
    without the stream's bookkeeping (_step, _wandb) and strings holding NUL, which PostgreSQL's JSONB
    cannot store (the stream keeps them)."""
    merged = dict(latest)
    for row in rows:
        merged.update(row)
    merged.pop("_step", None)
    merged.pop("_wandb", None)
    if nul:
        merged = {key: value for key, value in merged.items() if "\\u0000" not in documents.dump(value)}
    return merged


# ---------------------------------------------------------------- frames


class _Span(NamedTuple):
    """The steps low <= step <= last: inclusive, so that the last step a row may have (2^63-1) is in a
    span bounded by numbers that 64-bit columns and parameters hold."""

    low: int
    last: int


class _Piece(NamedTuple):
    rows: np.ndarray | None  # increasing positions of the frame's rows that hold the key; None: all of them
    kind: str
    values: Any  # aligned with the rows: np.ndarray (f8 / i8) or list (json)


def _subset(values: Any, mask: np.ndarray) -> Any:
    return values[mask] if isinstance(values, np.ndarray) else list(compress(values, mask.tolist()))


def _gather(values: Any, index: np.ndarray) -> Any:
    return values[index] if isinstance(values, np.ndarray) else [values[i] for i in index.tolist()]


def _concat(kind: str, parts: list[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if kind != "json" else list(chain.from_iterable(parts))


def _joined_steps(parts: list[np.ndarray]) -> np.ndarray:
    """Consecutive non-empty runs of increasing steps as one array. Where they hold every step from the first
    to the last (a run logged step by step: the common case), it is counted out instead of copied, which
    saves reading them (a sample of 200,000 rows otherwise spends a fifth of its time here)."""
    first, total = int(parts[0][0]), sum(len(part) for part in parts)
    if int(parts[-1][-1]) - first + 1 != total:
        return np.concatenate(parts)
    steps = np.arange(total, dtype=np.int64)  # np.arange(first, last + 1) would pass int64 (as floats)
    steps += first
    return steps


def _lookup(sorted_steps: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `wanted`, its index in `sorted_steps` and whether it is there."""
    index = np.searchsorted(sorted_steps, wanted)
    if len(sorted_steps) == 0:
        return index, np.zeros(len(wanted), dtype=bool)
    found = sorted_steps[np.minimum(index, len(sorted_steps) - 1)] == wanted
    return index, found


class _Frame:
    """Rows in step order: their steps, and per key the pieces of values they hold
    (one piece per kind of values; a key held by every row has one piece, rows None)."""

    __slots__ = ("steps", "pieces")

    def __init__(self, steps: np.ndarray, pieces: dict[str, list[_Piece]]) -> None:
        self.steps = steps
        self.pieces = pieces

    def __len__(self) -> int:
        return len(self.steps)

    @classmethod
    def empty(cls) -> _Frame:
        return cls(np.zeros(0, dtype=np.int64), {})

    def rows(self, piece: _Piece) -> np.ndarray:
        return np.arange(len(self)) if piece.rows is None else piece.rows

    @classmethod
    def of(cls, segment: _Segment, keys: list[str] | None, required: list[str], span: _Span) -> _Frame:
        """The segment's rows in the span that hold every required key, restricted to `keys`."""
        steps = segment.steps
        a, b = int(np.searchsorted(steps, span.low)), int(np.searchsorted(steps, span.last, "right"))
        rows = steps[a:b]
        keep = None
        for key in required:
            column = segment.columns.get(key)
            if column is None:
                return cls(rows[:0], {})
            if column.steps is not None:
                found = _lookup(column.steps, rows)[1]
                keep = found if keep is None else keep & found
        if keep is not None:
            rows = rows[keep]
        pieces = {}
        for key in segment.columns if keys is None else keys:
            column = segment.columns.get(key)
            if column is None or not len(rows):
                continue
            if column.steps is None:  # in every row of the segment, so of the frame
                values = column.values[a:b]
                pieces[key] = [_Piece(None, column.kind, values if keep is None else _subset(values, keep))]
            else:
                at, found = _lookup(rows, column.steps)
                if found.any():
                    at = at[found]
                    pieces[key] = [_Piece(None if len(at) == len(rows) else at, column.kind,
                                          _subset(column.values, found))]
        return cls(rows, pieces)

    @classmethod
    def concat(cls, frames: list[_Frame]) -> _Frame:
        """One frame of consecutive frames."""
        if len(frames) == 1:
            return frames[0]
        offsets = np.cumsum([0] + [len(f) for f in frames]).tolist()
        gathered: dict[str, list[tuple[int, _Frame, _Piece]]] = {}
        for offset, frame in zip(offsets, frames):
            for key, items in frame.pieces.items():
                gathered.setdefault(key, []).extend((offset, frame, p) for p in items)
        pieces = {}
        for key, entries in gathered.items():
            kinds = [kind for kind, _ in groupby(entries, lambda e: e[2].kind)]
            if len(kinds) == 1 and len(entries) == len(frames) and all(e[2].rows is None for e in entries):
                pieces[key] = [_Piece(None, kinds[0], _concat(kinds[0], [e[2].values for e in entries]))]
                continue
            merged = []
            for kind, run in groupby(entries, lambda e: e[2].kind):
                same = list(run)
                rows = np.concatenate([frame.rows(p) + offset for offset, frame, p in same])
                merged.append(_Piece(rows, kind, _concat(kind, [p.values for _, _, p in same])))
            pieces[key] = merged
        return cls(_joined_steps([f.steps for f in frames]), pieces)

    def head(self, count: int) -> _Frame:
        if count >= len(self):
            return self
        pieces = {}
        for key, items in self.pieces.items():
            kept = []
            for piece in items:
                if piece.rows is None:
                    kept.append(_Piece(None, piece.kind, piece.values[:count]))
                    continue
                cut = int(np.searchsorted(piece.rows, count))
                if cut:
                    kept.append(_Piece(piece.rows[:cut], piece.kind, piece.values[:cut]))
            if kept:
                pieces[key] = kept
        return _Frame(self.steps[:count], pieces)

    def take(self, index: np.ndarray) -> _Frame:
        """The rows at the increasing positions `index`."""
        pieces = {}
        for key, items in self.pieces.items():
            kept = []
            for piece in items:
                if piece.rows is None:
                    kept.append(_Piece(None, piece.kind, _gather(piece.values, index)))
                    continue
                # Look the shorter of the two up in the other: linear in the values held, whatever the keys.
                if len(piece.rows) > len(index):
                    at, found = _lookup(piece.rows, index)
                    rows, values = np.flatnonzero(found), _gather(piece.values, at[found])
                else:
                    at, found = _lookup(index, piece.rows)
                    rows, values = at[found], _subset(piece.values, found)
                if len(rows):
                    kept.append(_Piece(rows, piece.kind, values))
            if kept:
                pieces[key] = kept
        return _Frame(self.steps[index], pieces)

    def numbers(self, key: str) -> tuple[np.ndarray | None, np.ndarray]:
        """Positions and values (as float64) of the key's numeric values; positions None where every row holds
        a number (an array of all positions would cost as much as the values)."""
        items = self.pieces.get(key, ())
        if len(items) == 1 and items[0].rows is None and items[0].kind != "json":
            return None, items[0].values.astype(np.float64, copy=False)
        rows, values = [], []
        for piece in self.pieces.get(key, ()):
            if piece.kind == "f8":
                rows.append(self.rows(piece))
                values.append(piece.values)
            elif piece.kind == "i8":
                rows.append(self.rows(piece))
                values.append(piece.values.astype(np.float64))
            else:
                mask = np.array([type(v) in _NUMERIC_TYPES for v in piece.values], dtype=bool)
                if mask.any():
                    try:
                        numbers = np.array(list(compress(piece.values, mask.tolist())), dtype=np.float64)
                    except OverflowError:
                        continue
                    rows.append(self.rows(piece)[mask])
                    values.append(numbers)
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return _concat("f8", rows), _concat("f8", values)

    def render(self, separator: bytes = b",") -> bytes:
        """The rows as JSON objects joined by `separator` ("_step" first, then the keys in frame order).

        Each column's values are formatted as one array and cut into tokens;
        the rows are then spliced together by a single join. Work grows with
        the values held, not with rows times keys: a run whose rows each hold
        a key of their own renders in linear time."""
        count = len(self)
        if not count:
            return b""
        columns = [(b"," + _json_bytes(key) + b":", items) for key, items in self.pieces.items()]
        if any(piece.rows is not None for _, items in columns for piece in items):
            return self._render_sparse(separator, columns)
        width = 2 + 2 * len(columns)
        parts: list[bytes] = [b""] * (count * width)
        parts[0::width] = [b"}" + separator + b'{"_step":'] * count
        parts[0] = b'{"_step":'
        parts[1::width] = _tokens("i8", self.steps)
        for slot, (label, items) in enumerate(columns, 1):
            parts[2 * slot::width] = [label] * count
            parts[2 * slot + 1::width] = list(chain.from_iterable(_tokens(p.kind, p.values) for p in items))
        parts.append(b"}")
        return b"".join(parts)

    def _render_sparse(self, separator: bytes, columns: list[tuple[bytes, list[_Piece]]]) -> bytes:
        """`render` where some key is held by some rows only: each row gets as many slots as it holds keys, and
        each key's tokens go to the next free slot of the rows holding it, key after key in frame order."""
        count = len(self)
        held = np.zeros(count, dtype=np.int64)
        for _, items in columns:
            for piece in items:
                held[self.rows(piece)] += 1
        starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(2 + 2 * held, out=starts[1:])
        parts = np.empty(int(starts[-1]) + 1, dtype=object)
        parts[starts[1:-1]] = b"}" + separator + b'{"_step":'
        parts[0] = b'{"_step":'
        parts[starts[:-1] + 1] = _objects(_tokens("i8", self.steps))
        parts[-1] = b"}"
        free = starts[:-1] + 2
        for label, items in columns:
            for piece in items:
                rows = self.rows(piece)
                at = free[rows]
                parts[at] = label
                parts[at + 1] = _objects(_tokens(piece.kind, piece.values))
                free[rows] += 2
        return b"".join(parts.tolist())

    def pack(self, following: int | None) -> bytes:
        """The rows as columns, for clients that rebuild them without parsing JSON text: COLUMNS_MAGIC, the
        length of a JSON header (4 bytes, little-endian) and the header {"rows": N, "next": following,
        "columns": [[key, kind, count, sparse, size], ...]}, then the rows' steps (N little-endian int64)
        and per column, in the header's order, the positions of the rows holding its values (count int64,
        only if sparse) and its `size` bytes of values: little-endian float64 ("f8") or int64 ("i8"), or
        ("json") one JSON list in Python's dialect (NaN, Infinity; integers of any size). A key may have
        several columns, one per kind of values, in row order; each row holds its keys in header order."""
        buffers: list[Any] = [np.ascontiguousarray(self.steps, dtype="<i8")]
        entries = []
        for key, items in self.pieces.items():
            for piece in items:
                if piece.rows is not None:
                    buffers.append(np.ascontiguousarray(piece.rows, dtype="<i8"))
                values = (b"[" + b",".join(_tokens("json", piece.values)) + b"]" if piece.kind == "json"
                          else np.ascontiguousarray(piece.values, dtype="<" + piece.kind))
                buffers.append(values)
                entries.append([key, piece.kind, len(piece.values), piece.rows is not None, values.nbytes
                                if isinstance(values, np.ndarray) else len(values)])
        header = json.dumps({"rows": len(self), "next": following, "columns": entries}).encode()
        return b"".join([COLUMNS_MAGIC, len(header).to_bytes(4, "little"), header, *buffers])


COLUMNS_MAGIC = b"RBHC"  # runbase history columns, format 1
COLUMNS_TYPE = "application/vnd.runbase.history-columns"


def _objects(items: list[Any]) -> np.ndarray:
    """A list as a one-dimensional array of its objects (np.array would look inside bytes and lists)."""
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _json_bytes(value: Any) -> bytes:
    if type(value) is str:
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:  # lone surrogates
            pass
    return json.dumps(value, separators=(",", ":")).encode()


_NONFINITE = {True: b"Infinity", False: b"-Infinity"}


def _tokens(kind: str, values: Any) -> list[bytes]:
    """Each value as JSON text (Python's dialect for NaN and infinities)."""
    if not len(values):
        return []
    if kind == "json":
        return [_json_bytes(value) for value in values]
    tokens = orjson.dumps(np.ascontiguousarray(values), option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].split(b",")
    if kind == "f8":
        for i in np.flatnonzero(~np.isfinite(values)).tolist():
            value = float(values[i])
            tokens[i] = b"NaN" if value != value else _NONFINITE[value > 0]
    return tokens


# ---------------------------------------------------------------- reading

_FIRST, _LAST = 0, MAX_STEP  # no bound: every step a row may have


class _Source(NamedTuple):
    first_step: int  # a segment's first step; for the tail, its first chunk's
    estimate: int  # most rows it can give
    tail: bool
    dense: bool  # every row of it holds every required key
    steps_run: bool = False  # a segment whose steps follow on without a gap: first_step, first_step + 1, ...
    written: dict[str, int | None] | None = None  # a segment's: the planned keys it holds, with their tokens


class _Driver(NamedTuple):
    """How a database driver's own connection takes a named parameter (`param`), tests a column against a
    list parameter (`among`), and takes a list (`listed`)."""

    param: str
    among: str
    listed: Callable[[list[Any]], Any]


# The drivers whose own connections run the reads that every page and sample makes (_driver_rows): SQLAlchemy's
# statement and result machinery cost as much as the queries themselves (a sample's two on SQLite: 250 -> 150
# us of CPU). A list is one parameter (an array; on SQLite, JSON text), so that a statement's text is the same
# for any length and never holds more parameters than the database takes.
_DRIVERS = {
    "psycopg": _Driver("%({})s", "{} = ANY(%({})s)", list),
    "pysqlite": _Driver(":{}", "{} IN (SELECT value FROM json_each(:{}))", json.dumps),
}


class Stream:
    """One of a run's streams in the columnar store: its tail and segment tables, the text of the reads every
    page makes (built once, run on the driver's own connection) and the most rows a run's stream may hold,
    which a read is charged before it loads anything."""

    def __init__(self, name: str, chunks: type[HistoryChunk | SystemChunk],
                 columns: type[HistoryColumn | SystemColumn], *, most_rows: Callable[[Run], int | None]) -> None:
        self.name, self.chunks, self.columns, self.most_rows = name, chunks, columns, most_rows
        c, t = columns.__table__.c, chunks.__table__.c
        self.tail = select(t.first_step, t.row_count, t.rows).where(
            t.run_id == bindparam("run"), t.last_step >= bindparam("low"), t.first_step <= bindparam("last"),
        ).order_by(t.first_step)
        self.driver_sql = {name: self._driver_sql(driver) for name, driver in _DRIVERS.items()}

    def _driver_sql(self, driver: _Driver) -> dict[str, str]:
        """The text of the segment reads for a driver's own connection (_driver_rows): "plan" (what the
        segments and the tail hold in a span), "load" (segments by first step), "load_keys" (some keys of them)
        and "tokens" (the segments' tokens, by first step)."""
        param, among = driver.param.format, driver.among.format
        columns, chunks = self.columns.__tablename__, self.chunks.__tablename__
        span = f"run_id = {param('run')} AND last_step >= {param('low')} AND first_step <= {param('last')}"
        load = (f"SELECT first_step, key, kind, steps, data, written FROM {columns}"
                f" WHERE run_id = {param('run')} AND {among('first_step', 'firsts')}")
        return {"plan": f"SELECT first_step, key, value_count, last_step, written FROM {columns} WHERE {span}"
                        f" AND {among('key', 'keys')} UNION ALL SELECT min(first_step), NULL,"
                        f" coalesce(sum(row_count), 0), max(last_step), NULL FROM {chunks} WHERE {span}",
                "load": load, "load_keys": f"{load} AND {among('key', 'keys')}",
                "tokens": f"SELECT first_step, written FROM {columns} WHERE run_id = {param('run')} AND key = '_step'"
                          f" AND {among('first_step', 'firsts')}"}

    def rows(self, run: Run) -> int:
        """The most rows a read of the run's stream can give: charged to the answer before loading."""
        return self.most_rows(run) or 0


HISTORY = Stream("history", HistoryChunk, HistoryColumn, most_rows=lambda run: run.history_line_count)
# Numbered rows, refused ones included: at least as many as it holds.
SYSTEM = Stream("system", SystemChunk, SystemColumn, most_rows=lambda run: run.system_line_count)
STREAMS = (HISTORY, SYSTEM)


def _plan(session: Session, run: Run, stream: Stream, required: list[str], *, span: _Span) -> list[_Source]:
    """The segments (and the tail) that may hold rows in the span with every required key, in step order."""
    counts: dict[int, dict[str, int]] = {}
    lasts: dict[int, int] = {}
    tokens: dict[int, dict[str, int | None]] = {}
    tail = None
    params = {"run": run.id, "keys": ["_step", *required], "low": span.low, "last": span.last}
    for first, key, count, last, written in _driver_rows(session, stream, "plan", params):
        if key is None:
            tail = (first, count)
        else:
            counts.setdefault(first, {})[key] = count
            tokens.setdefault(first, {})[key] = written
            lasts[first] = last
    sources = []
    for first in sorted(counts):
        found = counts[first]
        rows = found.get("_step", 0)
        estimate = min((found.get(key, 0) for key in required), default=rows)
        if estimate:
            sources.append(_Source(first, estimate, False, estimate == rows, rows == lasts[first] - first + 1,
                                   tokens[first]))
    if tail is not None and tail[1]:
        sources.append(_Source(tail[0], tail[1], True, not required))
    return sources


def _decode(kind: str, data: bytes) -> Any:
    if kind == "f8":
        return np.frombuffer(data, "<f8")
    if kind == "i8":
        return np.frombuffer(data, "<i8")
    return json.loads(data)  # exact for integers beyond 64 bits, unlike orjson


def _driver_rows(session: Session, stream: Stream, name: str, params: dict[str, Any]) -> list[Any]:
    """The rows of the stream's read `name` run on the driver's own connection (_DRIVERS), in the session's
    transaction; the server runs only on these drivers (cli._database_url)."""
    connection = session.connection()
    driver = _DRIVERS[connection.dialect.driver]
    sql = stream.driver_sql[connection.dialect.driver][name]
    params = {key: driver.listed(value) if isinstance(value, list) else value for key, value in params.items()}
    own = connection.connection.driver_connection
    assert own is not None  # a live connection, checked out for this session
    if connection.dialect.driver == "psycopg":
        # psycopg's binary protocol hands bytea over as is: a third of the time of the hex text form.
        with own.cursor(binary=True) as cursor:
            return cursor.execute(sql, params).fetchall()  # type: ignore[no-any-return]
    return own.execute(sql, params).fetchall()  # type: ignore[no-any-return]


def _fetch(session: Session, run: Run, stream: Stream, firsts: list[int], keys: list[str] | None) -> Any:
    """(first_step, key, kind, steps, data, written) of the segments starting at `firsts`."""
    params: dict[str, Any] = {"run": run.id, "firsts": firsts}
    if keys is not None:
        params["keys"] = keys
    return _driver_rows(session, stream, "load" if keys is None else "load_keys", params)


def _cached_parts(cache: SegmentCache, stream: Stream, run: Run, source: _Source,
                  wanted: list[str]) -> dict[str, Part] | None:
    """The segment's parts of the wanted keys when the cache holds them all."""
    if source.written is None:
        return None
    parts = {}
    for key in wanted:
        if key not in source.written:
            continue  # the plan found no column of the key in the segment: nothing to read
        written = source.written[key]
        found = None if written is None else cache.get(SegmentKey(stream.name, run.id, source.first_step, key,
                                                                   written))
        if found is None:
            return None
        parts[key] = found
    return parts


def _stored_parts(session: Session, run: Run, stream: Stream, stored: list[_Source], wanted: list[str] | None,
                  planned: frozenset[str], counted: Container[int]) -> dict[int, dict[str, Part]]:
    """Per segment, its parts of the `wanted` keys (None: every key): from the server's SegmentCache where it
    holds them all under the tokens the plan found (which knows the tokens of the `planned` keys only), else
    read, and then kept, but for the step arrays of the `counted` (gap-free) segments, which `_load` counts out.
    Reads of every key neither use nor fill it: the plan does not know their tokens, and they would push out
    what charts read again."""
    cache = SegmentCache.of(session)
    if wanted is None or not planned.issuperset(wanted):
        cache = None
    grouped: dict[int, dict[str, Part]] = {}
    missing = []
    for source in stored:
        found = None if cache is None else _cached_parts(cache, stream, run, source, wanted or [])
        grouped[source.first_step] = {} if found is None else found
        if found is None:
            missing.append(source.first_step)
    if missing:
        tokens = {source.first_step: source.written or {} for source in stored}
        for first, key, kind, steps, data, written in _fetch(session, run, stream, missing, wanted):
            if key in tokens[first] and written != tokens[first][key]:
                # Rewritten since it was planned (a rewind, then the same steps again): the segments taken from
                # memory are those the plan saw, so this one must be too, or a read would mix both histories.
                raise _Moved
            part = Part(kind, None if steps is None else np.frombuffer(steps, "<i8"),
                        None if data is None else _decode(kind, data))
            grouped[first][key] = part
            if cache is not None and written is not None and not (key == "_step" and first in counted):
                cache.put(SegmentKey(stream.name, run.id, first, key, written), part)
    return grouped


def _load(session: Session, run: Run, stream: Stream, sources: list[_Source], *, keys: list[str] | None,
          span: _Span, planned: frozenset[str] = frozenset()) -> list[_Segment]:
    """The segments of `sources` (planned for the keys `planned`), and the tail's rows, as columns of `keys`."""
    segments = []
    stored = [s for s in sources if not s.tail]
    if stored:
        # Steps that follow on without a gap are known from the plan: their array is not read.
        counted = {s.first_step: s.estimate for s in stored if s.steps_run and s.dense}
        wanted = None if keys is None else keys if keys and len(counted) == len(stored) else ["_step", *keys]
        grouped = _stored_parts(session, run, stream, stored, wanted, planned, counted)
        for source in stored:
            first, parts = source.first_step, grouped[source.first_step]
            held = parts.pop("_step", None)
            if held is not None and held.steps is not None:
                steps = held.steps
            elif first not in counted:
                raise _Moved  # deleted since it was planned (a rewind)
            else:  # first + an int64 range, in place: np.arange(first, last + 1) would pass int64 (as floats)
                steps = np.arange(counted[first], dtype=np.int64)
                steps += first
            columns = {key: _Column(part.steps, part.kind, part.values) for key, part in sorted(parts.items())}
            if held is None and (not columns or any(c.steps is None and len(c.values) != len(steps)
                                                    for c in columns.values())):
                raise _Moved  # cut or deleted since it was planned (a rewind)
            segments.append(_Segment(steps, columns))
    if sources and sources[-1].tail:
        chunks = session.connection().execute(stream.tail, {"run": run.id, "low": span.low, "last": span.last}).all()
        if not chunks or chunks[0][0] != sources[-1].first_step or sum(c[1] for c in chunks) < sources[-1].estimate:
            raise _Moved  # compacted since it was planned (each statement may see a newer snapshot)
        segments += _tail_segments(session, [text for _, _, text in chunks],
                                   None if keys is None else frozenset(keys))
    return segments


class _ParsedTail(NamedTuple):
    texts: list[str]
    sources: list[tuple[str, list[dict[str, Any]]]]
    rows: list[dict[str, Any]]
    blocks: list[tuple[Any, list[dict[str, Any]]]]


def _tail_segments(session: Session, texts: list[str], keys: frozenset[str] | None) -> list[_Segment]:
    """The tail's rows as columns of `keys`. Its chunks are parsed (and grouped into blocks) once for the reads
    of one request, whose sampledHistory specs each read the tail, of rows that may each hold a thousand keys:
    the last parse is kept on the session, for the same texts."""
    kept = session.info.get(_PARSED_TAIL)
    if not isinstance(kept, _ParsedTail) or kept.texts != texts:
        sources = [(text, documents.loads(text)) for text in texts]
        rows = [row for _, parsed in sources for row in parsed]
        kept = session.info[_PARSED_TAIL] = _ParsedTail(texts, sources, rows, _blocks(rows))
    if not kept.rows:
        return []
    segment = _columns(kept.rows, keys, kept.blocks)
    return _segments(kept.sources, 1 << 62, keys) if segment.suspect else [segment]


class _Moved(Exception):
    """The tail a read planned on was compacted meanwhile: plan again."""


def _frame(session: Session, run: Run, stream: Stream, keys: list[str] | None, *, required: list[str],
           span: _Span, limit: int | None = None) -> tuple[_Frame, int | None]:
    """Rows in the span holding every required key, restricted to keys (None: all).

    With a limit, at most that many rows, loading segments in groups just
    large enough, and the step of the next row after them (None if none)."""
    session.flush()  # reads below go through the connection, which does not autoflush
    for _ in range(8):
        try:
            return _gather_frame(session, run, stream, keys, required=required, span=span, limit=limit)
        except _Moved:
            continue
    raise UserError(f"{stream.name} is being compacted; try again")


def _gather_frame(session: Session, run: Run, stream: Stream, keys: list[str] | None, *, required: list[str],
                  span: _Span, limit: int | None) -> tuple[_Frame, int | None]:
    sources = _plan(session, run, stream, required, span=span)
    planned = frozenset(["_step", *required])
    frames: list[_Frame] = []
    got = 0
    start = 0
    following = None
    while start < len(sources):
        if limit is not None and got >= limit:
            if got > limit:
                break
            if sources[start].dense:  # its first row is the next one: no need to load it
                following = max(sources[start].first_step, span.low)
                break
        need = None if limit is None else max(limit - got, 1)
        end, estimate = start, 0
        while end < len(sources) and (need is None or estimate < need) and end - start < 256:
            estimate += sources[end].estimate
            end += 1
        for segment in _load(session, run, stream, sources[start:end], keys=keys, span=span, planned=planned):
            frame = _Frame.of(segment, keys, required, span)
            if len(frame):
                frames.append(frame)
                got += len(frame)
        start = end
    _check_unchanged(session, run, stream, sources[:start])
    frame = _Frame.concat(frames) if frames else _Frame.empty()
    if limit is not None and len(frame) > limit:
        following = int(frame.steps[limit])
        frame = frame.head(limit)
    return frame, following


def _check_unchanged(session: Session, run: Run, stream: Stream, loaded: list[_Source]) -> None:
    """Where a read took both segments and the tail, the segments must still be those the plan saw once the tail
    is read (a statement later), or a rewind in between, which cuts segments and writes the tail anew, would mix
    two histories: the tail checks only its first step and its length. Segments taken from the server's memory
    are the plan's; read ones too (their tokens are checked as they come). A segment's rows are rewritten
    together, with new tokens, so its "_step" row's token tells; one present before and after the tail was read
    was there throughout."""
    if not loaded or not loaded[-1].tail or len(loaded) == 1:
        return
    planned = {s.first_step: (s.written or {}).get("_step") for s in loaded if not s.tail}
    found = dict(_driver_rows(session, stream, "tokens", {"run": run.id, "firsts": list(planned)}))
    if found != planned:
        raise _Moved


def _keys(keys: list[str] | None, *more: str) -> list[str] | None:
    if keys is None or not keys:
        return None
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise UserError("keys must be a list of strings")
    return list(dict.fromkeys([*keys, *more]))


def sample_indices(count: int, samples: int) -> list[int]:
    """Evenly spread indices that always include the first and the last row."""
    if count <= samples:
        return list(range(count))
    if samples == 1:
        return [count - 1]
    return sorted({round(i * (count - 1) / (samples - 1)) for i in range(samples)})


def _span(min_step: int | None, max_step: int | None) -> _Span | None:
    """The steps min_step <= step < max_step (either optional) that a row may have; None when there are none."""
    low = _FIRST if min_step is None else max(min_step, _FIRST)
    last = _LAST if max_step is None else min(max_step - 1, _LAST)
    return _Span(low, last) if low <= last else None


def read(session: Session, run: Run, *, samples: int | None = None, min_step: int | None = None,
         max_step: int | None = None, budget: pagination.AnswerBudget | None = None) -> list[str]:
    """Every row with min_step <= step < max_step (both optional), or `samples` of them evenly spread.
    max_step is exclusive as in W&B (and `scan`), so pages [a, b), [b, c) never share a row.
    Refused when the rows would overrun the request's `budget`, before they are rendered."""
    budget = budget or pagination.AnswerBudget()
    if samples is not None and not 1 <= samples <= MAX_SAMPLES:
        raise UserError(f"samples must be between 1 and {MAX_SAMPLES}")
    span = _span(min_step, max_step)
    if span is None:
        return []
    if samples is None:
        frame, following = _frame(session, run, HISTORY, None, required=[], span=span, limit=budget.rows_left)
        budget.charge(len(frame) + (following is not None), "history")
    else:
        budget.charge(min(samples, HISTORY.rows(run)), "history(samples)")
        frame = _frame(session, run, HISTORY, None, required=[], span=span)[0]
        if len(frame) > samples:
            frame = frame.take(np.array(sample_indices(len(frame), samples), dtype=np.int64))
    text = frame.render(b"\n")
    budget.charge(0, "history", size=len(text))
    return text.decode().split("\n") if text else []


def _ordered(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The values as the lowest and the highest are sought among them: NaN as +inf, then as -inf, so that it
    never wins unless nothing else is there (the values themselves where none is NaN); None when there is no
    value but NaN."""
    nan = np.isnan(values)
    if not nan.any():
        return (values, values) if len(values) else None
    if nan.all():
        return None
    return np.where(nan, np.inf, values), np.where(nan, -np.inf, values)


def _bucket_extremes(rows: np.ndarray | None, lows: np.ndarray, highs: np.ndarray, count: int, *,
                     buckets: int) -> list[np.ndarray]:
    """Per bucket of rows (`buckets` equal ranges of row positions), the positions of the first lowest of
    `lows` and the first highest of `highs` (a key's values, `_ordered`). `rows` are the positions of the
    values; None: every row's, in order."""
    edges = np.arange(buckets, dtype=np.int64) * count // buckets
    starts = edges if rows is None else np.searchsorted(rows, edges)
    starts = starts[np.append(True, starts[1:] != starts[:-1])]  # sorted already: np.unique would hash them
    starts = starts[starts < len(lows)]
    if not len(starts):
        return []
    widths = np.diff(np.append(starts, len(lows)))
    narrow = int(widths.min())
    even = int(widths.max()) - narrow <= 1  # the common case: a key in every row, or evenly spread
    low_windows = high_windows = None
    if even:  # the first `narrow` values of each bucket, a row each, copied once for lows and highs alike
        window = np.lib.stride_tricks.sliding_window_view
        low_windows = window(lows, narrow)[starts]
        high_windows = low_windows if highs is lows else window(highs, narrow)[starts]
    picks = []
    for series, windows, lowest in ((lows, low_windows, True), (highs, high_windows, False)):
        if windows is not None:
            first = _first_extremes(series, windows, starts, widths, lowest=lowest)
        else:
            best = (np.minimum if lowest else np.maximum).reduceat(series, starts)
            hits = np.flatnonzero(series == np.repeat(best, widths))
            hit_groups = np.searchsorted(starts, hits, "right")
            leading = np.ones(len(hits), dtype=bool)
            leading[1:] = hit_groups[1:] != hit_groups[:-1]
            first = hits[leading]
        picks.append(first if rows is None else rows[first])
    return picks


def _first_extremes(series: np.ndarray, windows: np.ndarray, starts: np.ndarray, widths: np.ndarray, *,
                    lowest: bool) -> np.ndarray:
    """`_bucket_extremes` for buckets as wide as `windows` (their first values) or one wider: argmin (argmax)
    scans the rows of `windows` at once, and a wider bucket's last value wins only if strictly beyond. One copy
    of the values and a pass each way, where reduceat and a comparison of every value with its bucket's best
    took several."""
    narrow = windows.shape[1]
    at = windows.argmin(axis=1) if lowest else windows.argmax(axis=1)
    wide = np.flatnonzero(widths > narrow)
    if len(wide):
        best = windows[wide, at[wide]]
        last = series[starts[wide] + narrow]
        at[wide[last < best if lowest else last > best]] = narrow
    found: np.ndarray = starts + at
    return found


def _pick(frame: _Frame, samples: int, extremes: list[str], shaped: set[str]) -> np.ndarray:
    """Which rows a sample of `samples` keeps; see `sampled`."""
    count = len(frame)
    if count <= samples:
        return np.arange(count)
    if samples == 1:
        return np.array([count - 1])
    must = [0, count - 1]
    series = {}
    for key in extremes:
        rows, values = frame.numbers(key)
        ordered = _ordered(values)
        if ordered is None:
            continue
        low, high = ordered[0].argmin(), ordered[1].argmax()
        must += [int(low), int(high)] if rows is None else [int(rows[low]), int(rows[high])]
        if key in shaped:
            series[key] = rows, *ordered
    chosen = np.zeros(count, dtype=bool)
    must = list(dict.fromkeys(must))[:samples]
    chosen[must] = True
    room = samples - len(must)
    if series and room >= 2 * len(series):
        buckets = room // (2 * len(series))
        for rows, lows, highs in series.values():
            for picks in _bucket_extremes(rows, lows, highs, count, buckets=buckets):
                chosen[picks] = True
    kept = np.flatnonzero(chosen)
    room = samples - len(kept)
    return np.sort(np.concatenate([kept, _spread(kept, room)])) if room > 0 else kept  # _spread: between kept


def _spread(kept: np.ndarray, room: int) -> np.ndarray:
    """`room` more positions between the kept ones (which include the first and
    last), shared among the gaps in proportion to their length (largest
    remainders first) and evenly spaced within each gap."""
    before, after = kept[:-1], kept[1:]
    free = after - before - 1
    share = room * free / free.sum()
    counts = np.floor(share).astype(np.int64)
    short = room - int(counts.sum())
    if short:
        counts[np.argsort(counts - share, kind="stable")[:short]] += 1
    gap = np.repeat(np.arange(len(counts)), counts)
    nth = np.arange(len(gap)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    width = after[gap] - before[gap]
    spread: np.ndarray = before[gap] + np.round(nth * width / (counts[gap] + 1)).astype(np.int64)
    return spread


def sampled(session: Session, run: Run, keys: list[str] | None, samples: int, *, x_axis: str = "_step",
            min_step: int | None = None, max_step: int | None = None,
            budget: pagination.AnswerBudget | None = None) -> str:
    """At most `samples` rows with min_step <= step < max_step (both optional: a chart zoomed in reads only
    the segments it shows) as one JSON list, for plotting.

    With keys, only rows holding every key and `x_axis` count, restricted to
    those keys, `x_axis` and "_step" (W&B's sampled history); without, every
    row with all its keys. The choice is deterministic: the first and last
    rows and, per numeric key, the rows of its lowest and highest value always
    stay (the first of ties; NaN ignored; should these exceed `samples`,
    first, last, then the keys in order). The rest of the budget is split into
    equal buckets of rows and each bucket keeps the rows of its lowest and
    highest value of each numeric key shown (M4-style: spikes and dips that a
    plot would show survive any downsampling; `x_axis`, and without keys the
    keys with a leading underscore, are not shaped). Whatever budget is left
    (ties, flat series, non-numeric keys) goes to the gaps between the rows
    kept, in proportion to their length, evenly spaced within each."""
    budget = budget or pagination.AnswerBudget()
    frame = _sample(session, run, HISTORY, keys, samples=samples, x_axis=x_axis, budget=budget, what="sampledHistory",
                    span=_span(min_step, max_step))
    text = frame.render()
    budget.charge(0, "sampledHistory", size=len(text))
    return "[" + text.decode() + "]"


def sampled_columns(session: Session, run: Run, keys: list[str] | None, samples: int, *, x_axis: str = "_step",
                    min_step: int | None = None, max_step: int | None = None,
                    budget: pagination.AnswerBudget | None = None) -> bytes:
    """`sampled`'s rows, the same choice, packed as columns (`_Frame.pack`, no next step): the SDK's
    Run.history and the web app's charts skip GraphQL and the JSON text of every row."""
    budget = budget or pagination.AnswerBudget()
    frame = _sample(session, run, HISTORY, keys, samples=samples, x_axis=x_axis, budget=budget,
                    what="history sample", span=_span(min_step, max_step))
    data = frame.pack(None)
    budget.charge(0, "history sample", size=len(data))
    return data


def _sample(session: Session, run: Run, stream: Stream, keys: list[str] | None, *, samples: int, x_axis: str,
            budget: pagination.AnswerBudget, what: str, span: _Span | None = _Span(_FIRST, _LAST)) -> _Frame:
    """The rows `sampled` keeps of those in `span` (None: no step), charged to the budget as at most `samples`
    rows before any is loaded."""
    if not 1 <= samples <= MAX_SAMPLES:
        raise UserError(f"samples must be between 1 and {MAX_SAMPLES}")
    wanted = _keys(keys, x_axis)
    budget.charge(min(samples, stream.rows(run)), what)
    if span is None:
        return _Frame.empty()
    if wanted is None:
        frame = _frame(session, run, stream, None, required=[], span=span)[0]
        extremes = list(frame.pieces)
        shaped = {key for key in extremes if not key.startswith("_")}
    else:
        required = [key for key in wanted if key != "_step"]
        frame = _frame(session, run, stream, required, required=required, span=span)[0]
        extremes = required
        shaped = {key for key in required if key != x_axis} or set(required)
    return frame.take(_pick(frame, samples, extremes, shaped)) if len(frame) > samples else frame


# The number a system row is stored under, at the start of each rendered row: not part of W&B's events.
_ROW_NUMBER = re.compile(rb'^\{"_step":\d+,?', re.MULTILINE)


def events(session: Session, run: Run, samples: int, *, budget: pagination.AnswerBudget | None = None) -> list[str]:
    """At most `samples` rows of the run's system stream, each one JSON object as the SDK sent it (W&B's
    events: "system."-prefixed keys, _timestamp, _runtime, _wandb), sampled as `sampled` samples history
    without keys: the first and last rows and each metric's extremes stay."""
    budget = budget or pagination.AnswerBudget()
    frame = _sample(session, run, SYSTEM, None, samples=samples, x_axis="_step", budget=budget, what="events")
    text = _ROW_NUMBER.sub(b"{", frame.render(b"\n"))  # JSON text holds no raw newline: a line is a row
    budget.charge(0, "events", size=len(text))
    return text.decode().split("\n") if text else []


TAIL_SPAN = 64


def last_row(session: Session, run: Run, *, system: bool = False) -> str | None:
    """The last row of the run's history (or system stream) as JSON text, None when it has none: W&B's client
    resumes a run from it (historyTail's _step and _runtime, eventsTail's _runtime)."""
    stream = SYSTEM if system else HISTORY
    last = (run.system_line_count or 0) - 1 if system else run.last_step
    span = None if last is None or last < 0 else _span(last - TAIL_SPAN, None)
    if span is None:
        return None
    frame, _ = _frame(session, run, stream, None, required=[], span=span)
    return frame.render(b"\n").decode().rsplit("\n", 1)[-1] if len(frame) else None


def scan(session: Session, run: Run, keys: list[str] | None, *, min_step: int | None = None,
         max_step: int | None = None, limit: int, budget: pagination.AnswerBudget | None = None
         ) -> tuple[str, int | None]:
    """Up to `limit` rows with min_step <= step < max_step as one JSON list, and the
    min_step to continue from (None when no row is left).

    With keys, only rows holding every key count, restricted to those keys and
    "_step" (W&B's scan_history)."""
    budget = budget or pagination.AnswerBudget()
    frame, following = _page(session, run, keys, min_step=min_step, max_step=max_step, limit=limit, budget=budget)
    text = frame.render()
    budget.charge(0, "historyPage", size=len(text))
    return "[" + text.decode() + "]", following


def columns(session: Session, run: Run, keys: list[str] | None, *, min_step: int | None = None,
            max_step: int | None = None, limit: int, budget: pagination.AnswerBudget | None = None) -> bytes:
    """`scan`'s page, the same rows and the step to continue from, as columns (`_Frame.pack`): the SDK
    reads a whole run's history several times faster than from JSON text of every row."""
    budget = budget or pagination.AnswerBudget()
    frame, following = _page(session, run, keys, min_step=min_step, max_step=max_step, limit=limit, budget=budget)
    data = frame.pack(following)
    budget.charge(0, "historyPage", size=len(data))
    return data


def _page(session: Session, run: Run, keys: list[str] | None, *, min_step: int | None, max_step: int | None,
          limit: int, budget: pagination.AnswerBudget) -> tuple[_Frame, int | None]:
    """The rows of a page of `scan`, charged to the budget as `limit` rows before any is loaded."""
    if not 1 <= limit <= MAX_PAGE:
        raise UserError(f"limit must be between 1 and {MAX_PAGE}")
    wanted = _keys(keys)
    required = [] if wanted is None else [key for key in wanted if key != "_step"]
    span = _span(min_step, max_step)
    if span is None:
        return _Frame.empty(), None
    budget.charge(min(limit, HISTORY.rows(run)), "historyPage")
    return _frame(session, run, HISTORY, wanted and required, required=required, span=span, limit=limit)


# ---------------------------------------------------------------- branching: rewind and fork


def _head(segment: _Segment, step: int) -> _Segment:
    """The segment's rows up to and including `step`: its arrays sliced, no row rebuilt."""
    count = int(np.searchsorted(segment.steps, step, "right"))
    columns = {}
    for key, column in segment.columns.items():
        held = count if column.steps is None else int(np.searchsorted(column.steps, step, "right"))
        if held:
            columns[key] = _Column(None if column.steps is None else column.steps[:held], column.kind,
                                   column.values[:held])
    return _Segment(segment.steps[:count], columns)


def _straddling(session: Session, run: Run, step: int) -> _Segment | None:
    """The rows up to `step` of the run's one segment that holds rows on both sides of it, if any."""
    c = HistoryColumn
    first = session.scalar(select(c.first_step).where(c.run_id == run.id, c.key == "_step", c.first_step <= step,
                                                      c.last_step > step))
    if first is None:
        return None
    [segment] = _load(session, run, HISTORY, [_Source(first, 0, False, True)], keys=None, span=_Span(_FIRST, _LAST))
    return _head(segment, step)


def truncate(session: Session, run: Run, step: int) -> None:
    """Drop the run's history rows after `step` (a rewind). The tail is compacted first, so that every row is
    in a segment; then one DELETE drops the segments after `step` and the one segment straddling it is
    stored again cut. The run's line count, last step and key counts follow."""
    _compact(session, run, HISTORY, [])
    cut = _straddling(session, run, step)
    c = HistoryColumn
    session.execute(delete(c).where(c.run_id == run.id, c.last_step > step))
    if cut is not None:
        session.execute(insert(c), _segment_params(run.id, cut))
    _recount(session, run, run.history_keys or {})


_COPIED = ("first_step", "key", "last_step", "value_count", "kind", "steps", "data", "written")


def copy(session: Session, source: Run, destination: Run, step: int) -> None:
    """Give `destination`, a run without history, the source's rows up to `step` (a fork): one
    INSERT ... SELECT copies the source's whole segments up to it, and the segment straddling it is
    stored cut, as `truncate` cuts it (the source's tail is compacted first)."""
    _compact(session, source, HISTORY, [])
    c = HistoryColumn
    session.execute(insert(c).from_select(
        ["run_id", *_COPIED],
        select(literal(destination.id), *(getattr(c, name) for name in _COPIED)).where(
            c.run_id == source.id, c.last_step <= step)))
    cut = _straddling(session, source, step)
    if cut is not None:
        session.execute(insert(c), _segment_params(destination.id, cut))
    _recount(session, destination, source.history_keys or {})


def _recount(session: Session, run: Run, known: dict[str, Any]) -> None:
    """The run's line count, last step and key counts from its segments (its history all compacted), each
    key keeping the type `known` gives it (that of its first value, which a cut never drops)."""
    c = HistoryColumn
    found = {key: (int(count), int(last), kind) for key, count, last, kind in session.execute(
        select(c.key, func.sum(c.value_count), func.max(c.last_step), func.min(c.kind))
        .where(c.run_id == run.id).group_by(c.key))}
    count, last, _ = found.get("_step", (0, None, None))
    run.history_line_count, run.last_step = count, last
    keys = {}
    for key in [*(key for key in known if key in found), *sorted(found.keys() - known.keys())]:
        entry = (known.get(key) or {}).get("typeCounts") or [{}]
        kind = found[key][2]
        type_name = entry[0].get("type") or ("number" if kind in ("f8", "i8") else "unknown")
        keys[key] = {"typeCounts": [{"type": type_name, "count": found[key][0]}]}
    run.history_keys = keys


def _storable(value: Any) -> bool:
    """Whether a summary can hold the value: not a string holding NUL, which PostgreSQL's JSONB cannot store."""
    return not isinstance(value, (str, list, dict)) or "\\u0000" not in documents.dump(value)


def _item(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def latest(session: Session, run: Run) -> dict[str, Any]:
    """The last value of each key of the run's history (its history all compacted): W&B's summary of it.
    Values a summary cannot hold (_storable) are left out."""
    c = HistoryColumn
    newest = (select(c.key, func.max(c.first_step).label("first"))
              .where(c.run_id == run.id, c.key != "_step").group_by(c.key).subquery())
    values: dict[str, Any] = {}
    for key, kind, data in session.execute(
            select(c.key, c.kind, c.data).join(newest, (c.key == newest.c.key) & (c.first_step == newest.c.first))
            .where(c.run_id == run.id)):
        value = _item(_decode(kind, bytes(data or b""))[-1])
        if _storable(value):
            values[key] = value
    if run.last_step is not None:
        values["_step"] = run.last_step
    return values


AGGREGATES = ("min", "max", "mean", "first", "last")  # the summaries the SDK's define_metric computes


def _ranked(values: Any) -> tuple[Any, Any, np.ndarray] | None:
    """A segment's values that rank and average (numbers, NaN never): the lowest and highest as stored (the
    first of equal ones) and all of them as float64 in step order; None where it has none."""
    if isinstance(values, np.ndarray):
        numbers = values[~np.isnan(values)] if values.dtype.kind == "f" else values
        if not len(numbers):
            return None
        return numbers[numbers.argmin()].item(), numbers[numbers.argmax()].item(), numbers.astype(np.float64)
    kept = [value for value in values if type(value) is int or (type(value) is float and value == value)]
    if not kept:
        return None
    return min(kept), max(kept), np.array([_float(value) for value in kept], dtype=np.float64)


def _float(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer beyond float's range counts as the infinity on its side
        return math.inf if value > 0 else -math.inf


def finite_number(value: Any) -> float | None:
    """A logged value as the finite float a sweep ranks by; None for anything else: booleans, NaN, the
    infinities, and integers beyond float's range (taken for infinite)."""
    if type(value) not in (int, float):
        return None
    number = _float(value)
    return number if math.isfinite(number) else None


def aggregates(session: Session, run: Run, wanted: dict[str, tuple[str, ...]]) -> dict[str, dict[str, Any]]:
    """Per key, the AGGREGATES `wanted` names over the run's history (all compacted), as the SDK's define_metric
    summaries compute them while it logs (metrics.py): only numbers rank and average, NaN never; min and max
    are the first of equal values, as stored; the mean is summed in step order. An aggregate that no value
    gives (min of strings) is left out, and a key without history too. Decodes only the columns asked for."""
    c = HistoryColumn
    found: dict[str, list[Any]] = {}
    if wanted:
        for key, kind, data in session.execute(select(c.key, c.kind, c.data).where(
                c.run_id == run.id, c.key.in_(list(wanted))).order_by(c.first_step)):
            found.setdefault(key, []).append(_decode(kind, bytes(data or b"")))
    results = {}
    for key, segments in found.items():
        available = {"first": _item(segments[0][0]), "last": _item(segments[-1][-1])}
        ranked = [r for r in map(_ranked, segments) if r is not None]
        if ranked:
            numbers = np.concatenate([floats for _, _, floats in ranked])
            available.update(min=min(low for low, _, _ in ranked), max=max(high for _, high, _ in ranked),
                             mean=float(np.cumsum(numbers)[-1]) / len(numbers))  # cumsum: sequential, as the SDK
        results[key] = {name: available[name] for name in wanted[key] if name in available
                        and _storable(available[name])}
    return results


class Extremes(NamedTuple):
    """The finite numbers a run's history holds under one key: the least, the greatest, and the last logged."""

    low: float
    high: float
    last: float


IN_BATCH = 500  # run ids per query


def extremes(session: Session, run_ids: list[int], key: str) -> dict[int, Extremes]:
    """Per run, the Extremes of its history under `key` (runs without a finite number there left out): what
    W&B's sweeps rank a run by. Decodes only that key's column of the runs' segments; a tail not yet compacted
    (a run still going, or one that crashed) is parsed, and read first, so rows compacted meanwhile are read
    again from the segments rather than missed."""
    session.flush()
    found: dict[int, Extremes] = {}
    for start in range(0, len(run_ids), IN_BATCH):
        ids = run_ids[start:start + IN_BATCH]
        t, c = HistoryChunk, HistoryColumn
        tails: dict[int, list[float]] = {}
        for run_id, text in session.execute(select(t.run_id, t.rows).where(t.run_id.in_(ids))
                                            .order_by(t.run_id, t.first_step)):
            tails.setdefault(run_id, []).extend(
                _finite([row.get(key) for row in documents.loads(text) if isinstance(row, dict)]))
        segments: dict[int, list[float]] = {}
        for run_id, kind, data in session.execute(select(c.run_id, c.kind, c.data).where(
                c.run_id.in_(ids), c.key == key).order_by(c.run_id, c.first_step)):
            segments.setdefault(run_id, []).extend(_finite(_decode(kind, bytes(data or b""))))
        for run_id in set(tails) | set(segments):
            numbers = segments.get(run_id, []) + tails.get(run_id, [])
            if numbers:
                found[run_id] = Extremes(min(numbers), max(numbers), (tails.get(run_id) or numbers)[-1])
    return found


def _finite(values: Any) -> list[float]:
    """The finite numbers of decoded values (booleans are not numbers), as floats, in order."""
    if isinstance(values, np.ndarray):
        floats = values.astype(np.float64)
        return floats[np.isfinite(floats)].tolist()  # type: ignore[no-any-return]
    return [number for number in map(finite_number, values) if number is not None]
