"""Mongo-style run filters (runbase_server.filters) on SQLite and PostgreSQL.

The differential test checks the SQL against mongomock on generated runs and filters; see
tests/filter_documents.py for how the oracle is set up and where it is adjusted on purpose.
Set RUNBASE_FILTER_EXAMPLES to run it longer."""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from runbase_server import database
from runbase_server.errors import UserError
from runbase_server.filters import run_filter, run_order
from runbase_server.regex import install_sqlite_functions
from runbase_server.tables import Entity, Project, Run, User

from filter_documents import filters_for, names_quoted_key, oracle_matches, runs

EXAMPLES = int(os.environ.get("RUNBASE_FILTER_EXAMPLES", "120"))
T0 = datetime(2023, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


@dataclass
class Db:
    engine: sa.Engine
    dialect: str
    project_id: int
    users: dict[str, int]

    def load(self, rows: list[dict[str, Any]]) -> None:
        """Replace the project's runs with these (tables.Run keyword arguments plus `username`)."""
        with Session(self.engine) as session, session.begin():
            session.execute(sa.delete(Run))
            for i, row in enumerate(rows):
                fields = {k: v for k, v in row.items() if k != "username"}
                fields.setdefault("created_at", T0 + timedelta(seconds=i))
                fields.setdefault("config", {})
                fields.setdefault("summary", {})
                fields.setdefault("tags", [])
                run = Run(project_id=self.project_id, user_id=self.users.get(row.get("username") or ""), **fields)
                session.add(run)
                session.flush()  # ids follow list order
                if "heartbeat_at" in row and row["heartbeat_at"] is None:  # the column default fills a None in
                    session.execute(sa.update(Run).where(Run.id == run.id).values(heartbeat_at=None))

    def select(self, filters: dict | None = None, order: str | None = None) -> list[str]:
        query = (sa.select(Run.name).outerjoin(User, Run.user_id == User.id)
                 .where(Run.project_id == self.project_id, run_filter(filters, self.dialect)))
        if order is not None:
            query = query.order_by(*run_order(order, self.dialect))
        with self.engine.connect() as connection:
            return list(connection.scalars(query))

    def names(self, filters: dict | None) -> set[str]:
        return set(self.select(filters))


def _sqlite_engine(path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}")
    sa.event.listen(engine, "connect", lambda dbapi_connection, _record: install_sqlite_functions(dbapi_connection))
    return engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    if request.param == "sqlite":
        engine = _sqlite_engine(tmp_path_factory.mktemp("filters") / "runbase.db")
    else:
        engine = sa.create_engine(request.getfixturevalue("postgres").create())
    database.upgrade(engine)
    with Session(engine) as session, session.begin():
        entity = Entity(name="team", is_team=True)
        users = [User(username="alice"), User(username="bob")]
        session.add_all([entity, *users])
        session.flush()
        project = Project(entity_id=entity.id, name="proj")
        session.add(project)
        session.flush()
        found = Db(engine, request.param, project.id, {u.username: u.id for u in users})
    yield found
    engine.dispose()


# ------------------------------------------------------------------ 1. differential test against mongomock

@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=runs(), draw=st.data())
def test_same_runs_as_mongomock(db: Db, data: list[dict[str, Any]], draw: st.DataObject) -> None:
    db.load(data)
    for query in draw.draw(st.lists(filters_for(data), min_size=1, max_size=4), label="queries"):
        if db.dialect == "sqlite" and names_quoted_key(query):
            try:  # refused, unless no key with a quote gets looked up (e.g. a value holding NaN)
                found = db.names(query)
            except UserError as refused:
                assert "double quote" in str(refused)
                continue
        else:
            found = db.names(query)
        assert found == oracle_matches(query, data), query


# ------------------------------------------------------------------ 2. the examples of W&B's Api.runs docstring

