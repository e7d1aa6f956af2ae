"""Listing the files under a crawl path, minus junk and user exclusions.

Junk skipped by default (what Hadoop, Hive and Spark skip or write as by-products):
`_SUCCESS` and other files whose names start with `_` or `.`; `.crc` checksums; S3
`_$folder$` markers; editor backups ending in `~`; zero-byte files; hidden folders
(`.name`); `_temporary` and other `_`-prefixed folders (except Hive-style `_key=value`
ones); `_delta_log` unless `include_delta_log`.
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

from .formats.base import FileEntry
from .fs import PathError, Root
from .globs import Excluder

log = logging.getLogger(__name__)


@dataclass
class Listing:
    """The outcome of listing one crawl path: data files, and what was skipped and why."""

    root: Root
    files: List[FileEntry] = field(default_factory=list)
    skipped: Dict[str, str] = field(default_factory=dict)  # rel path -> reason


def junk_reason(rel: str, size: int, include_delta_log: bool = False) -> Optional[str]:
    """Why a file at `rel` is junk, or None when it is a candidate data file."""
    parts = rel.split("/")
    for folder in parts[:-1]:
        if folder.startswith("."):
            return f"hidden folder {folder}"
        if folder == "_delta_log":
            if not include_delta_log:
                return "Delta Lake log (_delta_log)"
            continue
        if folder.startswith("_") and "=" not in folder:
            return f"hidden folder {folder}"
    name = parts[-1]
    if name.endswith("_$folder$"):
        return "S3 folder marker"
    if name.startswith(".") or name.endswith(".crc"):
        return "hidden or checksum file"
    if name.startswith("_") and not (include_delta_log and "_delta_log" in parts):
        return "hidden file (e.g. _SUCCESS)"
    if name.endswith("~"):
        return "backup file"
    if size == 0:
        return "empty file"
    return None


def visible_to_engines(rel: str) -> bool:
    """Whether Hadoop-based engines (Hive, Spark, Trino) would still read a file the crawler
    skips: they ignore only names starting with `_` or `.` (files and folders)."""
    return not any(part.startswith(("_", ".")) for part in rel.split("/"))


def _mtime(info: dict) -> Optional[float]:
    value = info.get("mtime", info.get("LastModified", info.get("last_modified")))
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.timestamp()
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _etag(info: dict) -> Optional[str]:
    value = info.get("ETag", info.get("etag"))
    return str(value).strip('"') if value else None


def _local_entries(base: str):
    """(path, info) for every file under a local folder, from os.scandir (much faster than
    fsspec's generic walk); folders that cannot be read are skipped."""
    stack = [base]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for e in it:
                    try:
                        if e.is_dir(follow_symlinks=True):
                            stack.append(e.path)
                        elif e.is_file(follow_symlinks=True):
                            st = e.stat(follow_symlinks=True)
                            yield e.path, {"type": "file", "size": st.st_size, "mtime": st.st_mtime}
                    except OSError:
                        continue
        except (NotADirectoryError, PermissionError, FileNotFoundError):
            continue


def list_files(root: Root, excluder: Optional[Excluder] = None, include_delta_log: bool = False) -> Listing:
    """Every candidate data file under `root`. Raises PathError when the path does not exist."""
    excluder = excluder or Excluder()
    listing = Listing(root)
    fs, base = root.fs, root.path
    try:
        if fs.isfile(base):
            info = fs.info(base)
            entries: Iterable = [(base, info)]
            prefix_len = len(base.rsplit("/", 1)[0]) + 1
        else:
            if not fs.exists(base):
                raise PathError(f"{root.uri_root} does not exist")
            if root.scheme == "file":
                entries = sorted(_local_entries(base))
            else:
                entries = sorted(fs.find(base, detail=True, withdirs=False).items())
            prefix_len = len(base.rstrip("/")) + 1
    except (FileNotFoundError, PermissionError) as e:
        raise PathError(f"cannot list {root.uri_root}: {e}") from e
    for path, info in entries:
        if info.get("type", "file") != "file":
            continue
        rel = path[prefix_len:] if len(path) >= prefix_len else path.rsplit("/", 1)[-1]
        size = int(info.get("size") or 0)
        reason = junk_reason(rel, size, include_delta_log)
        if reason is None and excluder.excluded(rel):
            reason = "excluded by pattern"
        if reason:
            listing.skipped[rel] = reason
            continue
        listing.files.append(FileEntry(path=path, rel=rel, size=size, mtime=_mtime(info), etag=_etag(info)))
    return listing


__all__ = ["Listing", "junk_reason", "list_files", "visible_to_engines"]
