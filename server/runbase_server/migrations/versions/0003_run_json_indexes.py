"""GIN indexes for run filters on PostgreSQL

Equality filters on config and tags are written as JSONB containment (@>),
which these indexes serve. SQLite has no equivalent; it reads the documents.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {"ix_runs_config_gin": "config", "ix_runs_tags_gin": "tags"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, column in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON runs USING gin ({column} jsonb_path_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
