"""What a crawl changes in the catalog: the diff between the tables it found and the
catalog's, shaped by the recrawl policies.

Schema-change policy (tables the crawl finds again):
- `update` (default): the table takes the inferred definition; columns already in the
  catalog keep their order, new ones come last, columns gone from the data are removed;
  partitions follow the table's storage.
- `add-only`: new columns are appended; existing columns, their types and the storage stay.
- `log`: the table is left as it is and the differences are reported.
New partitions are added under every policy.

Deleted-data policy (tables this crawler made, under a crawled path, whose data is gone;
partitions whose folder is gone):
- `deprecate` (default): mark them with the `DEPRECATED_BY_CRAWLER` parameter;
- `delete`: drop them from the catalog (data is never touched);
- `log`: report only.

Tables of the same name that this crawler did not make and that live elsewhere are never
touched; such a clash is reported.
"""
from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from metastore.model import Partition, Table

from . import schema as S
from . import spark
from .planner import CRAWLER_PARAMS, DEPRECATED_BY_CRAWLER, UPDATED_BY_CRAWLER, PlannedTable, logical_fields

DDL_TIME = "transient_lastDdlTime"
_STAT_KEYS = ("recordCount", "averageRecordSize", "objectCount", "sizeKey")


class SchemaChangePolicy(str, enum.Enum):
    UPDATE = "update"
    ADD_ONLY = "add-only"
    LOG = "log"


class DeleteBehavior(str, enum.Enum):
    DEPRECATE = "deprecate"
    DELETE = "delete"
    LOG = "log"


@dataclass
class TableChange:
    """One table's part of the plan. action: create, update, recreate, unchanged,
    deprecate, delete, log (report only) or skip (name clash)."""

    action: str
    db: str
    name: str
    lines: List[str] = field(default_factory=list)
    table: Optional[Table] = None
    old: Optional[Table] = None
    add_partitions: List[Partition] = field(default_factory=list)
    alter_partitions: List[Partition] = field(default_factory=list)
    drop_partitions: List[Tuple[str, ...]] = field(default_factory=list)
    old_partitions: List[Partition] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return self.action in ("create", "update", "recreate", "deprecate", "delete") or bool(
            self.add_partitions or self.alter_partitions or self.drop_partitions)


@dataclass
class Plan:
    changes: List[TableChange] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def partitions_added(self) -> int:
        return sum(len(c.add_partitions) for c in self.changes)

    @property
    def partitions_updated(self) -> int:
        return sum(len(c.alter_partitions) for c in self.changes)

    @property
    def partitions_removed(self) -> int:
        return sum(len(c.drop_partitions) for c in self.changes)

    def render(self, max_partitions: int = 20) -> str:
        """The plan as a readable diff (`+` add, `~` change, `-` remove, `!` report only)."""
        out: List[str] = []
        for c in self.changes:
            if c.action == "unchanged" and not c.writes:
                out.append(f"  table {c.db}.{c.name}: unchanged")
                continue
            out.extend(c.lines)
            for label, items in (("+ partition", [_pname(c.table or c.old, p.values) for p in c.add_partitions]),
                                 ("~ partition", [_pname(c.table or c.old, p.values) for p in c.alter_partitions])):
                for name in items[:max_partitions]:
                    out.append(f"    {label} {name}")
                if len(items) > max_partitions:
                    out.append(f"    {label} … and {len(items) - max_partitions} more")
        if not out:
            out.append("  nothing found to catalog")
        return "\n".join(out)


def _pname(table: Optional[Table], values: Sequence[str]) -> str:
    if table is None:
        return "/".join(values)
    return "/".join(f"{k.name}={v}" for k, v in zip(table.partition_keys, values))


def diff_fields(old: Sequence[S.Field], new: Sequence[S.Field]) -> List[str]:
    """Readable column differences ("+ column x bigint", "~ column y int -> bigint", "- column z")."""
    lines = []
    old_by = {f.name.lower(): f for f in old}
    new_by = {f.name.lower(): f for f in new}
    for f in new:
        o = old_by.get(f.name.lower())
        if o is None:
            lines.append(f"    + column {f.name.lower()} {f.type}")
        elif str(o.type) != str(f.type):
            lines.append(f"    ~ column {f.name.lower()} {o.type} -> {f.type}")
    for f in old:
        if f.name.lower() not in new_by:
            lines.append(f"    - column {f.name.lower()} {f.type}")
    return lines


def _norm(location: Optional[str]) -> str:
    loc = (location or "").rstrip("/")
    return "file:" + loc[len("file://"):] if loc.startswith("file:///") else loc


def under(location: Optional[str], roots: Sequence[str]) -> bool:
    loc = _norm(location)
    return any(loc == _norm(r) or loc.startswith(_norm(r) + "/") for r in roots)


