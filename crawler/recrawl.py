"""Recrawl policies and the early stop of an unchanged recrawl.

Policies (`--recrawl`, Glue's RecrawlPolicy):

- `everything` (default): list and read every file again;
- `incremental` (`--incremental`): list every file; read only files that are new or whose
  size, modification time or ETag changed (the manifest remembers the others' schemas);
- `changed-folders`: as `incremental`, but on local paths a crawl path where nothing changed
  is not listed at all: every folder kept its modification time since the last crawl (so no
  file was added, removed or renamed: Spark's and Hive's writes rename files into place) and
  every file it listed kept its size and modification time (so none was rewritten in place).
  That is one stat per folder and per file, against the listing (a directory read and a stat
  per file) and manifest lookups of `incremental`; when anything changed, the crawl path is
  listed and recrawled as with `incremental`. S3 has no folder times: it is listed as with
  `incremental`. A file rewritten with the same size within the filesystem's timestamp
  granularity of the last crawl's stat can go unnoticed (as in any mtime-based check; Linux
  6.13+ gives a file stat'ed since its last change a fresh fine-grained time on the next write).
- `new-folders` (Glue's CRAWL_NEW_FOLDERS_ONLY, for big lakes written by Spark, Hive or
  Glue jobs, which only ever add files): as `changed-folders`, but only folders are stat'ed,
  not files — an unchanged recrawl costs one stat per folder instead of one per file. New
  folders (partitions) and files added, removed or renamed in known folders are still seen
  (they change a folder's modification time); a file rewritten in place under its old name
  is not, until a recrawl with another policy. Off local paths: as `incremental`.

An unchanged recrawl (no file new, changed, gone or unreadable; the same options; the
crawler's tables still as it left them in the catalog, compared by fingerprint) stops
there: nothing is grouped, planned or written. Partitions are not compared: one dropped by
hand comes back with the next crawl that finds a change, or with `--recrawl everything`.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, Iterable, List, Optional, Sequence

from metastore.model import Table

from . import spark
from .fs import Root
from .manifest import MTIMES, RELS, SIZES, Manifest, RootState
from .planner import CRAWLER_PARAMS, DEPRECATED_BY_CRAWLER, UPDATED_BY_CRAWLER
from .policies import _norm, _sd_key, under

EVERYTHING = "everything"
INCREMENTAL = "incremental"
CHANGED_FOLDERS = "changed-folders"
NEW_FOLDERS = "new-folders"
POLICIES = (EVERYTHING, INCREMENTAL, CHANGED_FOLDERS, NEW_FOLDERS)
#: the policies that skip listing a local crawl path whose folders are as the last crawl left them
FOLDER_CHECKED = (CHANGED_FOLDERS, NEW_FOLDERS)
#: bumped when a crawl of the same files could catalog them differently
LOGIC_VERSION = "1"


def config_fingerprint(cfg) -> str:
    """A digest of the CrawlConfig settings that shape the catalog a crawl produces."""
    inference = cfg.inference
    data = {
        "logic": LOGIC_VERSION, "paths": sorted(cfg.paths), "database": cfg.database, "prefix": cfg.table_prefix,
        "exclude": list(cfg.exclude), "level": cfg.table_level, "combine": cfg.combine_schemas,
        "similarity": cfg.similarity, "schema_change": cfg.schema_change, "delete": cfg.delete_behavior,
        "pins": {k: str(v) for k, v in sorted(cfg.partition_types.items())}, "partition_schema": cfg.partition_schema,
        "delta": cfg.include_delta_log, "sample_files": cfg.sample_files,
        "inference": [inference.sample_rows, inference.sample_bytes, inference.csv_header, inference.csv_delimiter],
    }
    return hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def table_fingerprint(t: Table) -> str:
    """A digest of what a crawl decides about a table: columns, partition keys, storage and
    the crawler's parameters (not the metastore's own, such as DDL times)."""
    params = {k: v for k, v in t.parameters.items()
              if k in CRAWLER_PARAMS or k == DEPRECATED_BY_CRAWLER or spark.is_spark_key(k)}
    data = [repr(_sd_key(t.sd)), [(k.name, k.type) for k in t.partition_keys], sorted(params.items()),
            _norm(t.sd.location)]
    return hashlib.sha1(json.dumps(data, default=str).encode()).hexdigest()


def crawler_tables(tables: Iterable[Table], crawler_name: str, roots: Sequence[str]) -> Dict[str, Table]:
    """The tables a crawler made under its crawl paths, by name."""
    return {t.name: t for t in tables
            if t.parameters.get(UPDATED_BY_CRAWLER) == crawler_name and under(t.sd.location, roots)}


def fingerprints(tables: Iterable[Table], crawler_name: str, roots: Sequence[str]) -> Dict[str, str]:
    return {name: table_fingerprint(t) for name, t in crawler_tables(tables, crawler_name, roots).items()}


def catalog_as_left(target, database: str, crawler_name: str, roots: Sequence[str],
                    expected: Dict[str, str]) -> Optional[List[Table]]:
    """The crawler's tables when the catalog still holds them as the last crawl left them,
    else None. Raises CatalogError when the catalog cannot be read."""
    if not expected or not target.database_exists(database):
        return None
    ours = crawler_tables(target.list_tables(database), crawler_name, roots)
    if set(ours) != set(expected):
        return None
    if any(table_fingerprint(t) != expected[name] for name, t in ours.items()):
        return None
    return [ours[name] for name in sorted(ours)]


def folders_unchanged(root: Root, state: Optional[RootState]) -> bool:
    """Whether every folder the last crawl saw under a local crawl path still has the
    modification time it had then (an added, removed or renamed entry changes its folder's)."""
    if state is None or root.scheme != "file" or not state.dirs or not state.clean:
        return False
    base = root.path.rstrip("/") or "/"
    stat = os.stat
    try:
        for rel, mtime in state.dirs.items():
            if mtime < 0 or stat(base + "/" + rel if rel else base).st_mtime_ns != mtime:
                return False
    except OSError:
        return False
    return True


def files_unchanged(root: Root, manifest: Manifest) -> bool:
    """Whether every file the last crawl listed under a local crawl path still has its size
    and modification time: a file rewritten in place (same name) changes neither its
    folder's mtime nor the listing, only its own. One stat per file; nothing is read."""
    state = manifest.roots.get(root.uri_root)
    if state is None or root.scheme != "file":
        return False
    base = root.path.rstrip("/")
    stat = os.stat
    try:
        for rel in state.empty:  # skipped as empty: data written into one must be noticed
            if stat(f"{base}/{rel}").st_size != 0:
                return False
        columns = manifest.columns(root.uri_root)
        prefix = base + "/"
        for rel, size, mtime in zip(columns[RELS], columns[SIZES], columns[MTIMES]):
            st = stat(prefix + rel)
            if st.st_size != size or st.st_mtime != mtime:
                return False
    except (OSError, TypeError, ValueError, IndexError):
        return False
    return True


def unchanged_since(root: Root, manifest: Manifest, policy: str = CHANGED_FOLDERS) -> bool:
    """Whether a local crawl path needs no listing under `policy`: `changed-folders`, no
    folder and no file changed since the last crawl (folder mtimes first, which also rules
    out added and removed files; then each file's size and mtime); `new-folders`, no folder
    changed."""
    if policy not in FOLDER_CHECKED:
        raise ValueError(f"{policy!r} does not check folders; one of {', '.join(FOLDER_CHECKED)}")
    if not folders_unchanged(root, manifest.roots.get(root.uri_root)):
        return False
    return policy == NEW_FOLDERS or files_unchanged(root, manifest)


__all__ = ["POLICIES", "EVERYTHING", "INCREMENTAL", "CHANGED_FOLDERS", "NEW_FOLDERS", "FOLDER_CHECKED", "config_fingerprint", "table_fingerprint",
           "catalog_as_left", "fingerprints", "folders_unchanged", "files_unchanged", "unchanged_since",
           "crawler_tables"]