DOCSTRING_RUNS = [
    dict(name="r1", display_name="foo-1", config={"experiment_name": "foo", "lr": 0.1}, summary={"loss": 0.5},
         state="finished", tags=["baseline"], username="alice"),
    dict(name="r2", display_name="bar-foo", config={"experiment_name": "bar", "lr": 0.01}, summary={"loss": 0.25},
         state="finished", username="bob"),
    dict(name="r3", display_name="foolish", config={"experiment_name": "baz"}, summary={"loss": 2},
         state="crashed", tags=["baseline", "v2"]),
    dict(name="r4", display_name="quux", config={"experiment_name": "foobar", "lr": 1}, summary={},
         state="running", username="alice"),
    dict(name="r5", display_name=None, config={}, summary={"loss": 1.0}, state="failed"),
]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"config.experiment_name": "foo"}, {"r1"}),
    ({"config.experiment_name.value": "foo"}, {"r1"}),  # W&B's wrapped config shape
    ({"$or": [{"config.experiment_name": "foo"}, {"config.experiment_name": "bar"}]}, {"r1", "r2"}),
    ({"config.experiment_name": {"$regex": "b.*"}}, {"r2", "r3", "r4"}),  # "b" anywhere: bar, baz, foobar
    ({"display_name": {"$regex": "^foo.*"}}, {"r1", "r3"}),  # foo-1, foolish; not bar-foo
    ({"createdAt": {"$gt": "2023-01-01T12:00:02Z"}}, {"r4", "r5"}),  # created 12:00:00, :01, :02, :03, :04
    ({"state": "finished", "username": "alice"}, {"r1"}),
    ({"tags": "baseline"}, {"r1", "r3"}),
    ({"config.lr": {"$lt": 0.5}}, {"r1", "r2"}),
    ({"summary_metrics.loss": {"$exists": False}}, {"r4"}),
    ({"display_name": None}, {"r5"}),
])
def test_docstring_filters(db: Db, filters: dict, expected: set[str]) -> None:
    db.load(DOCSTRING_RUNS)
    assert db.names(filters) == expected


def test_docstring_order(db: Db) -> None:
    db.load(DOCSTRING_RUNS)
    assert db.select(None, "+summary_metrics.loss") == ["r2", "r1", "r5", "r3", "r4"]  # r4 has no loss: last
    assert db.select(None, "+created_at") == ["r1", "r2", "r3", "r4", "r5"]
    assert db.select(None, "-created_at") == ["r5", "r4", "r3", "r2", "r1"]
    assert db.select(None, None) == ["r1", "r2", "r3", "r4", "r5"]  # the default, +created_at


# ------------------------------------------------------------------ 3. bad filters

@pytest.mark.parametrize(("filters", "named"), [
    ({"$where": "this.a == 1"}, "$where"),
    ({"$expr": {"$gt": ["$a", 1]}}, "$expr"),
    ({"config.x": {"$gt": {"$gt": 1}}}, "$gt"),
    ({"config.x": {"$eq": {"$gt": 1}}}, "$eq"),
    ({"config.x": {"$gte": [1, 2]}}, "$gte"),
    ({"config.x": {"$foo": 1}}, "$foo"),
    ({"config.x": {"$elemMatch": {"a": 1}}}, "$elemMatch"),
    ({"config.x": {"$in": 5}}, "$in"),
    ({"config.x": {"$nin": "ab"}}, "$nin"),
    ({"config.x": {"$all": {"a": 1}}}, "$all"),
    ({"config.x": {"$size": "2"}}, "$size"),
    ({"config.x": {"$size": 1.5}}, "$size"),
    ({"config.x": {"$size": True}}, "$size"),
    ({"config.x": {"$exists": "yes"}}, "$exists"),
    ({"config.x": {"$not": 5}}, "$not"),
    ({"config.x": {"$not": {}}}, "$not"),
    ({"config.x": {"$regex": 5}}, "$regex"),
    ({"config.x": {"$regex": "a", "$options": "x"}}, "$options"),
    ({"config.x": {"$options": "i"}}, "$options"),
    ({"config.x": {"$regex": "(a+)+$"}}, "$regex"),
    ({"config.x": {"$regex": "(a|b*)*"}}, "$regex"),
    ({"config.x": {"$regex": "(a)\\1"}}, "backreference"),
    ({"config.x": {"$regex": "a(?=b)"}}, "lookaround"),
    ({"config.x": {"$regex": "a" * 5000}}, "1000 characters"),
    ({"config.x": {"$regex": "x{5000}"}}, "$regex"),
    ({"config.x": {"a": {"$gt": 1}}}, "$gt"),
    ({"config.x": {"$gt": 1, "plain": 2}}, "config.x"),
    ({"nope": 1}, "nope"),
    ({"summary": 1}, "summary"),
    ({"config..x": 1}, "config..x"),
    ({"config." + ".".join("k" * 33): 1}, "more than 32 keys"),
    ({"$and": []}, "$and"),
    ({"$or": {"config.x": 1}}, "$or"),
    ({"$nor": [5]}, "$nor"),
    ({"$not": {"config.x": 1}}, "$not"),
    ({"createdAt": "yesterday"}, "createdAt"),
    ({"heartbeatAt": {"$in": ["2023-01-01", "soon"]}}, "heartbeatAt"),
])
def test_bad_filters_name_the_problem(db: Db, filters: dict, named: str) -> None:
    with pytest.raises(UserError) as caught:
        run_filter(filters, db.dialect)
    assert named in str(caught.value)


