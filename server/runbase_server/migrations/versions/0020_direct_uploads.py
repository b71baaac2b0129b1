"""direct_uploads: files sent straight to the object store, and the composite name of the copy a direct multipart
upload made, on the blob holders and the run files and artifact entries that point to it

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

import runbase_server.tables

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

TABLES = ('blob_holders', 'run_files', 'artifact_entries')


# Plain ADD COLUMNs: a batch (copy and rename) would drop the tables' triggers.
def upgrade() -> None:
    op.create_table('direct_uploads',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('part_size', sa.BigInteger(), nullable=False),
    sa.Column('parts', sa.Text(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('upload_id', sa.Text(), nullable=False),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'sha256', 'size', 'part_size')
    )
    op.create_index('ix_direct_uploads_created_at', 'direct_uploads', ['created_at'], unique=False)
    op.create_index('ix_direct_uploads_user_id', 'direct_uploads', ['user_id'], unique=False)
    for table in TABLES:
        op.add_column(table, sa.Column('composite', sa.String(length=70), nullable=True))
        op.create_index(f'ix_{table}_composite', table, ['composite'], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f'ix_{table}_composite', table_name=table)
        op.drop_column(table, 'composite')
    op.drop_index('ix_direct_uploads_user_id', table_name='direct_uploads')
    op.drop_index('ix_direct_uploads_created_at', table_name='direct_uploads')
    op.drop_table('direct_uploads')
