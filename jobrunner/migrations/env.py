"""Alembic environment of the job runner: runs on the connection handed over by
jobrunner.migrations, with the runner's own version table and only its `jr_` tables."""
from alembic import context
from sqlalchemy import create_engine

from jobrunner.migrations import TABLE_PREFIX, VERSION_TABLE
from jobrunner.tables import metadata

config = context.config


def _include_object(obj, name, type_, reflected, compare_to):
    # The catalog's tables share the database; autogenerate must never touch them.
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
