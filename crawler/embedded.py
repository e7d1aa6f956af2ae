"""The crawler daemon inside `lakeglue serve`, next to the metastore and the job runner.

`start_with_jobrunner(args, metastore_uri)` is what `lakeglue serve` starts next to the
metastore: the job runner (jobrunner.cli.start_embedded), then the crawler daemon wired to
the runner's triggers in this process:

- a crawler run's end calls `Orchestrator.notify_crawler_finished` (conditions such as
  "crawler X SUCCEEDED"), also for runs started elsewhere (`lakeglue crawler start`), which
  the daemon picks up from the database (crawler.service) — so the runner's scheduler does
  not poll for them (`Orchestrator.poll_crawler_ends`);
- a trigger's crawler action, or a resumed workflow's crawler node, starts the crawler
  through `Orchestrator.crawler_starter`, and StopWorkflowRun stops its crawls through
  `Orchestrator.crawler_stopper` (replacing the runner's own crawls, jobrunner.crawlers).

A daemon that fails to start is reported and the other services keep serving.
"""
from __future__ import annotations

import argparse
import sys
import threading
from typing import Callable, Optional


def add_serve_args(p: argparse.ArgumentParser) -> None:
    """Options `lakeglue serve` gets for its embedded crawler daemon."""
    p.add_argument("--no-crawler", action="store_true", help="do not run the crawler daemon")
    p.add_argument("--crawler-max-concurrent", type=int, default=2, help="crawls at a time (default 2)")


def wire(service, orchestrator) -> None:
    """Connect a CrawlerService and a job runner Orchestrator of this process."""
    def on_finished(run) -> None:
        orchestrator.notify_crawler_finished(run.crawler_name, run.state, run.workflow_run_id)

    service.add_listener(on_finished)
    orchestrator.crawler_starter = service.start_for_trigger
    orchestrator.crawler_stopper = service.stop
    orchestrator.poll_crawler_ends = False


def start_embedded(args, metastore_uri: str, orchestrator=None) -> Optional[Callable[[], None]]:
    """Start the crawler daemon on the catalog database of `args.db_url`; returns a function
    that stops it (None when it is switched off or could not start)."""
    if getattr(args, "no_crawler", False):
        return None
    from metastore.config import default_db_url

    from .service import CrawlerService
    from .store import CrawlerStore

    url = args.db_url or default_db_url()
    try:
        store = CrawlerStore.open(url)
    except Exception as e:
        print(f"lakeglue: the crawler daemon did not start: {e} (the other services keep serving)",
              file=sys.stderr, flush=True)
        return None
    service = CrawlerService(store, url, warehouse=getattr(args, "warehouse", None) or "",
                             max_concurrent=getattr(args, "crawler_max_concurrent", 2))
    if orchestrator is not None:
        wire(service, orchestrator)
    stop = threading.Event()
    thread = threading.Thread(target=service.serve, args=(stop,), name="crawler-daemon", daemon=True)
    thread.start()
    scheduled = sum(1 for c in store.list() if c.schedule)
    print(f"lakeglue crawler daemon running: {scheduled} scheduled crawler(s)"
          + (", wired to the job runner's triggers" if orchestrator is not None else ""), flush=True)

    def stop_daemon() -> None:
        stop.set()
        thread.join(timeout=30)
        service.close()
        store.close()

    return stop_daemon


def start_with_jobrunner(args, metastore_uri: str) -> Optional[Callable[[], None]]:
    """For `lakeglue serve`: the job runner, then the crawler daemon wired to it."""
    from jobrunner.cli import start_embedded as start_jobrunner

    stop_runner = start_jobrunner(args, metastore_uri)
    server = getattr(args, "jobrunner_server", None)  # set by jobrunner.cli.start_embedded
    stop_crawler = start_embedded(args, metastore_uri, orchestrator=getattr(server, "orchestrator", None))

    def stop_all() -> None:
        if stop_crawler:
            stop_crawler()
        if stop_runner:
            stop_runner()

    return stop_all


__all__ = ["add_serve_args", "wire", "start_embedded", "start_with_jobrunner"]
