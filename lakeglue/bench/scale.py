"""Scale runs: one table with many partitions, and one database with many tables.

Partitions (per size P): add P partitions in batches (partitions/s over the whole load), then
time a pruned get_partitions_by_filter selecting ~1% (the same filter each time, as a planner
repeats it; and `.distinct`: another 1% window each time, so no answer is reused) and
get_partition_names of all P (median of the repetitions), then drop the table (seconds).
Tables (per size T): create T tables one call each (tables/s), time get_all_tables (median),
then drop the database with cascade (seconds).
"""
from __future__ import annotations

import time
from typing import Callable, Dict, List

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
        t0 = time.perf_counter()
        for lo in range(0, total, batch):
            s.add_partitions(table, lo, min(batch, total - lo), batch=batch)
            done = min(total, lo + batch)
            if done % max(batch, total // 10) == 0 or done == total:
                progress(f"{done:,}/{total:,} partitions, {done / (time.perf_counter() - t0):,.0f}/s")
        elapsed = time.perf_counter() - t0
        rows[f"addPartitions.rate.{total}"] = {"value": total / elapsed, "unit": "partitions/s",
                                               "batch": batch, "seconds": elapsed}
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
    return rows


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
