"""artifact_bases: the version a PENDING version built by W&B's client starts from (baseArtifactID) and whether
its manifest lists only the changes (INCREMENTAL); and the ids of PENDING versions dropped at commit for a committed
twin with the same contents, which go on naming that twin

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


# Plain ADD COLUMNs: a batch (copy and rename) would drop the table's triggers.
def upgrade() -> None:
    op.add_column('artifacts', sa.Column('base_id', sa.Integer(), nullable=True))
    op.add_column('artifacts', sa.Column('manifest_incremental', sa.Boolean(), server_default=sa.false(),
                                         nullable=False))
    op.create_table('artifact_redirects',
    sa.Column('old_id', sa.Integer(), nullable=False),
    sa.Column('artifact_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['artifact_id'], ['artifacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_id')
    )
    op.create_index('ix_artifact_redirects_artifact_id', 'artifact_redirects', ['artifact_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_artifact_redirects_artifact_id', table_name='artifact_redirects')
    op.drop_table('artifact_redirects')
    op.drop_column('artifacts', 'manifest_incremental')
    op.drop_column('artifacts', 'base_id')
