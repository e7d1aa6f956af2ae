"""Catalog targets of a crawl: lakeglue's own catalog in-process, or a metastore over
Thrift. `open_target` picks one from command-line style settings; the Thrift adapter is
imported only when asked for."""
from __future__ import annotations

from typing import Optional

from .base import CatalogTarget


def open_target(metastore_uri: Optional[str] = None, db_url: Optional[str] = None,
                warehouse: str = "") -> CatalogTarget:
    """A ThriftTarget for `metastore_uri`, else a ServiceTarget on `db_url` (default: the
    embedded catalog database). Raises CatalogError when the catalog cannot be opened."""
    if metastore_uri:
        from .thrift import ThriftTarget

        return ThriftTarget(metastore_uri)
    from metastore.config import default_db_url

    from .service import ServiceTarget

    return ServiceTarget.open(db_url or default_db_url(), warehouse)


__all__ = ["CatalogTarget", "open_target"]
