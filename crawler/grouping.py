"""Deciding table roots: which folders (or files) become tables, and their partitions.

Starting at the crawl path, a folder becomes one table when everything below it can be
read as one table:

1. all its files share one format and layout (e.g. CSV delimiter and header);
2. their schemas merge without a type conflict (see `crawler.schema`);
3. all files sit at the same depth below it, so each folder level is a partition level;
4. the folders of the first level look like partitions of one table: `key=value` folders,
   or folders whose schemas are similar (each has at least `similarity` of its columns in
   common with the widest schema among them, so added columns do not split a table; any
   compatible schemas with `combine_schemas`), or a table level was fixed;
   a lone subfolder counts as a partition only when its name reads as a value (`2024`),
   not as a name (`sales`);
5. no unnamed level sits above a `key=value` level (`sales/year=2024/` means `sales` is a
   table, not a partition value).

Otherwise the folder is split: each subfolder is decided the same way, and files lying
directly in the folder become one table per file (their location is the file).
With `table_level=N` the folders exactly N levels below the crawl path are the tables
(0 = the crawl path itself), whatever their schemas; files of a minority format there
are skipped and reported.

Every decision is recorded as a sentence, which `--explain` prints.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from . import compression
from . import schema as S
from .formats.base import FileEntry, FileSchema
from .partitions import level_keys, split_segment, value_of


class Inferred(NamedTuple):
    """A data file and its inferred schema."""

    entry: FileEntry
    schema: FileSchema

    @property
    def rel(self) -> str:
        return self.entry.rel

    @property
    def kind(self) -> Tuple[str, Tuple[Tuple[str, str], ...]]:
        return self.schema.format, self.schema.layout


#: the schema of each of some Inferred files, for map() (C speed on 100,000s of files)
schema_of = attrgetter("schema")


def inferred(files: Sequence[FileEntry], schemas: Sequence[FileSchema]) -> List[Inferred]:
    """Inferred(file, schema) of each pair (built as a NamedTuple builds itself, without a
    Python call per file)."""
    return list(map(tuple.__new__, repeat(Inferred), zip(files, schemas)))


@dataclass
class GroupingOptions:
    table_level: Optional[int] = None
    combine_schemas: bool = False
    similarity: float = 0.7
    table_prefix: str = ""
    #: formats whose conflicting column types may widen to string (see FormatPlugin)
    string_fallback_formats: frozenset = frozenset({"csv", "json"})


@dataclass
class TableGroup:
    """A table to be: its name, root folder (relative to the crawl path; a file path when
    `is_file`), files, partition keys, and partitions as {raw values: folder}."""

    name: str
    root_rel: str
    is_file: bool
    files: List[Inferred]
    keys: List[str] = field(default_factory=list)
    partitions: Dict[Tuple[str, ...], str] = field(default_factory=dict)
    partition_files: Dict[Tuple[str, ...], List[Inferred]] = field(default_factory=dict)
    reasons: List[str] = field(default_factory=list)
    root: Any = None  # the crawl path's fs.Root, set by the runner

    def location(self) -> str:
        """The table's location URI."""
        if not self.root_rel:
            return self.root.uri_root
        return self.root.uri(self.root.path.rstrip("/") + "/" + self.root_rel)

    def partition_location(self, values: Tuple[str, ...]) -> str:
        return self.root.uri(self.root.path.rstrip("/") + "/" + self.partitions[values])


@dataclass
class Grouping:
    tables: List[TableGroup] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    skipped: Dict[str, str] = field(default_factory=dict)


