"""On PostgreSQL the columnar history and its tail are compressed with lz4 (migration 0023), which stores a
batch of rows in about half the time pglz took; a downgrade gives the columns back to the server's default
(pglz). A run holding segments stored either way, before and after the upgrade, reads back exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from runbase_server import users
from runbase_server.database import MIGRATIONS, Database, upgrade
from runbase_server.runs import history
from sqlalchemy import text

COLUMNS = [("history_chunks", "rows"), ("history_columns", "data"), ("history_columns", "steps"),
           ("system_chunks", "rows"), ("system_columns", "data"), ("system_columns", "steps")]


def _compression(database: Database) -> dict[tuple[str, str], str]:
    with database.engine.connect() as connection:
        return {(table, column): connection.scalar(text(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = CAST(:table AS regclass) AND attname = :column"),
            {"table": table, "column": column}) for table, column in COLUMNS}


def _has_lz4(database: Database) -> bool:
    with database.engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")))


@pytest.fixture
def migrated_postgres(postgres: Any) -> Iterator[Database]:
    """A new PostgreSQL database at the newest schema; the tests skip where the server has no lz4."""
    database = Database(postgres.create())
    try:
        upgrade(database.engine)
        if not _has_lz4(database):
            pytest.skip("this PostgreSQL was built without lz4: the migration leaves compression as it was")
        yield database
    finally:
        database.dispose()


def test_history_is_compressed_with_lz4_and_a_downgrade_goes_back_to_the_default(migrated_postgres: Database) -> None:
    database = migrated_postgres
    assert set(_compression(database).values()) == {"l"}
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0022")
    assert set(_compression(database).values()) == {""}  # the server's default_toast_compression again


# -- a database that held history before 0023 -------------------------------------------------------------

def _rows(start: int, stop: int) -> list[dict[str, Any]]:
    """Compressible rows (repeating values), so that both pglz and lz4 compress their segments."""
    return [{"_step": i, "loss": (i % 50) / 4, "acc": i % 7, "tag": f"t{i % 3}"} for i in range(start, stop)]


def _methods(database: Database, run: str) -> set[str | None]:
    with database.engine.connect() as connection:
        return set(connection.scalars(text(
            "SELECT pg_column_compression(c.data) FROM history_columns c JOIN runs r ON r.id = c.run_id "
            "WHERE r.name = :run AND c.data IS NOT NULL UNION SELECT pg_column_compression(c.steps) "
            "FROM history_columns c JOIN runs r ON r.id = c.run_id WHERE r.name = :run AND c.steps IS NOT NULL"),
            {"run": run}))


def test_history_stored_with_pglz_before_0023_reads_back_exactly_after_it(postgres: Any, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows the server stored at 0022 (pglz) and after 0023 (lz4) in one run read back exactly: in process
    (read, scan, sample), after a fork and a rewind across the upgrade, after a downgrade and upgrade again,
    and through a real server's GraphQL and the SDK's scan_history."""
    from conftest import ADMIN_KEY, Server, run_script, sdk_environment
    from test_history import Store
    from test_run_branching import fork, rewind
    from test_run_values import _migrate

    url = postgres.create()
    database = Database(url)
    try:
        _migrate(database.engine, command.upgrade, "0022")
        if not _has_lz4(database):
            pytest.skip("this PostgreSQL was built without lz4")
        with database.session() as session:
            users.bootstrap_admin(session, ADMIN_KEY)
        store = Store(database)
        with monkeypatch.context() as old_server:  # rows as a server of 0022 wrote them: without 0024's token
            params = history._segment_params
            old_server.setattr(history, "_segment_params", lambda *args: [
                {name: value for name, value in row.items() if name != "written"} for row in params(*args)])
            for start in range(0, 25_000, 5_000):
                store.append(_rows(start, start + 5_000))
        assert _methods(database, "r") == {"pglz"}
        upgrade(database.engine)
        for start in range(25_000, 50_000, 5_000):
            store.append(_rows(start, start + 5_000))
        assert _methods(database, "r") == {"pglz", "lz4"}
        expected = _rows(0, 50_000)
        assert store.read() == expected
        assert store.scan_all(limit=7_000) == expected
        assert store.scan_all(["loss"], min_step=19_990, max_step=20_010) == [
            {"_step": row["_step"], "loss": row["loss"]} for row in expected[19_990:20_010]]  # max_step is exclusive
        assert len(store.sampled(["loss"], 500)) == 500
        fork(store, "f", "r", 12_345)  # inside a pglz segment
        rewind(store, 30_000)  # inside an lz4 segment
        assert store.read(run="f") == expected[:12_346]
        assert store.read() == expected[:30_001]
        store.append(_rows(30_001, 31_000))
        _migrate(database.engine, command.downgrade, "0022")
        _migrate(database.engine, command.upgrade, "head")
        assert store.read() == expected[:31_000]
        assert store.read(run="f") == expected[:12_346]
    finally:
        database.dispose()
    server = Server(tmp_path / "server", url).start()
    try:
        run = server.run("r", project="p")
        assert run is not None and [json.loads(row) for row in run["history"]] == expected[:31_000]
        env = sdk_environment(server, tmp_path)
        result = run_script("""
            import json, runbase
            rows = list(runbase.Api().run("p/f").scan_history(page_size=4_000))
            print(json.dumps([{k: row[k] for k in ("_step", "loss", "acc", "tag")} for row in rows]))
            """, env)
        assert json.loads(result.stdout) == expected[:12_346]
    finally:
        server.stop()
