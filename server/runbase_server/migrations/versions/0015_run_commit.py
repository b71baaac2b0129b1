"""The git commit of a run's code, as W&B's clients send it (upsertBucket's commit; the Public API's Run.commit)

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


# A plain ADD COLUMN: a batch (copy and rename) would drop the triggers that keep run_values up to date.
def upgrade() -> None:
    op.add_column('runs', sa.Column('commit', sa.String(length=256), nullable=True))


def downgrade() -> None:
    op.drop_column('runs', 'commit')
