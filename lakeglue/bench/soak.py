"""Soak: a mixed load for a long while, sampling the server's resident memory.

N client processes each own a small partitioned table and loop over what engines do all day:
get_table, get_partitions, get_partitions_by_filter, get_partition_names, add then drop a few
partitions, alter the table, create and drop a table, list tables. Meanwhile the parent samples
the RSS of the server process and every process under it (worker processes of
`lakeglue metastore serve`) from /proc. The first `WARMUP_SHARE` of the run is warm-up
(caches fill, pools open); memory is judged against the level reached then.

Rows: calls/s, RSS after warm-up / at the end / at most (MB), and the drift from the
after-warm-up level to the end and to the maximum (%). The target is ±10%.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import time
from typing import Callable, Dict, List, Optional

from . import objects
from .procs import collect

WARMUP_SHARE = 0.2
START_TIMEOUT_S = 120
PARTITIONS_PER_TABLE = 100


def _descendants(pid: int) -> List[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return out


def rss_bytes(pid: int) -> Optional[int]:
    """Resident memory of `pid` and all its descendants (None if it is gone)."""
    total, seen = 0, False
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        seen = True
                        break
        except OSError:
            continue
    return total if seen else None


def _worker(uri: str, db: str, k: int, seconds: float, barrier, results) -> None:
    from .client import Connection

    try:
        conn = Connection(uri, lean=True)
        table = f"soak_{k}"
        try:
            conn.drop_table(db, table, True)
        except Exception:  # noqa: BLE001 - not there
            pass
        conn.create_table(objects.table(db, table))
        conn.add_partitions(objects.partitions(db, table, 0, PARTITIONS_PER_TABLE))
        flt, _ = objects.share_filter(PARTITIONS_PER_TABLE, 0.1)
        barrier.wait(START_TIMEOUT_S)
        from hive_metastore import ttypes as tt

        calls, i = 0, 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            i += 1
            t = conn.get_table(db, table)
            conn.get_partitions(db, table, -1)
            conn.get_partitions_by_filter(db, table, flt, -1)
            conn.get_partition_names(db, table, -1)
            lo = PARTITIONS_PER_TABLE + (i % 50) * 5
            conn.add_partitions(objects.partitions(db, table, lo, 5))
            conn.drop_partitions_req(tt.DropPartitionsRequest(
                dbName=db, tblName=table, parts=tt.RequestPartsSpec(names=list(objects.part_names(lo, 5))),
                deleteData=True, needResult=False))
            t.parameters = dict(t.parameters or {}, soak_round=str(i))
            conn.alter_table(db, table, t)
            scratch = f"soak_{k}_scratch"
            conn.create_table(objects.table(db, scratch, partitioned=False))
            conn.drop_table(db, scratch, True)
            conn.get_all_tables(db)
            calls += 10
        conn.drop_table(db, table, True)
        conn.close()
        results.put(("ok", calls))
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        barrier.abort()
        results.put(("error", repr(e)))


def run_soak(uri: str, db: str, pid: int, seconds: float, connections: int, sample_every: float = 2.0,
             progress: Callable[[str], None] = lambda m: None) -> Dict[str, dict]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(connections + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(uri, db, k, seconds, barrier, results), daemon=True)
             for k in range(connections)]
    for p in procs:
        p.start()
    samples: List[tuple] = []
    outcomes: List[tuple] = []
    try:
        barrier.wait(START_TIMEOUT_S)  # broken by a failing worker: `collect` names its error
        t0 = time.monotonic()
        next_report = t0 + 60
        while time.monotonic() - t0 < seconds:
            rss = rss_bytes(pid)
            if rss is None:
                raise RuntimeError(f"server process {pid} is gone")
            samples.append((time.monotonic() - t0, rss))
            if time.monotonic() >= next_report:
                progress(f"{samples[-1][0]:.0f} s, RSS {rss / 2**20:.1f} MB")
                next_report += 60
            time.sleep(sample_every)
        samples.append((time.monotonic() - t0, rss_bytes(pid) or samples[-1][1]))
    finally:
        outcomes = collect(procs, results, START_TIMEOUT_S, "soak connections")
    return summarize(samples, seconds, sum(o[1] for o in outcomes))


def summarize(samples: List[tuple], seconds: float, calls: int) -> Dict[str, dict]:
    """Rows from (elapsed s, RSS bytes) samples taken over a run of `seconds`."""
    after = [r for t, r in samples if t >= WARMUP_SHARE * seconds] or [samples[-1][1]]
    base, end, top = after[0], after[-1], max(after)
    mb = 2 ** 20
    return {
        "calls_per_s": {"value": calls / seconds, "unit": "calls/s"},
        "rss_after_warmup": {"value": base / mb, "unit": "MB"},
        "rss_end": {"value": end / mb, "unit": "MB"},
        "rss_max": {"value": top / mb, "unit": "MB"},
        "rss_drift_end": {"value": (end - base) / base * 100, "unit": "%"},
        "rss_drift_max": {"value": (top - base) / base * 100, "unit": "%"},
    }