def test_huge_filters_are_refused_quickly(db: Db) -> None:
    started = time.perf_counter()
    with pytest.raises(UserError, match="too many clauses"):
        run_filter({"$or": [{"config.x": i} for i in range(10_000)]}, db.dialect)
    with pytest.raises(UserError, match="too many clauses"):
        run_filter({"config.x": {"$in": list(range(10_000))}}, db.dialect)
    assert time.perf_counter() - started < 2
    deep: dict[str, Any] = {"config.x": 1}
    for _ in range(40):
        deep = {"$and": [deep]}
    with pytest.raises(UserError, match="nested too deeply"):
        run_filter(deep, db.dialect)
    value: Any = 1
    for _ in range(200):
        value = [value]
    with pytest.raises(UserError, match="nested too deeply"):
        run_filter({"config.x": value}, db.dialect)
    # within the limits is fine
    run_filter({"$or": [{"config.x": i} for i in range(300)]}, db.dialect)


def test_deep_but_allowed_filters_run(db: Db) -> None:
    db.load([dict(name="x1", config={"x": 1}), dict(name="x2", config={"x": 2})])
    chain: dict[str, Any] = {"config.x": {"$not": {"$not": {"$ne": 1}}}}
    for _ in range(28):  # 32 nested documents: negations cancel out before SQL
        chain = {"$nor": [chain]}
    assert db.names(chain) == {"x2"}  # 28 $nors and 2 $nots leave {"$ne": 1}
    alternating: dict[str, Any] = {"config.x": 1}
    for i in range(25):  # alternating $and/$or nest in SQL; SQLite's parser takes about 30 levels
        alternating = {("$or" if i % 2 else "$and"): [alternating, {"config.y": {"$exists": i % 2 == 0}}]}
    if db.dialect == "sqlite":
        with pytest.raises(UserError, match=r"\$and/\$or/\$nor"):
            db.names(alternating)
    else:
        assert db.names(alternating) == set()


def test_regexes_run_in_linear_time(db: Db) -> None:
    """Patterns a backtracking engine takes exponential or high-polynomial time on."""
    db.load([dict(name="long", config={"x": "a" * 3000 + "!"}), dict(name="short", config={"x": "aac"})])
    started = time.perf_counter()
    assert db.names({"config.x": {"$regex": "a*a*a*a*a*a*a*a*a*a*a*a*c"}}) == {"short"}
    assert db.names({"config.x": {"$regex": "(a|aa|a)*c$"}}) == {"short"}
    assert db.names({"config.x": {"$regex": "(?:a|a)*!$"}}) == {"long"}
    assert time.perf_counter() - started < 2


