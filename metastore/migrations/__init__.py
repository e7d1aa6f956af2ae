"""Alembic migrations of the catalog schema (tables `lg_*`), driven from code.

`upgrade(engine)` brings a database to head; `check(engine)` creates the schema in a database
that has none of it yet and refuses an outdated one (metastore.errors.SchemaOutdated).
"""
from __future__ import annotations

import os

from metastore.schema_history import SchemaHistory
from ..errors import SchemaOutdated

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION_TABLE = "lakeglue_alembic_version"
TABLE_PREFIX = "lg_"

HISTORY = SchemaHistory(HERE, VERSION_TABLE, TABLE_PREFIX, "catalog", SchemaOutdated)
head_revision = HISTORY.head_revision
current_revision = HISTORY.current_revision
upgrade = HISTORY.upgrade
check = HISTORY.check
