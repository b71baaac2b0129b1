"""What servers sharing a database agree on: the secret key's fingerprint, when periodic jobs last ran

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

import runbase_server.tables

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('server_state',
                    sa.Column('name', sa.String(length=64), primary_key=True),
                    sa.Column('value', sa.Text(), nullable=False),
                    sa.Column('updated_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False))


def downgrade() -> None:
    op.drop_table('server_state')
