"""W&B artifact manifests: the MD5 of a stored entry (W&B's manifests name contents by it) and the manifest the
official client uploaded for a PENDING version

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

import runbase_server.tables

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('artifact_entries', sa.Column('md5', sa.String(length=24), nullable=True))
    op.add_column('artifacts', sa.Column('staged_manifest', runbase_server.tables.Document(), nullable=True))


def downgrade() -> None:
    op.drop_column('artifacts', 'staged_manifest')
    op.drop_column('artifact_entries', 'md5')