def test_regex_semantics(db: Db) -> None:
    db.load([dict(name="n1", config={"s": "Line\n"}), dict(name="n2", config={"s": "a.b"}),
             dict(name="n3", config={"s": "ÉCOLE 42"}), dict(name="n4", config={"s": ["zz", "école"]}),
             dict(name="n5", config={"s": 5})])
    assert db.names({"config.s": {"$regex": "e$"}}) == {"n1", "n4"}  # $ also before a final newline
    assert db.names({"config.s": {"$regex": "^Line.$"}}) == set()  # . is not a newline
    assert db.names({"config.s": {"$regex": "a\\.b"}}) == {"n2"}
    assert db.names({"config.s": {"$regex": "^école", "$options": "i"}}) == {"n3", "n4"}  # array elements too
    assert db.names({"config.s": {"$regex": "(?i)^ÉCOLE"}}) == {"n3", "n4"}
    assert db.names({"config.s": {"$regex": "\\d{2}"}}) == {"n3"}
    assert db.names({"config.s": {"$regex": ""}}) == {"n1", "n2", "n3", "n4"}  # strings only
    assert db.names({"config.s": {"$not": {"$regex": "a"}}}) == {"n1", "n3", "n4", "n5"}


def test_contains_size_all_exists_and_special_fields(db: Db) -> None:
    db.load([
        dict(name="c1", display_name="big-model", tags=["a", "b"], config={"l": [1, 2, 3]}, group_name="g",
             finished_at=T0 + timedelta(seconds=90), created_at=T0, host="h1"),
        dict(name="c2", display_name="small", tags=["b"], config={"l": "1, 2"}, heartbeat_at=T0 + timedelta(seconds=20),
             created_at=T0),
        dict(name="c3", display_name=None, tags=[], config={"l": {"x": 1}}, heartbeat_at=None, created_at=T0),
    ])
    assert db.names({"display_name": {"$contains": "model"}}) == {"c1"}
    assert db.names({"tags": {"$contains": "b"}}) == {"c1", "c2"}
    assert db.names({"config.l": {"$contains": 2}}) == {"c1"}
    assert db.names({"config.l": {"$contains": "2"}}) == {"c2"}
    assert db.names({"tags": {"$size": 0}}) == {"c3"}
    assert db.names({"config.l": {"$size": 1}}) == set()  # objects have no size
    assert db.names({"tags": {"$all": ["a", "b"]}}) == {"c1"}
    assert db.names({"config.l": [1, 2, 3]}) == {"c1"}
    assert db.names({"config.l": [3, 2, 1]}) == set()
    assert db.names({"config.l.x": 1}) == {"c3"}
    assert db.names({"group": {"$exists": True}}) == {"c1"}
    assert db.names({"duration": {"$gte": 60}}) == {"c1"}
    assert db.names({"duration": 20}) == {"c2"}
    assert db.names({"duration": None}) == {"c3"}
    assert db.names({"sweep": None}) == {"c1", "c2", "c3"}
    assert db.names({"sweep": {"$exists": True}}) == set()
    assert db.names({"entity": "team"}) == {"c1", "c2", "c3"}
    assert db.names({"id": {"$in": ["c1", "c3"]}}) == {"c1", "c3"}
    assert db.names({"host": {"$ne": "h1"}}) == {"c2", "c3"}


ARRAY_RUNS = [
    dict(name="n1", config={"nest": []}),
    dict(name="n2", config={"nest": [{"inner": 1}, {"other": 2}]}),
    dict(name="n3", config={"nest": [{"inner": None}]}),
    dict(name="n4", config={"nest": [5, {"inner": 5}]}),
    dict(name="n5", config={"nest": {"inner": 5}}),
    dict(name="n6", config={}),
    dict(name="n7", config={"nest": [[{"inner": 5}]]}),
    dict(name="n8", config={"nest": [{"inner": [4, 5]}, {"inner": "x"}]}),
    dict(name="n9", config={"nest": 3}),
    dict(name="n10", config={"nest": [[4, 5]]}),
    dict(name="n11", config={"nest": [{"0": "zero"}, "first"]}),
    dict(name="n12", config={"runs": [{"layers": [{"units": 64}, {"units": 128}]}, {"layers": []}]}),
    dict(name="n13", config={"nest": [math.inf, {"inner": 2}]}),
    dict(name="n14", config={"nest": [{"0": {"inner": 7}, "inner": 8}]}),
]
ALL_ARRAY_RUNS = {run["name"] for run in ARRAY_RUNS}


