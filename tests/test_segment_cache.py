"""The server's cache of decoded history segments (runs/segment_cache.py), on SQLite and PostgreSQL: a read
served from it gives exactly what the database holds, however the segments were rewritten meanwhile (a rewind
and the same steps logged again, a fork, another server sharing the database, rows from before the tokens),
and it keeps to its budget."""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import MigratedDatabases
from runbase.apis.public.history import unpack
from runbase_server import users
from runbase_server.database import Database
from runbase_server.runs import history
from runbase_server.runs.segment_cache import ENTRY_BYTES, SEGMENT_CACHE, Part, SegmentCache, SegmentKey
from runbase_server.tables import HistoryColumn
from sqlalchemy import update
from test_history import Store, canon, send, small_segments  # noqa: F401 - a fixture
from test_run_branching import fork, rewind


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path, migrated: MigratedDatabases) -> str:
    return migrated.url(request.param, tmp_path)


def cached_store(url: str, budget: int = 64 << 20) -> Store:
    db = Database(url, info={SEGMENT_CACHE: SegmentCache(budget)})
    with db.session() as session:
        users.bootstrap_admin(session, None)
    return Store(db)


@pytest.fixture
def stores(url: str) -> Iterator[tuple[Store, Store]]:
    """A store whose reads go through a cache, and one on the same database without."""
    cached, plain = cached_store(url), Store(Database(url))
    yield cached, plain
    cached.db.dispose()
    plain.db.dispose()


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The first steps of the segments each read of segment bytes asks for."""
    asked: list[list[int]] = []
    fetch = history._fetch
    monkeypatch.setattr(history, "_fetch", lambda *a: asked.append(list(a[3])) or fetch(*a))
    return asked


def cache_of(store: Store) -> SegmentCache:
    cache = store.db.info[SEGMENT_CACHE]
    assert isinstance(cache, SegmentCache)
    return cache


def rows_of(start: int, end: int, scale: float = 1.0) -> list[dict[str, Any]]:
    return [{"_step": i, "loss": scale * ((i * 7919) % 1009) / 13, "acc": i % 97} for i in range(start, end)]


def keyed_reads(store: Store) -> list[Any]:
    """What a chart, a zoom and the SDK's scan see: reads of some keys, which the cache serves."""
    return [store.sampled(["loss"], 300), store.sampled(["acc", "loss"], 50, x_axis="acc"),
            json.loads(store.call(history.sampled, ["loss"], 200, min_step=15_000, max_step=47_000)),
            store.scan_all(["loss"], limit=9_000), unpack(store.call(history.columns, ["acc"], limit=30_000))]


def reads(store: Store) -> list[Any]:
    """keyed_reads and a read of every key, which reads the database."""
    return [*keyed_reads(store), store.read(samples=99)]


def test_a_read_again_reads_no_segment_and_answers_the_same(stores: tuple[Store, Store],
                                                            fetches: list[list[int]]) -> None:
    cached, plain = stores
    send(cached, rows_of(0, 60_000), 15_000)
    first = reads(cached)
    assert fetches  # the first reads filled the cache
    fetches.clear()
    assert canon(reads(cached)) == canon(first) == canon(reads(plain))
    fetches.clear()
    assert canon(keyed_reads(cached)) == canon(first[:5])
    assert fetches == []
    assert len(cache_of(cached)) and cache_of(cached).held > 0


def test_a_rewind_and_the_same_steps_logged_again_are_read_anew(stores: tuple[Store, Store]) -> None:
    """The segments after a rewind have the first steps, the last steps and the counts of those cached before,
    but other values: only their tokens tell them apart."""
    cached, plain = stores
    send(cached, rows_of(0, 40_000), 10_000)  # segments of steps 0-9,999, 10,000-19,999, ...
    before = reads(cached)
    rewind(cached, 9_999)  # drops the last three whole
    send(cached, rows_of(10_000, 40_000, scale=-2.0), 10_000)  # the same steps in the same batches: the same shapes
    after = reads(cached)
    assert canon(after) == canon(reads(plain)) != canon(before)
    assert after[0][-1] == {"_step": 39_999, "loss": rows_of(39_999, 40_000, scale=-2.0)[0]["loss"]}


