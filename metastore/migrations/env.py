"""Alembic environment: runs on the connection handed over by metastore.migrations."""
from alembic import context
from sqlalchemy import create_engine

from metastore.migrations import VERSION_TABLE
from metastore.store.tables import metadata

config = context.config


def _run(connection):
    context.configure(
        connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
