"""Alembic environment of the jobrunner schema (see metastore.schema_history)."""
from jobrunner.migrations import HISTORY
from jobrunner.tables import metadata

HISTORY.run_env(metadata)
