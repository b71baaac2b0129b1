"""On PostgreSQL the columnar history and its tail are compressed with lz4 (migration 0023), which stores a
batch of rows in about half the time pglz took; a downgrade gives the columns back to the server's default
(pglz). Reading what either stored is covered by every history test on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from runbase_server.database import MIGRATIONS, Database, upgrade
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


def test_a_stored_segment_is_lz4_and_reads_back_exactly(migrated_postgres: Database) -> None:
    """A compressible segment (a step column) goes to TOAST as lz4 and comes back byte for byte."""
    database = migrated_postgres
    steps = b"".join(step.to_bytes(8, "little") for step in range(50_000))
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO entities (name, is_team, created_at) VALUES ('e', false, now())"))
        connection.execute(text(
            "INSERT INTO projects (entity_id, name, access, created_at) SELECT id, 'p', 'PRIVATE', now() "
            "FROM entities"))
        run = connection.scalar(text(
            "INSERT INTO runs (project_id, name, state, config, summary, tags, history_line_count, "
            "console_line_count, system_line_count, history_keys, created_at, heartbeat_at, stop_requested) "
            "SELECT id, 'r', 'finished', '{}', '{}', '[]', 0, 0, 0, '{}', now(), now(), false FROM projects "
            "RETURNING id"))
        connection.execute(text(
            "INSERT INTO history_columns (run_id, first_step, key, last_step, value_count, kind, steps, data) "
            "VALUES (:run, 0, '_step', 49999, 50000, 'i8', :steps, NULL)"), {"run": run, "steps": steps})
    with database.engine.connect() as connection:
        method, stored = connection.execute(text(
            "SELECT pg_column_compression(steps), steps FROM history_columns WHERE run_id = :run"),
            {"run": run}).one()
    assert (method, bytes(stored)) == ("lz4", steps)
