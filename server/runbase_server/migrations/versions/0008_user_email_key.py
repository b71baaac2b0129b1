"""users.email_key: emails compared as Python case-folds them, one user each

Revision ID: 0008
Revises: 0007
"""

import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('email_key', sa.String(length=256), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('email', sa.String()),
                     sa.column('email_key', sa.String()))
    connection = op.get_bind()
    taken: set[str] = set()
    for user_id, email in connection.execute(sa.select(users.c.id, users.c.email)
                                             .where(users.c.email.is_not(None)).order_by(users.c.id)).all():
        # The same rule as users.email_key. Addresses that only SQLite's ASCII-only lower() told apart may
        # exist twice: the first user keeps the address for lookups, the later ones keep their email unlooked-up.
        key = unicodedata.normalize("NFKC", email).casefold()
        if key not in taken:
            taken.add(key)
            connection.execute(sa.update(users).where(users.c.id == user_id).values(email_key=key))
    op.create_index('ix_users_email_key', 'users', ['email_key'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_users_email_key', table_name='users')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('email_key')
