"""Crawler benchmark (not a test): generate a lake of small files across many partitions
on local disk, then report files/s for a first crawl (dry run: reading + inference +
grouping + diff) and for an unchanged incremental recrawl, next to `pyarrow.dataset`
discovery of the same lake (listing + partition parsing, no footers read) as the baseline.

    python scripts/bench_crawler.py --files 100000 --partitions 10000 --dir /tmp/lake-bench
    python scripts/bench_crawler.py --files 2000 --partitions 200         # a quick run

The lake is generated once per --dir and reused.
"""
from __future__ import annotations

import argparse
import os
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--partitions", type=int, default=200)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    base = Path(args.dir or os.path.join(tempfile.gettempdir(), f"lakeglue-bench-{args.files}-{args.partitions}"))
    generate(base, args.files, args.partitions)
    lake = base / "lake"

    import pyarrow.dataset as ds

    t0 = time.monotonic()
    dataset = ds.dataset(str(lake / "events"), format="parquet", partitioning="hive")
    n_files = len(dataset.files)
    baseline = time.monotonic() - t0

    from crawler.runner import CrawlConfig, Crawler
    from crawler.targets.service import ServiceTarget

    target = ServiceTarget.open(f"sqlite:///{base}/bench-catalog.db", f"file:{base}/wh")
    state = base / "state"
    try:
        cfg = dict(paths=[str(lake)], database="bench", name="bench", state_dir=str(state), workers=args.workers)
        t0 = time.monotonic()
        first = Crawler(CrawlConfig(**cfg, incremental=True), target).run()
        first_s = time.monotonic() - t0
        t0 = time.monotonic()
        again = Crawler(CrawlConfig(**cfg, incremental=True), target).run()
        again_s = time.monotonic() - t0
    finally:
        target.close()
    print(f"files: {n_files} in {len(first.planned[0].partitions) if first.planned else 0} partitions")
    print(f"pyarrow.dataset discovery : {baseline:8.2f}s  {n_files / baseline:10.0f} files/s")
    print(f"first crawl (writes)      : {first_s:8.2f}s  {first.files_listed / first_s:10.0f} files/s "
          f"({first_s / baseline:.1f}x baseline)")
    print(f"unchanged recrawl         : {again_s:8.2f}s  {again.files_listed / again_s:10.0f} files/s "
          f"({again_s / first_s:.2f} of the first crawl; {again.files_read} files re-read)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
