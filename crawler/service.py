"""Running named crawlers: now (`run`), in the background (`start`), on their schedules
(`tick`, `serve`), never two runs of one crawler at once (the database guard of
crawler.store, which holds across processes), and handing each run's end to listeners
(the job runner's triggers: `Orchestrator.notify_crawler_finished`).

A run's end is handed over by the process that ran it when it has listeners; otherwise
(`lakeglue crawler start` from a shell) the run stays marked as not handed over, and the
service inside `lakeglue serve` delivers it from the database within `poll_seconds` (or a
standalone job runner's scheduler does: jobrunner.crawler_runs; runs that ended more than
`notify_max_age` seconds earlier are not delivered late). A job runner without a daemon in
its process uses this service for the crawls its triggers start (jobrunner.crawlers).

Run outcome: SUCCEEDED (unreadable files are reported in the run's errors but do not fail
it), FAILED (the crawl could not run, or some table's changes failed and were undone),
CANCELLED (`stop`, or the service closing).
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Union

from metastore.errors import CatalogError

from .model import CANCELLED, FAILED, SUCCEEDED, CrawlerConfigError, CrawlerDef, CrawlerRun
from .store import CrawlerRunning, CrawlerStore

log = logging.getLogger(__name__)

Listener = Callable[[CrawlerRun], None]


class _LeaseKeeper(threading.Thread):
    """Renews a run's lease while it runs; sets `cancel` when a stop is requested (from any
    process) or the lease was lost."""

    def __init__(self, service: "CrawlerService", run: CrawlerRun, cancel: threading.Event):
        super().__init__(name=f"crawler-lease-{run.crawler_name}", daemon=True)
        self.service, self.run_, self.cancel = service, run, cancel
        self.done = threading.Event()

    def run(self) -> None:
        s = self.service
        while not self.done.wait(s.renew_seconds):
            try:
                stop = s.store.renew(self.run_.crawler_name, self.run_.id, s.clock(), s.lease_seconds)
            except CatalogError as e:  # a database hiccup: try again at the next renewal
                log.warning("crawler %s: could not renew its lease: %s", self.run_.crawler_name, e)
                continue
            if stop is None or stop:
                self.cancel.set()


class CrawlerService:
    """Runs the named crawlers of one catalog database (see the module doc).

    `open_target(crawler) -> CatalogTarget` chooses where a crawl writes (default: the
    crawler's --metastore over Thrift, else the lakeglue catalog in `db_url`, whose
    warehouse is `warehouse` — or a function returning it, asked at the first such crawl —
    else metastore.config.default_warehouse())."""

    def __init__(self, store: CrawlerStore, db_url: str, *,
                 warehouse: Union[str, Callable[[], Optional[str]]] = "",
                 clock: Callable[[], float] = time.time, open_target: Optional[Callable[[CrawlerDef], Any]] = None,
                 max_concurrent: int = 2, lease_seconds: float = 60.0, renew_seconds: Optional[float] = None,
                 poll_seconds: float = 5.0, notify_max_age: float = 600.0):
        self.store = store
        self.db_url = db_url
        self.warehouse = warehouse
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds if renew_seconds is not None else max(0.05, lease_seconds / 4)
        self.poll_seconds = poll_seconds
        self.notify_max_age = notify_max_age
        self._open_target = open_target
        self._listeners: List[Listener] = []
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_concurrent), thread_name_prefix="crawler")
        self._cancels: Dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._services = None
        self._closed = False

    # --- listeners ---------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        """`listener(run)` is called when a run ends (in the thread that ran it)."""
        self._listeners.append(listener)

    def _notify(self, run: CrawlerRun) -> None:
        for listener in list(self._listeners):
            try:
                listener(run)
            except Exception:  # a listener's failure must not break the crawler
                log.exception("crawler %s: a listener failed on run %s", run.crawler_name, run.id)

    def deliver_pending(self) -> List[CrawlerRun]:
        """Hand listeners the ends of runs made elsewhere (see the module doc)."""
        if not self._listeners:
            return []
        runs = self.store.claim_notifications(self.clock(), self.notify_max_age)
        for run in runs:
            self._notify(run)
        return runs

    # --- running -----------------------------------------------------------------------------
    def run(self, name: str, *, started_by: str = "MANUAL", trigger_name: Optional[str] = None,
            workflow_run_id: Optional[str] = None,
            progress: Optional[Callable[[str, int, int], None]] = None) -> CrawlerRun:
        """Run a crawler now, in this thread; returns the finished run. Raises
        CrawlerNotFound, CrawlerRunning."""
        run = self.store.begin_run(name, self.clock(), self.lease_seconds, started_by=started_by,
                                   trigger_name=trigger_name, workflow_run_id=workflow_run_id)
        return self._execute(run, progress)

    def start(self, name: str, *, started_by: str = "MANUAL", trigger_name: Optional[str] = None,
              workflow_run_id: Optional[str] = None) -> CrawlerRun:
        """Start a run in the background; returns it as RUNNING (recorded before this
        returns). Raises CrawlerNotFound, CrawlerRunning, RuntimeError once closed."""
        if self._closed:
            raise RuntimeError("the crawler service is closed")
        run = self.store.begin_run(name, self.clock(), self.lease_seconds, started_by=started_by,
                                   trigger_name=trigger_name, workflow_run_id=workflow_run_id)
        with self._lock:
            self._cancels[run.id] = threading.Event()
        try:
            self._pool.submit(self._execute, run)
        except RuntimeError:
            self.store.finish_run(name, run.id, CANCELLED, self.clock(), message="the crawler service closed")
            raise
        return run

    def start_for_trigger(self, crawler_name: str, *, trigger_name: Optional[str] = None,
                          workflow_run_id: Optional[str] = None, arguments: Optional[dict] = None) -> CrawlerRun:
        """The job runner's `crawler_starter`: a trigger's action starts a crawler. Raises
        CrawlerNotFound, CrawlerRunning."""
        return self.start(crawler_name, started_by="TRIGGER", trigger_name=trigger_name,
                          workflow_run_id=workflow_run_id)

    def stop(self, name: str, run_id: Optional[str] = None) -> CrawlerRun:
        """Ask a crawler's run (only `run_id`, when given) to stop, wherever it runs. Raises
        CrawlerNotFound, LookupError."""
        run = self.store.request_stop(name, run_id)
        with self._lock:
            event = self._cancels.get(run.id)
        if event is not None:
            event.set()
        return run

    def _target(self, crawler: CrawlerDef):
        if self._open_target is not None:
            return self._open_target(crawler)
        if crawler.metastore_uri:
            from .targets.thrift import ThriftTarget

            return ThriftTarget(crawler.metastore_uri)
        from .targets.service import ServiceTarget

        with self._lock:
            if self._services is None:
                from metastore.app import build_services
                from metastore.config import default_warehouse

                warehouse = self.warehouse() if callable(self.warehouse) else self.warehouse
                self._services = build_services(self.db_url, warehouse or default_warehouse())
            return ServiceTarget(self._services.catalog)

    def _execute(self, run: CrawlerRun, progress=None) -> CrawlerRun:
        from .runner import CrawlCancelled, CrawlError, Crawler

        with self._lock:
            cancel = self._cancels.setdefault(run.id, threading.Event())
        keeper = _LeaseKeeper(self, run, cancel)
        keeper.start()
        state, metrics, errors, message = FAILED, {}, [], ""
        try:
            crawler = self.store.get(run.crawler_name)
            config = crawler.crawl_config()
            target = self._target(crawler)
            try:
                report = Crawler(config, target, manifests=self.store.manifest_store(), progress=progress,
                                 cancel=cancel).run()
            finally:
                target.close()
            metrics = report.metrics()
            errors = [f"{path}: {err}" for path, err in report.errors]
            message = report.summary()
            if report.cancelled:
                state = CANCELLED
            elif report.tables_failed:
                state = FAILED
                message = f"{report.tables_failed} table change(s) failed and were undone\n{message}"
            else:
                state = SUCCEEDED
        except CrawlCancelled as e:
            state, message = CANCELLED, str(e)
        except (CrawlError, CrawlerConfigError, CatalogError) as e:
            state, message = FAILED, str(e)
        except Exception as e:  # a failed run is recorded; the service goes on
            log.exception("crawler %s failed", run.crawler_name)
            state, message = FAILED, f"unexpected {type(e).__name__}: {e}"
        finally:
            keeper.done.set()
            with self._lock:
                self._cancels.pop(run.id, None)
        notify = bool(self._listeners)
        try:
            finished = self.store.finish_run(run.crawler_name, run.id, state, self.clock(), metrics=metrics,
                                             errors=errors, message=message, notified=notify)
        except CatalogError:
            log.exception("crawler %s: could not record the end of run %s", run.crawler_name, run.id)
            raise
        log.info("crawler %s run %s %s", run.crawler_name, run.id, state)
        if notify:
            self._notify(finished)
        return finished

    # --- schedules ---------------------------------------------------------------------------
    def tick(self, now: Optional[float] = None) -> List[CrawlerRun]:
        """Start the crawlers whose scheduled time has come (a crawler still running from
        before is skipped for this time). Returns the runs started."""
        now = self.clock() if now is None else now
        started: List[CrawlerRun] = []
        for crawler in self.store.due(now):
            if not self.store.claim_schedule(crawler, now):
                continue  # another daemon took this one
            try:
                started.append(self.start(crawler.name, started_by="SCHEDULE"))
            except CrawlerRunning as e:
                log.warning("%s; skipping its scheduled run", e)
            except LookupError:
                continue
        return started

    def serve(self, stop: threading.Event) -> None:
        """Start due crawlers and deliver run ends until `stop` is set."""
        while not stop.is_set():
            try:
                self.tick()
                self.deliver_pending()
            except CatalogError as e:
                log.warning("crawler scheduler: %s", e)
            try:
                nxt = self.store.next_due()
            except CatalogError:
                nxt = None
            wait = self.poll_seconds if nxt is None else min(self.poll_seconds, max(0.05, nxt - self.clock()))
            stop.wait(wait)

    def close(self) -> None:
        """Stop starting runs, ask running ones to stop (each stops before its next batch of
        files or its next table), and wait for them."""
        self._closed = True
        with self._lock:
            for event in self._cancels.values():
                event.set()
        self._pool.shutdown(wait=True, cancel_futures=False)
        if self._services is not None:
            self._services.close()
            self._services = None


__all__ = ["CrawlerService"]