def _sd_key(sd) -> tuple:
    return (tuple((c.name, c.type) for c in sd.columns), _norm(sd.location), sd.input_format, sd.output_format,
            sd.serde.serialization_lib, tuple(sorted(dict(sd.serde.parameters).items())))


def _relevant_params(params, keys) -> Dict[str, str]:
    return {k: params.get(k) for k in keys}


def _merge_params(old: Table, new: Table) -> Dict[str, str]:
    keep = {k: v for k, v in old.parameters.items()
            if k not in new.parameters and not spark.is_spark_key(k) and k not in CRAWLER_PARAMS
            and k != DEPRECATED_BY_CRAWLER}
    return {**keep, **new.parameters}


def _storage_lines(old: Table, new: Table) -> List[str]:
    lines = []
    if old.sd.serde.serialization_lib != new.sd.serde.serialization_lib:
        lines.append(f"    ~ serde {old.sd.serde.serialization_lib} -> {new.sd.serde.serialization_lib}")
    if old.sd.input_format != new.sd.input_format:
        lines.append(f"    ~ input format {old.sd.input_format} -> {new.sd.input_format}")
    if _norm(old.sd.location) != _norm(new.sd.location):
        lines.append(f"    ~ location {old.sd.location} -> {new.sd.location}")
    return lines


