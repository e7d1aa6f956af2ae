"""Running a crawl: list → infer (or reuse the manifest) → group → plan → diff → apply.

`Crawler(config, target).run()` returns a CrawlReport. Nothing is written when
`dry_run` is set, or when the crawl would create more tables than `table_threshold`
(`TableThresholdExceeded` is raised before any write). Each table's changes are applied
together; when one fails, what was already applied to that table is undone and the
crawl goes on with the next table (the failure is in the report's errors).
"""
from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from metastore.errors import CatalogError

from . import fs as fsmod
from .discovery import list_files, visible_to_engines
from .formats import FormatError, InferenceOptions, Registry, Source, default_registry
from .globs import Excluder
from .grouping import Grouping, GroupingOptions, Inferred, combine_groupings, group_tables
from .manifest import Manifest, ManifestStore
from .planner import PlannedTable, Planner, logical_fields
from .policies import DeleteBehavior, Differ, Plan, SchemaChangePolicy, TableChange
from .targets.base import CatalogTarget

log = logging.getLogger(__name__)


class CrawlError(Exception):
    """A crawl that cannot run at all (bad path, bad option)."""


class TableThresholdExceeded(CrawlError):
    """The crawl would create more tables than allowed; nothing was written."""


@dataclass
class CrawlConfig:
    """Everything a crawl needs besides its target (see `lakeglue crawl --help`)."""

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

    def crawler_name(self) -> str:
        """The configured name, else one derived from the database and paths."""
        if self.name:
            return self.name
        digest = hashlib.sha1("\0".join([self.database, *sorted(self.paths)]).encode()).hexdigest()[:8]
        return f"crawl-{self.database}-{digest}"


@dataclass
class CrawlReport:
    crawler: str
    database: str
    plan: Plan = field(default_factory=Plan)
    grouping: Grouping = field(default_factory=Grouping)
    planned: List[PlannedTable] = field(default_factory=list)
    files_listed: int = 0
    files_read: int = 0
    files_cached: int = 0
    bytes_read: int = 0
    skipped: Dict[str, str] = field(default_factory=dict)
    errors: List[Tuple[str, str]] = field(default_factory=list)
    applied: bool = False
    seconds: float = 0.0

    @property
    def tables_created(self) -> int:
        return self.plan.count("create")

    @property
    def tables_updated(self) -> int:
        return self.plan.count("update") + self.plan.count("recreate")

    @property
    def tables_deprecated(self) -> int:
        return self.plan.count("deprecate")

    @property
    def tables_deleted(self) -> int:
        return self.plan.count("delete")

    def summary(self) -> str:
        verb = "" if self.applied else " (dry run: nothing written)"
        lines = [
            f"crawler {self.crawler} → database {self.database}{verb}",
            f"  tables: {self.tables_created} created, {self.tables_updated} updated, "
            f"{self.tables_deprecated} deprecated, {self.tables_deleted} deleted, "
            f"{self.plan.count('unchanged')} unchanged",
            f"  partitions: {self.plan.partitions_added} added, {self.plan.partitions_updated} updated, "
            f"{self.plan.partitions_removed} removed",
            f"  files: {self.files_listed} listed, {self.files_read} read, {self.files_cached} unchanged "
            f"(not re-read), {len(self.skipped)} skipped, {len(self.errors)} unreadable; {self.seconds:.2f}s",
        ]
        for path, err in self.errors:
            lines.append(f"  error: {path}: {err}")
        return "\n".join(lines)

    def explain(self) -> str:
        lines = ["Table decisions:"]
        for t in self.grouping.tables:
            lines.append(f"  table {t.name} ({t.location()}):")
            lines.extend(f"    - {r}" for r in t.reasons)
        for p in self.planned:
            lines.extend(f"    - {p.name}: {n}" for n in p.notes)
        if self.grouping.notes:
            lines.append("Folders split into several tables:")
            lines.extend(f"  - {n}" for n in self.grouping.notes)
        skipped = {**self.skipped, **self.grouping.skipped}
        if skipped:
            lines.append("Files not cataloged:")
            roots = [t.root_rel for t in self.grouping.tables if not t.is_file]
            for rel, why in sorted(skipped.items())[:200]:
                inside = any(r == "" or rel.startswith(r + "/") for r in roots)
                warn = " (inside a table's folder, engines still read it: move it, or rename it with a " \
                    "leading _ or .)" if inside and visible_to_engines(rel) and why not in ("empty file",) else ""
                lines.append(f"  - {rel}: {why}{warn}")
            if len(skipped) > 200:
                lines.append(f"  … and {len(skipped) - 200} more")
        return "\n".join(lines)


