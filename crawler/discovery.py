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
import time
from stat import S_ISREG
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
    #: local paths only: modification time (ns) of every folder walked, by rel path ("" = the root)
    dirs: Dict[str, int] = field(default_factory=dict)
    listed_at: float = 0.0


def _folder_junk(name: str, include_delta_log: bool) -> Optional[str]:
    """Why a folder (one path component) is junk, or None; `_delta_log` when included is not."""
    if name.startswith("."):
        return f"hidden folder {name}"
    if name == "_delta_log":
        return None if include_delta_log else "Delta Lake log (_delta_log)"
    if name.startswith("_") and "=" not in name:
        return f"hidden folder {name}"
    return None


_JUNK_ENDINGS = ("_$folder$", ".crc", "~")


def _file_junk(name: str, size: int, in_delta_log: bool) -> Optional[str]:
    if name.endswith("_$folder$"):
        return "S3 folder marker"
    if name.startswith(".") or name.endswith(".crc"):
        return "hidden or checksum file"
    if name.startswith("_") and not in_delta_log:
        return "hidden file (e.g. _SUCCESS)"
    if name.endswith("~"):
        return "backup file"
    if size == 0:
        return "empty file"
    return None


def junk_reason(rel: str, size: int, include_delta_log: bool = False) -> Optional[str]:
    """Why a file at `rel` is junk, or None when it is a candidate data file."""
    parts = rel.split("/")
    for folder in parts[:-1]:
        reason = _folder_junk(folder, include_delta_log)
        if reason:
            return reason
    return _file_junk(parts[-1], size, include_delta_log and "_delta_log" in parts[:-1])


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


def _list_local(root: Root, excluder: Excluder, include_delta_log: bool, listing: "Listing") -> None:
    """Walk a local folder with os.scandir, one directory at a time: the junk and exclusion
    checks of a folder run once for all its files, and every folder's modification time is
    recorded (`Listing.dirs`, for recrawls that skip unchanged folders)."""
    base = root.path.rstrip("/") or "/"
    try:
        listing.dirs[""] = os.stat(base).st_mtime_ns
    except OSError as e:
        raise PathError(f"cannot list {root.uri_root}: {e}") from e
    # (folder path, rel folder, junk reason of the folder, excluded by a pattern, inside _delta_log)
    stack = [(base, "", None, False, False)]
    files = listing.files
    append = files.append
    skipped = listing.skipped
    dirs = listing.dirs
    check_excluded = bool(excluder.patterns)
    while stack:
        folder, rel_folder, folder_reason, folder_excluded, in_delta = stack.pop()
        prefix = rel_folder + "/" if rel_folder else ""
        try:
            it = os.scandir(folder)
        except (NotADirectoryError, PermissionError, FileNotFoundError):
            continue
        with it:
            for e in it:
                name = e.name
                try:
                    if e.is_dir():
                        rel = prefix + name
                        try:
                            dirs[rel] = e.stat().st_mtime_ns
                        except OSError:
                            continue
                        reason = folder_reason or _folder_junk(name, include_delta_log)
                        excluded = folder_excluded or (check_excluded and excluder.matches(rel))
                        stack.append((e.path, rel, reason, excluded, in_delta or name == "_delta_log"))
                        continue
                    st = e.stat()
                except OSError:
                    continue
                if not S_ISREG(st.st_mode):
                    continue
                rel = prefix + name
                size = st.st_size
                if folder_reason is None and size and name[0] not in "._" and not name.endswith(_JUNK_ENDINGS) \
                        and not (check_excluded and (folder_excluded or excluder.matches(rel))):
                    append(FileEntry(e.path, rel, size, st.st_mtime))  # the common case, checked inline
                    continue
                reason = folder_reason or _file_junk(name, size, in_delta)
                if reason is None and (folder_excluded or (check_excluded and excluder.matches(rel))):
                    reason = "excluded by pattern"
                if reason:
                    skipped[rel] = reason
                else:
                    append(FileEntry(e.path, rel, size, st.st_mtime))
    files.sort()


def list_files(root: Root, excluder: Optional[Excluder] = None, include_delta_log: bool = False) -> Listing:
    """Every candidate data file under `root`, sorted by path. Raises PathError when the
    path does not exist or cannot be listed."""
    excluder = excluder or Excluder()
    listing = Listing(root)
    fs, base = root.fs, root.path
    listing.listed_at = time.time()
    try:
        if root.scheme == "file" and os.path.isdir(base):
            _list_local(root, excluder, include_delta_log, listing)
            return listing
        if fs.isfile(base):
            info = fs.info(base)
            entries: Iterable = [(base, info)]
            prefix_len = len(base.rsplit("/", 1)[0]) + 1
        else:
            if not fs.exists(base):
                raise PathError(f"{root.uri_root} does not exist")
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
