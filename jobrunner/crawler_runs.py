"""Ends of crawler runs, read from the catalog database, for CONDITIONAL triggers.

The crawler records its runs in the same database (crawler tables `cr_*`). A run whose end
was handed to a job runner in its own process (inside `lakeglue serve`) is marked
`notified_on`; the others — `lakeglue crawler start`, `lakeglue crawler daemon` — are
claimed here through the crawler's own CrawlerStore.claim_notifications (marked, so each
end is delivered once) and handed to `Orchestrator.notify_crawler_finished` by the runner
holding the scheduler lease. Runs that ended more than `max_age` seconds before are not
delivered late. A database without the crawler's tables has nothing to deliver.
"""
from __future__ import annotations

import logging
from typing import Callable, List

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


class CrawlerRunFeed:
    def __init__(self, engine: Engine, clock: Callable[[], float], *, max_age: float = 600.0):
        self.engine, self.clock, self.max_age = engine, clock, max_age
        self._store = None

    def _crawler_store(self):
        if self._store is None:
            if not inspect(self.engine).has_table("cr_runs"):
                return None  # no crawler has been used with this database (yet)
            from crawler.store import CrawlerStore

            self._store = CrawlerStore(self.engine)  # same engine; the crawler owns the schema
        return self._store

    def claim(self) -> List:
        """Finished crawler runs (crawler.model.CrawlerRun) no one has handed over yet."""
        store = self._crawler_store()
        if store is None:
            return []
        return store.claim_notifications(self.clock(), self.max_age)
