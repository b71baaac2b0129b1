"""sweeps: the sweeps and sweep_agents tables, runs.sweep_id

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

import runbase_server.tables

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sweeps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=256), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('config', runbase_server.tables.Document(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('claimed', sa.BigInteger(), nullable=False),
    sa.Column('run_count_expected', sa.BigInteger(), nullable=True),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'name')
    )
    op.create_table('sweep_agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('host', sa.String(length=256), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweeps.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sweep_agents_sweep_id', 'sweep_agents', ['sweep_id'], unique=False)
    if op.get_context().dialect.name == 'sqlite':
        # SQLite takes a foreign key inline in ADD COLUMN (batch mode would copy the whole runs table), but
        # reflects no ON DELETE of an inline one: the key has none anywhere (deleting a sweep unlinks its runs).
        op.execute('ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id)')
    else:
        op.add_column('runs', sa.Column('sweep_id', sa.Integer(), nullable=True))
        op.create_foreign_key('runs_sweep_id_fkey', 'runs', 'sweeps', ['sweep_id'], ['id'])
    op.create_index('ix_runs_sweep_id', 'runs', ['sweep_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_runs_sweep_id', table_name='runs')
    if op.get_context().dialect.name == 'sqlite':
        # Not batch mode: rebuilding runs would DROP it, which with foreign keys on deletes every row that
        # cascades from a run (history, files, run_values), and would drop its triggers.
        op.execute('ALTER TABLE runs DROP COLUMN sweep_id')
    else:
        op.drop_constraint('runs_sweep_id_fkey', 'runs', type_='foreignkey')
        op.drop_column('runs', 'sweep_id')
    op.drop_index('ix_sweep_agents_sweep_id', table_name='sweep_agents')
    op.drop_table('sweep_agents')
    op.drop_table('sweeps')
