"""A run's history: rows keyed by step, appended in batches, read in step order."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import documents, runs
from .auth import Viewer
from .errors import UserError
from .tables import HistoryChunk, Run, utcnow

MAX_SAMPLES = 100_000
JSON_TYPES = {int: "number", float: "number", str: "string", bool: "boolean", type(None): "nil", list: "list",
              dict: "map"}


def _checked(rows: list[Any]) -> list[dict[str, Any]]:
    try:  # the common, valid case in a few passes at C speed
        steps = [row["_step"] for row in rows]
        if all(type(step) is int for step in steps) and (not steps or steps[0] >= 0) and all(
                a < b for a, b in zip(steps, steps[1:])):
            return rows
    except (TypeError, KeyError):
        pass
    previous = -1  # find and name the first bad row
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise UserError(f"history row {index} is not a JSON object")
        step = row.get("_step")
        if type(step) is not int or step < 0:
            raise UserError(f"history row {index} needs a non-negative integer _step, got {step!r}")
        if step <= previous:
            raise UserError(f"history rows must be in increasing _step order (row {index} has _step {step})")
        previous = step
    return rows


def _count_keys(run: Run, rows: list[dict[str, Any]]) -> None:
    # Rows from one training loop mostly share their keys: count runs of equal
    # key sets instead of every key of every row.
    counts: dict[str, int] = {}
    previous: Any = None
    repeats = 0
    for row in rows + [{}]:
        keys = row.keys()
        if keys == previous:
            repeats += 1
            continue
        for key in previous or ():
            counts[key] = counts.get(key, 0) + repeats
        previous, repeats = keys, 1
    keys = dict(run.history_keys or {})
    for key, count in counts.items():
        entry = keys.get(key)
        if entry is None:
            first = next(row[key] for row in rows if key in row)
            keys[key] = {"typeCounts": [{"type": JSON_TYPES.get(type(first), "unknown"), "count": count}]}
        else:
            entry["typeCounts"][0]["count"] += count
    run.history_keys = keys


def append(
    session: Session,
    viewer: Viewer,
    entity: str | None,
    project: str,
    run_name: str,
    rows_text: str,
    summary_text: str | None,
) -> tuple[Run, int]:
    """Store the rows above the run's last step; returns the run and how many were new.

    Steps only grow within a run, so a row at or below the last stored step was
    already delivered: dropping it makes every resend harmless."""
    run = runs.writable(session, viewer, entity, project, run_name, lock=True)
    rows = _checked(documents.parse(rows_text, "rows", list))
    fresh = rows if run.last_step is None else rows[bisect_right(rows, run.last_step, key=lambda row: row["_step"]):]
    if fresh:
        session.add(HistoryChunk(
            run_id=run.id,
            first_step=fresh[0]["_step"],
            last_step=fresh[-1]["_step"],
            row_count=len(fresh),
            rows=rows_text if len(fresh) == len(rows) else documents.dump(fresh),
        ))
        run.last_step = fresh[-1]["_step"]
        run.history_line_count = (run.history_line_count or 0) + len(fresh)
        _count_keys(run, fresh)
    runs.merge_summary(run, documents.parse(summary_text, "summaryMetrics"))
    if run.state == "crashed":  # it was only silent, not dead
        runs.set_state(run, "running")
    run.heartbeat_at = utcnow()
    session.flush()
    return run, len(fresh)


def sample_indices(count: int, samples: int) -> list[int]:
    """Evenly spread indices that always include the first and the last row."""
    if count <= samples:
        return list(range(count))
    if samples == 1:
        return [count - 1]
    return sorted({round(i * (count - 1) / (samples - 1)) for i in range(samples)})


def read(
    session: Session, run: Run, samples: int | None, min_step: int | None, max_step: int | None
) -> list[str]:
    if samples is not None and not 1 <= samples <= MAX_SAMPLES:
        raise UserError(f"samples must be between 1 and {MAX_SAMPLES}")
    query = select(HistoryChunk.rows).where(HistoryChunk.run_id == run.id).order_by(HistoryChunk.first_step)
    if min_step is not None:
        query = query.where(HistoryChunk.last_step >= min_step)
    if max_step is not None:
        query = query.where(HistoryChunk.first_step <= max_step)
    rows = [row for chunk in session.scalars(query) for row in documents.loads(chunk)]
    if min_step is not None or max_step is not None:
        low = -1 if min_step is None else min_step
        high = float("inf") if max_step is None else max_step
        rows = [row for row in rows if low <= row["_step"] <= high]
    if samples is not None:
        rows = [rows[i] for i in sample_indices(len(rows), samples)]
    return [documents.dump(row) for row in rows]
