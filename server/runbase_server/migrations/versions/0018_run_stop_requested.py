"""A run asked to stop (W&B's stopRun): its client polls for it and ends the run, which then ends killed

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


# A plain ADD COLUMN: a batch (copy and rename) would drop the triggers that keep run_values up to date.
def upgrade() -> None:
    op.add_column('runs', sa.Column('stop_requested', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column('runs', 'stop_requested')