class _Node:
    """A folder of the crawl path with its files. Checks work on `buckets` (the folder's files
    grouped by format, layout and schema), so their cost follows the number of folders and
    distinct schemas, not of files."""

    def __init__(self, name: str, rel: str):
        self.name, self.rel = name, rel
        self.files: List[Inferred] = []
        self.children: Dict[str, "_Node"] = {}
        self._buckets: Optional[List[List[Inferred]]] = None
        self._folders: Optional[List[Tuple[int, "_Node", Tuple[str, ...]]]] = None

    @property
    def buckets(self) -> List[List[Inferred]]:
        """This folder's own files grouped by (format, layout, columns), in order of first
        appearance."""
        if self._buckets is None:
            files = self.files
            schemas = list(map(schema_of, files))
            # files mostly share a few schema objects, and those a few column tuples (plugins
            # and the manifest share them): tell the distinct objects apart first
            distinct = dict(zip(map(id, schemas), schemas))
            keys = {i: (s.format, s.layout, id(s.fields)) for i, s in distinct.items()}
            if len(set(keys.values())) > 1:  # different column tuples may still be equal
                by_value: Dict[tuple, tuple] = {}
                for i, s in distinct.items():
                    keys[i] = by_value.setdefault((s.format, s.layout, s.fields), keys[i])
            if len(set(keys.values())) == 1:
                self._buckets = [list(files)] if files else []
            else:
                buckets: Dict[tuple, List[Inferred]] = {}
                for f, i in zip(files, map(id, schemas)):
                    b = buckets.get(keys[i])
                    if b is None:
                        b = buckets[keys[i]] = []
                    b.append(f)
                self._buckets = list(buckets.values())
        return self._buckets

    def folders(self) -> List[Tuple[int, "_Node", Tuple[str, ...]]]:
        """(depth, folder, folder names from here down to it) for this folder and every folder
        below it that has files, in walk order (own files first, then subfolders by name)."""
        if self._folders is None:
            out: List[Tuple[int, "_Node", Tuple[str, ...]]] = [(0, self, ())] if self.files else []
            for name, child in sorted(self.children.items()):
                out.extend((d + 1, n, (name,) + path) for d, n, path in child.folders())
            self._folders = out
        return self._folders

    def walk(self, depth: int = 0) -> Iterator[Tuple[int, Inferred, Tuple[str, ...]]]:
        """(depth, file, folder names from here down to the file's folder)."""
        for d, node, path in self.folders():
            for f in node.files:
                yield depth + d, f, path

    def bucket_walk(self) -> Iterator[Tuple[int, List[Inferred], Tuple[str, ...]]]:
        for d, node, path in self.folders():
            for b in node.buckets:
                yield d, b, path

    def all_files(self) -> List[Inferred]:
        return [f for _, f, _ in self.walk()]


def build_tree(folders: Sequence[Tuple[str, Sequence[Inferred]]]) -> _Node:
    root = _Node("", "")
    nodes: Dict[str, _Node] = {"": root}
    for folder, files in folders:
        node = nodes.get(folder)
        if node is None:
            node = root
            parts = folder.split("/")
            for i, part in enumerate(parts):
                child = node.children.get(part)
                if child is None:
                    child = node.children[part] = _Node(part, "/".join(parts[: i + 1]))
                    nodes[child.rel] = child
                node = child
        node.files.extend(files)
    return root


def table_name(raw: str, prefix: str = "") -> str:
    """A Hive table name for a folder/file name: lower case, `[a-z0-9_]` only."""
    name = re.sub(r"[^0-9a-z_]+", "_", raw.lower()).strip("_") or "table"
    return (prefix + name).lower()


def _value_like(folder: str) -> bool:
    """Folder names that read as partition values (`2024`, `01`, `2024-01-01`) rather than
    as names of tables (`sales`)."""
    return folder[:1].isdigit()


def _describe_kind(kind) -> str:
    fmt, layout = kind
    extra = ", ".join(f"{k}={v!r}" for k, v in layout)
    return f"{fmt} ({extra})" if extra else fmt