def test_a_fork_and_a_rewind_inside_a_segment(stores: tuple[Store, Store]) -> None:
    cached, plain = stores
    send(cached, rows_of(0, 50_000), 10_000)
    reads(cached)
    fork(cached, "f", "r", 23_456)
    rewind(cached, 31_000)
    send(cached, rows_of(31_001, 50_000, scale=3.0), 9_000)
    for run in ("r", "f"):
        got = [cached.sampled(["loss"], 400, run=run), cached.scan_all(["loss"], run=run), cached.read(run=run)]
        assert canon(got) == canon([plain.sampled(["loss"], 400, run=run), plain.scan_all(["loss"], run=run),
                                    plain.read(run=run)])
    assert cached.scan_all(["loss"], run="f")[-1]["_step"] == 23_456


def test_another_server_rewriting_the_segments_is_seen(url: str) -> None:
    """Two servers on one database, each with its cache: what one rewrites, the other reads anew."""
    one, two = cached_store(url), cached_store(url)
    try:
        send(one, rows_of(0, 30_000), 10_000)
        two.names.add("r")
        assert canon(reads(two)) == canon(reads(one))
        rewind(one, 9_999)
        send(one, rows_of(10_000, 30_000, scale=5.0), 10_000)
        plain = Store(Database(url))
        assert canon(reads(two)) == canon(reads(one)) == canon(reads(plain))
        plain.db.dispose()
        assert two.sampled(["loss"], 300)[-1]["loss"] == rows_of(29_999, 30_000, scale=5.0)[0]["loss"]
    finally:
        one.db.dispose()
        two.db.dispose()


def test_rows_stored_before_the_tokens_are_read_every_time(stores: tuple[Store, Store],
                                                          fetches: list[list[int]]) -> None:
    cached, plain = stores
    send(cached, rows_of(0, 30_000), 10_000)
    with cached.db.session() as session:
        session.execute(update(HistoryColumn).values(written=None))  # as migration 0024 leaves older rows
    for _ in range(2):
        fetches.clear()
        assert canon(reads(cached)) == canon(reads(plain))
        assert fetches
    assert len(cache_of(cached)) == 0


def test_special_values_come_back_exactly_from_memory(stores: tuple[Store, Store]) -> None:
    cached, plain = stores
    rng = random.Random(7)
    rows = []
    for i in range(25_000):
        row: dict[str, Any] = {"_step": i * 3}
        if i % 2:
            row["x"] = rng.choice([math.nan, math.inf, -math.inf, -0.0, 1e308, rng.random()])
        if i % 5 == 0:
            row["n"] = rng.choice([2**63 - 1, -2**63, 0, i])
        if i % 7 == 0:
            row["s"] = rng.choice(["ü", "a.b/c", None, True, [1, 2], {"k": 1}])
        rows.append(row)
    send(cached, rows, 5_000)
    for keys in (["x"], ["n"], ["s"], ["x", "n"], None):
        for _ in range(2):
            assert canon(cached.sampled(keys, 500)) == canon(plain.sampled(keys, 500))
            assert canon(cached.scan_all(keys)) == canon(plain.scan_all(keys))
    assert canon(cached.scan_all()) == canon(rows)


