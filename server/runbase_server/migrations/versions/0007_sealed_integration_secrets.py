"""integration secrets encrypted at rest

Revision ID: 0007
Revises: 0006

Bot tokens, Slack incoming-webhook URLs, HMAC secrets and access tokens stored
in plain text before this revision are encrypted with Fernet under the server's
key, written as "fernet:" and the token. A generic webhook's URL is shown to
the entity's members, so it stays plain. Downgrading decrypts them again.

The keys come from the server that runs the migration (current first, then
previous ones); this file holds its own copy of the format so that later
changes to the server's code do not change what it does.
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, MultiFernet

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PREFIX = 'fernet:'
COLUMNS = ('url', 'secret', 'access_token', 'bot_token')
integrations = sa.table('integrations', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                        *(sa.column(name, sa.Text) for name in COLUMNS))


def _keys() -> MultiFernet:
    config = op.get_context().config
    keys = config.attributes.get('secret_keys') if config is not None else None
    if not keys:
        raise RuntimeError('migration 0007 encrypts stored integration secrets and needs the server key: '
                           'run it by starting `runbase server`')
    return MultiFernet([Fernet(key) for key in keys])


def _seal(box: MultiFernet, value: str) -> str:
    return value if value.startswith(PREFIX) else PREFIX + box.encrypt(value.encode()).decode()


def _open(box: MultiFernet, value: str) -> str:
    return box.decrypt(value.removeprefix(PREFIX).encode()).decode() if value.startswith(PREFIX) else value


def _rewrite(change: Callable[[MultiFernet, str], str]) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(integrations)).mappings().all()
    if not rows:
        return
    box = _keys()
    for row in rows:
        values = {name: change(box, row[name]) for name in COLUMNS
                  if (name != 'url' or row['kind'] == 'SLACK') and row[name] is not None}
        values = {name: value for name, value in values.items() if value != row[name]}
        if values:
            connection.execute(sa.update(integrations).where(integrations.c.id == row['id']).values(**values))


def upgrade() -> None:
    _rewrite(_seal)


def downgrade() -> None:
    _rewrite(_open)
