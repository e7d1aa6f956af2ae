"""Running a crawl: list → read schemas (sampled; or reuse the manifest) → group → plan →
diff → apply.

`Crawler(config, target).run()` returns a CrawlReport. Nothing is written when
`dry_run` is set, or when the crawl would create more tables than `table_threshold`
(`TableThresholdExceeded` is raised before any write). Each table's changes are applied
together; when one fails, what was already applied to that table is undone and the
crawl goes on with the next table (the failure is in the report's errors). A crawl whose
`cancel` event is set stops before the next batch of files or the next table
(`CrawlCancelled` before any write; a report with `cancelled` once writing started).
Recrawl policies and the early stop of unchanged recrawls: crawler.recrawl.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from metastore.errors import CatalogError
from metastore.gcpause import gc_paused

from . import fs as fsmod
from . import recrawl
from .discovery import list_files
from .formats import InferenceOptions, Registry, default_registry
from .globs import Excluder
from .grouping import Grouping, GroupingOptions, combine_groupings, group_tables
from .manifest import Manifest, ManifestStore, RootState
from .planner import Planner, logical_fields
from .policies import DeleteBehavior, Differ, Plan, SchemaChangePolicy, TableChange
from .reading import Cancelled, SchemaReader, infer_files
from .report import CrawlReport
from .targets.base import CatalogTarget

log = logging.getLogger(__name__)


class CrawlError(Exception):
    """A crawl that cannot run at all (bad path, bad option)."""


class TableThresholdExceeded(CrawlError):
    """The crawl would create more tables than allowed; nothing was written."""


class CrawlCancelled(CrawlError):
    """The crawl was stopped before it wrote anything."""


@dataclass
class CrawlConfig:
    """Everything a crawl needs besides its target (see `lakeglue crawl --help`).

    recrawl: everything | incremental | changed-folders | new-folders (crawler.recrawl); `incremental=True`
    is the older spelling of recrawl="incremental". sample_files: files read per partition
    folder and kind of file (crawler.sampling; 0 reads every file)."""

    paths: Sequence[str]
    database: str
    name: Optional[str] = None
    table_prefix: str = ""
    exclude: Sequence[str] = ()
    table_level: Optional[int] = None
    combine_schemas: bool = False
    similarity: float = 0.7
    table_threshold: Optional[int] = None
    schema_change: str = SchemaChangePolicy.UPDATE.value
    delete_behavior: str = DeleteBehavior.DEPRECATE.value
    incremental: bool = False
    dry_run: bool = False
    partition_types: Dict[str, object] = field(default_factory=dict)
    partition_schema: str = "inherit"
    include_delta_log: bool = False
    inference: InferenceOptions = field(default_factory=InferenceOptions)
    workers: int = 4
    state_dir: Optional[str] = None
    recrawl: str = recrawl.EVERYTHING
    sample_files: int = 1

    def __post_init__(self) -> None:
        if self.incremental and self.recrawl == recrawl.EVERYTHING:
            self.recrawl = recrawl.INCREMENTAL
        if self.recrawl not in recrawl.POLICIES:
            raise ValueError(f"recrawl must be one of {', '.join(recrawl.POLICIES)}, not {self.recrawl!r}")
        self.incremental = self.recrawl != recrawl.EVERYTHING

    def crawler_name(self) -> str:
        """The configured name, else one derived from the database and paths."""
        if self.name:
            return self.name
        digest = hashlib.sha1("\0".join([self.database, *sorted(self.paths)]).encode()).hexdigest()[:8]
        return f"crawl-{self.database}-{digest}"


class Crawler:
    def __init__(self, config: CrawlConfig, target: CatalogTarget, registry: Optional[Registry] = None,
                 manifests: Optional[ManifestStore] = None,
                 progress: Optional[Callable[[str, int, int], None]] = None,
                 cancel: Optional[threading.Event] = None):
        self.config = config
        self.target = target
        self.registry = registry or default_registry()
        self.manifests = manifests or ManifestStore(config.state_dir)
        self.progress = progress or (lambda stage, done, total: None)
        self.cancel = cancel
        self.name = config.crawler_name()

    def _stopping(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    # --- the crawl ------------------------------------------------------------------------
    def run(self) -> CrawlReport:
        """Crawl and (unless dry_run) apply. Raises CrawlError (bad path, threshold,
        CrawlCancelled) and CatalogError when the catalog cannot be read."""
        with gc_paused():
            return self._run()

    def _run(self) -> CrawlReport:
        cfg = self.config
        started = time.monotonic()
        report = CrawlReport(self.name, cfg.database)
        try:
            excluder = Excluder(cfg.exclude)
            roots = [fsmod.resolve(p) for p in cfg.paths]
        except (ValueError, fsmod.PathError) as e:
            raise CrawlError(str(e)) from e
        root_uris = [r.uri_root for r in roots]
        manifest = self.manifests.load(self.name, cfg.database)
        fingerprint = recrawl.config_fingerprint(cfg)
        if cfg.recrawl in recrawl.FOLDER_CHECKED and all(
                recrawl.unchanged_since(r, manifest, cfg.recrawl) for r in roots):
            states = [manifest.roots[u] for u in root_uris]
            report.files_listed = report.files_cached = sum(s.files for s in states)
            report.skipped_unlisted = sum(s.skipped for s in states)
            if self._stop_if_unchanged(report, manifest, fingerprint, root_uris, started):
                return report
            report = CrawlReport(self.name, cfg.database)
        new_manifest = Manifest(config=fingerprint)
        reader = SchemaReader(self.registry, cfg.inference, cfg.workers, self.progress, self.cancel)
        gopts = GroupingOptions(table_level=cfg.table_level, combine_schemas=cfg.combine_schemas,
                                similarity=cfg.similarity, table_prefix=cfg.table_prefix,
                                string_fallback_formats=frozenset(
                                    p.name for p in self.registry.plugins() if p.string_fallback_ok))
        per_root = []
        for root in roots:
            try:
                listing = list_files(root, excluder, cfg.include_delta_log)
            except fsmod.PathError as e:
                raise CrawlError(str(e)) from e
            report.files_listed += len(listing.files)
            report.skipped.update(listing.skipped)
            self.progress("listing", len(listing.files), len(listing.files))
            errors_before = len(report.errors)
            try:
                inferred = infer_files(reader, root, listing.folders, manifest, new_manifest, report,
                                       use_manifest=cfg.incremental, sample_files=cfg.sample_files)
            except Cancelled as e:
                raise CrawlCancelled(str(e)) from None
            new_manifest.roots[root.uri_root] = RootState.from_listing(
                listing.dirs, listing.listed_at, len(listing.files) - (len(report.errors) - errors_before),
                len(listing.skipped), clean=len(report.errors) == errors_before, empty=listing.empty_files())
            per_root.append((root, inferred))
        if cfg.incremental and report.files_read == 0 and report.files_assumed == 0 and not report.errors \
                and report.files_cached == manifest.file_count() and \
                self._stop_if_unchanged(report, manifest, fingerprint, root_uris, started):
            return report
        groupings: List[Grouping] = []
        for root, inferred in per_root:
            root_name = root.path.rstrip("/").rsplit("/", 1)[-1] or "root"
            grouping = group_tables(inferred, root_name, gopts)
            for t in grouping.tables:
                t.root = root
            groupings.append(grouping)
        report.grouping = combine_groupings(groupings)
        report.plan = self._diff(report, root_uris)
        creating = report.plan.count("create") + report.plan.count("recreate")
        if cfg.table_threshold is not None and creating > cfg.table_threshold:
            report.seconds = time.monotonic() - started
            raise TableThresholdExceeded(
                f"the crawl would create {creating} table(s), more than --table-threshold {cfg.table_threshold}; "
                f"nothing was written")
        if self._stopping():
            raise CrawlCancelled("the crawl was stopped before writing")
        if not cfg.dry_run:
            self._apply(report)
            report.applied = not report.cancelled
            self._save_manifest(report, new_manifest, root_uris)
        report.seconds = time.monotonic() - started
        return report

    def _stop_if_unchanged(self, report: CrawlReport, manifest: Manifest, fingerprint: str,
                           root_uris: List[str], started: float) -> bool:
        """When nothing changed since the last crawl (crawler.recrawl), fill in the report
        of an unchanged crawl and return True."""
        if manifest.config != fingerprint or set(manifest.roots) != set(root_uris) or \
                not all(s.clean for s in manifest.roots.values()):
            return False
        tables = recrawl.catalog_as_left(self.target, self.config.database, self.name, root_uris, manifest.tables)
        if tables is None:
            return False
        report.plan = Plan([TableChange("unchanged", t.db_name, t.name, old=t) for t in tables])
        report.unchanged = True
        report.applied = not self.config.dry_run
        report.seconds = time.monotonic() - started
        return True

    def _save_manifest(self, report: CrawlReport, manifest: Manifest, root_uris: List[str]) -> None:
        clean = not report.cancelled and not any(c.action in ("failed", "skip", "log") for c in report.plan.changes)
        try:
            if clean:
                manifest.tables = recrawl.fingerprints(self.target.list_tables(self.config.database), self.name,
                                                       root_uris)
        except CatalogError as e:
            log.warning("could not read back the crawled tables: %s", e)
        try:
            self.manifests.save(self.name, self.config.database, manifest)
        except (OSError, CatalogError) as e:
            log.warning("could not save the crawl manifest: %s", e)

    def _diff(self, report: CrawlReport, roots: List[str]) -> Plan:
        cfg = self.config
        planner = Planner(cfg.database, self.name, self.registry, cfg.partition_types, cfg.partition_schema)
        differ = Differ(cfg.database, self.name, roots, SchemaChangePolicy(cfg.schema_change),
                        DeleteBehavior(cfg.delete_behavior))
        existing = {t.name: t for t in self.target.list_tables(cfg.database)} \
            if self.target.database_exists(cfg.database) else {}
        plan = Plan()
        for group in report.grouping.tables:
            old = existing.get(group.name)
            previous = logical_fields(old) if old is not None else None
            planned = planner.plan(group, previous_fields=previous)
            report.planned.append(planned)
            if old is None:
                plan.changes.append(differ.for_new(planned))
                continue
            old_parts = self.target.list_partitions(cfg.database, old.name) if old.partition_keys else []
            plan.changes.append(differ.for_existing(
                planned, old, old_parts, lambda fields, g=group: planner.plan(g, fields_override=fields)))
        found = {g.name for g in report.grouping.tables}
        for name, old in sorted(existing.items()):
            if name not in found:
                change = differ.for_gone(old)
                if change is not None:
                    plan.changes.append(change)
        return plan

    # --- applying -------------------------------------------------------------------------
    def _apply(self, report: CrawlReport) -> None:
        cfg = self.config
        if any(c.writes for c in report.plan.changes) and self.target.ensure_database(cfg.database):
            log.info("created database %s", cfg.database)
        total = len(report.plan.changes)
        for i, change in enumerate(report.plan.changes):
            self.progress("writing", i + 1, total)
            if not change.writes:
                continue
            if self._stopping():
                report.cancelled = True
                change.lines.append("    ! not written: the crawl was stopped")
                continue
            try:
                self._apply_one(change)
            except CatalogError as e:
                report.errors.append((f"{change.db}.{change.name}", f"catalog change failed and was undone: {e}"))
                change.lines.append(f"    ! failed: {e}")
                change.action = "failed"

    def _apply_one(self, c: TableChange) -> None:
        t = self.target
        undo: List[Callable[[], None]] = []
        try:
            if c.action == "create":
                t.create_table(c.table)
                undo.append(lambda: t.drop_table(c.db, c.name))
            elif c.action == "recreate":
                t.drop_table(c.db, c.name)
                undo.append(lambda: (t.create_table(c.old), _chunks(t.add_partitions, c.db, c.name, c.old_partitions)))
                t.create_table(c.table)
                undo.append(lambda: t.drop_table(c.db, c.name))
            elif c.action in ("update", "deprecate"):
                t.alter_table(c.table)
                undo.append(lambda: t.alter_table(c.old))
            elif c.action == "delete":
                t.drop_table(c.db, c.name)
                return
            if c.add_partitions:
                _chunks(t.add_partitions, c.db, c.name, c.add_partitions)
                undo.append(lambda: t.drop_partitions(c.db, c.name, [p.values for p in c.add_partitions]))
            if c.alter_partitions:
                _chunks(t.alter_partitions, c.db, c.name, c.alter_partitions)
            if c.drop_partitions:
                t.drop_partitions(c.db, c.name, c.drop_partitions)
        except CatalogError:
            for step in reversed(undo):
                try:
                    step()
                except Exception as e:  # best effort: report the original failure
                    log.warning("undoing a change to %s.%s failed: %s", c.db, c.name, e)
            raise


def _chunks(fn, db: str, table: str, items: Sequence) -> None:
    size = max(1, getattr(getattr(fn, "__self__", None), "batch_size", 500))
    for i in range(0, len(items), size):
        fn(db, table, items[i:i + size])


__all__ = ["CrawlConfig", "CrawlReport", "Crawler", "CrawlError", "TableThresholdExceeded", "CrawlCancelled"]
