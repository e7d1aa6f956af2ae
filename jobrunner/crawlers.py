"""A job runner's own crawls: crawlers started by its triggers and workflows when no crawler
daemon runs in its process (a standalone `lakeglue jobrunner serve`).

`RunnerCrawlers.attach(orchestrator)` makes it the orchestrator's `crawler_starter` and
`crawler_stopper`. On the first crawler to start it builds, on the runner's database, a
crawler.service.CrawlerService of its own — without the daemon's schedule loop: scheduled
crawlers stay the crawler daemon's business — and runs each crawl on one of its worker
threads. The crawler's run guard in the database (a lease on the crawler's row) keeps two
runs of one crawler apart, also across processes: a crawler already running elsewhere is
not started again (the trigger logs it; a workflow run records it as its error). A run's
end is handed to the orchestrator by the thread that ran it, like the embedded daemon of
`lakeglue serve` does (crawler.embedded.wire, which replaces this hook there).

Crawls write where the crawler says: its own `--metastore` over Thrift, else the lakeglue
catalog in the runner's database (as in `lakeglue serve`), whose warehouse is the one the
runner gives Spark jobs (`--warehouse`, else asked from `--metastore`, else the default).
(`open_target` overrides that choice, as in CrawlerService.) A database without the
crawler's tables has no crawlers to start. Closing the runner cancels its crawls in
progress (they end CANCELLED) and waits for them.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Optional, Union

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


class RunnerCrawlers:
    def __init__(self, engine: Engine, db_url: str, *, clock: Callable[[], float],
                 warehouse: Union[str, Callable[[], Optional[str]]] = "", max_concurrent: int = 2,
                 open_target: Optional[Callable[[Any], Any]] = None):
        self.engine, self.db_url, self.clock = engine, db_url, clock
        self.warehouse, self.max_concurrent, self.open_target = warehouse, max_concurrent, open_target
        self._orchestrator = None
        self._service = None
        self._lock = threading.Lock()
        self._closed = False

    def attach(self, orchestrator) -> "RunnerCrawlers":
        self._orchestrator = orchestrator
        orchestrator.crawler_starter = self.start_for_trigger
        orchestrator.crawler_stopper = self.stop
        return self

    def _crawler_service(self):
        """The crawler service, built on first use. Raises CrawlerNotFound when the database
        has no crawlers, SchemaOutdated, RuntimeError once closed."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner is closing")
            if self._service is None:
                from crawler import migrations
                from crawler.service import CrawlerService
                from crawler.store import CrawlerNotFound, CrawlerStore

                if not inspect(self.engine).has_table("cr_crawlers"):
                    raise CrawlerNotFound("this database has no crawlers (lakeglue crawler create …)")
                migrations.check(self.engine)
                service = CrawlerService(CrawlerStore(self.engine), self.db_url, warehouse=self.warehouse,
                                         clock=self.clock, max_concurrent=self.max_concurrent,
                                         open_target=self.open_target)
                service.add_listener(self._finished)
                self._service = service
            return self._service

    def _finished(self, run) -> None:
        if self._orchestrator is not None:
            self._orchestrator.notify_crawler_finished(run.crawler_name, run.state, run.workflow_run_id)

    def start_for_trigger(self, crawler_name: str, *, trigger_name: Optional[str] = None,
                          workflow_run_id: Optional[str] = None, arguments: Optional[dict] = None):
        """Start a crawl in the background; returns its run (RUNNING). Raises
        CrawlerNotFound, CrawlerRunning."""
        return self._crawler_service().start_for_trigger(crawler_name, trigger_name=trigger_name,
                                                          workflow_run_id=workflow_run_id, arguments=arguments)

    def stop(self, crawler_name: str, run_id: str):
        """Ask a crawler run to stop: at once when it runs here, else at its process's next
        lease renewal. Raises CrawlerNotFound, LookupError."""
        return self._crawler_service().stop(crawler_name, run_id)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            service, self._service = self._service, None
        if service is not None:
            service.close()


__all__ = ["RunnerCrawlers"]
