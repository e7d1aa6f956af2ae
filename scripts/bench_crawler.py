"""Crawler benchmark (not a test): generate a lake of small files across many partitions
on local disk, then report files/s for a first crawl (dry run: reading + inference +
grouping + diff) and for an unchanged incremental recrawl, next to `pyarrow.dataset`
discovery of the same lake (listing + partition parsing, one footer read) as the baseline.

    python scripts/bench_crawler.py --files 100000 --partitions 10000 --dir /tmp/lake-bench
    python scripts/bench_crawler.py --files 2000 --partitions 200         # a quick run

The lake is generated once per --dir and reused. Each measurement is taken --repeat times
(fresh catalog and state for each first crawl) and the best is reported; library imports
(pyarrow, fastparquet) happen before timing for both sides. Unchanged recrawls are measured
with `--recrawl incremental` (lists and stats every file, looks each up in the manifest) and
`--recrawl changed-folders` (stats every folder and every known file, lists nothing when none
changed) and `--recrawl new-folders` (Glue's CRAWL_NEW_FOLDERS_ONLY: stats folders only). The first crawl's time spent in the catalog's add_partitions (metastore/store) is
reported on its own.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def generate(base: Path, files: int, partitions: int) -> None:
    import fastparquet
    import pandas as pd

    marker = base / f".generated-{files}-{partitions}"
    if marker.exists():
        return
    template = base / "template.parquet"
    base.mkdir(parents=True, exist_ok=True)
    fastparquet.write(str(template), pd.DataFrame({"id": range(10), "v": [1.5] * 10, "s": ["x"] * 10}))
    data = template.read_bytes()
    per = max(1, files // partitions)
    n = 0
    for p in range(partitions):
        folder = base / "lake" / "events" / f"day={p // 24:05d}" / f"hour={p % 24}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per):
            (folder / f"part-{i:05d}.parquet").write_bytes(data)
            n += 1
    marker.write_text(str(n))


def _fresh_target(base: Path, run: int, spent: dict):
    """A target on a fresh SQLite catalog whose add_partitions adds its seconds to spent["catalog"]."""
    from crawler.targets.service import ServiceTarget

    db = base / f"bench-catalog-{run}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    target = ServiceTarget.open(f"sqlite:///{db}", f"file:{base}/wh")
    add_partitions = target.add_partitions

    def timed(*args, **kwargs):
        t0 = time.monotonic()
        try:
            return add_partitions(*args, **kwargs)
        finally:
            spent["catalog"] += time.monotonic() - t0

    target.add_partitions = timed
    return target


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--partitions", type=int, default=200)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--sample-files", type=int, default=1, help="files read per partition folder (0 = all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is reported")
    args = ap.parse_args()
    base = Path(args.dir or os.path.join(tempfile.gettempdir(), f"lakeglue-bench-{args.files}-{args.partitions}"))
    generate(base, args.files, args.partitions)
    lake = base / "lake"

    # Library imports are outside both timings (pyarrow's here, the format plugins' below).
    import pyarrow.dataset as ds

    from crawler.formats import default_registry
    from crawler.runner import CrawlConfig, Crawler

    default_registry().plugins()
    import fastparquet  # noqa: F401  (what the parquet plugin reads footers with)

    baseline, baseline_cpu, n_files = float("inf"), float("inf"), 0
    for _ in range(args.repeat):
        t0, c0 = time.monotonic(), time.process_time()
        dataset = ds.dataset(str(lake / "events"), format="parquet", partitioning="hive")
        n_files = len(dataset.files)
        baseline = min(baseline, time.monotonic() - t0)
        baseline_cpu = min(baseline_cpu, time.process_time() - c0)

    best = {"first": float("inf"), "incremental": float("inf"), "changed-folders": float("inf"),
            "new-folders": float("inf")}
    first_cpu = float("inf")
    catalog = []  # add_partitions seconds of each first crawl
    reports = {}
    for run in range(args.repeat):
        state = base / f"state-{run}"
        shutil.rmtree(state, ignore_errors=True)
        spent = {"catalog": 0.0}
        target = _fresh_target(base, run, spent)
        try:
            cfg = dict(paths=[str(lake)], database="bench", name="bench", state_dir=str(state), workers=args.workers,
                       sample_files=args.sample_files)
            for label, recrawl in (("first", "changed-folders"), ("incremental", "incremental"),
                                   ("changed-folders", "changed-folders"), ("new-folders", "new-folders")):
                t0, c0 = time.monotonic(), time.process_time()
                reports[label] = Crawler(CrawlConfig(**cfg, recrawl=recrawl), target).run()
                best[label] = min(best[label], time.monotonic() - t0)
                if label == "first":
                    first_cpu = min(first_cpu, time.process_time() - c0)
                    catalog.append((spent["catalog"], time.monotonic() - t0))
        finally:
            target.close()
    first_s = best["first"]
    first = reports["first"]
    partitions = len(first.planned[0].partitions) if first.planned else 0
    print(f"files: {n_files} in {partitions} partitions (best of {args.repeat}; sample-files {args.sample_files}, "
          f"workers {args.workers})")
    print(f"pyarrow.dataset discovery    : {baseline:8.2f}s  {n_files / baseline:10.0f} files/s  "
          f"(CPU {baseline_cpu:.2f}s)")
    print(f"first crawl (writes)         : {first_s:8.2f}s  {first.files_listed / first_s:10.0f} files/s "
          f"({first_s / baseline:.1f}x baseline; CPU {first_cpu:.2f}s; {first.files_read} footers read, "
          f"{first.files_assumed} assumed)")
    print("  of which the catalog's add_partitions: " + ", ".join(
        f"{c:.2f}s of {t:.2f}s ({c / t:.0%})" for c, t in catalog))
    for label in ("incremental", "changed-folders", "new-folders"):
        again, again_s = reports[label], best[label]
        print(f"unchanged recrawl ({label + ')':16}: {again_s:8.2f}s  {again.files_listed / again_s:10.0f} files/s "
              f"({again_s / first_s:.2f} of the first crawl; {again.files_read} files re-read"
              f"{', stopped early' if again.unchanged else ''})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
