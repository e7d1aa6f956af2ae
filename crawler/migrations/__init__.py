"""Alembic migrations of the crawler's schema (tables `cr_*` in the catalog's database,
own history and version table), driven from code. `lakeglue db upgrade` applies it;
`check(engine)` creates it in a database without it and refuses an outdated one.
"""
from __future__ import annotations

import os

from metastore.schema_history import SchemaHistory

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION_TABLE = "crawler_alembic_version"
TABLE_PREFIX = "cr_"


class SchemaOutdated(RuntimeError):
    """The crawler's tables are older (or newer) than this code: run `lakeglue db upgrade`."""


HISTORY = SchemaHistory(HERE, VERSION_TABLE, TABLE_PREFIX, "crawler", SchemaOutdated)
head_revision = HISTORY.head_revision
current_revision = HISTORY.current_revision
upgrade = HISTORY.upgrade
check = HISTORY.check
