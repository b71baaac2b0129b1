"""web_sessions: browsers' sign-ins, each made from an API key and ended with it or its user

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import runbase_server.tables

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_web_sessions_api_key_id', 'web_sessions', ['api_key_id'], unique=False)
    op.create_index('ix_web_sessions_expires_at', 'web_sessions', ['expires_at'], unique=False)
    op.create_index('ix_web_sessions_user_id', 'web_sessions', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_web_sessions_user_id', table_name='web_sessions')
    op.drop_index('ix_web_sessions_expires_at', table_name='web_sessions')
    op.drop_index('ix_web_sessions_api_key_id', table_name='web_sessions')
    op.drop_table('web_sessions')
