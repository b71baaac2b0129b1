"""sweep_suggestions: each suggestion handed to an agent, so that one lost with its agent is handed out again

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import runbase_server.tables

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sweep_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.Column('run_name', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('parameters', runbase_server.tables.Document(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['sweep_agents.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweeps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sweep_id', 'run_name')
    )
    op.create_index('ix_sweep_suggestions_state', 'sweep_suggestions', ['sweep_id', 'state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sweep_suggestions_state', table_name='sweep_suggestions')
    op.drop_table('sweep_suggestions')
