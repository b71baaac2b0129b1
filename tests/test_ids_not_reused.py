"""Ids are never handed out twice. W&B's clients and the web app hold a run's (or key's) id, not its name: a stale
handle (wandb.Api's Run, an open run page's Stop button) acting on an id that now names another row would stop or
delete that row. SQLite reuses the largest rowid after a delete unless the table is AUTOINCREMENT (migration 0022);
PostgreSQL's sequences never go back."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from conftest import Server
from sqlalchemy.orm import Session
from test_run_values import _as_stored, _migrate, add_team_project

from runbase_server import database
from runbase_server.tables import Run

UPSERT = "mutation($i: UpsertBucketInput!) { upsertBucket(input: $i) { bucket { id name } } }"
DELETE = "mutation($i: ID!) { deleteRun(input: {id: $i}) { success } }"


def test_a_deleted_runs_id_is_not_given_to_the_next_run(server: Server) -> None:
    project = f"ids-{uuid.uuid4().hex[:8]}"
    first = server.graphql(UPSERT, {"i": {"name": "a", "modelName": project}})["data"]["upsertBucket"]["bucket"]
    assert server.graphql(DELETE, {"i": first["id"]})["data"]["deleteRun"]["success"] is True
    second = server.graphql(UPSERT, {"i": {"name": "b", "modelName": project, "state": "running"}})
    second_id = second["data"]["upsertBucket"]["bucket"]["id"]
    assert second_id != first["id"]
    stale = server.graphql(DELETE, {"i": first["id"]})  # the stale handle: refused, and the new run stays
    assert "errors" in stale or not stale["data"]["deleteRun"]["success"]
    assert server.run("b", project=project) is not None


def test_a_deleted_keys_id_is_not_given_to_the_next_key(server: Server) -> None:
    made = "mutation { generateApiKey(input: {}) { apiKey { id } key } }"
    first = server.graphql(made)["data"]["generateApiKey"]["apiKey"]["id"]
    deleted = server.graphql("mutation($i: ID!) { deleteApiKey(input: {id: $i}) { success } }", {"i": first})
    assert deleted["data"]["deleteApiKey"]["success"] is True
    assert server.graphql(made)["data"]["generateApiKey"]["apiKey"]["id"] != first


def test_the_migration_keeps_sqlite_rows_and_stops_id_reuse(tmp_path: Path) -> None:
    """A database made before 0022: its rows, the rows that cascade from them and the runs' triggers stay; the
    largest id is not given again once deleted, nor any id below it."""
    engine = database.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _migrate(engine, command.upgrade, "0021")
    with Session(engine) as session, session.begin():
        project = add_team_project(session)
        runs = _as_stored(Run.__table__, session)
        for i in range(3):
            session.execute(sa.insert(runs).values(project_id=project.id, name=f"r{i}", state="running", tags=[],
                                                   history_keys={}, config={"x": i}, summary={}))
        session.execute(sa.text("INSERT INTO history_chunks (run_id, first_step, last_step, row_count, rows) "
                                "SELECT id, 0, 0, 1, '[{\"_step\": 0}]' FROM runs"))
        project_id = project.id
    database.upgrade(engine)
    with Session(engine) as session, session.begin():
        sql = session.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = 'runs'"))
        assert "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT" in sql and "PRIMARY KEY (id)" not in sql
        assert session.scalar(sa.text("SELECT count(*) FROM history_chunks")) == 3
        assert session.scalar(sa.text("SELECT count(*) FROM run_values")) == 3  # filled by the runs' triggers
        assert session.execute(sa.text("PRAGMA integrity_check")).scalars().all() == ["ok"]
        largest = session.scalar(sa.select(sa.func.max(Run.id)))
        session.execute(sa.delete(Run).where(Run.id == largest))
        session.flush()
        run = Run(project_id=project_id, name="new", config={"x": 9}, summary={}, tags=[])
        session.add(run)
        session.flush()
        assert run.id == largest + 1
        assert session.scalar(sa.text("SELECT count(*) FROM run_values WHERE run_id = :i"), {"i": run.id}) == 1
    database.upgrade(engine)  # again: nothing left to change
    engine.dispose()


@pytest.mark.parametrize("table", ["runs", "projects", "api_keys", "artifact_collections", "artifacts"])
def test_new_sqlite_databases_never_reuse_ids(tmp_path: Path, table: str) -> None:
    engine = database.make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    database.upgrade(engine)
    with engine.connect() as connection:
        sql = connection.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table})
    engine.dispose()
    assert "AUTOINCREMENT" in sql
