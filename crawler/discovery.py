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
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

from .formats.base import FileEntry
from .fs import PathError, Root
from .globs import Excluder

log = logging.getLogger(__name__)


class Folder(NamedTuple):
    """The data files directly inside one folder, sorted by name; `rel` is the folder's path
    relative to the crawl path ("" = the crawl path itself)."""

    rel: str
    files: List[FileEntry]


@dataclass
class Listing:
    """The outcome of listing one crawl path: data files (also by folder, in walk order:
    a folder's own files, then its subfolders by name), and what was skipped and why."""

    root: Root
    files: List[FileEntry] = field(default_factory=list)
    folders: List[Folder] = field(default_factory=list)
    skipped: Dict[str, str] = field(default_factory=dict)  # rel path -> reason
    #: local paths only: modification time (ns) of every folder walked, by rel path ("" = the root);
    #: -1 for a folder that could not be listed
    dirs: Dict[str, int] = field(default_factory=dict)
    listed_at: float = 0.0

    def empty_files(self) -> List[str]:
        """Relative paths of the files skipped only for being empty."""
        return [rel for rel, why in self.skipped.items() if why == EMPTY]

    def add(self, folder: Folder) -> None:
        self.folders.append(folder)
        self.files.extend(folder.files)


def by_folder(entries: Sequence[FileEntry]) -> List[Folder]:
    """Files grouped by folder, in walk order (a folder's own files sorted by name, then its
    subfolders by name). Works for anything with a relative path `rel` (e.g. Inferred files)."""
    groups: Dict[str, List[FileEntry]] = {}
    for e in entries:
        rel = e.rel
        cut = rel.rfind("/")
        folder = rel[:cut] if cut >= 0 else ""
        files = groups.get(folder)
        if files is None:
            files = groups[folder] = []
        files.append(e)
    return [Folder(rel, sorted(groups[rel])) for rel in sorted(groups, key=_walk_key)]


def _walk_key(rel: str) -> tuple:
    return tuple(rel.split("/")) if rel else ()


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
EMPTY = "empty file"  # the reason given for zero-byte files
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)


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
        return EMPTY
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
    """Walk a local folder one directory at a time: each folder is opened once (its
    modification time read from the open descriptor, for recrawls that skip unchanged
    folders) and its files are stat'ed relative to it; the junk and exclusion checks of a
    folder run once for all its files."""
    base = root.path.rstrip("/") or "/"
    try:
        fd = os.open(base, _DIR_FLAGS)
    except OSError as e:
        raise PathError(f"cannot list {root.uri_root}: {e}") from e
    # (descriptor or None, folder path, rel folder, junk reason of the folder, excluded by a pattern, in _delta_log)
    stack = [(fd, base, "", None, False, False)]
    skipped = listing.skipped
    dirs = listing.dirs
    check_excluded = bool(excluder.patterns)
    fstat, scandir, new = os.fstat, os.scandir, tuple.__new__
    while stack:
        fd, folder, rel_folder, folder_reason, folder_excluded, in_delta = stack.pop()
        if fd is None:
            try:
                fd = os.open(folder, _DIR_FLAGS)
            except OSError:
                dirs[rel_folder] = -1  # unreadable now: never trusted as unchanged
                continue
        prefix = rel_folder + "/" if rel_folder else ""
        path_prefix = folder + "/" if folder != "/" else "/"
        plain = folder_reason is None and not folder_excluded  # files here are data unless junk themselves
        files: List[FileEntry] = []
        subfolders: List[str] = []
        try:
            dirs[rel_folder] = fstat(fd).st_mtime_ns
            with scandir(fd) as it:
                for e in it:
                    name = e.name
                    try:
                        if e.is_dir():
                            subfolders.append(name)
                            continue
                        st = e.stat()
                    except OSError:
                        continue
                    if not S_ISREG(st.st_mode):
                        continue
                    size = st.st_size
                    rel = prefix + name
                    if plain and size and name[0] not in "._" and not name.endswith(_JUNK_ENDINGS) \
                            and not (check_excluded and excluder.matches(rel)):
                        # the common case (built as FileEntry builds itself, minus a Python call)
                        files.append(new(FileEntry, (path_prefix + name, rel, size, st.st_mtime, None)))
                        continue
                    reason = folder_reason or _file_junk(name, size, in_delta)
                    if reason is None and (folder_excluded or (check_excluded and excluder.matches(rel))):
                        reason = "excluded by pattern"
                    if reason:
                        skipped[rel] = reason
                    else:
                        files.append(FileEntry(path_prefix + name, rel, size, st.st_mtime))
        except OSError:
            dirs[rel_folder] = -1
        finally:
            os.close(fd)
        if files:
            files.sort()
            listing.add(Folder(rel_folder, files))
        subfolders.sort(reverse=True)  # popped in name order
        for name in subfolders:
            rel = prefix + name
            reason = folder_reason or _folder_junk(name, include_delta_log)
            excluded = folder_excluded or (check_excluded and excluder.matches(rel))
            stack.append((None, path_prefix + name, rel, reason, excluded, in_delta or name == "_delta_log"))


def list_files(root: Root, excluder: Optional[Excluder] = None, include_delta_log: bool = False) -> Listing:
    """Every candidate data file under `root`, by folder in walk order (see `Listing`).
    Raises PathError when the path does not exist or cannot be listed."""
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
    files: List[FileEntry] = []
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
        files.append(FileEntry(path=path, rel=rel, size=size, mtime=_mtime(info), etag=_etag(info)))
    for folder in by_folder(files):
        listing.add(folder)
    return listing


__all__ = ["EMPTY", "Folder", "Listing", "by_folder", "junk_reason", "list_files", "visible_to_engines"]
