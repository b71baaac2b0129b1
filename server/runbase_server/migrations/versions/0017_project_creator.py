"""Who made each project (W&B's Project.user); unknown for the projects made before

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == 'sqlite':
        # A foreign key inline in ADD COLUMN, as migration 0011 adds runs.sweep_id (batch mode copies the table).
        op.execute('ALTER TABLE projects ADD COLUMN user_id INTEGER REFERENCES users(id)')
    else:
        op.add_column('projects', sa.Column('user_id', sa.Integer(), nullable=True))
        op.create_foreign_key('projects_user_id_fkey', 'projects', 'users', ['user_id'], ['id'])


def downgrade() -> None:
    if op.get_context().dialect.name == 'sqlite':
        op.execute('ALTER TABLE projects DROP COLUMN user_id')
    else:
        op.drop_constraint('projects_user_id_fkey', 'projects', type_='foreignkey')
        op.drop_column('projects', 'user_id')
