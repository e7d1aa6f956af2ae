"""`lakeglue bench` end to end at tiny sizes: it starts lakeglue (SQLite) and the reference
Hive Metastore (Derby) itself, runs every op and the throughput mode against both, and writes
a complete JSON document. Only completeness is checked; speed is never asserted in tests."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lakeglue.bench.ops import OPS, plan

pytestmark = pytest.mark.reference

TARGETS = ["lakeglue-sqlite", "reference-derby"]
SIZES = [10]


def test_bench_runs_every_op_on_every_target(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "lakeglue", "bench", "--targets", ",".join(TARGETS),
         "--sizes", ",".join(map(str, SIZES)), "--reps", "2", "--warmup", "1", "--target-warmup", "1",
         "--throughput-connections", "2", "--throughput-seconds", "1",
         "--workdir", str(tmp_path / "work"), "--json", str(out)],
        capture_output=True, text=True, timeout=540, env=dict(os.environ))
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-5000:]}"
    doc = json.loads(out.read_text())

    assert list(doc["targets"]) == TARGETS
    assert all("error" not in info for info in doc["targets"].values()), doc["targets"]
    assert doc["errors"] == {}
    labels = [label for _, _, label in plan(OPS, SIZES)]
    assert len(labels) == 15
    for target in TARGETS:
        results = doc["results"][target]
        assert sorted(results) == sorted(labels), target
        for label in labels:
            stats = results[label]
            assert stats["reps"] == 2 and len(stats["samples_ms"]) == 2, (target, label)
            assert stats["median_ms"] > 0 and stats["p90_ms"] > 0, (target, label, stats)
        tp = doc["throughput"][target]
        assert tp["connections"] == 2 and tp["calls"] > 0 and tp["calls_per_s"] > 0, (target, tp)

    # one side-by-side table, with a ratio column for the lakeglue target
    table = [line for line in proc.stdout.splitlines() if line.startswith("|")]
    assert "lakeglue-sqlite" in table[0] and "reference-derby" in table[0] and "× lakeglue-sqlite" in table[0]
    assert [row.split("|")[1].strip() for row in table[2:2 + len(labels)]] == labels
    assert "throughput" in table[2 + len(labels)]


def test_bench_scale_section_at_tiny_sizes(tmp_path):
    """The scale section end to end (lakeglue only): every row present with a positive value,
    including the filter with a new 1% window each repetition."""
    out = tmp_path / "scale.json"
    proc = subprocess.run(
        [sys.executable, "-m", "lakeglue", "bench", "--targets", "lakeglue-sqlite", "--scale",
         "--scale-partitions", "500", "--scale-tables", "30", "--scale-batch", "100", "--reps", "3",
         "--warmup", "1", "--target-warmup", "0", "--workdir", str(tmp_path / "work"), "--json", str(out)],
        capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-5000:]}"
    doc = json.loads(out.read_text())
    assert doc["errors"] == {}
    rows = doc["scale"]["lakeglue-sqlite"]
    expected = {"addPartitions.rate.500", "addPartitions.rate.external.500",
                "getPartitionsByFilter.1pct.500", "getPartitionsByFilter.1pct.distinct.500",
                "getPartitionNames.500", "dropTableWithPartitions.500", "createTable.rate.30", "listTables.30"}
    assert expected <= set(rows), sorted(rows)
    for key in expected:
        assert rows[key]["value"] > 0, (key, rows[key])
    assert len(rows["getPartitionsByFilter.1pct.distinct.500"]["samples_ms"]) == 3
    for key in ("addPartitions.rate.500", "addPartitions.rate.external.500"):
        # the rate counts the add calls only: building the requests is left out of it
        assert rows[key]["wall"] <= rows[key]["value"] and rows[key]["seconds"] <= rows[key]["seconds_wall"]
