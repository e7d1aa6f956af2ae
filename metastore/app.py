"""Assembly: config → stores → services → Thrift server."""
from __future__ import annotations

from dataclasses import dataclass

from .config import MetastoreConfig
from .service import CatalogService
from .store import open_store
from .stats_service import StatsService
from .store.sql_events import EventLog
from .store.sql_stats import SqlStatsStore
from .store.sql_txn import TxnStore
from .txn_service import TxnService


@dataclass
class Services:
    """Everything the protocol adapters call, over one catalog database."""

    catalog: CatalogService
    txns: TxnService
    stats: StatsService
    events: EventLog

    def handler(self):
        from .thrift.handler import Handler

        return Handler(self.catalog, self.txns, self.stats, self.events)

    def close(self) -> None:
        self.catalog.store.close()


def build_services(db_url: str, warehouse: str, *, lock_timeout_s: float = 300.0) -> Services:
    """Open the store (refusing an outdated schema) and make sure `default` exists."""
    store = open_store(db_url)
    catalog = CatalogService(store, warehouse)
    catalog.ensure_default_database()
    txns = TxnService(TxnStore(store.tx, timeout_ms=int(lock_timeout_s * 1000)))
    stats = StatsService(catalog, SqlStatsStore(store))
    return Services(catalog=catalog, txns=txns, stats=stats, events=EventLog(store.tx))


def build_service(db_url: str, warehouse: str) -> CatalogService:
    return build_services(db_url, warehouse).catalog


def build_server(config: MetastoreConfig):
    from .thrift.server import MetastoreServer

    config = config.resolved()
    services = build_services(config.db_url, config.warehouse)
    return MetastoreServer(services, host=config.host, port=config.port, framed=config.framed)
