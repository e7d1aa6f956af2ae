"""Scale runs: one table with many partitions, and one database with many tables.

Partitions (per size P): add P partitions in batches to a managed table (partitions/s: P over
the time spent in the add_partitions calls — building the request objects in Python is the
client's cost, not the server's, and is left out; `wall` includes it), then time a pruned
get_partitions_by_filter selecting ~1% (the same filter each time, as a planner repeats it;
and `.distinct`: another 1% window each time, so no answer is reused) and
get_partition_names of all P (median of the repetitions), then drop the table (seconds).
`addPartitions.rate.external`: the same adds to an external table, each partition at its own
location, which already holds data (as when a crawler registers a lake): the client makes all
those directories before the first call, outside the timing. A server makes a partition's
directory if it is missing (one mkdir each, which on some disks is most of the cost of a
managed add); here it only finds that it exists.
Tables (per size T): create T tables one call each (tables/s), time get_all_tables (median),
then drop the database with cascade (seconds).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from typing import Callable, Dict, List, Optional

from . import objects
from .session import Session, expect, quietly
from .timing import Case, measure


class _Call(Case):
    def __init__(self, fn: Callable[[int], None]):
        self.fn = fn

    def run(self, i):
        self.fn(i)


def _seconds(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def scale_partitions(s: Session, total: int, batch: int, reps: int, warmup: int,
                     progress: Callable[[str], None] = lambda m: None) -> Dict[str, dict]:
    """Rows keyed `<metric>.<total>` (addPartitions.rate, getPartitionsByFilter.1pct,
    getPartitionNames, dropTableWithPartitions): {"value", "unit", …} (+ the timing stats)."""
    table = f"scale_{total}"
    s.drop_table(table)
    s.create_table(table)
    rows: Dict[str, dict] = {}
    try:
        rows[f"addPartitions.rate.{total}"] = _add_rate(s, table, total, batch, None, progress)
        flt, expected = objects.share_filter(total)

        def by_filter(i):
            expect("partitions", len(s.conn.get_partitions_by_filter(s.db, table, flt, -1)), expected)

        windows = max(1, total // expected - 1)

        def by_new_filter(i):  # another 1% window each time: nothing of this query is cached
            f = objects.window_filter(expected * (1 + i % windows), expected)
            expect("partitions", len(s.conn.get_partitions_by_filter(s.db, table, f, -1)), expected)

        def names(i):
            expect("names", len(s.conn.get_partition_names(s.db, table, -1)), total)

        for key, fn in ((f"getPartitionsByFilter.1pct.{total}", by_filter),
                        (f"getPartitionsByFilter.1pct.distinct.{total}", by_new_filter),
                        (f"getPartitionNames.{total}", names)):
            st = measure(_Call(fn), reps, warmup)
            rows[key] = {"value": st.median_ms, "unit": "ms", **st.to_json()}
            progress(f"{key}: {st.median_ms:,.1f} ms")
        secs = _seconds(lambda: s.conn.drop_table(s.db, table, True))
        rows[f"dropTableWithPartitions.{total}"] = {"value": secs * 1000, "unit": "ms"}
    finally:
        quietly(s.drop_table, table)
    external = f"scale_external_{total}"
    root = tempfile.mkdtemp(prefix="lakeglue-bench-external-")
    try:
        s.drop_table(external)
        s.conn.create_table(objects.external_table(s.db, external, f"file://{root}"))
        rows[f"addPartitions.rate.external.{total}"] = _add_rate(s, external, total, batch, root, progress)
    finally:
        quietly(s.drop_table, external)
        shutil.rmtree(root, ignore_errors=True)
    return rows


def _add_rate(s: Session, table: str, total: int, batch: int, data_root: Optional[str],
              progress: Callable[[str], None]) -> dict:
    """Add `total` partitions to `table` in calls of `batch`; partitions/s over the calls.
    `data_root`: a local directory; each partition is at <data_root>/d=<value>, made first."""
    root = None
    if data_root is not None:  # the lake exists before the crawl registers it
        progress(f"{table}: making {total:,} data directories first")
        for i in range(total):
            os.mkdir(os.path.join(data_root, objects.part_name(i)))
        os.sync()  # (or the first commits would wait for their journal)
        root = f"file://{data_root}"
    in_calls = 0.0
    t0 = time.perf_counter()
    for lo in range(0, total, batch):
        count = min(batch, total - lo)
        parts = objects.partitions(s.db, table, lo, count, root)
        c0 = time.perf_counter()
        s.conn.add_partitions(parts)
        in_calls += time.perf_counter() - c0
        done = min(total, lo + batch)
        if done % max(batch, total // 10) == 0 or done == total:
            progress(f"{table}: {done:,}/{total:,} partitions, {done / in_calls:,.0f}/s")
    wall = time.perf_counter() - t0
    return {"value": total / in_calls, "unit": "partitions/s", "batch": batch, "seconds": in_calls,
            "wall": total / wall, "seconds_wall": wall}


def scale_tables(s: Session, total: int, reps: int, warmup: int,
                 progress: Callable[[str], None] = lambda m: None) -> Dict[str, dict]:
    """Rows keyed `<metric>.<total>` (createTable.rate, listTables, dropDatabase), as
    scale_partitions."""
    db = s.create_database(f"{s.db}_scale_tables")
    rows: Dict[str, dict] = {}
    try:
        t0 = time.perf_counter()
        for k in range(total):
            s.conn.create_table(objects.table(db, f"t_{k}", partitioned=False))
            if (k + 1) % max(1, total // 10) == 0:
                progress(f"{k + 1:,}/{total:,} tables, {(k + 1) / (time.perf_counter() - t0):,.0f}/s")
        elapsed = time.perf_counter() - t0
        rows[f"createTable.rate.{total}"] = {"value": total / elapsed, "unit": "tables/s", "seconds": elapsed}

        def list_tables(i):
            expect("tables", len(s.conn.get_all_tables(db)), total)

        st = measure(_Call(list_tables), reps, warmup)
        rows[f"listTables.{total}"] = {"value": st.median_ms, "unit": "ms", **st.to_json()}
        progress(f"listTables.{total}: {st.median_ms:,.1f} ms")
        secs = _seconds(lambda: s.conn.drop_database(db, True, True))
        rows[f"dropDatabase.{total}"] = {"value": secs * 1000, "unit": "ms"}
    finally:
        quietly(s.drop_database, db)
    return rows


def run_scale(s: Session, partitions: List[int], tables: List[int], batch: int, reps: int, warmup: int,
              progress: Callable[[str], None] = lambda m: None) -> Dict[str, dict]:
    rows: Dict[str, dict] = {}
    for total in partitions:
        rows.update(scale_partitions(s, total, batch, reps, warmup, progress))
    for total in tables:
        rows.update(scale_tables(s, total, reps, warmup, progress))
    return rows
