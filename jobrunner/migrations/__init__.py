"""Alembic migrations of the job runner's schema (tables `jr_*` in the catalog's database,
own history and version table), driven from code. `lakeglue db upgrade` applies it;
`check(engine)` creates it in a database without it and refuses an outdated one.
"""
from __future__ import annotations

import os

from metastore.schema_history import SchemaHistory
from ..errors import FailedPrecondition

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION_TABLE = "jobrunner_alembic_version"
TABLE_PREFIX = "jr_"


class SchemaOutdated(FailedPrecondition):
    """The job runner's tables are older than this code: run `lakeglue db upgrade`."""


HISTORY = SchemaHistory(HERE, VERSION_TABLE, TABLE_PREFIX, "job runner", SchemaOutdated)
head_revision = HISTORY.head_revision
current_revision = HISTORY.current_revision
upgrade = HISTORY.upgrade
check = HISTORY.check
