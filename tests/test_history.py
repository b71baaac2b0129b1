"""History storage through the service functions, on SQLite and PostgreSQL: the JSON
tail, its compaction into columnar segments, and reads that merge the two."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from conftest import MigratedDatabases
from runbase.apis.public.history import unpack
from runbase_server import users
from runbase_server.database import MIGRATIONS, Database, upgrade
from runbase_server.errors import UserError
from runbase_server.runs import history, runs
from runbase_server.tables import HistoryChunk, HistoryColumn, Run
from sqlalchemy import func, select


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.names: set[str] = set()

    def append(self, rows: list[dict[str, Any]], run: str = "r") -> int:
        with self.db.session() as session:
            viewer = users.admin_viewer(session)
            if run not in self.names:
                runs.upsert(session, viewer, {"model_name": "p", "name": run})
                self.names.add(run)
            return history.append(session, viewer, None, "p", run_name=run, rows_text=json.dumps(rows)).accepted

    def call(self, function: Any, *args: Any, run: str = "r", **kwargs: Any) -> Any:
        with self.db.session() as session:
            return function(session, session.scalar(select(Run).where(Run.name == run)), *args, **kwargs)

    def sampled(self, keys: list[str] | None, samples: int, x_axis: str = "_step", run: str = "r") -> list[dict]:
        return json.loads(self.call(history.sampled, keys, samples, x_axis=x_axis, run=run))

    def scan(self, keys: list[str] | None, min_step: int | None, max_step: int | None, limit: int,
             run: str = "r") -> tuple[list[dict], int | None]:
        text, following = self.call(history.scan, keys, min_step=min_step, max_step=max_step, limit=limit, run=run)
        return json.loads(text), following

    def scan_all(self, keys: list[str] | None = None, limit: int = 10_000, min_step: int | None = None,
                 max_step: int | None = None, run: str = "r") -> list[dict]:
        rows: list[dict] = []
        cursor = min_step
        while True:
            page, cursor = self.scan(keys, cursor, max_step, limit, run=run)
            assert len(page) <= limit
            rows += page
            if cursor is None:
                return rows
            assert page and cursor > page[-1]["_step"]

    def read(self, samples: int | None = None, min_step: int | None = None, max_step: int | None = None,
             run: str = "r") -> list[dict]:
        return [json.loads(row) for row in self.call(history.read, samples=samples, min_step=min_step,
                                                     max_step=max_step, run=run)]

    def layout(self, run: str = "r") -> tuple[int, int]:
        """(rows in the JSON tail, compacted segments)."""
        with self.db.session() as session:
            run_id = session.scalar(select(Run.id).where(Run.name == run))
            tail = session.scalar(select(func.coalesce(func.sum(HistoryChunk.row_count), 0))
                                  .where(HistoryChunk.run_id == run_id))
            segments = session.scalar(select(func.count()).where(HistoryColumn.run_id == run_id,
                                                                 HistoryColumn.key == "_step"))
            return tail, segments


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, migrated: MigratedDatabases) -> Iterator[Store]:
    db = Database(migrated.url(request.param, tmp_path))
    with db.session() as session:
        users.bootstrap_admin(session, None)
    yield Store(db)
    db.dispose()


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compact after 50 rows into segments of at most 80: many segments from little data."""
    monkeypatch.setattr(history, "COMPACT_AT", 50)
    monkeypatch.setattr(history, "SEGMENT_ROWS", 80)


def canon(rows: list[dict]) -> str:
    """Equal texts mean equal rows, types included (1 is not 1.0 nor true; NaN equals NaN)."""
    return json.dumps(rows, sort_keys=True)


def only(rows: list[dict], keys: list[str]) -> list[dict]:
    return [{k: row[k] for k in ["_step", *keys]} for row in rows if all(k in row for k in keys)]


def send(store: Store, rows: list[dict], batch: int, run: str = "r") -> None:
    for start in range(0, len(rows), batch):
        store.append(rows[start:start + batch], run=run)


