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

This is Glue's `SampleSize` (S3Target: "the number of files in each leaf folder to be crawled
when crawling sample files"), applied to partition folders only and refined by kind and size;
Glue's default is every file, lakeglue's one per group (`--sample-files 0` reads all). A file
whose schema differs from its group's sample without differing in kind or size class is
cataloged with the sample's schema until a crawl reads it (`--sample-files 0`, or a change
that makes an incremental crawl read it).
"""
from __future__ import annotations

from itertools import repeat
from operator import attrgetter, floordiv, itemgetter
from typing import Dict, List, Optional, Sequence, Tuple

from . import compression
from .formats.base import FileEntry

def kind_of(name: str) -> str:
    """The extension that names a file's kind: `.parquet`, `.csv.gz`, `` (none; also for
    names starting with a dot, which listings skip as hidden)."""
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


class _Kinds(dict):
    """kind_of by the (dot, extension) that `str.rpartition(".")` leaves of a file's path,
    computed once per extension; None for a compression extension (the name is needed then)."""

    def __missing__(self, key: Tuple[str, str]) -> Optional[str]:
        dot, extension = key
        kind = "" if not dot or "/" in extension else None if compression.by_extension("." + extension) \
            else "." + extension.lower()
        self[key] = kind
        return kind


_rel = attrgetter("rel")
_size = attrgetter("size")
_extension = itemgetter(1, 2)


def sampling_keys(files: Sequence[FileEntry]) -> List[Tuple[str, int]]:
    """(kind, size class) of each file. (Each step maps over all the files at once: crawls
    plan 100,000s of files.)"""
    kinds = _Kinds()
    rels = list(map(_rel, files))
    # a dot in a folder name leaves a "/" in the extension: the file's name has none
    file_kinds = list(map(kinds.__getitem__, map(_extension, map(str.rpartition, rels, repeat(".")))))
    if None in file_kinds:  # compression extensions: the extension before counts too
        file_kinds = [kind_of(r[r.rfind("/") + 1:]) if k is None else k for r, k in zip(rels, file_kinds)]
    return list(zip(file_kinds, map(floordiv, map(int.bit_length, map(_size, files)), repeat(2))))


def plan_reads(files: Sequence[FileEntry], folders: Sequence[Tuple[str, Sequence[int]]], sample_files: int
               ) -> Tuple[List[int], List[List[int]]]:
    """Which of `files` to read: (positions to read first, sampling groups). `folders` gives
    each folder's relative path and the positions of its files to plan (in name order). A
    sampling group lists the positions of files of one partition folder, kind and size class,
    the first `sample_files` of which are read first; only groups with more files than that
    are returned. With sample_files <= 0 every file is read."""
    if sample_files <= 0:
        return [i for _, positions in folders for i in positions], []
    keys = sampling_keys(files)
    first: List[int] = []
    groups: List[List[int]] = []
    for folder, positions in folders:
        if not partition_folder(folder):
            first.extend(positions)
            continue
        if len(set(map(keys.__getitem__, positions))) == 1:
            members = [list(positions)]
        else:
            by_key: Dict[Tuple[str, int], List[int]] = {}
            for i in positions:
                by_key.setdefault(keys[i], []).append(i)
            members = list(by_key.values())
        for group in members:
            first.extend(group[:sample_files])
            if len(group) > sample_files:
                groups.append(group)
    return first, groups


__all__ = ["plan_reads", "sampling_keys", "kind_of", "size_class", "partition_folder"]
