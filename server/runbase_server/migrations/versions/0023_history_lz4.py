"""PostgreSQL: the columnar history and its tail are compressed with lz4 instead of pglz

A segment of 20,000 rows holds 160 KB per key, which PostgreSQL tries to compress before storing it out of line.
pglz, the default, took most of the time of storing a batch of rows: 35,000 rows of 13 keys in 110-135 ms, 60-80
ms with lz4 (W2: a million points in 1.1-1.3 s, 0.9-1.1 s with lz4). A sample reads either as fast. Values stored
before stay as they are, in pglz, and read as before.

Only where the server was built with lz4 (PostgreSQL 14 and newer, an option of the build, on in the common
packages); elsewhere nothing changes. SQLite stores the bytes as they are.

Revision ID: 0023
Revises: 0022
"""

from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

COLUMNS = {"history_columns": ("steps", "data"), "system_columns": ("steps", "data"),
           "history_chunks": ("rows",), "system_chunks": ("rows",)}
# The choices default_toast_compression takes: lz4 among them only where the server was built with it (the
# setting exists from PostgreSQL 14 on).
_HAS_LZ4 = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


def _compress(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not bind.exec_driver_sql(_HAS_LZ4).scalar():
        return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _compress("lz4")


def downgrade() -> None:
    _compress("default")