class _Grouper:
    def __init__(self, root_name: str, options: GroupingOptions):
        self.root_name = root_name
        self.opts = options
        self.result = Grouping()

    def label(self, node: _Node) -> str:
        return node.rel or f"{self.root_name} (the crawl path)"

    # --- checks ---------------------------------------------------------------------------
    @staticmethod
    def _kinds(buckets: Sequence[List[Inferred]]) -> Counter:
        kinds: Counter = Counter()
        for b in buckets:
            kinds[b[0].kind] += len(b)
        return kinds

    def _merged(self, buckets: Sequence[List[Inferred]]) -> Tuple[Tuple[S.Field, ...], Optional[str]]:
        merged: Tuple[S.Field, ...] = ()
        by_identity: Dict[Tuple[str, int], Inferred] = {}
        for b in buckets:  # merge each distinct schema once (column tuples are mostly shared)
            by_identity.setdefault((b[0].schema.format, id(b[0].schema.fields)), b[0])
        distinct: Dict[Tuple[str, Tuple[S.Field, ...]], Inferred] = {}
        for f in by_identity.values():
            distinct.setdefault((f.schema.format, f.schema.fields), f)
        for f in distinct.values():
            new, lossy = S.merge_columns(merged, f.schema.fields)
            if lossy and f.schema.format not in self.opts.string_fallback_formats:
                for field_ in f.schema.fields:
                    old = next((m for m in merged if m.name.lower() == field_.name.lower()), None)
                    if old is not None and S.merge_is_lossy(old.type, field_.type):
                        return merged, (f"column {field_.name} is {old.type} in some files but {field_.type} "
                                        f"in {f.entry.rel}")
                return merged, f"conflicting types in {f.entry.rel}"
            merged = new
        return merged, None

    def can_be_table(self, node: _Node) -> Tuple[bool, str]:
        if not node.files and len(node.children) == 1:  # decided without looking at the files below
            only = next(iter(node.children))
            if split_segment(only)[0] is None and not _value_like(only):
                return False, f"its only subfolder {only!r} looks like a table name, not a partition value"
        walked = list(node.bucket_walk())
        buckets = [b for _, b, _ in walked]
        kinds = self._kinds(buckets)
        if len(kinds) > 1:
            desc = "; ".join(f"{_describe_kind(k)}: {n} file(s)" for k, n in kinds.most_common())
            return False, f"its files differ in format or layout ({desc})"
        depths = {d for d, _, _ in walked}
        if len(depths) > 1:
            return False, f"its files sit at different folder depths ({', '.join(map(str, sorted(depths)))})"
        merged, conflict = self._merged(buckets)
        if conflict:
            return False, f"schemas conflict: {conflict}"
        n_files = sum(len(b) for b in buckets)
        depth = depths.pop()
        if depth == 0:
            if n_files > 1 and not self.opts.combine_schemas:
                widest = max((b[0] for b in buckets), key=lambda f: len(f.schema.fields)).schema.fields
                low = min(S.similarity(b[0].schema.fields, widest) for b in buckets)
                if low < self.opts.similarity:
                    return False, (f"its files' schemas are too different to be one table (least overlap "
                                   f"{low:.0%} < {self.opts.similarity:.0%}; --combine-schemas joins them)")
            return True, f"{n_files} {_describe_kind(next(iter(kinds)))} file(s) with compatible schemas"
        levels = [set() for _ in range(depth)]
        for _, folder, path in node.folders():
            for i, name in enumerate(path):
                levels[i].add(name)
        keys = level_keys(levels)
        named = [n for _, n in keys]
        for i, is_named in enumerate(named):
            if not is_named and any(named[i + 1:]):
                return False, (f"level {i + 1} below it is unnamed but a deeper level is key=value, so the "
                               f"folders at level {i + 1} look like tables")
        fmt = _describe_kind(next(iter(kinds)))
        if named[0]:
            return True, (f"{n_files} {fmt} file(s) with compatible schemas under Hive-style "
                          f"{keys[0][0]}=… folders")
        if self.opts.combine_schemas:
            return True, f"{n_files} {fmt} file(s) with compatible schemas (--combine-schemas)"
        low, worst = 1.0, ""
        child_schemas = {name: self._merged([b for _, b, _ in child.bucket_walk()])[0]
                         for name, child in node.children.items()}
        widest = max(child_schemas.values(), key=len)
        for name, child_schema in child_schemas.items():
            sim = S.similarity(child_schema, widest)
            if sim < low:
                low, worst = sim, name
        if low < self.opts.similarity:
            return False, (f"its subfolders' schemas are too different to be partitions of one table "
                           f"({worst!r} shares {low:.0%} of the columns < {self.opts.similarity:.0%})")
        return True, (f"{n_files} {fmt} file(s) in {len(node.children)} unnamed subfolder(s) with similar "
                      f"schemas, read as partitions")

    # --- decisions ------------------------------------------------------------------------
    def decide(self, node: _Node, depth: int) -> None:
        if not node.files and not node.children:
            return
        level = self.opts.table_level
        if level is not None:
            if depth == level:
                self.make_table(node, [f"--table-level {level} puts the tables {level} level(s) below the crawl path"])
            else:
                for f in node.files:
                    self.result.skipped[f.entry.rel] = f"above --table-level {level}"
                for child in node.children.values():
                    self.decide(child, depth + 1)
            return
        ok, why = self.can_be_table(node)
        if ok:
            self.make_table(node, [f"{self.label(node)} is one table: {why}"])
            return
        self.result.notes.append(f"{self.label(node)} is not one table: {why}")
        for child in node.children.values():
            self.decide(child, depth + 1)
        if node.files:
            self.file_tables(node, "files beside subfolders or with differing schemas get a table each"
                             if node.children else "its files' schemas differ, so each file is a table")

    def file_tables(self, node: _Node, why: str) -> None:
        for f in node.files:
            stem = compression.strip_extension(f.entry.name).rsplit(".", 1)[0]
            base = node.name or self.root_name
            self.result.tables.append(TableGroup(
                name=table_name(f"{base}_{stem}", self.opts.table_prefix), root_rel=f.entry.rel, is_file=True,
                files=[f], reasons=[f"{f.entry.rel} is a table of its own: {why}"]))

    def make_table(self, node: _Node, reasons: List[str]) -> None:
        walked = list(node.bucket_walk())
        kinds = self._kinds([b for _, b, _ in walked])
        main = kinds.most_common(1)[0][0]
        depth_counts: Counter = Counter()
        for d, b, _ in walked:
            if b[0].kind == main:
                depth_counts[d] += len(b)
        depth = depth_counts.most_common(1)[0][0]
        folders = node.folders()
        levels = [set() for _ in range(depth)]
        for d, folder, path in folders:
            if d == depth and any(b[0].kind == main for b in folder.buckets):
                for i, name in enumerate(path):
                    levels[i].add(name)
        keys = level_keys(levels)
        group = TableGroup(name=table_name(node.name or self.root_name, self.opts.table_prefix),
                           root_rel=node.rel, is_file=False, files=[], keys=[k for k, _ in keys], reasons=reasons)
        skipped = self.result.skipped
        partitions, partition_files = group.partitions, group.partition_files
        values_of: List[Dict[str, str]] = [{} for _ in keys]  # partition value by folder name, per level
        for d, folder, path in folders:
            buckets = folder.buckets
            if len(buckets) == 1 and buckets[0][0].kind == main or all(b[0].kind == main for b in buckets):
                kept = folder.files if d == depth else []
                if d != depth:
                    for f in folder.files:
                        skipped[f.entry.rel] = f"at depth {d} while the table's partitions are at depth {depth}"
            else:
                kept = []
                for f in folder.files:
                    if f.kind != main:
                        skipped[f.entry.rel] = f"format {_describe_kind(f.kind)} differs from the table's"
                    elif d != depth:
                        skipped[f.entry.rel] = f"at depth {d} while the table's partitions are at depth {depth}"
                    else:
                        kept.append(f)
            if not kept:
                continue
            group.files.extend(kept)
            if not path:
                continue
            values_list = []
            for known, name, (_, named) in zip(values_of, path, keys):
                value = known.get(name)
                if value is None:
                    value = known[name] = value_of(name, named)
                values_list.append(value)
            values = tuple(values_list)
            if values in partitions:
                partition_files[values].extend(kept)
            else:
                partitions[values] = folder.rel
                partition_files[values] = list(kept)
        if keys:
            desc = ", ".join(f"{k}" + ("" if named else " (unnamed level)") for k, named in keys)
            group.reasons.append(f"partition keys: {desc}; {len(group.partitions)} partition(s)")
        self.result.tables.append(group)