def test_scan_of_200k_rows_is_exact_and_pages(store: Store) -> None:
    rng = random.Random(1)
    rows = [{"_step": i, "loss": rng.random(), "i": i * 3 - 7, "_runtime": i * 0.01, "_timestamp": 1.7e9 + i / 7}
            for i in range(200_000)]
    send(store, rows, 25_000)
    assert store.layout() == (0, 16)  # each batch of 25,000: two segments of 12,500
    assert canon(store.scan_all(limit=10_000)) == canon(rows)
    assert canon(store.scan_all(["loss"], limit=7_777)) == canon(only(rows, ["loss"]))
    page, following = store.scan(["i"], 123_456, None, 3)
    assert page == [{"_step": s, "i": s * 3 - 7} for s in (123_456, 123_457, 123_458)] and following == 123_459
    page, following = store.scan(["loss"], 199_998, None, 2)
    assert [r["_step"] for r in page] == [199_998, 199_999] and following is None
    assert store.scan(None, 200_000, None, 10) == ([], None)


def test_sampled_is_deterministic_and_keeps_first_last_and_extremes(store: Store) -> None:
    rng = random.Random(2)
    rows = [{"_step": i, "loss": 1 + rng.random(), "acc": rng.random() / 2} for i in range(30_500)]
    rows[12_345]["loss"] = 100.0  # a spike
    rows[23_456]["loss"] = -5.0  # a dip
    rows[3_000]["acc"] = 7.5
    rows[29_999]["acc"] = -1.0
    rows[15_000]["loss"] = float("nan")  # ignored for extremes
    rows[20_000]["loss"] = 50  # an int among floats
    send(store, rows, 10_000)  # 30,000 compacted, 500 in the tail
    assert store.layout() == (500, 3)
    for keys in (["loss"], ["loss", "acc"], None):
        sample = store.sampled(keys, 200)
        assert sample == store.sampled(keys, 200)
        steps = [r["_step"] for r in sample]
        assert len(sample) == 200 and steps == sorted(set(steps))
        assert {0, 12_345, 23_456, 30_499} <= set(steps)
        if keys != ["loss"]:
            assert {3_000, 29_999} <= set(steps)
        assert all(set(r) == {"_step", *(keys or ["loss", "acc"])} for r in sample)
        assert canon(sample) == canon([({"_step": s, **{k: rows[s][k] for k in keys}} if keys else rows[s])
                                       for s in steps])
    assert canon(store.sampled(["loss"], 100_000)) == canon(only(rows, ["loss"]))
    assert [r["_step"] for r in store.sampled(["loss"], 2)] == [0, 30_499]
    tiny = store.sampled(["loss", "acc"], 3)  # first, last, then the extremes in order (loss's lowest first)
    assert [r["_step"] for r in tiny] == [0, 23_456, 30_499]


def first_extremes(values: list[float | None], start: int, end: int) -> set[int]:
    """The positions from `start` to `end` of the first lowest and the first highest number (None: no value;
    NaN never counts)."""
    held = [(value, i) for i in range(start, end) if (value := values[i]) is not None and value == value]
    return {min(held)[1], min(held, key=lambda pair: (-pair[0], pair[1]))[1]} if held else set()


