"""Alembic migrations of the crawler's schema, driven from code (no alembic.ini).

The crawler keeps its tables (`cr_*`) in the catalog's database but has its own history
(this directory) and version table, so the catalog, the job runner and the crawler migrate
independently. `lakeglue db upgrade` applies it; `check(engine)` creates the tables in a
database that has none of them yet and refuses an outdated schema.
"""
from __future__ import annotations

import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION_TABLE = "crawler_alembic_version"
TABLE_PREFIX = "cr_"


class SchemaOutdated(RuntimeError):
    """The crawler's tables are older (or newer) than this code: run `lakeglue db upgrade`."""


def _config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", HERE)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_config("sqlite://")).get_current_head()


def current_revision(engine: Engine):
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = _config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _has_crawler_tables(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return any(name.startswith(TABLE_PREFIX) for name in inspect(engine).get_table_names())


def check(engine: Engine, *, auto_upgrade_empty: bool = True) -> None:
    """Verify the crawler's schema is at head; a database without crawler tables is
    upgraded (when allowed). Raises SchemaOutdated with the command to run."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None and auto_upgrade_empty and not _has_crawler_tables(engine):
        upgrade(engine)
        return
    url = engine.url.render_as_string(hide_password=True)
    raise SchemaOutdated(
        f"The crawler's tables are at revision {current or 'none'} but this lakeglue needs "
        f"{head}. Back up the database, then run: lakeglue db upgrade --db-url '{url}'"
    )