def _dedupe_names(tables: List[TableGroup]) -> None:
    counts = Counter(t.name for t in tables)
    for t in tables:
        if counts[t.name] > 1:
            parent = t.root_rel.rsplit("/", 2)
            if len(parent) >= 2 and parent[-2]:
                new = table_name(f"{parent[-2]}_{t.name}")
                t.reasons.append(f"named {new} because {t.name} is taken by another table of this crawl")
                t.name = new
    seen: Dict[str, int] = {}
    for t in tables:
        n = seen.get(t.name, 0)
        seen[t.name] = n + 1
        if n:
            t.reasons.append(f"named {t.name}_{n + 1} because {t.name} is taken by another table of this crawl")
            t.name = f"{t.name}_{n + 1}"


def group_tables(folders: Sequence[Tuple[str, Sequence[Inferred]]], root_name: str,
                 options: Optional[GroupingOptions] = None) -> Grouping:
    """Group inferred files of one crawl path, given folder by folder (relative folder path,
    its files), into tables (see module doc). `crawler.discovery.by_folder` groups a list."""
    grouper = _Grouper(root_name, options or GroupingOptions())
    tree = build_tree(folders)
    if len(tree.files) == 1 and not tree.children and "/" not in tree.files[0].entry.rel and \
            grouper.opts.table_level is None:
        grouper.make_table(tree, [f"{root_name} is one table: a single file"])
    else:
        grouper.decide(tree, 0)
    _dedupe_names(grouper.result.tables)
    return grouper.result


def combine_groupings(groupings: Sequence[Grouping]) -> Grouping:
    out = Grouping()
    for g in groupings:
        out.tables.extend(g.tables)
        out.notes.extend(g.notes)
        out.skipped.update(g.skipped)
    _dedupe_names(out.tables)
    return out


__all__ = ["Inferred", "inferred", "GroupingOptions", "TableGroup", "Grouping", "group_tables", "table_name",
           "combine_groupings", "split_segment"]