class Differ:
    """Computes a Plan from planned tables and the catalog's current state."""

    def __init__(self, db: str, crawler_name: str, roots: Sequence[str], schema_change: SchemaChangePolicy,
                 delete_behavior: DeleteBehavior, now: Optional[float] = None):
        self.db = db
        self.crawler_name = crawler_name
        self.roots = list(roots)
        self.schema_change = SchemaChangePolicy(schema_change)
        self.delete_behavior = DeleteBehavior(delete_behavior)
        self.stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))

    def ours(self, t: Table) -> bool:
        return t.parameters.get(UPDATED_BY_CRAWLER) == self.crawler_name

    def for_new(self, p: PlannedTable) -> TableChange:
        t = p.table
        keys = ", ".join(f"{k.name} {k.type}" for k in t.partition_keys)
        lines = [f"+ table {t.db_name}.{t.name} ({t.parameters.get('classification')}, {len(p.fields)} column(s)"
                 + (f", partitioned by {keys}" if keys else "") + f") at {t.sd.location}"]
        lines += [f"    + column {f.name.lower()} {f.type}" for f in p.fields]
        lines += [f"    note: {n}" for n in p.notes]
        return TableChange("create", t.db_name, t.name, lines, table=t, add_partitions=list(p.partitions))

    def for_existing(self, p: PlannedTable, old: Table, old_parts: List[Partition],
                     replan_add_only: Callable[[Sequence[S.Field]], PlannedTable]) -> TableChange:
        new = p.table
        label = f"{new.db_name}.{new.name}"
        if not self.ours(old) and _norm(old.sd.location) != _norm(new.sd.location):
            return TableChange("skip", self.db, new.name, [
                f"! table {label} exists at {old.sd.location}, not made by crawler {self.crawler_name}: "
                f"left alone (data at {new.sd.location} not cataloged; use --table-prefix)"], old=old)
        old_fields = logical_fields(old)
        same_keys = [(k.name, k.type) for k in old.partition_keys] == [(k.name, k.type) for k in new.partition_keys]
        policy = self.schema_change
        if not same_keys:
            old_keys = ", ".join(f"{k.name} {k.type}" for k in old.partition_keys) or "none"
            new_keys = ", ".join(f"{k.name} {k.type}" for k in new.partition_keys) or "none"
            if policy is SchemaChangePolicy.UPDATE:
                lines = [f"~ table {label}: partition keys ({old_keys}) -> ({new_keys}); table recreated"]
                lines += diff_fields(old_fields, p.fields)
                return TableChange("recreate", self.db, new.name, lines,
                                   table=replace(new, parameters=_merge_params(old, new), owner=old.owner),
                                   old=old, add_partitions=list(p.partitions), old_partitions=old_parts)
            return TableChange("log", self.db, new.name, [
                f"! table {label}: partition keys ({old_keys}) -> ({new_keys}) not applied "
                f"(--schema-change {policy.value})"], old=old)
        if policy is SchemaChangePolicy.ADD_ONLY:
            known = {f.name.lower() for f in old_fields}
            added = [f for f in p.fields if f.name.lower() not in known]
            p = replan_add_only(tuple(old_fields) + tuple(added))
            new = replace(p.table, sd=replace(p.table.sd, input_format=old.sd.input_format,
                                              output_format=old.sd.output_format))
        target = replace(new, parameters=_merge_params(old, new), owner=old.owner, create_time=old.create_time)
        change = TableChange("unchanged", self.db, new.name, old=old)
        schema_lines = diff_fields(old_fields, p.fields)
        changed_def = _sd_key(old.sd) != _sd_key(target.sd) or \
            _relevant_params(old.parameters, target.parameters) != _relevant_params(target.parameters, target.parameters) \
            or any((spark.is_spark_key(k) or k in CRAWLER_PARAMS) and k not in target.parameters
                   for k in old.parameters) \
            or DEPRECATED_BY_CRAWLER in old.parameters
        if policy is SchemaChangePolicy.LOG:
            if schema_lines or _storage_lines(old, new):
                change.action = "log"
                change.lines = [f"! table {label} differs from its data (not applied, --schema-change log):"]
                change.lines += schema_lines + _storage_lines(old, new)
            target = old
        elif changed_def:
            change.action = "update"
            change.table = target
            detail = schema_lines + _storage_lines(old, target)
            if DEPRECATED_BY_CRAWLER in old.parameters:
                detail.append("    ~ data found again: no longer deprecated")
            if not detail:
                stats = {k for k in _STAT_KEYS if old.parameters.get(k) != target.parameters.get(k)}
                detail.append("    ~ statistics refreshed" if stats else "    ~ storage parameters refreshed")
            change.lines = [f"~ table {label}"] + detail
        self._partitions(change, p, target, old_parts, update_existing=policy is not SchemaChangePolicy.LOG)
        if change.action == "unchanged" and change.writes:
            change.lines = [f"~ table {label}: partitions"]
        return change

    def _partitions(self, change: TableChange, p: PlannedTable, table: Table, old_parts: List[Partition],
                    update_existing: bool) -> None:
        existing = {tuple(op.values): op for op in old_parts}
        wanted = {tuple(np.values): np for np in p.partitions}
        for values, np in wanted.items():
            own_columns = np.sd.columns != p.table.sd.columns  # --partition-schema own
            np = replace(np, sd=replace(table.sd, location=np.sd.location,
                                        columns=np.sd.columns if own_columns else table.sd.columns))
            op = existing.get(values)
            if op is None:
                change.add_partitions.append(np)
            elif update_existing and (_sd_key(op.sd) != _sd_key(np.sd) or DEPRECATED_BY_CRAWLER in op.parameters
                                      or any(op.parameters.get(k) != v for k, v in np.parameters.items())):
                params = {k: v for k, v in op.parameters.items() if k != DEPRECATED_BY_CRAWLER}
                change.alter_partitions.append(replace(np, parameters={**params, **np.parameters},
                                                       create_time=op.create_time))
        gone = [op for values, op in existing.items() if values not in wanted and under(op.sd.location, self.roots)]
        for op in gone:
            name = _pname(table, op.values)
            if self.delete_behavior is DeleteBehavior.DELETE:
                change.drop_partitions.append(tuple(op.values))
                change.lines.append(f"    - partition {name} (data gone)")
            elif self.delete_behavior is DeleteBehavior.DEPRECATE:
                if DEPRECATED_BY_CRAWLER not in op.parameters:
                    change.alter_partitions.append(replace(op, parameters={**op.parameters,
                                                                           DEPRECATED_BY_CRAWLER: self.stamp}))
                    change.lines.append(f"    - partition {name} deprecated (data gone)")
            else:
                change.lines.append(f"    ! partition {name}: data gone (not applied, --delete-behavior log)")

    def for_gone(self, old: Table) -> Optional[TableChange]:
        """The change for a table of this crawler whose data is gone (None if not ours)."""
        if not self.ours(old) or not under(old.sd.location, self.roots):
            return None
        label = f"{old.db_name}.{old.name}"
        if self.delete_behavior is DeleteBehavior.DELETE:
            return TableChange("delete", self.db, old.name, [f"- table {label} (data gone from {old.sd.location})"],
                               old=old)
        if self.delete_behavior is DeleteBehavior.DEPRECATE:
            if DEPRECATED_BY_CRAWLER in old.parameters:
                return TableChange("unchanged", self.db, old.name, [], old=old)
            t = replace(old, parameters={**old.parameters, DEPRECATED_BY_CRAWLER: self.stamp})
            return TableChange("deprecate", self.db, old.name,
                               [f"- table {label} deprecated (data gone from {old.sd.location})"], table=t, old=old)
        return TableChange("log", self.db, old.name,
                           [f"! table {label}: data gone from {old.sd.location} (not applied, --delete-behavior log)"],
                           old=old)


__all__ = ["SchemaChangePolicy", "DeleteBehavior", "TableChange", "Plan", "Differ", "diff_fields", "under"]
