"""Rewinding and forking runs through the service functions, on SQLite and PostgreSQL: histories spread
over compacted segments and the JSON tail, cut at steps inside a segment, at its edges and in gaps."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from runbase_server import users
from runbase_server.errors import NotFound, UserError
from runbase_server.runs import branching, history, runs
from runbase_server.tables import Run
from sqlalchemy import select
from test_history import Store, canon, send, small_segments, store  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("small_segments")  # COMPACT_AT 50, SEGMENT_ROWS 80


def rows_of(count: int, start: int = 0, scale: float = 1.0) -> list[dict[str, Any]]:
    """Rows with steps start, start+2, ...: some keys in every row, some in a few, values of every kind."""
    rows = []
    for i in range(count):
        step = start + 2 * i
        row: dict[str, Any] = {"_step": step, "loss": scale / (step + 1), "_runtime": step * 0.5}
        if step % 3 == 0:
            row["acc"] = step * scale
        if step % 10 == 0:
            row["tag"] = f"s{step}"
        if step % 14 == 0:
            row["odd"] = math.nan if step % 28 == 0 else [step, {"k": None}]
        rows.append(row)
    return rows


def keys_of(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        for key in row:
            counts[key] = counts.get(key, 0) + 1
    return counts


def last_values(rows: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for row in rows:
        values.update(row)
    return values


def run_row(store: Store, name: str = "r") -> dict[str, Any]:
    with store.db.session() as session:
        run = session.scalar(select(Run).where(Run.name == name))
        assert run is not None
        return {"count": run.history_line_count, "last": run.last_step, "summary": dict(run.summary),
                "keys": {key: entry["typeCounts"][0]["count"] for key, entry in run.history_keys.items()},
                "types": {key: entry["typeCounts"][0]["type"] for key, entry in run.history_keys.items()},
                "config": dict(run.config)}


def rewind(store: Store, step: Any, name: str = "r", metric: str = "_step") -> None:
    with store.db.session() as session:
        branching.rewind(session, users.admin_viewer(session), None, "p", name=name, metric_name=metric,
                         metric_value=step)


def fork(store: Store, name: str, source: str, step: Any) -> None:
    config = json.dumps({"lr": {"value": 0.1}, "_wandb": {"value": {"branch_point": {"run_id": source, "step": step}}}})
    with store.db.session() as session:
        viewer = users.admin_viewer(session)
        run, inserted = runs.upsert(session, viewer, {"model_name": "p", "name": name, "config": config,
                                                      "summary_metrics": json.dumps({"own": 1})})
        assert inserted
        branching.fork(session, viewer, run)
    store.names.add(name)


def test_rewind_keeps_the_rows_up_to_the_step_in_segments_and_tail(store: Store) -> None:
    rows = rows_of(230)  # steps 0..458, in batches of 37: several segments of at most 80 rows and a tail
    send(store, rows, 37)
    assert store.layout()[0] and store.layout()[1] >= 3
    with store.db.session() as session:
        session.scalar(select(Run).where(Run.name == "r")).summary = {**last_values(rows), "note": "kept"}
    rewind(store, 201)  # inside a segment, between two steps: the last row kept is 200
    kept = [row for row in rows if row["_step"] <= 201]
    assert canon(store.scan_all()) == canon(kept)
    assert canon(store.scan_all(["acc"], limit=7)) == canon([{"_step": r["_step"], "acc": r["acc"]}
                                                             for r in kept if "acc" in r])
    state = run_row(store)
    assert (state["count"], state["last"]) == (len(kept), 200)
    assert state["keys"] == keys_of(kept) and state["types"]["tag"] == "string" and state["types"]["acc"] == "number"
    assert canon(state["summary"]) == canon({**last_values(kept), "note": "kept"})
    sample = store.sampled(None, 10)
    assert sample[0]["_step"] == 0 and sample[-1]["_step"] == 200 and len(sample) == 10
    more = rows_of(40, start=202, scale=-1.0)  # logging goes on after the step
    send(store, more, 15)
    assert canon(store.scan_all(limit=33)) == canon(kept + more)
    assert run_row(store)["count"] == len(kept) + len(more)


def test_rewind_at_the_edges(store: Store) -> None:
    rows = rows_of(230)
    send(store, rows, 80)  # segments of 80 rows: steps 0..158, 160..318, ...
    for step in (458, 160, 158, 0):  # the last step, a segment's first and last, the first
        rewind(store, step)
        kept = [row for row in rows if row["_step"] <= step]
        assert canon(store.scan_all()) == canon(kept) and run_row(store)["last"] == step
        assert canon(store.read(min_step=step)) == canon([kept[-1]])


def test_fork_copies_the_source_up_to_the_step_and_leaves_it_alone(store: Store) -> None:
    rows = rows_of(230)
    send(store, rows, 37)
    with store.db.session() as session:
        session.scalar(select(Run).where(Run.name == "r")).summary = {"best": 7, "own": 0}
    before = run_row(store)
    fork(store, "f", "r", 300.5)
    copied = [row for row in rows if row["_step"] <= 300]
    assert canon(store.scan_all(run="f")) == canon(copied)
    state = run_row(store, "f")
    assert (state["count"], state["last"], state["keys"]) == (len(copied), 300, keys_of(copied))
    assert state["summary"] == {"best": 7, "own": 1}  # the source's summary under the fork's own keys
    assert state["config"]["_wandb"]["branch_point"] == {"run_id": "r", "step": 300.5}
    assert canon(store.scan_all()) == canon(rows) and run_row(store) == before
    more = rows_of(20, start=301)
    send(store, more, 7, run="f")
    assert canon(store.scan_all(run="f")) == canon(copied + more)
    assert canon(store.scan_all()) == canon(rows)
    fork(store, "g", "f", 0)  # a fork of a fork, at its first step
    assert canon(store.scan_all(run="g")) == canon(rows[:1])


def test_bad_rewinds_change_nothing(store: Store) -> None:
    rows = rows_of(230)
    send(store, rows, 37)
    before = run_row(store)
    for step, metric, error in ((459, "_step", "no step 459 to rewind at: its last step is 458"),
                                (-1, "_step", "non-negative"), (math.inf, "_step", "non-negative"),
                                (3, "loss", "by the metric '_step' only")):
        with pytest.raises(UserError, match=error):
            rewind(store, step, metric=metric)
    with pytest.raises(NotFound):
        rewind(store, 3, name="nope")
    assert canon(store.scan_all()) == canon(rows) and run_row(store) == before


def test_bad_forks_change_nothing(store: Store) -> None:
    send(store, rows_of(10), 10)
    store.append([], run="empty")
    with pytest.raises(NotFound, match="no run nope to fork from"):
        fork(store, "f1", "nope", 3)
    with pytest.raises(UserError, match="no step 19 to fork at"):
        fork(store, "f2", "r", 19)
    with pytest.raises(UserError, match="has no history to fork"):
        fork(store, "f3", "empty", 0)
    with pytest.raises(UserError, match="branch_point must be"):
        _bad_point(store)
    with store.db.session() as session:
        assert not session.scalars(select(Run.name).where(Run.name.like("f%"))).all()


def _bad_point(store: Store) -> None:
    with store.db.session() as session:
        viewer = users.admin_viewer(session)
        run, _ = runs.upsert(session, viewer, {"model_name": "p", "name": "f4", "config": json.dumps(
            {"_wandb": {"value": {"branch_point": "r?_step=3"}}})})
        branching.fork(session, viewer, run)

