"""integration secrets encrypted at rest

Revision ID: 0007
Revises: 0006

Bot tokens, Slack incoming-webhook URLs, HMAC secrets and access tokens stored
in plain text before this revision are encrypted under the server's key (see
runbase_server.automations.sealing). A generic webhook's URL is shown to the
entity's members, so it stays plain. Downgrading decrypts them again.
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from runbase_server.automations import sealing

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

integrations = sa.table('integrations', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                        *(sa.column(name, sa.Text) for name in sealing.COLUMNS))


def _rewrite(change: Callable[[str | None], str | None]) -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(integrations)).mappings().all():
        values = {name: change(row[name]) for name in sealing.COLUMNS
                  if (name != 'url' or row['kind'] == 'SLACK') and row[name] is not None}
        values = {name: value for name, value in values.items() if value != row[name]}
        if values:
            connection.execute(sa.update(integrations).where(integrations.c.id == row['id']).values(**values))


def upgrade() -> None:
    connection = op.get_bind()
    if connection.execute(sa.select(sa.func.count()).select_from(integrations)).scalar():
        _rewrite(sealing.for_migration().reseal)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.execute(sa.select(sa.func.count()).select_from(integrations)).scalar():
        _rewrite(sealing.for_migration().open)
