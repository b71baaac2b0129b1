"""columnar history segments

Revision ID: 0002
Revises: 0001
"""

import json
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('history_columns',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('first_step', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('last_step', sa.BigInteger(), nullable=False),
    sa.Column('value_count', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('steps', sa.LargeBinary(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'first_step', 'key')
    )


def _values(kind: str, data: bytes) -> list[Any]:
    values: list[Any]
    if kind == 'f8':
        values = np.frombuffer(data, '<f8').tolist()
    elif kind == 'i8':
        values = np.frombuffer(data, '<i8').tolist()
    else:
        values = json.loads(data)
    return values


def downgrade() -> None:
    """Turn every compacted segment back into one JSON chunk of rows, then drop the table."""
    bind = op.get_bind()
    columns = sa.table('history_columns', sa.column('run_id'), sa.column('first_step'), sa.column('key'),
                       sa.column('last_step'), sa.column('value_count'), sa.column('kind'),
                       sa.column('steps'), sa.column('data'))
    chunks = sa.table('history_chunks', sa.column('run_id'), sa.column('first_step'), sa.column('last_step'),
                      sa.column('row_count'), sa.column('rows'))
    segments = bind.execute(sa.select(columns.c.run_id, columns.c.first_step)
                            .where(columns.c.key == '_step').order_by(columns.c.run_id, columns.c.first_step)).all()
    for run_id, first_step in segments:
        parts = bind.execute(sa.select(columns.c.key, columns.c.kind, columns.c.steps, columns.c.data).where(
            columns.c.run_id == run_id, columns.c.first_step == first_step)).all()
        steps = next(np.frombuffer(p.steps, '<i8').tolist() for p in parts if p.key == '_step')
        rows = {step: {'_step': step} for step in steps}
        for part in parts:
            if part.key == '_step':
                continue
            where = steps if part.steps is None else np.frombuffer(part.steps, '<i8').tolist()
            for step, value in zip(where, _values(part.kind, part.data)):
                rows[step][part.key] = value
        bind.execute(chunks.insert().values(run_id=run_id, first_step=steps[0], last_step=steps[-1],
                                            row_count=len(steps),
                                            rows=json.dumps(list(rows.values()), separators=(',', ':'))))
    op.drop_table('history_columns')
