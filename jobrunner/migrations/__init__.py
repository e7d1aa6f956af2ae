"""Alembic migrations of the job runner's schema, driven from code (no alembic.ini).

The job runner keeps its tables (`jr_*`) in the catalog's database but has its own history
(this directory) and version table, so the catalog and the runner migrate independently.
`check(engine)` upgrades an empty schema and refuses an outdated one.
"""
from __future__ import annotations

import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from ..errors import FailedPrecondition

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION_TABLE = "jobrunner_alembic_version"
TABLE_PREFIX = "jr_"


class SchemaOutdated(FailedPrecondition):
    """The job runner's tables are older than this code: run `lakeglue db upgrade`."""


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


def _has_runner_tables(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return any(name.startswith(TABLE_PREFIX) for name in inspect(engine).get_table_names())


def check(engine: Engine, *, auto_upgrade_empty: bool = True) -> None:
    """Verify the runner's schema is at head; a database without runner tables is upgraded."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None and auto_upgrade_empty and not _has_runner_tables(engine):
        upgrade(engine)
        return
    url = engine.url.render_as_string(hide_password=True)
    raise SchemaOutdated(
        f"The job runner's tables are at revision {current or 'none'} but this lakeglue needs "
        f"{head}. Back up the database, then run: lakeglue db upgrade --db-url '{url}'"
    )
