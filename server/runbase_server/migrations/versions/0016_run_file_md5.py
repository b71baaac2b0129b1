"""The MD5 of a run file's contents (W&B's File.md5), kept once known

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('run_files', sa.Column('md5', sa.String(length=24), nullable=True))


def downgrade() -> None:
    op.drop_column('run_files', 'md5')