def test_sampled_keeps_each_buckets_first_lowest_and_highest(store: Store) -> None:
    # Few distinct values, so every bucket ties and its first lowest and highest must be the ones kept: "loss"
    # in every row (some NaN), "val" in a random third of them (buckets that hold it unevenly).
    rng = random.Random(5)
    rows: list[dict[str, Any]] = [{"_step": i, "loss": float(rng.randrange(7)) if i % 97 else float("nan")}
                                  for i in range(20_000)]
    for row in rows:
        if rng.random() < 0.3:
            row["val"] = rng.randrange(-3, 4) / 2
    send(store, rows, 5_000)
    samples, count = 401, len(rows)
    for keys in (["loss"], None):
        shown = keys or ["loss", "val"]
        columns = [[row.get(key) for row in rows] for key in shown]
        must = {0, count - 1}.union(*(first_extremes(values, 0, count) for values in columns))
        buckets = (samples - len(must)) // (2 * len(shown))
        edges = [b * count // buckets for b in range(buckets + 1)]
        kept = {row["_step"] for row in store.sampled(keys, samples)}
        for values in columns:
            for start, end in zip(edges, edges[1:]):
                assert first_extremes(values, start, end) <= kept, (keys, start)


def test_sampled_keys_without_numbers_are_spread(store: Store) -> None:
    rows = [{"_step": i, "loss": i % 7 / 2, "name": f"n{i}"} for i in range(3_000)]
    send(store, rows, 1_000)
    for keys in (["name"], None):  # "name" has no extremes; without keys "loss" has
        sample = store.sampled(keys, 50)
        steps = [row["_step"] for row in sample]
        assert len(sample) == 50 and steps[0] == 0 and steps[-1] == 2_999
        assert canon(sample) == canon([{k: rows[s][k] for k in ["_step", *(keys or ["loss", "name"])]} for s in steps])


def test_sampled_spreads_the_rest_evenly_and_follows_x_axis(store: Store) -> None:
    rows = [{"_step": i, "loss": 1.0, "epoch": i // 100} for i in range(5_000)]
    rows += [{"_step": i, "loss": 1.0} for i in range(5_000, 6_000)]  # no epoch: not in an epoch-axis sample
    send(store, rows, 2_000)
    flat = [r["_step"] for r in store.sampled(["loss"], 11)]  # a flat series: evenly spread
    assert len(flat) == 11 and flat[0] == 0 and flat[-1] == 5_999
    assert max(b - a for a, b in zip(flat, flat[1:])) <= 1_000
    sample = store.sampled(["loss"], 50, x_axis="epoch")
    assert len(sample) == 50 and all(set(r) == {"_step", "loss", "epoch"} for r in sample)
    assert sample[0]["_step"] == 0 and sample[-1]["_step"] == 4_999
    with pytest.raises(UserError):
        store.sampled(["loss"], 0)
    with pytest.raises(UserError):
        store.scan(["loss"], None, None, 0)


def test_keys_filter_keeps_only_rows_holding_every_key(store: Store, small_segments: None) -> None:
    rows = []
    for step in range(5, 3_000):
        row: dict[str, Any] = {"_step": step, "loss": step / 10}
        if step % 10 == 0:
            row["val"] = step
        if step % 7 == 0:
            row["lr"] = 0.5
        rows.append(row)
    send(store, rows, 37)
    tail, segments = store.layout()
    assert tail and segments > 20
    both = only(rows, ["val", "lr"])
    assert [r["_step"] for r in both] == list(range(70, 3_000, 70))
    assert canon(store.scan_all(["val", "lr"], limit=4)) == canon(both)
    assert canon(store.scan_all(["lr"], limit=100, min_step=1_000, max_step=2_000)) == canon(
        only([r for r in rows if 1_000 <= r["_step"] < 2_000], ["lr"]))
    assert canon(store.sampled(["lr", "val"], 1_000)) == canon(both)
    assert store.scan(["nothing"], None, None, 10) == ([], None)
    assert store.scan(["val", "nothing"], None, None, 10) == ([], None)
    assert store.sampled(["nothing"], 10) == []
    assert canon(store.scan_all(["_step"], limit=999)) == canon([{"_step": r["_step"]} for r in rows])


def test_runs_starting_late_with_sparse_steps(store: Store, small_segments: None) -> None:
    rng = random.Random(3)
    steps = sorted(rng.sample(range(1_000, 50_000), 2_000))
    rows = [{"_step": s, "x": s * 2} for s in steps]
    send(store, rows, 64)
    assert canon(store.scan_all(limit=333)) == canon(rows)
    window = [r for r in rows if 20_000 <= r["_step"] < 30_000]
    assert canon(store.scan_all(limit=50, min_step=20_000, max_step=30_000)) == canon(window)
    page, following = store.scan(None, 0, None, 5)
    assert [r["_step"] for r in page] == steps[:5] and following == steps[5]
    page, following = store.scan(None, steps[7] + 1, None, 1)  # between two steps
    assert page == [rows[8]] and following == steps[9]
    assert store.scan(None, 20_000, 20_000, 5) == ([], None)
    assert store.scan(None, 0, 1_000, 5) == ([], None)
    assert store.scan(None, steps[-1] + 1, None, 5) == ([], None)
    sample = store.sampled(None, 100)
    assert len(sample) == 100 and sample[0] == rows[0] and sample[-1] == rows[-1]
    # read() takes max_step exclusive, as W&B does and as scan() always did
    assert store.read(min_step=steps[3], max_step=steps[6]) == rows[3:6]
    assert store.read(min_step=steps[3], max_step=steps[6] + 1) == rows[3:7]
    assert store.read(min_step=steps[3], max_step=steps[3]) == []
    assert store.read(min_step=steps[6], max_step=steps[3]) == []


def test_pages_of_steps_share_no_row(store: Store, small_segments: None) -> None:
    """A W&B-style pager asks for [0, 100), [100, 200), ...: each row comes once, edges included,
    from history(minStep:, maxStep:) and historyPage alike, from the JSON tail and the segments."""
    rows = [{"_step": step, "x": step} for step in range(0, 1_000, 5)]  # every page edge holds a row
    send(store, rows, 40)
    tail, segments = store.layout()
    assert tail and segments
    edges = range(0, 1_100, 100)
    read = [row for low, high in zip(edges, edges[1:]) for row in store.read(min_step=low, max_step=high)]
    scanned = [row for low, high in zip(edges, edges[1:]) for row in store.scan_all(limit=7, min_step=low,
                                                                                     max_step=high)]
    assert read == scanned == rows
    assert store.read(samples=3, min_step=100, max_step=200) == [rows[20], rows[30], rows[39]]


def test_special_values_survive_compaction_and_the_tail(store: Store, small_segments: None) -> None:
    nan, inf = float("nan"), float("inf")
    specials: list[Any] = [nan, inf, -inf, 0, -(2**63), 2**63 - 1, 2**70, -(2**80), 1e300, -0.0, True, False,
                           None, "text", "", "ünï,\n\"", [1, nan, -inf, 2**70], {"a": {"b": [None, 1.5]}}, []]
    rows = []
    for step in range(400):
        row: dict[str, Any] = {"_step": step * 3 + 1_000, "f": step / 3, "i": step, "s": specials[step % len(specials)]}
        if step % 5 == 0:
            row["sometimes"] = nan if step % 10 else -inf
        if step >= 200:  # kinds change from one segment to the next
            row["i"] = float(step) if step < 300 else str(step)
        rows.append(row)
    send(store, rows[:100], 13)  # compacted segments, then the tail
    send(store, rows[100:], 11)
    tail, segments = store.layout()
    assert tail and segments
    assert canon(store.scan_all(limit=17)) == canon(rows)
    assert canon(store.read()) == canon(rows)
    with store.db.session() as session:
        run = session.scalar(select(Run))
        history.compact(session, run)
    assert store.layout()[0] == 0
    assert canon(store.scan_all(limit=1_000)) == canon(rows)
    sample = store.sampled(["f", "sometimes"], 10)  # NaN is never an extreme, -inf may be
    assert len(sample) == 10 and sample[0] == {"_step": 1_000, "f": 0.0, "sometimes": -inf}
    assert sample[-1]["_step"] == 1_000 + 395 * 3


def test_integers_beyond_64_bits_stay_exact(store: Store, small_segments: None) -> None:
    # Batches without NaN take orjson, which parses such integers as floats: it must not show.
    huge = [{"_step": i, "huge": 2**70 + i, "x": 1.0} for i in range(60)]
    store.append(huge[:2])  # the tail
    assert store.append(huge[1:3]) == 1  # a partial resend, stored re-encoded
    assert store.scan(["huge"], None, None, 5)[0] == only(huge[:3], ["huge"])
    assert store.append(huge[3:]) == 57  # compacted
    assert store.layout() == (0, 1)
    got = store.scan_all()
    assert canon(got) == canon(huge) and all(type(r["huge"]) is int for r in got)
    assert store.append([{"_step": 60, "x": 3e19}]) == 1  # a float as large is a float
    assert store.scan_all(["x"], min_step=60) == [{"_step": 60, "x": 3e19}]


def test_resends_after_compaction_still_dedupe(store: Store) -> None:
    rows = [{"_step": i, "loss": i / 7} for i in range(13_000)]
    assert store.append(rows[:12_000]) == 12_000
    assert store.layout() == (0, 1)
    assert store.append(rows[:12_000]) == 0  # a whole resend
    assert store.append(rows[11_500:12_500]) == 500  # half old, half new: into the tail
    assert store.append(rows[12_400:13_000]) == 500
    assert store.layout() == (1_000, 1)
    assert store.append(rows[:10]) == 0
    assert canon(store.scan_all(limit=4_000)) == canon(rows)
    with store.db.session() as session:
        assert session.scalar(select(Run.history_line_count)) == 13_000


def test_one_result_from_compacted_segments_and_the_tail(store: Store) -> None:
    rows = [{"_step": i, "loss": i * 0.5, "_runtime": i / 10} for i in range(10_600)]
    send(store, rows, 5_000)  # 10,000 compacted when the second batch arrives; 600 in the tail
    assert store.layout() == (600, 1)
    page, following = store.scan(["loss"], 9_900, None, 300)
    assert [r["_step"] for r in page] == list(range(9_900, 10_200)) and following == 10_200
    assert canon(store.scan(None, 9_998, 10_003, 100)[0]) == canon(rows[9_998:10_003])
    assert canon(store.read()) == canon(rows)
    assert [r["_step"] for r in store.read(samples=3)] == [0, 5_300, 10_599]
    assert store.sampled(["loss"], 10)[-1] == {"_step": 10_599, "loss": 5_299.5}
    assert canon(store.sampled(None, 20_000)) == canon(rows)


def test_runs_are_kept_apart_and_deleted_with_their_history(store: Store) -> None:
    send(store, [{"_step": i, "a": i} for i in range(12_000)], 6_000, run="one")
    send(store, [{"_step": i, "b": -i} for i in range(10, 20)], 10, run="two")
    assert store.scan_all(run="two") == [{"_step": i, "b": -i} for i in range(10, 20)]
    assert len(store.scan_all(run="one")) == 12_000
    with store.db.session() as session:
        runs.delete(session, runs.writable(session, users.admin_viewer(session), None, "p", name="one"))
    with store.db.session() as session:
        assert session.scalar(select(func.count()).select_from(HistoryColumn)) == 0


def test_downgrade_turns_segments_back_into_json_chunks(store: Store, small_segments: None) -> None:
    rows = [{"_step": i, "x": i / 4, "n": i} | ({"s": "y", "z": [i]} if i % 3 else {}) for i in range(300)]
    send(store, rows, 40)
    assert store.layout()[1]
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    with store.db.engine.connect() as connection:
        texts = connection.execute(select(HistoryChunk.rows).order_by(HistoryChunk.first_step)).scalars()
        assert canon([row for text in texts for row in json.loads(text)]) == canon(rows)
    upgrade(store.db.engine)
    assert canon(store.scan_all()) == canon(rows)


def test_a_read_racing_a_compaction_plans_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"_step": i, "x": i} for i in range(100)]
    store.append(rows)  # all in the tail
    real = history._plan
    plans: list[Any] = []

    def plan(session: Any, run: Run, *args: Any, **kwargs: Any) -> Any:
        sources = real(session, run, *args, **kwargs)
        if not plans:  # another transaction compacts the tail between planning and loading
            with store.db.session() as other:
                history.compact(other, other.get(Run, run.id))
        plans.append(sources)
        return sources

    monkeypatch.setattr(history, "_plan", plan)
    assert store.scan_all() == rows
    assert len(plans) == 2 and plans[0][-1].tail and not plans[1][-1].tail


def test_a_bad_key_refuses_its_row_alone(store: Store) -> None:
    rows: list[dict[str, Any]] = [{"_step": i, "ok": i, "big": 2**70} for i in range(100)]
    rows[3]["a\x00b"], rows[4]["c\ud800"], rows[5]["s"] = 1, 2, {"deep": ["x\udc00"]}
    with store.db.session() as session:
        viewer = users.admin_viewer(session)
        runs.upsert(session, viewer, {"model_name": "p", "name": "r"})
        stored = history.append(session, viewer, None, "p", run_name="r", rows_text=json.dumps(rows))
    assert stored.accepted == 97
    assert [(r.position, r.step) for r in stored.refused] == [(3, 3), (4, 4), (5, 5)]
    kept = [row for row in rows if row["_step"] not in (3, 4, 5)]
    assert canon(store.read()) == canon(kept)  # integers beyond 64 bits still exact
    with store.db.session() as session:
        history.compact(session, session.scalar(select(Run)))
    assert store.layout() == (0, 1) and canon(store.read()) == canon(kept)


def test_compaction_leaves_out_keys_stored_before_they_were_refused(store: Store) -> None:
    """Rows stored in the tail with keys no database can hold as a column name still compact: the rest of
    each row survives, and the run can finish."""
    store.append([{"_step": 0, "x": 0}])
    text = '[{"_step":1,"x":1,"bad\\u0000":1},{"_step":2,"x":2,"lone\\ud800":2}]'
    with store.db.session() as session:
        run = session.scalar(select(Run))
        session.add(HistoryChunk(run_id=run.id, first_step=1, last_step=2, row_count=2, rows=text))
        run.last_step = 2
    with store.db.session() as session:
        history.compact(session, session.scalar(select(Run)))
    assert store.layout() == (0, 1)
    assert store.read() == [{"_step": 0, "x": 0}, {"_step": 1, "x": 1}, {"_step": 2, "x": 2}]


def test_steps_beyond_64_bits_are_refused(store: Store) -> None:
    store.append([{"_step": 0, "x": 0}])
    with pytest.raises(UserError, match="2\\^63-1"):
        store.append([{"_step": 1, "x": 1}, {"_step": 2**63, "x": 1}])
    assert store.append([{"_step": 2**63 - 1, "x": 1}]) == 1


def test_the_last_step_reads_back_everywhere(store: Store) -> None:
    """A row at _step 2^63-1, the last a row may have, is in every read without bounds, in the tail and in a
    gapless compacted segment (whose steps are not stored but counted up to it)."""
    last = 2**63 - 1
    for run, rows in [("tail", [{"_step": 5, "x": 1}, {"_step": last, "x": 2}]),
                      ("gapless", [{"_step": last - 10_999 + i, "x": i} for i in range(11_000)])]:
        send(store, rows, 10_000, run=run)
        assert store.layout(run)[0] == (2 if run == "tail" else 1_000)
        end = rows[-1]
        assert store.scan_all(run=run) == rows and store.scan_all(["x"], limit=999, run=run) == rows
        assert store.read(run=run) == rows and store.read(samples=3, run=run)[-1] == end
        assert store.sampled(["x"], 3, run=run)[-1] == end and store.sampled(None, 3, run=run)[-1] == end
        assert json.loads(store.call(history.sampled, ["x"], 2, min_step=last, run=run)) == [end]
        assert store.scan(None, last, None, 5, run=run) == ([end], None)
        assert store.scan(None, None, last, 100_000, run=run)[0] == rows[:-1]  # max_step stays exclusive
        assert unpack(store.call(history.columns, None, min_step=last, limit=5, run=run)) == ([end], None)
        assert store.read(min_step=last + 1, run=run) == [] and store.scan(None, last + 5, None, 5, run=run) == ([],
                                                                                                                None)


@pytest.mark.timeout(240)
def test_rows_each_with_a_key_of_its_own_read_in_linear_time(store: Store) -> None:
    """Work grows with the values held, not with rows times keys: 14,000 rows each holding a key of its own
    (compacted and in the tail) take seconds to log and read; quadratic, each read took minutes."""
    rows = [{"_step": i, f"k{i}": i} for i in range(14_000)]
    store.append(rows[:10_500])  # compacted at once
    store.append(rows[10_500:])  # the tail
    assert store.layout() == (3_500, 1)
    assert store.scan_all(limit=100_000) == rows and store.read() == rows
    assert unpack(store.call(history.columns, None, limit=100_000))[0] == rows
    sampled = store.sampled(None, 13_000)
    assert len(sampled) == 13_000 and all(row == rows[row["_step"]] for row in sampled)
    assert store.read(samples=13_000)[::1000] == [rows[i] for i in history.sample_indices(14_000, 13_000)][::1000]


# ---------------------------------------------------------------- history as binary columns (/history/columns)


def exact(rows: list[dict]) -> str:
    """Equal texts mean equal rows: keys in the same order, types included (1 is not 1.0 nor true; NaN is NaN)."""
    return json.dumps(rows)


def assert_columns_match_json(store: Store, keys: list[str] | None, limit: int, min_step: int | None = None,
                              max_step: int | None = None) -> int:
    """Page by page, `history.columns` unpacked by the SDK gives the rows and cursor `history.scan` gives as JSON;
    returns how many rows there were."""
    cursor, count = min_step, 0
    while True:
        text, following = store.call(history.scan, keys, min_step=cursor, max_step=max_step, limit=limit)
        rows, cursor_after = unpack(store.call(history.columns, keys, min_step=cursor, max_step=max_step,
                                               limit=limit))
        assert exact(rows) == exact(json.loads(text)) and cursor_after == following
        count += len(rows)
        if following is None:
            return count
        cursor = following


HARD: list[Any] = [float("nan"), float("inf"), -float("inf"), 0, -(2**63), 2**63 - 1, 2**64, 2**70, -(2**80),
                   1e300, -0.0, 5e-324, True, False, None, "text", "", "ünï,\n\"", "\U0001f600", [1, float("nan"),
                   -float("inf"), 2**70], {"a": {"b": [None, 1.5]}}, [], {}]


def hard_rows(count: int, first: int = 0) -> list[dict[str, Any]]:
    """Rows whose keys change kind from segment to segment and come and go, with dotted and unicode keys."""
    rows = []
    for n in range(first, first + count):
        row: dict[str, Any] = {"_step": n * 2 + 7, "f": n / 3, "i": n - 50, "s": HARD[n % len(HARD)]}
        if n % 4 == 0:
            row["a.b"] = -float("inf") if n % 8 else float("nan")
        if n % 5 == 0:
            row["ключ ü"] = 2**70 + n if n % 10 else n
        if n >= 120:  # kinds change: float, then strings
            row["i"] = float(n) if n < 160 else str(n)
        rows.append(row)
    return rows


def test_columns_give_the_json_rows_exactly(store: Store, small_segments: None) -> None:
    rows = hard_rows(200)
    selections: list[list[str] | None] = [None, ["f"], ["s"], ["i", "s"], ["a.b"], ["ключ ü", "f"], ["_step"],
                                          ["missing"]]
    send(store, rows[:40], 13)  # the tail alone
    assert store.layout()[1] == 0
    for keys in selections:
        assert_columns_match_json(store, keys, 7)
    send(store, rows[40:], 11)  # compacted segments and the tail
    tail, segments = store.layout()
    assert tail and segments
    for keys in selections:
        for limit in (1, 7, 1_000):
            assert_columns_match_json(store, keys, limit)
        assert_columns_match_json(store, keys, 5, min_step=101, max_step=333)  # a range inside both
    assert assert_columns_match_json(store, None, 1_000) == 200
    got, _ = unpack(store.call(history.columns, None, limit=1_000))
    assert all(type(row["ключ ü"]) is int for row in got if "ключ ü" in row)  # 2**70 + n stays exact
    with store.db.session() as session:
        history.compact(session, session.scalar(select(Run)))
    assert store.layout()[0] == 0
    for keys in selections:
        assert assert_columns_match_json(store, keys, 1_000) == len(only(rows, [k for k in keys or [] if k != "_step"]))
    assert unpack(store.call(history.columns, None, min_step=10, max_step=10, limit=5)) == ([], None)


def test_columns_of_gapless_segments_read_no_step_arrays(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"_step": i, "loss": i / 4, "every3": i} if i % 3 == 0 else {"_step": i, "loss": i / 4}
            for i in range(25_000)]
    send(store, rows, 12_500)
    asked: list[list[str] | None] = []
    fetch = history._fetch
    monkeypatch.setattr(history, "_fetch", lambda *a: asked.append(a[-1]) or fetch(*a))
    got, following = unpack(store.call(history.columns, ["loss"], min_step=3, limit=20_000))
    assert following == 20_003 and exact(got) == exact(only(rows[3:20_003], ["loss"])) and asked == [["loss"]]
    got, following = unpack(store.call(history.columns, ["every3"], limit=100))
    assert exact(got) == exact(only(rows, ["every3"])[:100]) and asked[-1] == ["_step", "every3"]


