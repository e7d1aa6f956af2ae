"""The crawler's commands, added to `lakeglue`'s argument parser by `add_commands`:

    lakeglue crawl PATH... --database DB [--metastore thrift://H:P | --db-url URL] [options]
    lakeglue crawler serve --config crawlers.yaml     (the scheduling daemon)
    lakeglue crawler run NAME --config crawlers.yaml  (one configured crawler, now)
    lakeglue crawler list --config crawlers.yaml

Exit codes: 0 done (unreadable files are reported, not fatal); 1 some table's changes
failed (and were undone); 2 bad arguments, path or catalog; 3 `--table-threshold` exceeded.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional

from .policies import DeleteBehavior, SchemaChangePolicy


def add_crawl_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `lakeglue crawl` (the target options are added separately)."""
    p.add_argument("--name", default=None, help="crawler name recorded in UPDATED_BY_CRAWLER "
                   "(default: derived from the database and paths)")
    p.add_argument("--table-prefix", default="", help="prefix for the names of created tables")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip paths matching GLOB (Glue semantics: * within a level, ** across, {a,b}, [!x])")
    p.add_argument("--table-level", type=int, default=None, metavar="N",
                   help="make the folders N levels below each path the tables (0 = the path itself)")
    p.add_argument("--table-threshold", type=int, default=None, metavar="N",
                   help="abort, writing nothing, if the crawl would create more than N tables")
    p.add_argument("--combine-schemas", action="store_true",
                   help="combine folders with compatible schemas into one table (union of columns)")
    p.add_argument("--similarity", type=float, default=0.7,
                   help="share of columns sibling folders must have in common to be partitions (default 0.7)")
    p.add_argument("--schema-change", choices=[x.value for x in SchemaChangePolicy], default="update",
                   help="on recrawl: update tables (default), add new columns only, or log only")
    p.add_argument("--delete-behavior", choices=[x.value for x in DeleteBehavior], default="deprecate",
                   help="tables/partitions whose data is gone: deprecate (default), delete, or log")
    p.add_argument("--incremental", action="store_true",
                   help="re-read only files that are new or changed since the last crawl")
    p.add_argument("--partition-type", action="append", default=[], metavar="KEY=TYPE",
                   help="pin a partition key's type (int, bigint, date, string, ...)")
    p.add_argument("--partition-schema", choices=["inherit", "own"], default="inherit",
                   help="partitions inherit the table's columns (default) or keep their own")
    p.add_argument("--sample-rows", type=int, default=1000, help="records sampled per JSON/CSV file")
    p.add_argument("--sample-bytes", type=int, default=4 * 1024 * 1024, help="bytes read at most per text file")
    p.add_argument("--csv-header", choices=["auto", "yes", "no"], default="auto")
    p.add_argument("--csv-delimiter", default=None, help="CSV delimiter (default: sniffed)")
    p.add_argument("--include-delta-log", action="store_true", help="also read _delta_log folders")
    p.add_argument("--workers", type=int, default=4, help="files read in parallel")
    p.add_argument("--state-dir", default=None, help="where crawl manifests are kept "
                   "(default $LAKEGLUE_HOME/crawler)")


def add_target_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--metastore", default=None, metavar="thrift://HOST:PORT",
                       help="write to this Hive Metastore over Thrift")
    group.add_argument("--db-url", default=None, help="write to this lakeglue catalog database directly "
                       "(default: the embedded one)")
    p.add_argument("--warehouse", default=None, help="warehouse root when opening --db-url")


def config_from_args(args, paths, database):
    """A CrawlConfig from parsed options. Raises ValueError for a bad option value."""
    from .formats import InferenceOptions
    from .partitions import parse_pins
    from .runner import CrawlConfig

    delimiter = args.csv_delimiter
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    return CrawlConfig(
        paths=list(paths), database=database.lower(), name=args.name, table_prefix=args.table_prefix,
        exclude=args.exclude, table_level=args.table_level, combine_schemas=args.combine_schemas,
        similarity=args.similarity, table_threshold=args.table_threshold, schema_change=args.schema_change,
        delete_behavior=args.delete_behavior, incremental=args.incremental,
        dry_run=getattr(args, "dry_run", False), partition_types=parse_pins(args.partition_type),
        partition_schema=args.partition_schema, include_delta_log=args.include_delta_log,
        inference=InferenceOptions(sample_rows=args.sample_rows, sample_bytes=args.sample_bytes,
                                   csv_header=args.csv_header, csv_delimiter=delimiter),
        workers=args.workers, state_dir=args.state_dir,
    )


class _Progress:
    """A one-line progress indicator on a terminal's stderr; silent otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        line = f"\r{stage:8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if line != self._last:
            self.stream.write(line)
            self.stream.flush()
            self._last = line

    def finish(self) -> None:
        if self.enabled and self._last:
            self.stream.write("\r" + " " * len(self._last) + "\r")
            self.stream.flush()


def _crawl(args) -> int:
    from metastore.errors import CatalogError

    from .partitions import PartitionTypeError
    from .runner import CrawlError, Crawler, TableThresholdExceeded
    from .targets import open_target

    try:
        config = config_from_args(args, args.paths, args.database)
    except (PartitionTypeError, ValueError) as e:
        print(f"lakeglue crawl: {e}", file=sys.stderr)
        return 2
    config.dry_run = args.dry_run
    try:
        target = open_target(args.metastore, args.db_url, args.warehouse or "")
    except CatalogError as e:
        print(f"lakeglue crawl: cannot open the catalog: {e}", file=sys.stderr)
        return 2
    progress = _Progress()
    try:
        report = Crawler(config, target, progress=progress).run()
    except TableThresholdExceeded as e:
        progress.finish()
        print(f"lakeglue crawl: {e}", file=sys.stderr)
        return 3
    except (CrawlError, CatalogError) as e:
        progress.finish()
        print(f"lakeglue crawl: {e}", file=sys.stderr)
        return 2
    finally:
        target.close()
    progress.finish()
    if args.explain:
        print(report.explain())
    if args.dry_run or args.explain:
        print("Changes" + (" (dry run, nothing written):" if args.dry_run else ":"))
        print(report.plan.render())
    print(report.summary())
    return 1 if any(c.action == "failed" for c in report.plan.changes) else 0


def add_commands(sub) -> None:
    """Add `crawl` and `crawler` to the `lakeglue` subcommand parser."""
    crawl = sub.add_parser("crawl", help="catalog the tables found under paths (local or s3://)",
                           description="Crawl data paths and create/update tables and partitions.")
    crawl.add_argument("paths", nargs="+", metavar="PATH", help="local path, file:// or s3:// URI")
    crawl.add_argument("--database", "-d", required=True, help="database to catalog the tables in")
    add_target_options(crawl)
    crawl.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    crawl.add_argument("--explain", action="store_true", help="explain why folders became these tables")
    add_crawl_options(crawl)
    crawl.set_defaults(func=_crawl)

    from .daemon import add_daemon_commands

    crawler = sub.add_parser("crawler", help="named crawlers from a config file, and their scheduler")
    add_daemon_commands(crawler.add_subparsers(dest="crawler_command", required=True))


def main(argv: Optional[list] = None) -> int:  # pragma: no cover - convenience entry
    parser = argparse.ArgumentParser(prog="lakeglue")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)
