"""Throughput: N concurrent connections calling get_table for T seconds.

Each connection is its own client process (on a 2-core machine, threads in one Python
process would make the client the bottleneck); all connect and warm up, start together at a
barrier, call get_table back to back for `seconds`, and report their call count and latencies.
The result is the sum of each process's calls/elapsed, i.e. calls per second of wall clock.
"""
from __future__ import annotations

import multiprocessing as mp
import statistics
import time
from array import array
from dataclasses import dataclass
from typing import List

from .procs import collect
from .timing import percentile

WARMUP_CALLS = 20
START_TIMEOUT_S = 120


@dataclass
class Throughput:
    connections: int
    seconds: float
    calls: int
    calls_per_s: float
    median_ms: float
    p90_ms: float

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _worker(uri: str, db: str, table: str, seconds: float, barrier, results) -> None:
    """One connection: warm up, wait for the others, then call get_table until time is up."""
    from .client import Connection

    try:
        conn = Connection(uri)
        for _ in range(WARMUP_CALLS):
            conn.get_table(db, table)
        barrier.wait(START_TIMEOUT_S)
        lat = array("d")
        clock = time.perf_counter
        t0 = clock()
        deadline = t0 + seconds
        now = t0
        while now < deadline:
            conn.get_table(db, table)
            end = clock()
            lat.append(end - now)
            now = end
        conn.close()
        results.put(("ok", len(lat), now - t0, lat.tobytes()))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises
        barrier.abort()
        results.put(("error", repr(e)))


def measure_throughput(uri: str, db: str, table: str, connections: int, seconds: float) -> Throughput:
    """Run the load; raises RuntimeError if any connection failed."""
    ctx = mp.get_context("spawn")  # no inherited sockets or threads from the parent
    barrier = ctx.Barrier(connections)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(uri, db, table, seconds, barrier, results), daemon=True)
             for _ in range(connections)]
    for p in procs:
        p.start()
    outcomes = collect(procs, results, START_TIMEOUT_S + seconds + 60, "connections")
    latencies: List[float] = []
    for _, _, _, raw in outcomes:
        chunk = array("d")
        chunk.frombytes(raw)
        latencies.extend(x * 1000 for x in chunk)
    return Throughput(connections=connections, seconds=seconds, calls=sum(o[1] for o in outcomes),
                      calls_per_s=sum(o[1] / o[2] for o in outcomes),
                      median_ms=statistics.median(latencies), p90_ms=percentile(latencies, 90))
