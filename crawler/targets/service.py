"""CatalogTarget over lakeglue's own CatalogService, in this process."""
from __future__ import annotations

from typing import List, Optional, Sequence

from metastore.errors import NotFound
from metastore.model import Database, Partition, Table
from metastore.service import CatalogService

from .base import CatalogTarget


class ServiceTarget(CatalogTarget):
    batch_size = 10000  # in-process: no message size limit; one transaction per batch
    def __init__(self, catalog: CatalogService, label: str = "lakeglue catalog", on_close=None):
        self.catalog = catalog
        self.label = label
        self._on_close = on_close

    @classmethod
    def open(cls, db_url: str, warehouse: str = "") -> "ServiceTarget":
        """Open the catalog database at `db_url` (created and migrated when new, as the
        metastore does). Raises CatalogError (e.g. SchemaOutdated)."""
        from metastore.app import build_services
        from metastore.config import default_warehouse

        services = build_services(db_url, warehouse or default_warehouse())
        from sqlalchemy.engine import make_url

        label = make_url(db_url).render_as_string(hide_password=True)
        return cls(services.catalog, label=label, on_close=services.close)

    def describe(self) -> str:
        return self.label

    def database_exists(self, name: str) -> bool:
        try:
            self.catalog.get_database(name)
            return True
        except NotFound:
            return False

    def ensure_database(self, name: str) -> bool:
        if self.database_exists(name):
            return False
        self.catalog.create_database(Database(name=name, description="created by lakeglue crawl"))
        return True

    def list_tables(self, db: str) -> List[Table]:
        names = self.catalog.list_tables(db)
        return self.catalog.get_tables(db, names) if names else []

    def get_table(self, db: str, name: str) -> Optional[Table]:
        try:
            return self.catalog.get_table(db, name)
        except NotFound:
            return None

    def create_table(self, table: Table) -> None:
        self.catalog.create_table(table)

    def alter_table(self, table: Table) -> None:
        self.catalog.alter_table(table.db_name, table.name, table)

    def drop_table(self, db: str, name: str) -> None:
        self.catalog.drop_table(db, name, delete_data=False)

    def list_partitions(self, db: str, table: str) -> List[Partition]:
        return self.catalog.list_partitions(db, table)

    def add_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        self.catalog.add_partitions(db, table, list(parts))

    def alter_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        self.catalog.alter_partitions(db, table, list(parts))

    def drop_partitions(self, db: str, table: str, values: Sequence[Sequence[str]]) -> None:
        self.catalog.drop_partitions(db, table, [list(v) for v in values], delete_data=False)

    def close(self) -> None:
        if self._on_close:
            self._on_close()
            self._on_close = None
