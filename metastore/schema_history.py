"""One Alembic history per component, driven from code (no alembic.ini).

The catalog, the job runner and the crawler keep their tables in the same database, each
with its own migrations directory, version table and table-name prefix, so they migrate
independently. A component declares its history once:

    HISTORY = SchemaHistory(here, "jobrunner_alembic_version", "jr_", "job runner", SchemaOutdated)
"""
from __future__ import annotations

from typing import Optional, Type

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine


class SchemaHistory:
    def __init__(self, script_location: str, version_table: str, table_prefix: str, component: str,
                 outdated_error: Type[Exception]):
        self.script_location = script_location
        self.version_table = version_table
        self.table_prefix = table_prefix
        self.component = component
        self.outdated_error = outdated_error

    def config(self, url: str) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", self.script_location)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        cfg.attributes["configure_logger"] = False
        return cfg

    def head_revision(self) -> str:
        return ScriptDirectory.from_config(self.config("sqlite://")).get_current_head()

    def current_revision(self, engine: Engine) -> Optional[str]:
        with engine.connect() as conn:
            return MigrationContext.configure(conn, opts={"version_table": self.version_table}).get_current_revision()

    def upgrade(self, engine: Engine, revision: str = "head") -> None:
        cfg = self.config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def has_tables(self, engine: Engine) -> bool:
        return any(name.startswith(self.table_prefix) for name in inspect(engine).get_table_names())

    def check(self, engine: Engine, *, auto_upgrade_empty: bool = True) -> None:
        """Verify the schema is at head; a database with none of this component's tables is
        upgraded when allowed. Raises the component's outdated-schema error naming the
        command to run."""
        current = self.current_revision(engine)
        head = self.head_revision()
        if current == head:
            return
        if current is None and auto_upgrade_empty and not self.has_tables(engine):
            self.upgrade(engine)
            return
        url = engine.url.render_as_string(hide_password=True)
        raise self.outdated_error(
            f"The {self.component}'s tables are at revision {current or 'none'} but this lakeglue "
            f"needs {head}. Back up the database, then run: lakeglue db upgrade --db-url '{url}'"
        )

    def run_env(self, metadata) -> None:
        """Body of this component's Alembic env.py: migrate on the connection handed over by
        upgrade() (or a fresh engine for the alembic CLI), with the component's version table,
        and let autogenerate see only this component's tables (the others share the database)."""
        from alembic import context
        from sqlalchemy import create_engine

        def include_object(obj, name, type_, reflected, compare_to):
            return name.startswith(self.table_prefix) if type_ == "table" else True

        def run(connection):
            context.configure(
                connection=connection, target_metadata=metadata, version_table=self.version_table,
                include_object=include_object, render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()

        connection = context.config.attributes.get("connection")
        if connection is not None:
            run(connection)
        else:
            with create_engine(context.config.get_main_option("sqlalchemy.url")).begin() as conn:
                run(conn)