def test_sampled_in_a_range_reads_only_its_segments(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"_step": i, "loss": (i % 977) / 3} for i in range(60_000)]
    send(store, rows, 10_000)  # six segments of 10,000
    rows.append({"_step": 60_000, "loss": -1.0})
    send(store, rows[-1:], 1)  # and a tail
    fetched: list[list[int]] = []
    fetch = history._fetch
    monkeypatch.setattr(history, "_fetch", lambda *a: fetched.append(a[3]) or fetch(*a))
    ranged = json.loads(store.call(history.sampled, ["loss"], 100, min_step=25_000, max_step=35_000))
    assert fetched == [[20_000, 30_000]]
    inside = rows[25_000:35_000]
    assert ranged[0] == inside[0] and ranged[-1] == inside[-1] and len(ranged) == 100
    assert {row["_step"] for row in ranged} <= {row["_step"] for row in inside}
    low = min(inside, key=lambda row: row["loss"])
    assert low in ranged  # the range's own extremes are kept
    assert json.loads(store.call(history.sampled, ["loss"], 100, min_step=5, max_step=5)) == []
    assert json.loads(store.call(history.sampled, ["loss"], 100, min_step=60_000))[0] == rows[-1]
    assert store.sampled(["loss"], 100) == json.loads(store.call(history.sampled, ["loss"], 100, min_step=None,
                                                                 max_step=None))