@pytest.mark.parametrize(("filters", "expected"), [
    # the case: nothing under an empty array is null or missing
    ({"config.nest.inner": {"$ne": None}}, {"n1", "n4", "n5", "n7", "n8", "n10", "n13", "n14"}),
    # documents of the array without the key count as missing; scalars and nested arrays are passed over
    ({"config.nest.inner": None}, {"n2", "n3", "n6", "n9", "n11", "n12"}),
    ({"config.nest.inner": 5}, {"n4", "n5", "n8"}),
    ({"config.nest.inner.value": 5}, {"n4", "n5", "n8"}),
    ({"config.nest.inner": {"$gt": 1}}, {"n4", "n5", "n8", "n13", "n14"}),
    ({"config.nest.inner": {"$exists": True}}, {"n2", "n3", "n4", "n5", "n8", "n13", "n14"}),
    ({"config.nest.inner": {"$exists": False}}, {"n1", "n6", "n7", "n9", "n10", "n11", "n12"}),
    ({"config.nest.inner": {"$size": 2}}, {"n8"}),
    ({"config.nest.inner": {"$all": [4, "x"]}}, {"n8"}),  # over different elements
    ({"config.nest.inner": {"$in": [None, 4]}}, {"n2", "n3", "n6", "n8", "n9", "n11", "n12"}),
    ({"config.nest.inner": {"$nin": [None, 4]}}, {"n1", "n4", "n5", "n7", "n10", "n13", "n14"}),
    ({"config.nest.inner": {"$regex": "^x"}}, {"n8"}),
    ({"config.nest.inner": [4, 5]}, {"n8"}),
    ({"config.nest.inner": {"$not": {"$lt": 3}}}, ALL_ARRAY_RUNS - {"n2", "n13"}),
    # a numeric key is a position in an array, and a key of the documents in it
    ({"config.nest.0.inner": 1}, {"n2"}),
    ({"config.nest.0": 5}, {"n4"}),
    ({"config.nest.0.inner": 5}, {"n7", "n8"}),  # the array at position 0 fans out
    ({"config.nest.0.inner": 7}, {"n14"}),
    ({"config.nest.0.inner": 8}, {"n14"}),
    ({"config.nest.0": 4}, set()),  # an array reached by position is matched whole
    ({"config.nest.0": [4, 5]}, {"n10"}),
    ({"config.nest.0": {"$size": 2}}, {"n10"}),
    ({"config.nest.0": "zero"}, {"n11"}),
    ({"config.nest.1": "first"}, {"n11"}),
    ({"config.nest.01": "first"}, set()),
    ({"config.nest.1.inner": None}, ALL_ARRAY_RUNS - {"n1", "n7", "n10"}),
    # arrays at two levels
    ({"config.runs.layers.units": 128}, {"n12"}),
    ({"config.runs.layers.units": {"$lt": 100}}, {"n12"}),
    ({"config.runs.layers.units": None}, ALL_ARRAY_RUNS - {"n12"}),
    ({"config.runs.layers.1.units": 128}, {"n12"}),
    ({"config.runs.0.layers.units": {"$ne": 64}}, ALL_ARRAY_RUNS - {"n12"}),
])
def test_dotted_paths_through_arrays(db: Db, filters: dict, expected: set[str]) -> None:
    """MongoDB's traversal of arrays met halfway along a path (its jstests null2.js, path.cpp)."""
    db.load(ARRAY_RUNS)
    assert db.names(filters) == expected


def test_dotted_equality_is_answered_by_the_gin_index(db: Db) -> None:
    """On PostgreSQL, equality on a dotted path (which may run through arrays) stays a query the config
    column's GIN index answers, as equality on a top-level key does."""
    if db.dialect != "postgresql":
        pytest.skip("GIN indexes are PostgreSQL's")
    db.load(ARRAY_RUNS)
    for filters in ({"config.nest.inner": 5}, {"config.runs.layers.units": {"$in": [128, "x"]}}, {"config.nest": 3}):
        compiled = sa.select(Run.name).where(run_filter(filters, "postgresql")).compile(dialect=db.engine.dialect)
        params = {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in compiled.params.items()}
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + str(compiled), params).scalars())
        assert "ix_runs_config_gin" in plan, (filters, plan)


