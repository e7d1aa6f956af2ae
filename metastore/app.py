"""Assembly: config → store → service → Thrift server."""
from __future__ import annotations

from .config import MetastoreConfig
from .service import CatalogService
from .store import open_store


def build_service(db_url: str, warehouse: str) -> CatalogService:
    """Open the store (refusing an outdated schema) and make sure `default` exists."""
    service = CatalogService(open_store(db_url), warehouse)
    service.ensure_default_database()
    return service


def build_server(config: MetastoreConfig):
    from .thrift.server import MetastoreServer

    config = config.resolved()
    service = build_service(config.db_url, config.warehouse)
    return MetastoreServer(service, host=config.host, port=config.port, framed=config.framed)
