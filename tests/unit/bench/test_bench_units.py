"""The benchmark's pure parts: statistics, op selection and the side-by-side table."""
from __future__ import annotations

import pytest

from lakeglue.bench import objects, ops, report
from lakeglue.bench.targets import parse_endpoint, parse_targets
from lakeglue.bench.timing import Case, measure, percentile


def test_percentile_nearest_rank():
    assert percentile([5, 1, 4, 2, 3], 90) == 5
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile([7.0], 90) == 7.0


class _Recorder(Case):
    def __init__(self):
        self.calls = []

    def prepare(self):
        self.calls.append("prepare")

    def setup(self, i):
        self.calls.append(f"setup{i}")

    def run(self, i):
        self.calls.append(f"run{i}")

    def teardown(self, i):
        self.calls.append(f"teardown{i}")

    def cleanup(self):
        self.calls.append("cleanup")


def test_measure_discards_warmup_and_brackets_each_run():
    case = _Recorder()
    stats = measure(case, reps=2, warmup=1)
    assert len(stats.samples_ms) == 2 and all(s >= 0 for s in stats.samples_ms)
    assert case.calls == ["prepare", "setup0", "run0", "teardown0", "setup1", "run1", "teardown1",
                          "setup2", "run2", "teardown2", "cleanup"]


def test_select_and_plan():
    assert [o.name for o in ops.select(None)] == [o.name for o in ops.OPS]
    assert [o.name for o in ops.select(["gettable", "getPartitions"])] == ["getTable", "getPartitions"]
    with pytest.raises(ValueError, match="nope"):
        ops.select(["nope"])
    labels = [label for _, _, label in ops.plan(ops.select(["getTable", "getPartitions"]), [10, 1000])]
    assert labels == ["getTable", "getPartitions.10", "getPartitions.1000"]


def test_share_filter_selects_one_percent():
    flt, n = objects.share_filter(100_000)
    assert n == 1000 and flt == "d >= '0000000' and d < '0001000'"
    assert objects.share_filter(10)[1] == 1


def test_targets():
    assert [t.kind for t in parse_targets(["lakeglue-sqlite", "reference-derby"])] == ["lakeglue", "reference"]
    with pytest.raises(ValueError):
        parse_targets(["mysql"])
    ep = parse_endpoint("reference-prod=thrift://hms:9083")
    assert (ep.name, ep.kind, ep.uri) == ("reference-prod", "reference", "thrift://hms:9083")
    assert parse_endpoint("thrift://h:1").kind == "endpoint"
    with pytest.raises(ValueError):
        parse_endpoint("http://h:1")


def _doc():
    def st(ms):
        return {"median_ms": ms, "p90_ms": ms}
    return {
        "date": "2026-11-21", "command": "lakeglue bench", "errors": {},
        "machine": {"hostname": "h", "cpus": 2, "platform": "p", "python": "3.11",
                    "loadavg_start": [1, 1, 1], "loadavg_end": [1, 1, 1]},
        "settings": {"ops": ["getTable", "getPartitions"], "sizes": [1000], "reps": 3, "warmup": 1,
                     "throughput_connections": 8, "throughput_seconds": 10},
        "targets": {"lakeglue-sqlite": {"kind": "lakeglue", "backend": "sqlite", "uri": "thrift://x:1"},
                    "reference-derby": {"kind": "reference", "backend": "derby", "uri": "thrift://x:2"},
                    "reference-postgres": {"kind": "reference", "backend": "postgres", "uri": "thrift://x:3"}},
        "results": {"lakeglue-sqlite": {"getTable": st(0.5), "getPartitions.1000": st(300.0)},
                    "reference-derby": {"getTable": st(4.0), "getPartitions.1000": st(200.0)},
                    "reference-postgres": {"getTable": st(2.0), "getPartitions.1000": st(250.0)}},
        "throughput": {"lakeglue-sqlite": {"calls_per_s": 3000.0}, "reference-derby": {"calls_per_s": 1000.0},
                       "reference-postgres": {"calls_per_s": 500.0}},
        "scale": {},
    }


def test_report_ratios_against_the_best_reference():
    lines = {row.split("|")[1].strip(): [c.strip() for c in row.split("|")[2:-1]]
             for row in report.render(_doc()).splitlines() if row.startswith("| ")}
    assert lines["getTable"] == ["0.500", "4.00", "2.00", "4.00× *"]  # best reference 2 ms: 4×, short of 5×
    assert lines["getPartitions.1000"] == ["300", "200", "250", "0.66× SLOWER"]
    tp = next(k for k in lines if k.startswith("getTable throughput"))
    assert lines[tp] == ["3,000", "1,000", "500", "3.00×"]
