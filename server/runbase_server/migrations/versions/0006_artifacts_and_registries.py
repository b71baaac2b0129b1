"""artifacts and registries

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa
import runbase_server.tables


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('artifact_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'name')
    )
    op.create_table('registries',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('allow_all_types', sa.Boolean(), nullable=False),
    sa.Column('artifact_types', runbase_server.tables.Document(), nullable=False),
    sa.Column('updated_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id')
    )
    op.create_table('artifact_collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('tags', runbase_server.tables.Document(), nullable=False),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['type_id'], ['artifact_types.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'name'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('artifact_collections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artifact_collections_type_id'), ['type_id'], unique=False)

    op.create_table('registry_members',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['registries.project_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'user_id')
    )
    op.create_table('artifacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('metadata', runbase_server.tables.Document(), nullable=False),
    sa.Column('tags', runbase_server.tables.Document(), nullable=False),
    sa.Column('ttl_seconds', sa.BigInteger(), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('history_step', sa.BigInteger(), nullable=True),
    sa.Column('distributed_id', sa.String(length=128), nullable=True),
    sa.Column('pending_aliases', runbase_server.tables.Document(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['collection_id'], ['artifact_collections.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['type_id'], ['artifact_types.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.create_index('ix_artifacts_collection_digest', ['collection_id', 'digest'], unique=False)
        batch_op.create_index('ix_artifacts_collection_distributed', ['collection_id', 'distributed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_artifacts_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_artifacts_type_id'), ['type_id'], unique=False)

    op.create_table('artifact_aliases',
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=128), nullable=False),
    sa.Column('artifact_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['artifact_id'], ['artifacts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['collection_id'], ['artifact_collections.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collection_id', 'alias')
    )
    with op.batch_alter_table('artifact_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artifact_aliases_artifact_id'), ['artifact_id'], unique=False)

    op.create_table('artifact_entries',
    sa.Column('artifact_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('ref', sa.Text(), nullable=True),
    sa.Column('digest', sa.String(length=512), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('extra', runbase_server.tables.Document(), nullable=False),
    sa.ForeignKeyConstraint(['artifact_id'], ['artifacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('artifact_id', 'path')
    )
    op.create_index(op.f('ix_artifact_entries_sha256'), 'artifact_entries', ['sha256'], unique=False)
    op.create_index(op.f('ix_run_files_sha256'), 'run_files', ['sha256'], unique=False)
    op.create_table('artifact_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('artifact_id', sa.Integer(), nullable=False),
    sa.Column('version_index', sa.Integer(), nullable=False),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['artifact_id'], ['artifacts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['collection_id'], ['artifact_collections.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('collection_id', 'artifact_id'),
    sa.UniqueConstraint('collection_id', 'version_index')
    )
    with op.batch_alter_table('artifact_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artifact_memberships_artifact_id'), ['artifact_id'], unique=False)

    op.create_table('artifact_usages',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('artifact_id', sa.Integer(), nullable=False),
    sa.Column('used_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['artifact_id'], ['artifacts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'artifact_id')
    )
    with op.batch_alter_table('artifact_usages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artifact_usages_artifact_id'), ['artifact_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('artifact_usages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifact_usages_artifact_id'))

    op.drop_table('artifact_usages')
    with op.batch_alter_table('artifact_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifact_memberships_artifact_id'))

    op.drop_table('artifact_memberships')
    op.drop_index(op.f('ix_run_files_sha256'), table_name='run_files')
    op.drop_index(op.f('ix_artifact_entries_sha256'), table_name='artifact_entries')
    op.drop_table('artifact_entries')
    with op.batch_alter_table('artifact_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifact_aliases_artifact_id'))

    op.drop_table('artifact_aliases')
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifacts_type_id'))
        batch_op.drop_index(batch_op.f('ix_artifacts_run_id'))
        batch_op.drop_index('ix_artifacts_collection_distributed')
        batch_op.drop_index('ix_artifacts_collection_digest')

    op.drop_table('artifacts')
    op.drop_table('registry_members')
    with op.batch_alter_table('artifact_collections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifact_collections_type_id'))

    op.drop_table('artifact_collections')
    op.drop_table('registries')
    op.drop_table('artifact_types')
