"""Crawler runs as the job runner sees them in the catalog database: the ends of runs for
CONDITIONAL triggers, the crawls of a workflow run, and stop requests.

The crawler records its runs in the same database (crawler tables `cr_*`), through its own
CrawlerStore, which this class uses on the runner's engine. A run whose end was handed to
a job runner in its own process (a crawler service wired to it: crawler.embedded inside
`lakeglue serve`, jobrunner.crawlers in a standalone runner) is marked `notified_on`; the
others — `lakeglue crawler start`, `lakeglue crawler daemon` — are claimed here through
CrawlerStore.claim_notifications (marked atomically, so each end is delivered once even by
runners claiming at the same time) and handed to `Orchestrator.notify_crawler_finished` by
the runner holding the scheduler lease. Runs that ended more than `max_age` seconds before
are not delivered late (the crawler's store logs each one it drops). A database without the
crawler's tables has no crawler runs.
"""
from __future__ import annotations

import logging
from typing import Callable, List

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


class CrawlerRuns:
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

    def of_workflow_run(self, workflow_run_id: str) -> List:
        """The crawler runs started inside a workflow run, oldest first."""
        store = self._crawler_store()
        return [] if store is None else store.workflow_runs(workflow_run_id)

    def unfinished(self, workflow_run_id: str) -> int:
        """How many crawler runs of a workflow run are still going."""
        store = self._crawler_store()
        return 0 if store is None else store.unfinished_runs(workflow_run_id)

    def request_stop(self, crawler_name: str, run_id: str) -> None:
        """Ask a crawler run to stop, wherever it runs (its process notices at its next lease
        renewal). Raises LookupError when it is not running."""
        store = self._crawler_store()
        if store is None:
            raise LookupError(f"no crawler run {run_id}")
        store.request_stop(crawler_name, run_id)