def test_a_wide_run_samples_as_the_narrow_one_with_its_keys(store: Store, small_segments: None) -> None:
    """A read of a few keys of rows holding hundreds builds columns of those keys only (and parses the tail once
    per session, for every spec of a request): the answer is the one a run holding only those keys gives."""
    rng = random.Random(7)
    wide = [{"_step": i, **{f"k{k}": rng.random() if k % 3 else i * k for k in range(300)},
             **({"sparse": i / 7} if i % 4 == 0 else {}), **({"big": 2**70 + i} if i == 5 else {})}
            for i in range(170)]
    asked = ["k1", "k2", "k3", "sparse", "big"]
    narrow = [{key: row[key] for key in ("_step", *asked) if key in row} for row in wide]
    send(store, wide, 40, run="wide")
    send(store, narrow, 40, run="narrow")
    assert store.layout("wide")[0] > 0 and store.layout("wide")[1] > 0  # segments and a tail both read
    for keys, samples in ((["k1"], 20), (["k2", "k3"], 7), (["sparse"], 500), (["k3", "sparse"], 11),
                          (["big"], 3), (["k1", "big"], 10)):
        assert canon(store.sampled(keys, samples, run="wide")) == canon(store.sampled(keys, samples, run="narrow"))
        assert canon(store.scan_all(keys, limit=13, run="wide")) == canon(only(narrow, keys))
    assert canon(store.sampled(["k2"], 9, x_axis="k1", run="wide")) == canon(
        store.sampled(["k2"], 9, x_axis="k1", run="narrow"))
    with store.db.session() as session:  # one session, many specs: each answers as it would alone
        run = session.scalar(select(Run).where(Run.name == "wide"))
        answers = [json.loads(history.sampled(session, run, [key], 15)) for key in asked]
    assert [canon(answer) for answer in answers] == [canon(store.sampled([key], 15, run="wide")) for key in asked]