class Crawler:
    def __init__(self, config: CrawlConfig, target: CatalogTarget, registry: Optional[Registry] = None,
                 manifests: Optional[ManifestStore] = None,
                 progress: Optional[Callable[[str, int, int], None]] = None):
        self.config = config
        self.target = target
        self.registry = registry or default_registry()
        self.manifests = manifests or ManifestStore(config.state_dir)
        self.progress = progress or (lambda stage, done, total: None)
        self.name = config.crawler_name()

    # --- inference ------------------------------------------------------------------------
    def _infer_one(self, root: fsmod.Root, entry) -> Tuple[Optional[Inferred], Optional[str], int]:
        source = Source(root.fs, entry, self.config.inference)
        plugin, score = self.registry.detect(source)
        if plugin is None or score <= 0:
            return None, None, source.bytes_read
        try:
            schema = plugin.infer_schema(source, self.config.inference)
        except FormatError as e:
            return None, f"{plugin.name}: {e}", source.bytes_read
        except Exception as e:  # a plugin bug must not stop the crawl
            log.exception("%s failed on %s", plugin.name, entry.path)
            return None, f"{plugin.name}: unexpected {type(e).__name__}: {e}", source.bytes_read
        return Inferred(entry, schema), None, source.bytes_read

    def _infer(self, root: fsmod.Root, entries, manifest: Manifest, new_manifest: Manifest,
               report: CrawlReport) -> List[Inferred]:
        out: List[Inferred] = []
        todo = []
        for e in entries:
            uri = root.uri(e.path)
            cached = manifest.lookup(uri, e) if self.config.incremental else None
            if cached is not None:
                out.append(Inferred(e, cached))
                new_manifest.keep(uri, manifest)
                report.files_cached += 1
            else:
                todo.append(e)
        done = 0
        with ThreadPoolExecutor(max_workers=max(1, self.config.workers)) as pool:
            for e, (inferred, error, nbytes) in zip(todo, pool.map(lambda e: self._infer_one(root, e), todo)):
                done += 1
                self.progress("reading", done, len(todo))
                report.files_read += 1
                report.bytes_read += nbytes
                if error:
                    report.errors.append((root.uri(e.path), error))
                elif inferred is None:
                    report.skipped[e.rel] = "not a recognised data format"
                else:
                    out.append(inferred)
                    new_manifest.record(root.uri(e.path), e, inferred.schema)
        out.sort(key=lambda i: i.entry.rel)
        return out

    # --- the crawl ------------------------------------------------------------------------
    def run(self) -> CrawlReport:
        """Crawl and (unless dry_run) apply. Raises CrawlError (bad path, threshold) and
        CatalogError when the catalog cannot be read."""
        cfg = self.config
        started = time.monotonic()
        report = CrawlReport(self.name, cfg.database)
        try:
            excluder = Excluder(cfg.exclude)
        except ValueError as e:
            raise CrawlError(str(e)) from e
        manifest = self.manifests.load(self.name, cfg.database)
        new_manifest = Manifest()
        groupings: List[Grouping] = []
        roots: List[str] = []
        gopts = GroupingOptions(table_level=cfg.table_level, combine_schemas=cfg.combine_schemas,
                                similarity=cfg.similarity, table_prefix=cfg.table_prefix,
                                string_fallback_formats=frozenset(
                                    p.name for p in self.registry.plugins() if p.string_fallback_ok))
        for path in cfg.paths:
            try:
                root = fsmod.resolve(path)
                listing = list_files(root, excluder, cfg.include_delta_log)
            except fsmod.PathError as e:
                raise CrawlError(str(e)) from e
            roots.append(root.uri_root)
            report.files_listed += len(listing.files)
            report.skipped.update(listing.skipped)
            self.progress("listing", len(listing.files), len(listing.files))
            inferred = self._infer(root, listing.files, manifest, new_manifest, report)
            root_name = root.path.rstrip("/").rsplit("/", 1)[-1] or "root"
            grouping = group_tables(inferred, root_name, gopts)
            for t in grouping.tables:
                t.root = root
            groupings.append(grouping)
        report.grouping = combine_groupings(groupings)
        report.plan = self._diff(report, roots)
        creating = report.plan.count("create") + report.plan.count("recreate")
        if cfg.table_threshold is not None and creating > cfg.table_threshold:
            report.seconds = time.monotonic() - started
            raise TableThresholdExceeded(
                f"the crawl would create {creating} table(s), more than --table-threshold {cfg.table_threshold}; "
                f"nothing was written")
        if not cfg.dry_run:
            self._apply(report)
            report.applied = True
            try:
                if not new_manifest.same_as(manifest):
                    self.manifests.save(self.name, cfg.database, new_manifest)
            except OSError as e:
                log.warning("could not save the crawl manifest: %s", e)
        report.seconds = time.monotonic() - started
        return report

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


def _chunks(fn, db: str, table: str, items: Sequence, size: int = 500) -> None:
    for i in range(0, len(items), size):
        fn(db, table, items[i:i + size])


__all__ = ["CrawlConfig", "CrawlReport", "Crawler", "CrawlError", "TableThresholdExceeded"]
