"""Handing crawler-run ends over to the job runner's triggers: each end is claimed by one
caller only, even when several processes (here: stores with their own engines) claim at the
same moment on PostgreSQL; ends too old to deliver are dropped with a warning."""
from __future__ import annotations

import logging
import threading
import time

from crawler.model import CrawlerDef
from crawler.store import CrawlerStore

CRAWLERS = 6


def _finish_runs(store: CrawlerStore, now: float) -> set:
    ids = set()
    for i in range(CRAWLERS):
        run = store.begin_run(f"c{i}", now, 60.0)
        ids.add(store.finish_run(f"c{i}", run.id, "SUCCEEDED", now, message="done").id)
    return ids


def test_two_claimers_never_get_the_same_run_end(db_url, tmp_path):
    first, second = CrawlerStore.open(db_url), CrawlerStore.open(db_url)  # e.g. two runners' schedulers
    try:
        for i in range(CRAWLERS):
            first.create(CrawlerDef(name=f"c{i}", paths=(str(tmp_path),), database="lake"), time.time())
        for _ in range(15):
            ended = _finish_runs(first, time.time())
            barrier = threading.Barrier(2)
            got = {}

            def claim(store, key):
                barrier.wait()
                got[key] = [r.id for r in store.claim_notifications(time.time(), 600.0)]

            threads = [threading.Thread(target=claim, args=(s, k)) for k, s in (("a", first), ("b", second))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            a, b = got["a"], got["b"]
            assert not set(a) & set(b), "one end was claimed twice"
            assert len(a) == len(set(a)) and len(b) == len(set(b))
            assert set(a) | set(b) == ended                      # and none was lost
            assert first.claim_notifications(time.time(), 600.0) == []
    finally:
        first.close()
        second.close()


def test_ends_too_old_to_deliver_are_dropped_with_a_warning(db_url, tmp_path, caplog):
    store = CrawlerStore.open(db_url)
    try:
        store.create(CrawlerDef(name="old", paths=(str(tmp_path),), database="lake"), time.time())
        store.create(CrawlerDef(name="new", paths=(str(tmp_path),), database="lake"), time.time())
        now = time.time()
        old = store.begin_run("old", now - 3600, 60.0)
        store.finish_run("old", old.id, "FAILED", now - 3000, message="long ago")
        new = store.begin_run("new", now - 5, 60.0)
        store.finish_run("new", new.id, "SUCCEEDED", now - 1)
        with caplog.at_level(logging.WARNING, logger="crawler.store"):
            claimed = store.claim_notifications(now, 600.0)
        assert [r.id for r in claimed] == [new.id]
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and old.id in warnings[0] and "old" in warnings[0]
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="crawler.store"):
            assert store.claim_notifications(now + 1, 600.0) == []
        assert not caplog.records                                   # dropped once, warned once
    finally:
        store.close()
