"""The crawler's commands, added to `lakeglue`'s argument parser by `add_commands`:

    lakeglue crawl PATH... --database DB [--metastore thrift://H:P | --db-url URL] [options]
    lakeglue crawler create|update|list|show|runs|start|stop|delete|import|daemon …  (crawler.commands)

`lakeglue crawl` shows a progress bar on a terminal (plain progress lines on stderr
otherwise; --no-progress for none) and ends with a summary line: tables created/updated/
deprecated, partitions added, files read, seconds.

Exit codes of `lakeglue crawl`: 0 done (unreadable files are reported, not fatal); 1 some
table's changes failed (and were undone); 2 bad arguments, path or catalog; 3
`--table-threshold` exceeded.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Dict, Optional

from .policies import DeleteBehavior, SchemaChangePolicy
from .recrawl import POLICIES


def add_crawl_options(p: argparse.ArgumentParser, named: bool = False) -> None:
    """Options shared by `lakeglue crawl` and `lakeglue crawler create|update`. For named
    crawlers (`named`) an option not given is absent from the parsed arguments, so an update
    changes only what it names."""

    def opt(*flags, default=None, **kw):
        p.add_argument(*flags, default=argparse.SUPPRESS if named else default, **kw)

    if not named:
        p.add_argument("--name", default=None, help="crawler name recorded in UPDATED_BY_CRAWLER "
                       "(default: derived from the database and paths)")
    opt("--table-prefix", default="", help="prefix for the names of created tables")
    opt("--exclude", action="append", default=[], metavar="GLOB",
        help="skip paths matching GLOB (Glue semantics: * within a level, ** across, {a,b}, [!x])")
    opt("--table-level", type=int, metavar="N",
        help="make the folders N levels below each path the tables (0 = the path itself)")
    opt("--table-threshold", type=int, metavar="N",
        help="abort, writing nothing, if the crawl would create more than N tables")
    opt("--combine-schemas", action=argparse.BooleanOptionalAction, default=False,
        help="combine folders with compatible schemas into one table (union of columns)")
    opt("--similarity", type=float, default=0.7,
        help="share of columns sibling folders must have in common to be partitions (default 0.7)")
    opt("--schema-change", choices=[x.value for x in SchemaChangePolicy], default="update",
        help="on recrawl: update tables (default), add new columns only, or log only")
    opt("--delete-behavior", choices=[x.value for x in DeleteBehavior], default="deprecate",
        help="tables/partitions whose data is gone: deprecate (default), delete, or log")
    opt("--recrawl", choices=POLICIES, default="everything",
        help="everything (default); incremental: re-read only new or changed files; changed-folders: as "
             "incremental, but a local path where no folder and no file changed (one stat each) is not listed; "
             "new-folders (Glue's CRAWL_NEW_FOLDERS_ONLY): as changed-folders with folders stat'ed only, so a "
             "file rewritten in place under its old name is not noticed")
    opt("--incremental", action="store_true", default=False, help="same as --recrawl incremental")
    opt("--sample-files", type=int, default=1, metavar="N",
        help="files read per Hive partition folder and kind of file (same extension, similar size); "
             "the others take their schema (default 1; 0 reads every file)")
    opt("--partition-type", action="append", default=[], metavar="KEY=TYPE",
        help="pin a partition key's type (int, bigint, date, string, ...)")
    opt("--partition-schema", choices=["inherit", "own"], default="inherit",
        help="partitions inherit the table's columns (default) or keep their own")
    opt("--sample-rows", type=int, default=1000, help="records sampled per JSON/CSV file")
    opt("--sample-bytes", type=int, default=4 * 1024 * 1024, help="bytes read at most per text file")
    opt("--csv-header", choices=["auto", "yes", "no"], default="auto")
    opt("--csv-delimiter", help="CSV delimiter (default: sniffed)")
    opt("--include-delta-log", action=argparse.BooleanOptionalAction, default=False,
        help="also read _delta_log folders")
    opt("--workers", type=int, default=4, help="files read in parallel")
    if not named:
        p.add_argument("--state-dir", default=None, help="where crawl manifests are kept "
                       "(default $LAKEGLUE_HOME/crawler)")


def _delimiter(value: Optional[str]) -> Optional[str]:
    return "\t" if value in ("\\t", "tab", "TAB") else value


def options_from_args(args) -> Dict[str, Any]:
    """The crawl options given on a command line (named crawlers: only those given), as
    CrawlerDef options. Raises ValueError for a malformed --partition-type."""
    names = ("table_prefix", "exclude", "table_level", "table_threshold", "combine_schemas", "similarity",
             "schema_change", "delete_behavior", "recrawl", "sample_files", "partition_schema", "sample_rows",
             "sample_bytes", "csv_header", "include_delta_log", "workers")
    out: Dict[str, Any] = {k: getattr(args, k) for k in names if hasattr(args, k)}
    if getattr(args, "incremental", False):
        out["recrawl"] = "incremental"
    if hasattr(args, "csv_delimiter"):
        out["csv_delimiter"] = _delimiter(args.csv_delimiter)
    if hasattr(args, "partition_type"):
        pins = {}
        for pin in args.partition_type:
            key, sep, value = pin.partition("=")
            if not sep:
                raise ValueError(f"bad partition type {pin!r}: use KEY=TYPE")
            pins[key.strip()] = value.strip()
        out["partition_types"] = pins
    return out


def config_from_args(args, paths, database):
    """A CrawlConfig from parsed `lakeglue crawl` options. Raises ValueError for a bad
    option value (PartitionTypeError included)."""
    from .formats import InferenceOptions
    from .partitions import parse_pins
    from .runner import CrawlConfig

    return CrawlConfig(
        paths=list(paths), database=database.lower(), name=args.name, table_prefix=args.table_prefix,
        exclude=args.exclude, table_level=args.table_level, combine_schemas=args.combine_schemas,
        similarity=args.similarity, table_threshold=args.table_threshold, schema_change=args.schema_change,
        delete_behavior=args.delete_behavior, incremental=args.incremental, recrawl=args.recrawl,
        sample_files=args.sample_files, dry_run=getattr(args, "dry_run", False),
        partition_types=parse_pins(args.partition_type), partition_schema=args.partition_schema,
        include_delta_log=args.include_delta_log,
        inference=InferenceOptions(sample_rows=args.sample_rows, sample_bytes=args.sample_bytes,
                                   csv_header=args.csv_header, csv_delimiter=_delimiter(args.csv_delimiter)),
        workers=args.workers, state_dir=args.state_dir,
    )


class Progress:
    """Crawl progress on stderr: a one-line bar redrawn in place on a terminal; otherwise
    plain lines: a stage's first state, then at most one every `interval` seconds, and its
    last state."""

    STAGES = {"listing": ("files", "listed"), "reading": ("files", "read"), "writing": ("tables", "written")}

    def __init__(self, stream=None, enabled: bool = True, interval: float = 2.0):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval
        self._last = ""
        self._stage = ""
        self._state = (0, 0)
        self._printed: Optional[tuple] = None
        self._printed_at: Optional[float] = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if self.tty:
            width = 30
            filled = int(width * done / total)
            line = f"\r{stage:8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
            if line != self._last:
                self.stream.write(line)
                self.stream.flush()
                self._last = line
            return
        if stage != self._stage:
            self._flush_stage()
            self._stage, self._printed, self._printed_at = stage, None, None
        self._state = (done, total)
        now = time.monotonic()
        if self._printed_at is None or done >= total or now - self._printed_at >= self.interval:
            self._line()
            self._printed_at = now

    def _line(self) -> None:
        done, total = self._state
        unit, verb = self.STAGES.get(self._stage, ("items", "done"))
        text = f"{self._stage}: {total} {unit} {verb}" if done >= total else \
            f"{self._stage}: {done}/{total} {unit} ({100 * done // total}%)"
        self.stream.write(text + "\n")
        self.stream.flush()
        self._printed = self._state

    def _flush_stage(self) -> None:
        if self._stage and self._printed != self._state:
            self._line()

    def finish(self) -> None:
        if not self.enabled:
            return
        if self.tty:
            if self._last:
                self.stream.write("\r" + " " * len(self._last) + "\r")
                self.stream.flush()
        else:
            self._flush_stage()
            self._stage = ""


_Progress = Progress  # the older name


def _crawl(args) -> int:
    from metastore.errors import CatalogError

    from .runner import CrawlError, Crawler, TableThresholdExceeded
    from .targets import open_target

    try:
        config = config_from_args(args, args.paths, args.database)
    except ValueError as e:
        print(f"lakeglue crawl: {e}", file=sys.stderr)
        return 2
    config.dry_run = args.dry_run
    try:
        target = open_target(args.metastore, args.db_url, args.warehouse or "")
    except CatalogError as e:
        print(f"lakeglue crawl: cannot open the catalog: {e}", file=sys.stderr)
        return 2
    progress = Progress(enabled=not args.no_progress)
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
    print(("dry run: " if args.dry_run else "done: ") + report.summary_line())
    return 1 if report.tables_failed else 0


def add_target_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--metastore", default=None, metavar="thrift://HOST:PORT",
                       help="write to this Hive Metastore over Thrift")
    group.add_argument("--db-url", default=None, help="write to this lakeglue catalog database directly "
                       "(default: the embedded one)")
    p.add_argument("--warehouse", default=None, help="warehouse root when opening --db-url")


def add_commands(sub) -> None:
    """Add `crawl` and `crawler` to the `lakeglue` subcommand parser."""
    crawl = sub.add_parser("crawl", help="catalog the tables found under paths (local or s3://)",
                           description="Crawl data paths and create/update tables and partitions.")
    crawl.add_argument("paths", nargs="+", metavar="PATH", help="local path, file:// or s3:// URI")
    crawl.add_argument("--database", "-d", required=True, help="database to catalog the tables in")
    add_target_options(crawl)
    crawl.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    crawl.add_argument("--explain", action="store_true", help="explain why folders became these tables")
    crawl.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    add_crawl_options(crawl)
    crawl.set_defaults(func=_crawl)

    from .commands import add_crawler_commands

    crawler = sub.add_parser("crawler", help="named crawlers stored in the catalog database, and their daemon")
    add_crawler_commands(crawler.add_subparsers(dest="crawler_command", required=True))


def main(argv: Optional[list] = None) -> int:  # pragma: no cover - convenience entry
    parser = argparse.ArgumentParser(prog="lakeglue")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)
