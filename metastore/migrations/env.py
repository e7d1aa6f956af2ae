"""Alembic environment of the metastore schema (see metastore.schema_history)."""
from metastore.migrations import HISTORY
from metastore.store.tables import metadata

HISTORY.run_env(metadata)