def test_keys_with_unusual_characters(db: Db) -> None:
    db.load([dict(name="k1", config={"é": {"x y": 1, "😀": [1, 2]}, "a\\b": "slash", 'q"t': 1}),
             dict(name="k2", config={"é": {"x y": 2}, "t\tb": True})])
    assert db.names({"config.é.x y": 1}) == {"k1"}
    assert db.names({"config.é": {"x y": 2}}) == {"k2"}
    assert db.names({"config.é.😀": 2}) == {"k1"}
    assert db.names({"config.a\\b": "slash"}) == {"k1"}
    assert db.names({"config.t\tb": True}) == {"k2"}
    if db.dialect == "sqlite":
        with pytest.raises(UserError, match="double quote"):
            db.names({'config.q"t': 1})
    else:
        assert db.names({'config.q"t': 1}) == {"k1"}
    deep: Any = {"é": 1}
    for i in range(12):  # nested values become flat SQL (SQLite's parser overflows on deep nesting)
        deep = {"é": deep, "😀": [i, {"é": None}]}
    db.load([dict(name="d1", config={"é": {"é": deep}}), dict(name="d2", config={"é": {"é": [deep]}})])
    assert db.names({"config.é.é": deep}) == {"d1", "d2"}
    assert db.names({"config.é": {"$ne": {"é": deep}}}) == {"d2"}


def test_documents_written_without_escapes_sqlite(tmp_path: Path) -> None:
    """orjson (or SQLite itself) writes "é" unescaped where json.dumps writes "\\u00e9"; both are found."""
    engine = _sqlite_engine(tmp_path / "raw.db")
    database.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO entities (id, name, is_team, created_at) VALUES (1, 'e', 0, '2023-01-01')"))
        connection.execute(sa.text("INSERT INTO projects (id, entity_id, name, access, created_at) "
                                   "VALUES (1, 1, 'p', 'PRIVATE', '2023-01-01')"))
        documents = [{"é": {"ü": 1}}, {"é": {"ü": 1}}, {"é": [{"ü": 2}]}, {"é": [{"ü": 2}]}]
        for i, document in enumerate(documents):
            text = json.dumps(document, ensure_ascii=i % 2 == 0)
            connection.execute(sa.text(
                "INSERT INTO runs (id, project_id, name, state, config, summary, tags, created_at, "
                "history_line_count, history_keys) VALUES (:i, 1, :n, 'running', :c, '{}', '[]', '2023-01-01', 0, '{}')"),
                {"i": i + 1, "n": f"r{i}", "c": text})
        found = connection.scalars(sa.select(Run.name).where(run_filter({"config.é.ü": 1}, "sqlite"))).all()
        assert sorted(found) == ["r0", "r1"]
        found = connection.scalars(sa.select(Run.name).where(run_filter({"config.é": {"ü": 1}}, "sqlite"))).all()
        assert sorted(found) == ["r0", "r1"]
        found = connection.scalars(sa.select(Run.name).where(run_filter({"config.é.ü": 2}, "sqlite"))).all()
        assert sorted(found) == ["r2", "r3"]  # through an array of documents
    engine.dispose()


def test_numbers_nan_infinity_and_booleans(db: Db) -> None:
    db.load([dict(name="i1", summary={"v": 1}), dict(name="i2", summary={"v": 1.0}), dict(name="i3", summary={"v": True}),
             dict(name="i4", summary={"v": math.nan}), dict(name="i5", summary={"v": math.inf}),
             dict(name="i6", summary={"v": -math.inf}), dict(name="i7", summary={"v": "1"})])
    assert db.names({"summary_metrics.v": 1}) == {"i1", "i2"}
    assert db.names({"summary_metrics.v": True}) == {"i3"}
    assert db.names({"summary_metrics.v": math.nan}) == set()
    assert db.names({"summary_metrics.v": math.inf}) == {"i5"}
    assert db.names({"summary_metrics.v": {"$gt": 0}}) == {"i1", "i2", "i5"}
    assert db.names({"summary_metrics.v": {"$lt": 0}}) == {"i6"}
    assert db.names({"summary_metrics.v": {"$lte": math.inf}}) == {"i1", "i2", "i5", "i6"}
    assert db.names({"summary_metrics.v": {"$gte": False}}) == {"i3"}
    assert db.names({"summary_metrics.v": {"$gte": "0"}}) == {"i7"}


