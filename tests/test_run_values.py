"""run_values, the index that run filters find candidate runs by (filters._candidates), on SQLite and
PostgreSQL: the candidates never lose a match (against mongomock on generated runs and filters), the
triggers keep the values equal to every run's documents through every write (upsert, history's summary
updates, rewind, fork, delete, a project's deletion), and the search's plan reads the index, not every
run's JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runbase_server import database, users
from runbase_server.errors import UserError
from runbase_server.filters import run_filter, run_order
from runbase_server.runs import runs
from runbase_server.tables import (DOCUMENT_CODES, VALUE_KEY_PREFIX, VALUE_TEXT_PREFIX, Entity, Project, Run, User,
                                  run_values)
from sqlalchemy.orm import Session
from test_filters import EXAMPLES, Db, db  # noqa: F401 - fixture
from test_history import Store, send, small_segments, store  # noqa: F401 - fixtures
from test_run_branching import fork, rewind, rows_of

from filter_documents import filters_for, names_quoted_key, oracle_matches, runs as generated_runs


def indexed_names(db: Db, query: dict[str, Any]) -> set[str]:
    found = (sa.select(Run.name).outerjoin(User, Run.user_id == User.id)
             .where(Run.project_id == db.project_id, run_filter(query, db.dialect, db.project_id)))
    with db.engine.connect() as connection:
        return set(connection.scalars(found))


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=generated_runs(), draw=st.data())
def test_candidates_keep_every_match(db: Db, data: list[dict[str, Any]], draw: st.DataObject) -> None:  # noqa: F811
    db.load(data)
    for query in draw.draw(st.lists(filters_for(data), min_size=1, max_size=4), label="queries"):
        try:
            found = indexed_names(db, query)
        except UserError as refused:  # as without the index (test_filters)
            assert db.dialect == "sqlite" and names_quoted_key(query) and "double quote" in str(refused)
            continue
        assert found == oracle_matches(query, data), query


EDGES = [
    ({"config.x": 2**53 + 1}, {"big"}), ({"config.x": {"$gt": 2**53}}, {"big", "inf"}),
    ({"config.x": {"$gte": 1e300}}, {"inf"}),
    ({"config.x": {"$lt": -1e300}}, {"minf"}), ({"summary_metrics.s": "b" * 300}, {"long"}),
    ({"summary_metrics.s": {"$gt": "b" * 299}}, {"long", "arr"}), ({"summary_metrics.s": {"$lte": "b" * 256}}, {"arr"}),
    ({"summary_metrics.s": "x"}, {"arr"}), ({"summary_metrics.s": {"$in": ["x", 3]}}, {"arr", "three"}),
    ({"config." + "k" * 250: 1}, {"longkey"}), ({"config." + "k" * 249 + "j": 1}, set()),
    ({"$or": [{"config.x": 5e-324}, {"summary_metrics.s": "y"}]}, {"tiny"}),
    ({"config.x": {"$gt": 0}}, {"big", "inf", "tiny"}), ({"config.x": {"$all": [1, 2]}}, set()),
]


@pytest.mark.parametrize(("query", "expected"), EDGES)
def test_candidates_at_the_edges(db: Db, query: dict[str, Any], expected: set[str]) -> None:  # noqa: F811
    """Numbers beyond a double's precision and range, long strings and keys (stored as prefixes), arrays."""
    db.load([dict(name="big", config={"x": 2**53 + 1}), dict(name="inf", config={"x": math.inf}),
              dict(name="minf", config={"x": -math.inf}), dict(name="tiny", config={"x": 5e-324}),
              dict(name="nan", config={"x": math.nan}), dict(name="long", summary={"s": "b" * 300}),
              dict(name="arr", summary={"s": ["x", "b" * 256, [3], {"a": 3}, True]}),
              dict(name="three", summary={"s": 3}), dict(name="longkey", config={"k" * 250: 1})])
    assert indexed_names(db, query) == db.names(query) == expected


# ------------------------------------------------------------------ the triggers keep the values


