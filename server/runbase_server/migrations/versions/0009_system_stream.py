"""the system stream: system_chunks and system_columns beside history's, runs.system_line_count and
runs.system_metrics

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import runbase_server.tables

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The same layout as history_chunks (0001) and history_columns (0002): one columnar store, two streams.
    op.create_table('system_chunks',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('first_step', sa.BigInteger(), nullable=False),
    sa.Column('last_step', sa.BigInteger(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'first_step')
    )
    op.create_table('system_columns',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('first_step', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('last_step', sa.BigInteger(), nullable=False),
    sa.Column('value_count', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('steps', sa.LargeBinary(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'first_step', 'key')
    )
    op.add_column('runs', sa.Column('system_line_count', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('runs', sa.Column('system_metrics', runbase_server.tables.Document(), nullable=True))


def downgrade() -> None:
    op.drop_column('runs', 'system_metrics')
    op.drop_column('runs', 'system_line_count')
    op.drop_table('system_columns')
    op.drop_table('system_chunks')
