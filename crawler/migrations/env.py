"""Alembic environment of the crawler schema (see metastore.schema_history)."""
from crawler.migrations import HISTORY
from crawler.tables import metadata

HISTORY.run_env(metadata)
