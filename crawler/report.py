"""What a crawl did: CrawlReport, its summary and its explanation (`--explain`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from .discovery import EMPTY, visible_to_engines
from .grouping import Grouping
from .planner import PlannedTable
from .policies import Plan


@dataclass
class CrawlReport:
    crawler: str
    database: str
    plan: Plan = field(default_factory=Plan)
    grouping: Grouping = field(default_factory=Grouping)
    planned: List[PlannedTable] = field(default_factory=list)
    files_listed: int = 0
    files_read: int = 0
    files_cached: int = 0       # unchanged since the last crawl: schema from the manifest
    files_assumed: int = 0      # not read: schema of a sampled file of the same partition folder
    bytes_read: int = 0
    skipped: Dict[str, str] = field(default_factory=dict)
    skipped_unlisted: int = 0   # skipped files of paths not listed again (changed-folders recrawls)
    errors: List[Tuple[str, str]] = field(default_factory=list)
    applied: bool = False
    unchanged: bool = False     # an unchanged recrawl that stopped early (see crawler.recrawl)
    cancelled: bool = False
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

    @property
    def tables_failed(self) -> int:
        return self.plan.count("failed")

    @property
    def files_skipped(self) -> int:
        return len(self.skipped) + self.skipped_unlisted

    def metrics(self) -> Dict[str, int]:
        """The counters a crawler run records."""
        return {"tables_created": self.tables_created, "tables_updated": self.tables_updated,
                "tables_deprecated": self.tables_deprecated, "tables_deleted": self.tables_deleted,
                "tables_failed": self.tables_failed, "partitions_added": self.plan.partitions_added,
                "partitions_updated": self.plan.partitions_updated,
                "partitions_removed": self.plan.partitions_removed, "files_listed": self.files_listed,
                "files_read": self.files_read, "files_cached": self.files_cached,
                "files_assumed": self.files_assumed, "files_skipped": self.files_skipped,
                "bytes_read": self.bytes_read}

    def summary_line(self) -> str:
        """One line: tables created/updated/deprecated, partitions added, files read, seconds."""
        return (f"{self.tables_created} table(s) created, {self.tables_updated} updated, "
                f"{self.tables_deprecated} deprecated; {self.plan.partitions_added} partition(s) added; "
                f"{self.files_read} file(s) read; {self.seconds:.2f}s")

    def summary(self) -> str:
        if self.cancelled:
            verb = " (stopped: the remaining tables were not written)"
        else:
            verb = "" if self.applied else " (dry run: nothing written)"
        lines = [
            f"crawler {self.crawler} → database {self.database}{verb}",
            f"  tables: {self.tables_created} created, {self.tables_updated} updated, "
            f"{self.tables_deprecated} deprecated, {self.tables_deleted} deleted, "
            f"{self.plan.count('unchanged')} unchanged",
            f"  partitions: {self.plan.partitions_added} added, {self.plan.partitions_updated} updated, "
            f"{self.plan.partitions_removed} removed",
            f"  files: {self.files_listed} listed, {self.files_read} read, {self.files_cached} unchanged "
            f"(not re-read), {self.files_assumed} assumed from a sampled file of their folder, "
            f"{self.files_skipped} skipped, {len(self.errors)} unreadable; {self.seconds:.2f}s",
        ]
        if self.unchanged:
            lines.append("  nothing changed since the last crawl: tables not re-planned")
        for path, err in self.errors:
            lines.append(f"  error: {path}: {err}")
        return "\n".join(lines)

    def explain(self) -> str:
        if self.unchanged:
            return ("Table decisions: nothing changed since the last crawl (same files, options and tables), "
                    "so the tables were not re-planned; --recrawl everything decides them again.")
        lines = ["Table decisions:"]
        for t in self.grouping.tables:
            lines.append(f"  table {t.name} ({t.location()}):")
            lines.extend(f"    - {r}" for r in t.reasons)
        for p in self.planned:
            lines.extend(f"    - {p.name}: {n}" for n in p.notes)
        if self.grouping.notes:
            lines.append("Folders split into several tables:")
            lines.extend(f"  - {n}" for n in self.grouping.notes)
        if self.files_assumed:
            lines.append(f"{self.files_assumed} file(s) in partition folders were not read: they share the kind "
                         "and size class of a sampled file of their folder (--sample-files 0 reads all)")
        skipped = {**self.skipped, **self.grouping.skipped}
        if skipped:
            lines.append("Files not cataloged:")
            roots = [t.root_rel for t in self.grouping.tables if not t.is_file]
            for rel, why in sorted(skipped.items())[:200]:
                inside = any(r == "" or rel.startswith(r + "/") for r in roots)
                warn = " (inside a table's folder, engines still read it: move it, or rename it with a " \
                    "leading _ or .)" if inside and visible_to_engines(rel) and why != EMPTY else ""
                lines.append(f"  - {rel}: {why}{warn}")
            if len(skipped) > 200:
                lines.append(f"  … and {len(skipped) - 200} more")
        return "\n".join(lines)


__all__ = ["CrawlReport"]
