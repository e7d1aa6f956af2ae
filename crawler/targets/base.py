"""The catalog a crawl writes to, as the crawler needs it.

Implementations: `ServiceTarget` (lakeglue's CatalogService in this process, over its
database URL) and `ThriftTarget` (any Hive Metastore over Thrift, lakeglue's or Hive's).
Every method raises `metastore.errors.CatalogError` subclasses: NotFound, AlreadyExists,
InvalidObject, InvalidOperation, StoreError.
"""
from __future__ import annotations

import abc
from typing import List, Optional, Sequence

from metastore.model import Partition, Table


class CatalogTarget(abc.ABC):
    """Tables and partitions of one catalog. Drops never delete data."""

    #: partitions sent per add/alter call
    batch_size: int = 500

    @abc.abstractmethod
    def describe(self) -> str:
        """A short human-readable name of the catalog (for summaries)."""

    @abc.abstractmethod
    def ensure_database(self, name: str) -> bool:
        """Create the database if missing; True when it was created."""

    @abc.abstractmethod
    def database_exists(self, name: str) -> bool:
        ...

    @abc.abstractmethod
    def list_tables(self, db: str) -> List[Table]:
        """Every table of a database (empty when the database does not exist)."""

    @abc.abstractmethod
    def get_table(self, db: str, name: str) -> Optional[Table]:
        """The table, or None."""

    @abc.abstractmethod
    def create_table(self, table: Table) -> None:
        ...

    @abc.abstractmethod
    def alter_table(self, table: Table) -> None:
        """Replace the table's definition (same name)."""

    @abc.abstractmethod
    def drop_table(self, db: str, name: str) -> None:
        """Drop the table's metadata, keeping its data."""

    @abc.abstractmethod
    def list_partitions(self, db: str, table: str) -> List[Partition]:
        ...

    @abc.abstractmethod
    def add_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        ...

    @abc.abstractmethod
    def alter_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        ...

    @abc.abstractmethod
    def drop_partitions(self, db: str, table: str, values: Sequence[Sequence[str]]) -> None:
        """Drop partitions' metadata, keeping their data."""

    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> "CatalogTarget":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
