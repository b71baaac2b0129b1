"""Alembic environment: the connection comes from runbase_server.database.upgrade."""

from alembic import context

from runbase_server.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
