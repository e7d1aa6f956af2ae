"""Alembic environment of the crawler: runs on the connection handed over by
crawler.migrations, with the crawler's own version table and only its `cr_` tables."""
from alembic import context
from sqlalchemy import create_engine

from crawler.migrations import TABLE_PREFIX, VERSION_TABLE
from crawler.tables import metadata

config = context.config


def _include_object(obj, name, type_, reflected, compare_to):
    # The catalog's and the job runner's tables share the database; autogenerate must never touch them.
    if type_ == "table":
        return name.startswith(TABLE_PREFIX)
    return True


def _run(connection):
    context.configure(
        connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
        include_object=_include_object, render_as_batch=connection.dialect.name == "sqlite",
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
