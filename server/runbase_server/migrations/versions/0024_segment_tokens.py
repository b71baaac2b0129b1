"""Each compacted segment row gets a random `written` token, new whenever the row is written, so that a server
may keep decoded segments in memory and know, from the plan of a read, that its copy is still what is stored

Rows stored before stay null and are read from the database every time, as before.

On SQLite the tables are rebuilt with the token before the arrays: a column after them sits behind the
arrays' overflow pages, and reading it (each plan does) walked them all, 26 -> 580 us for W4's plan.
PostgreSQL keeps large values out of line, so an added column costs nothing there.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

TABLES = ("history_columns", "system_columns")
KEPT = ("run_id", "first_step", "key", "last_step", "value_count", "kind", "steps", "data")


def _rebuild(table: str) -> None:
    op.create_table(f'{table}_new',
                    sa.Column('run_id', sa.Integer(), nullable=False),
                    sa.Column('first_step', sa.BigInteger(), nullable=False),
                    sa.Column('key', sa.Text(), nullable=False),
                    sa.Column('last_step', sa.BigInteger(), nullable=False),
                    sa.Column('value_count', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=8), nullable=False),
                    sa.Column('written', sa.BigInteger(), nullable=True),
                    sa.Column('steps', sa.LargeBinary(), nullable=True),
                    sa.Column('data', sa.LargeBinary(), nullable=True),
                    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('run_id', 'first_step', 'key'))
    columns = ", ".join(f'"{name}"' for name in KEPT)
    op.execute(f'INSERT INTO {table}_new ({columns}) SELECT {columns} FROM {table}')
    op.drop_table(table)
    op.rename_table(f'{table}_new', table)


def upgrade() -> None:
    for table in TABLES:
        if op.get_bind().dialect.name == "sqlite":
            _rebuild(table)
        else:
            op.add_column(table, sa.Column('written', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('written')
