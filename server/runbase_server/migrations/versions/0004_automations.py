"""automations

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import runbase_server.tables


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('runs', sa.Column('console_line_count', sa.BigInteger(), server_default='0', nullable=False))
    op.create_table('integrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('access_token', sa.Text(), nullable=True),
    sa.Column('bot_token', sa.Text(), nullable=True),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entity_id', 'kind', 'name'),
    sqlite_autoincrement=True
    )
    op.create_table('triggers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('scope_type', sa.String(length=32), nullable=False),
    sa.Column('scope_name', sa.String(length=256), nullable=True),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('event_filter', runbase_server.tables.Document(), nullable=False),
    sa.Column('action', runbase_server.tables.Document(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_fire_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_fired_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entity_id', 'name'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.create_index('ix_triggers_next_fire', ['event_type', 'next_fire_at'], unique=False)
        batch_op.create_index('ix_triggers_project_event', ['project_id', 'event_type'], unique=False)

    op.create_table('alerts_sent',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('sent_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'title')
    )
    op.create_table('console_lines',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'line')
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('trigger_id', sa.Integer(), nullable=True),
    sa.Column('integration_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('run_name', sa.String(length=128), nullable=True),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('action_type', sa.String(length=32), nullable=False),
    sa.Column('payload', runbase_server.tables.Document(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempt_count', sa.Integer(), nullable=False),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('give_up_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('redelivery_of', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trigger_id'], ['triggers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_deliveries_trigger', ['trigger_id', 'created_at'], unique=False)
        batch_op.create_index('ix_deliveries_run', ['run_id', 'created_at'], unique=False)
        batch_op.create_index('ix_deliveries_integration', ['integration_id'], unique=False)

    op.create_table('metric_windows',
    sa.Column('trigger_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('last_step', sa.BigInteger(), nullable=False),
    sa.Column('seen', sa.BigInteger(), nullable=False),
    sa.Column('values', runbase_server.tables.Document(), nullable=False),
    sa.Column('satisfied', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trigger_id'], ['triggers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('trigger_id', 'run_id')
    )
    op.create_index('ix_metric_windows_run', 'metric_windows', ['run_id'], unique=False)
    op.create_table('delivery_attempts',
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', runbase_server.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Float(), nullable=False),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('delivery_id', 'number')
    )


def downgrade() -> None:
    # Not batch mode: on SQLite it would copy and drop `runs`, and the drop cascades to every run's history.
    op.drop_column('runs', 'console_line_count')
    op.drop_table('delivery_attempts')
    op.drop_index('ix_metric_windows_run', table_name='metric_windows')
    op.drop_table('metric_windows')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_integration')
        batch_op.drop_index('ix_deliveries_run')
        batch_op.drop_index('ix_deliveries_trigger')
        batch_op.drop_index('ix_deliveries_due')

    op.drop_table('deliveries')
    op.drop_table('console_lines')
    op.drop_table('alerts_sent')
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.drop_index('ix_triggers_project_event')
        batch_op.drop_index('ix_triggers_next_fire')

    op.drop_table('triggers')
    op.drop_table('integrations')
