"""Which files a crawl reads.

Inside Hive-style partition folders (a `key=value` folder anywhere on the file's path) the
files are, by the convention that names those folders, data of one table; a crawl reads a
sample of each such folder and gives the other files the schema of the sample:

- files are grouped by folder, kind (extension, with any compression extension) and size
  class (sizes within a factor of 4), so a folder's odd files (another format, a tiny or
  huge file) are read too;
- the first `sample_files` files of each group are read (default 1; 0 reads every file);
- when none of a group's sampled files could be read, all of its files are read.

Files outside partition folders are always read: their schemas decide what the tables are.
Files not read are counted as "assumed" in the report; their record counts are unknown, so
a table's `recordCount` is then estimated from the sampled files' bytes per record.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from . import compression
from .formats.base import FileEntry

GroupKey = Tuple[str, str, int]


def kind_of(name: str) -> str:
    """The extension that names a file's kind: `.parquet`, `.csv.gz`, `` (none)."""
    lower = name.lower()
    dot = lower.rfind(".")
    if dot <= 0:
        return ""
    last = lower[dot:]
    if compression.by_extension(last) is None:
        return last
    prev = lower.rfind(".", 0, dot)
    return (lower[prev:dot] if prev > 0 else "") + last


def size_class(size: int) -> int:
    return size.bit_length() // 2


def partition_folder(folder: str) -> bool:
    """Whether a relative folder path has a Hive-style `key=value` level."""
    return "=" in folder and any(part.find("=") > 0 for part in folder.split("/"))


def group_key(entry: FileEntry) -> Optional[GroupKey]:
    """The sampling group of a file, or None when it is not inside a partition folder."""
    rel = entry.rel
    cut = rel.rfind("/")
    if cut < 0 or not partition_folder(rel[:cut]):
        return None
    return rel[:cut], kind_of(rel[cut + 1:]), size_class(entry.size)


def plan_reads(entries: Sequence[FileEntry], sample_files: int
               ) -> Tuple[List[FileEntry], Dict[GroupKey, List[FileEntry]]]:
    """(files to read first, sampling groups): each group lists its files in order, the
    first `sample_files` of which are in the first list. With sample_files <= 0 every file
    is read and there are no groups."""
    if sample_files <= 0:
        return list(entries), {}
    first: List[FileEntry] = []
    groups: Dict[GroupKey, List[FileEntry]] = {}
    codec_suffix: Dict[str, bool] = {}
    folder, in_partition, cut = None, False, -1
    for e in entries:
        rel = e.rel
        # listings are sorted: consecutive files mostly share a folder
        if folder is None or not rel.startswith(folder) or rel.find("/", cut + 1) >= 0:
            cut = rel.rfind("/")
            folder = rel[:cut + 1] if cut >= 0 else ""
            in_partition = cut >= 0 and partition_folder(folder[:-1])
        if not in_partition:
            first.append(e)
            continue
        dot = rel.rfind(".")
        if dot <= cut + 1:
            kind = ""
        else:
            suffix = rel[dot:]
            compressed = codec_suffix.get(suffix)
            if compressed is None:
                compressed = codec_suffix[suffix] = compression.by_extension(suffix) is not None
            kind = kind_of(rel[cut + 1:]) if compressed else suffix.lower()
        key = (folder, kind, e.size.bit_length() // 2)
        members = groups.get(key)
        if members is None:
            members = groups[key] = []
        if len(members) < sample_files:
            first.append(e)
        members.append(e)
    return first, {k: v for k, v in groups.items() if len(v) > sample_files}


__all__ = ["plan_reads", "group_key", "kind_of", "size_class"]