def _as_double(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def expected_values(run_id: int, project_id: int, doc: str, document: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What run_values must hold for one document: numbers (infinities too, NaN not) and strings, by top-level
    key, an array's elements each a row."""
    rows = []
    for key, value in document.items():
        for item in [value, *(value if isinstance(value, list) else [])]:
            if isinstance(item, (int, float)) and not isinstance(item, bool) and not math.isnan(item):
                rows.append((run_id, project_id, DOCUMENT_CODES[doc], key[:VALUE_KEY_PREFIX], _as_double(item), None))
            elif isinstance(item, str):
                rows.append((run_id, project_id, DOCUMENT_CODES[doc], key[:VALUE_KEY_PREFIX], None,
                             item[:VALUE_TEXT_PREFIX]))
    return rows


def _canonical(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with its number to 14 digits: SQLite's JSON parser may round the last digit otherwise than Python."""
    return (*row[:4], None if row[4] is None else f"{row[4]:.14g}", row[5])


def check_values(store: Store) -> None:
    """run_values holds exactly the values of every run's config and summary."""
    with store.db.session() as session:
        expected = sorted((_canonical(row) for run in session.scalars(sa.select(Run))
                           for doc, document in (("config", run.config), ("summary", run.summary))
                           for row in expected_values(run.id, run.project_id, doc, document or {})), key=repr)
        stored = sorted((_canonical(tuple(row)) for row in session.execute(sa.select(run_values))), key=repr)
    assert stored == expected


def upsert(store: Store, name: str, **fields: Any) -> None:
    with store.db.session() as session:
        runs.upsert(session, users.admin_viewer(session), {"model_name": "p", "name": name, **fields})
    store.names.add(name)


def matches(store: Store, query: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The runs of project p matching `query` through the index, and by the exact predicate alone."""
    with store.db.session() as session:
        project = session.scalar(sa.select(Project).where(Project.name == "p"))
        assert project is not None
        dialect = session.get_bind().dialect.name
        base = sa.select(Run.name).outerjoin(User, Run.user_id == User.id).where(Run.project_id == project.id)
        return (set(session.scalars(base.where(run_filter(query, dialect, project.id)))),
                set(session.scalars(base.where(run_filter(query, dialect)))))


QUERIES = [{"config.lr": {"$gte": 0.05}}, {"summary_metrics.loss": {"$lt": 0.01}}, {"summary_metrics.best": 9},
           {"summary_metrics.tag": "s40"}, {"config.name": {"$in": ["a", "b"]}}, {"summary_metrics._step": 300}]


def test_values_follow_every_write(store: Store) -> None:  # noqa: F811
    config = {"lr": {"value": 0.1}, "name": {"value": "a"}, "layers": {"value": [64, "wide", [1], {"u": 2}]},
              "flag": {"value": True}, "none": {"value": None}, "nest": {"value": {"x": 1}}}
    upsert(store, "r", config=json.dumps(config), summary_metrics=json.dumps({"best": 9, "inf": math.inf}))
    upsert(store, "o", config=json.dumps({"lr": {"value": 0.01}, "name": {"value": "b"}}))
    check_values(store)
    send(store, rows_of(230), 37)  # history: the summary's updates ride on its batches
    send(store, rows_of(40, start=1000), 9, run="o")
    check_values(store)
    upsert(store, "r", config=json.dumps({**config, "lr": {"value": 0.02}}), remove_summary_keys=["inf"],
           summary_metrics=json.dumps({"best": [9, "nine"]}))
    check_values(store)
    for query in QUERIES:
        indexed, exact = matches(store, query)
        assert indexed == exact, query
    assert matches(store, {"config.lr": {"$gte": 0.02}})[0] == {"r"}
    rewind(store, 300)
    check_values(store)
    assert matches(store, {"summary_metrics._step": 300}) == ({"r"}, {"r"})
    fork(store, "f", "r", 100)
    check_values(store)
    assert matches(store, {"summary_metrics._step": 100}) == ({"f"}, {"f"})
    with store.db.session() as session:
        run = runs.writable(session, users.admin_viewer(session), None, "p", name="r")
        runs.delete(session, run)
    check_values(store)
    assert matches(store, {"summary_metrics._step": {"$gte": 0}}) == ({"f"}, {"f"})  # "o"'s history set no summary
    with store.db.session() as session:
        session.execute(sa.delete(Project).where(Project.name == "p"))
    check_values(store)
    with store.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(run_values)) == 0


# ------------------------------------------------------------------ the plan


def test_search_plan_reads_the_index(store: Store) -> None:  # noqa: F811
    """With many runs, the W3 query (as runs.search builds it) finds its candidates by ix_run_values_* and looks
    up those runs by id: it reads no other run's row, let alone its JSON."""
    upsert(store, "first")
    with store.db.session() as session:
        project_id = session.scalar(sa.select(Project.id).where(Project.name == "p"))
        session.execute(sa.insert(Run), [
            {"project_id": project_id, "name": f"run{i}", "state": "finished", "tags": [],
             "config": {"p0": ("0.01", "0.001", "0.1")[i % 3], **{f"p{j}": i * j for j in range(1, 20)}},
             "summary": {f"m{j}": ((i * 7919 + j * 104729) % 1000) / 1000 for j in range(20)}}
            for i in range(3000)])
    dialect = store.db.engine.dialect.name
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        sent.append((statement, parameters))

    with store.db.engine.begin() as connection:
        if dialect == "postgresql":  # autovacuum's statistics; a server never analyses SQLite
            connection.execute(sa.text("ANALYZE"))
        query = (sa.select(Run.id).outerjoin(User, Run.user_id == User.id)
                 .where(run_filter({"config.p0": "0.01", "summary_metrics.m0": {"$gte": 0.9}}, dialect, project_id))
                 .order_by(*run_order("-summary_metrics.m1", dialect)).limit(51))
        sa.event.listen(connection, "before_cursor_execute", record)
        found = list(connection.execute(query).scalars())
        sa.event.remove(connection, "before_cursor_execute", record)
        statement, parameters = sent[-1]
        plan = "\n".join(str(row[-1]) for row in connection.exec_driver_sql(
            ("EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN ") + statement, parameters))
    assert "ix_run_values_txt" in plan and "ix_run_values_num" in plan, plan
    if dialect == "sqlite":
        assert "SCAN runs" not in plan and "autoindex_runs" not in plan and "USING INTEGER PRIMARY KEY" in plan, plan
    else:
        assert "Seq Scan on runs" not in plan, plan
    summaries = [{f"m{j}": ((i * 7919 + j * 104729) % 1000) / 1000 for j in range(20)} for i in range(3000)]
    expected = sorted((i for i in range(3000) if i % 3 == 0 and summaries[i]["m0"] >= 0.9),
                      key=lambda i: (-summaries[i]["m1"], -i))  # ties: the later run (higher id) first
    assert len(found) == 51 and len(expected) > 51
    with store.db.session() as session:
        names = [session.get(Run, run_id).name for run_id in found]  # type: ignore[union-attr]
    assert [int(name[3:]) for name in names[:5]] == expected[:5]


def _migrate(engine: sa.Engine, step: Any, revision: str) -> None:
    """command.upgrade or command.downgrade to `revision`, as the server's own upgrade drives Alembic."""
    config = Config()
    config.set_main_option("script_location", str(database.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes.update(connection=connection, secret_keys=())
        step(config, revision)


def _as_stored(table: sa.Table, session: Session) -> sa.Table:
    """`table` with the columns the database has now: the ORM's have those of every later migration too."""
    stored = {column["name"] for column in sa.inspect(session.connection()).get_columns(table.name)}
    return sa.Table(table.name, sa.MetaData(), *(column._copy() for column in table.columns if column.name in stored))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_fills_in_existing_runs(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Runs stored before migration 0010 get their values when it runs, as the triggers would give them."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else f"sqlite:///{tmp_path / 'r.db'}"
    engine = sa.create_engine(url)
    _migrate(engine, command.upgrade, "0009")
    with Session(engine) as session, session.begin():
        entity = Entity(name="e")
        session.add(entity)
        session.flush()
        projects, runs = (_as_stored(table, session) for table in (Project.__table__, Run.__table__))
        project_id = session.scalar(sa.insert(projects).values(entity_id=entity.id, name="p")
                                    .returning(projects.c.id))
        session.execute(sa.insert(runs).values(
            project_id=project_id, name="r", state="running", tags=[], history_keys={},
            config={"a": 1, "b": ["x", 2, [3]], "c": {"d": 1}}, summary={"m": math.inf, "n": "t", "o": True}))
    database.upgrade(engine)
    with engine.connect() as connection:
        stored = sorted((tuple(row)[2:] for row in connection.execute(sa.select(run_values))), key=repr)
    engine.dispose()
    assert stored == sorted([(0, "a", 1.0, None), (0, "b", 2.0, None), (0, "b", None, "x"), (1, "m", math.inf, None),
                             (1, "n", None, "t")], key=repr)


def add_team_project(session: Session) -> Project:
    """Team "e" and its project "p", written straight to the tables (no service: migrations are under test)."""
    entity = Entity(name="e", is_team=True)
    session.add(entity)
    session.flush()
    project = Project(entity_id=entity.id, name="p")
    session.add(project)
    session.flush()
    return project


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_downgrading_the_migrations_after_it_keeps_runs_children(backend: str, tmp_path: Path,
                                                               request: pytest.FixtureRequest) -> None:
    """Undoing the sweeps migration (it adds runs.sweep_id) must not rebuild runs: on SQLite, with foreign keys
    on as the server sets them, a rebuild deletes every row that cascades from a run and drops the triggers."""
    url = request.getfixturevalue("postgres").create() if backend == "postgresql" else f"sqlite:///{tmp_path / 'd.db'}"
    engine = database.make_engine(url)
    database.upgrade(engine)
    with Session(engine) as session, session.begin():
        project = add_team_project(session)
        project_id = project.id
        session.add_all(Run(project_id=project.id, name=f"r{i}", config={"x": i}, summary={}, tags=[])
                        for i in range(3))
        session.flush()
        session.execute(sa.text("INSERT INTO history_chunks (run_id, first_step, last_step, row_count, rows) "
                                "SELECT id, 0, 0, 1, '[{\"_step\": 0}]' FROM runs"))
    _migrate(engine, command.downgrade, "0010")
    with Session(engine) as session, session.begin():
        assert session.scalar(sa.select(sa.func.count()).select_from(run_values)) == 3
        assert session.scalar(sa.text("SELECT count(*) FROM history_chunks")) == 3
        session.execute(sa.update(Run).where(Run.name == "r0").values(config={"x": 10}))  # the triggers still work
        found = session.scalars(sa.select(Run.name).where(run_filter({"config.x": {"$gte": 2}}, backend, project_id)))
        assert sorted(found) == ["r0", "r2"]
    engine.dispose()
