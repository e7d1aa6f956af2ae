"""Catalog persistence: the Store interface and its SQLAlchemy implementation."""
from .base import DroppedDatabase, DroppedTable, PartitionQuery, Store

__all__ = ["Store", "PartitionQuery", "DroppedTable", "DroppedDatabase", "open_store"]


def open_store(url: str, *, check_schema: bool = True, auto_upgrade_empty: bool = True) -> Store:
    """Open the SQL store at a SQLAlchemy URL, verifying its schema is current.

    Raises metastore.errors.SchemaOutdated when the database needs `lakeglue db upgrade`.
    """
    from .. import migrations
    from .session import make_engine
    from .sql import SqlStore

    engine = make_engine(url)
    if check_schema:
        try:
            migrations.check(engine, auto_upgrade_empty=auto_upgrade_empty)
        except Exception:
            engine.dispose()
            raise
    return SqlStore(engine)