# ------------------------------------------------------------------ 4. order

ORDER_VALUES: list[Any] = [10, 9.5, 2, 10, None, "missing", "high", math.inf, -math.inf, math.nan, True, [1], {"a": 1}]


def test_order_sorts_numbers_numerically_and_types_in_brackets(db: Db) -> None:
    rows = []
    for i, value in enumerate(ORDER_VALUES, start=1):
        summary = {} if value == "missing" else {"acc": value}
        rows.append(dict(name=f"o{i:02d}", summary=summary, config={"lr": value} if value != "missing" else {}))
    db.load(rows)
    # NaN, numbers (-inf .. inf; the two 10s by id), strings, booleans, objects, arrays; null and missing last
    ascending = ["o10", "o09", "o03", "o02", "o01", "o04", "o08", "o07", "o11", "o13", "o12", "o05", "o06"]
    descending = ["o12", "o13", "o11", "o07", "o08", "o04", "o01", "o02", "o03", "o09", "o10", "o06", "o05"]
    assert db.select(None, "+summary_metrics.acc") == ascending
    assert db.select(None, "summary_metrics.acc") == ascending
    assert db.select(None, "acc") == ascending  # a bare key is a summary metric
    assert db.select(None, "summaryMetrics.acc") == ascending
    assert db.select(None, "-summary_metrics.acc") == descending
    assert db.select(None, "-acc") == descending
    assert db.select(None, "+config.lr.value") == ascending
    assert db.select(None, "-config.lr") == descending


def test_order_numbers_only_and_timestamps(db: Db) -> None:
    values = [3, 20, 100, 1.5, -7, 20, 0.25]
    db.load([dict(name=f"p{i}", summary={"m": v, "é": v}, created_at=T0 + timedelta(seconds=10 - i),
                  heartbeat_at=None if i % 3 == 0 else T0 + timedelta(seconds=i)) for i, v in enumerate(values)])
    assert db.select(None, "+m") == ["p4", "p6", "p3", "p0", "p1", "p5", "p2"]  # 20 < 100: numeric, not text
    assert db.select(None, "-m") == ["p2", "p5", "p1", "p0", "p3", "p6", "p4"]  # tie 20: higher id first
    assert db.select(None, "-summary_metrics.é") == ["p2", "p5", "p1", "p0", "p3", "p6", "p4"]
    assert db.select(None, "+created_at") == ["p6", "p5", "p4", "p3", "p2", "p1", "p0"]
    assert db.select(None, "createdAt") == ["p6", "p5", "p4", "p3", "p2", "p1", "p0"]
    assert db.select(None, "+heartbeat_at") == ["p1", "p2", "p4", "p5", "p0", "p3", "p6"]  # no heartbeat: last
    assert db.select(None, "-heartbeatAt") == ["p5", "p4", "p2", "p1", "p6", "p3", "p0"]


@pytest.mark.parametrize("order", ["+", "-", "config.", "summary_metrics..x"])
def test_bad_orders(order: str) -> None:
    with pytest.raises(UserError):
        run_order(order, "sqlite")


def test_filter_with_order_and_page(db: Db) -> None:
    """The W3 benchmark's query shape."""
    db.load([dict(name=f"w{i}", config={"p0": "0.01" if i % 2 else "0.1"}, summary={"m0": i / 10, "m1": -i})
             for i in range(12)])
    query = {"config.p0": "0.01", "summary_metrics.m0": {"$gte": 0.5}}
    assert db.select(query, "-summary_metrics.m1") == ["w5", "w7", "w9", "w11"]