def test_the_cache_keeps_to_its_budget_least_recently_used_first() -> None:
    entry = 800 + ENTRY_BYTES  # an entry is charged its arrays and what holding them costs
    cache = SegmentCache(budget=3 * entry)
    parts = [Part("f8", None, np.arange(100, dtype=np.float64)) for _ in range(4)]
    keys = [SegmentKey("history", 1, 100 * i, "x", 5) for i in range(4)]
    for key, part in zip(keys[:3], parts):
        cache.put(key, part)
    assert cache.get(keys[0]) is parts[0]  # now the most recently used
    cache.put(keys[3], parts[3])
    assert cache.get(keys[1]) is None and cache.get(keys[0]) is parts[0] and cache.held == 3 * entry
    cache.put(keys[3], parts[3])  # again: charged once
    cache.put(SegmentKey("history", 1, 0, "big", 5), Part("f8", None, np.zeros(3 * entry // 8)))  # over the budget
    cache.put(SegmentKey("history", 1, 0, "j", 5), Part("json", None, [1, "a"]))  # lists a reader could change
    assert len(cache) == 3 and cache.held == 3 * entry
    with pytest.raises(ValueError):
        parts[0].values[0] = 1.0  # shared by every later read: read-only
    assert cache.get(keys[0]._replace(written=6)) is None  # another token: another row


def test_the_cache_is_safe_across_threads() -> None:
    cache = SegmentCache(budget=50 * (80 + ENTRY_BYTES))
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(3_000):
                key = SegmentKey("history", rng.randrange(3), rng.randrange(100), "x", 1)
                found = cache.get(key)
                if found is None:
                    cache.put(key, Part("f8", None, np.full(10, float(key.first_step))))
                else:
                    assert found.values[0] == key.first_step
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and cache.held <= cache.budget and cache.held == (80 + ENTRY_BYTES) * len(cache)


def test_a_budget_of_zero_turns_it_off(url: str, fetches: list[list[int]]) -> None:
    store = cached_store(url, budget=0)
    try:
        send(store, rows_of(0, 20_000), 10_000)
        for _ in range(2):
            fetches.clear()
            store.sampled(["loss"], 100)
            assert fetches
        assert len(cache_of(store)) == 0
    finally:
        store.db.dispose()


def test_a_rewind_between_a_reads_plan_and_its_load_is_not_mixed_in(url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments taken from memory are those the plan saw; one read after a rewrite would mix two histories
    (rows twice, out of order), so the read plans again. (Found in review.)"""
    reader, writer = cached_store(url), Store(Database(url))
    try:
        rows = [{"_step": 2 * i, "loss": float(i)} for i in range(40_000)]
        send(reader, rows, 10_000)  # four segments, steps 0, 2, 4, ...
        writer.names.add("r")
        reader.scan_all(["loss"], min_step=40_000)  # a zoom: the last two segments in memory
        plan, raced = history._plan, []

        def racing_plan(*args: Any, **kwargs: Any) -> Any:
            sources = plan(*args, **kwargs)
            if not raced:  # another server rewinds, and the same steps come again in one batch
                raced.append(True)
                rewind(writer, 19_998)
                writer.append([{"_step": 2 * i, "loss": -float(i)} for i in range(10_000, 40_000)])
            return sources

        monkeypatch.setattr(history, "_plan", racing_plan)
        assert reader.scan_all(["loss"], limit=100_000) == rows[:10_000] + [
            {"_step": 2 * i, "loss": -float(i)} for i in range(10_000, 40_000)]
    finally:
        reader.db.dispose()
        writer.db.dispose()


def test_reads_of_every_key_leave_the_cache_alone(stores: tuple[Store, Store], fetches: list[list[int]]) -> None:
    """A read of all keys cannot know their tokens from its plan: it reads the database, and keeps nothing
    that would push out what charts read again."""
    cached, _ = stores
    send(cached, rows_of(0, 30_000), 10_000)
    cached.sampled(["loss"], 100)
    held = cache_of(cached).held
    fetches.clear()
    for _ in range(2):
        cached.read(samples=100)
        cached.scan_all()
        cached.sampled(None, 100)
    assert fetches and cache_of(cached).held == held
    fetches.clear()
    cached.sampled(["loss"], 100)
    assert fetches == []


def test_many_sparse_keys_stay_within_the_budget(url: str, small_segments: None) -> None:
    """Each key held by one row: many tiny parts, each charged what holding it costs."""
    store = cached_store(url, budget=64 * 1024)
    try:
        send(store, [{"_step": i, f"k{i}": float(i), "loss": 1.0} for i in range(2_000)], 500)
        for i in range(0, 2_000, 4):
            assert store.scan(["loss", f"k{i}"], None, None, 10)[0] == [{"_step": i, "loss": 1.0, f"k{i}": float(i)}]
        cache = cache_of(store)
        assert 0 < len(cache) <= cache.budget // ENTRY_BYTES and cache.held <= cache.budget
    finally:
        store.db.dispose()


@pytest.mark.parametrize("budget", [0, 64 << 20])
def test_a_rewind_between_a_reads_plan_and_its_tail_is_not_mixed_in(url: str, budget: int, small_segments: None,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments as the plan saw them, then a tail read after a rewind that logged the tail's steps again: the
    tail alone cannot tell (its first step and length pass), so the segments are checked once it is read.
    (Found in review, with the cache on; without it the window was narrower.)"""
    reader, writer = cached_store(url, budget=budget), Store(Database(url))
    try:
        old = [{"_step": i, "x": float(i)} for i in range(190)]
        send(reader, old[:160], 80)  # two segments
        reader.append(old[160:])  # and a tail of 30 rows
        writer.names.add("r")
        assert reader.layout() == (30, 2)
        reader.scan_all(["x"])
        plan, raced = history._plan, []

        def racing_plan(*args: Any, **kwargs: Any) -> Any:
            sources = plan(*args, **kwargs)
            if not raced:
                raced.append(True)
                rewind(writer, 100)
                writer.append([{"_step": i, "x": -float(i)} for i in range(160, 200)])
            return sources

        monkeypatch.setattr(history, "_plan", racing_plan)
        assert reader.scan_all(["x"]) == old[:101] + [{"_step": i, "x": -float(i)} for i in range(160, 200)]
        assert raced
    finally:
        reader.db.dispose()
        writer.db.dispose()
