"""Timing a benchmark case: warm-up, repetitions, median and p90.

A case's `setup(i)` and `teardown(i)` run around every repetition outside the timed region;
only `run(i)` is timed (wall clock, `perf_counter_ns`). The first `warmup` repetitions are
run the same way and discarded.
"""
from __future__ import annotations

import abc
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import List


@dataclass
class Stats:
    """Samples in milliseconds and their summary."""

    samples_ms: List[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p90_ms(self) -> float:
        return percentile(self.samples_ms, 90)

    def to_json(self) -> dict:
        s = self.samples_ms
        return {"median_ms": self.median_ms, "p90_ms": self.p90_ms, "min_ms": min(s), "max_ms": max(s),
                "mean_ms": statistics.fmean(s), "reps": len(s), "samples_ms": list(s)}


def percentile(samples: List[float], pct: float) -> float:
    """Nearest-rank percentile (p90 of 10 samples is the 9th smallest)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class Case(abc.ABC):
    """One benchmark case. Subclasses define `run` and override what else they need (the
    other methods default to no-ops).

    `prepare()` runs once before the repetitions and `cleanup()` once after (also after a
    failure); `setup(i)`, `run(i)` and `teardown(i)` run for repetition i = 0, 1, …
    (warm-up included), and only `run(i)` is timed.
    """

    def prepare(self) -> None:
        pass

    def setup(self, i: int) -> None:
        pass

    @abc.abstractmethod
    def run(self, i: int) -> None:
        """The timed call."""

    def teardown(self, i: int) -> None:
        pass

    def cleanup(self) -> None:
        pass


def measure(case: Case, reps: int, warmup: int) -> Stats:
    """Run `case` warmup + reps times; the timings of the last `reps` runs."""
    stats = Stats()
    case.prepare()
    try:
        for i in range(warmup + reps):
            case.setup(i)
            t0 = time.perf_counter_ns()
            case.run(i)
            elapsed = time.perf_counter_ns() - t0
            case.teardown(i)
            if i >= warmup:
                stats.samples_ms.append(elapsed / 1e6)
    finally:
        case.cleanup()
    return stats

