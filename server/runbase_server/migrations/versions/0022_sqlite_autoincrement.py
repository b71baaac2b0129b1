"""SQLite ids are never reused: AUTOINCREMENT on every table whose integer id W&B clients or the web app hold

Without it SQLite gives a new row the largest id plus one, so deleting the newest run (project, key, ...) hands
its id to the next one, and a stale handle (wandb.Api's Run, an open page's Stop button) then acts on that
other row. PostgreSQL's sequences never go back: nothing to do there.

The rows stay where they are: an INTEGER PRIMARY KEY is the rowid with or without AUTOINCREMENT, so only the
table's stored CREATE statement changes (SQLite's documented writable_schema procedure for changes that leave
the stored content as it is), plus its sqlite_sequence entry. A table rebuild would instead have to drop the
table, which with foreign keys on (they cannot be turned off inside the migration's transaction) deletes the
rows that reference it, and would drop its triggers and indexes.

Revision ID: 0022
Revises: 0021
"""

import re

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

TABLES = ('users', 'api_keys', 'web_sessions', 'entities', 'projects', 'runs', 'sweeps', 'sweep_agents',
          'sweep_suggestions', 'run_files', 'artifact_types', 'artifact_memberships')
_COLUMN = re.compile(r'^(\s*)id INTEGER NOT NULL,', re.MULTILINE)
_TABLE_KEY = re.compile(r',\s*PRIMARY KEY \(id\)')


def with_autoincrement(sql: str) -> str:
    """The CREATE TABLE statement SQLAlchemy wrote (id first, PRIMARY KEY (id) as a table constraint) with the
    key declared on the column instead, where AUTOINCREMENT may go."""
    if 'AUTOINCREMENT' in sql:
        return sql
    if len(_COLUMN.findall(sql)) != 1 or len(_TABLE_KEY.findall(sql)) != 1:
        raise RuntimeError(f"unexpected table definition, not changed: {sql[:200]}")
    return _TABLE_KEY.sub('', _COLUMN.sub(r'\1id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,', sql, count=1), count=1)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != 'sqlite':
        return
    select_sql = sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name")
    changed = {}
    for table in TABLES:
        sql = connection.execute(select_sql, {'name': table}).scalar_one()
        new_sql = with_autoincrement(sql)
        if new_sql != sql:
            changed[table] = new_sql
    if not changed:
        return
    if connection.execute(sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")).scalar() == 0:
        raise RuntimeError("sqlite_sequence is missing (migration 0004 creates it)")
    version = connection.execute(sa.text("PRAGMA schema_version")).scalar_one()
    connection.execute(sa.text("PRAGMA writable_schema = ON"))
    for table, sql in changed.items():
        connection.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
                           {'sql': sql, 'name': table})
    # Other connections, and this one, read the schema again when its version changes.
    connection.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    connection.execute(sa.text("PRAGMA writable_schema = OFF"))
    for table in changed:
        connection.execute(sa.text(f"INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', coalesce(max(id), 0) "
                                   f"FROM {table}"))
    problems = connection.execute(sa.text("PRAGMA integrity_check")).scalars().all()
    if problems != ['ok']:
        raise RuntimeError(f"integrity check failed after adding AUTOINCREMENT: {problems[:5]}")


def downgrade() -> None:
    pass  # AUTOINCREMENT only keeps ids from coming back; leaving it on is harmless
