"""Reading files' schemas for a crawl: the manifest's cached schemas for unchanged files,
a sample of the rest (crawler.sampling), format detection and inference in a thread pool.

Nothing here raises for a bad file: unreadable files end up in `report.errors` with their
URI, files no plugin recognises in `report.skipped`.
"""
from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import accumulate, chain
from operator import attrgetter
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from . import fs as fsmod
from .discovery import Folder
from .formats import FormatError, InferenceOptions, Registry, Source
from .formats.base import FileEntry, FileSchema
from .grouping import Inferred, inferred
from .manifest import NOT_DATA, Manifest, shape_id
from .sampling import plan_reads

log = logging.getLogger(__name__)

Result = Tuple[Optional[Inferred], Optional[str], int]  # (inferred, error, bytes read)
NOT_RECOGNISED = "not a recognised data format"


class Cancelled(Exception):
    """The crawl was asked to stop."""


class SchemaReader:
    """Detects and infers files' schemas, in `workers` threads when files are slow to read
    (more than `pool_threshold` seconds each)."""

    pool_threshold = 0.0005

    def __init__(self, registry: Registry, options: InferenceOptions, workers: int = 4,
                 progress: Optional[Callable[[str, int, int], None]] = None,
                 cancel: Optional[threading.Event] = None):
        self.registry = registry
        self.options = options
        self.workers = max(1, int(workers or 1))
        self.progress = progress or (lambda stage, done, total: None)
        self.cancel = cancel

    def read_one(self, root: fsmod.Root, entry: FileEntry) -> Result:
        source = Source(root.fs, entry, self.options, local=root.scheme == "file")
        try:
            plugin, score = self.registry.detect(source)
            if plugin is None or score <= 0:
                return None, None, source.bytes_read
            try:
                schema = plugin.infer_schema(source, self.options)
            except FormatError as e:
                return None, f"{plugin.name}: {e}", source.bytes_read
            except OSError as e:
                return None, f"{plugin.name}: cannot read: {e}", source.bytes_read
            except Exception as e:  # a plugin bug must not stop the crawl
                log.exception("%s failed on %s", plugin.name, entry.path)
                return None, f"{plugin.name}: unexpected {type(e).__name__}: {e}", source.bytes_read
            return Inferred(entry, schema), None, source.bytes_read
        finally:
            source.close()

    def read_many(self, root: fsmod.Root, entries: Sequence[FileEntry], done: int = 0, total: int = 0
                  ) -> List[Result]:
        """Results in the order of `entries`, read in batches by the worker threads.
        Raises Cancelled when the cancel event is set between batches."""
        total = total or len(entries)
        if not entries:
            return []

        def batch(items: Sequence[FileEntry]) -> List[Result]:
            return [self.read_one(root, e) for e in items]

        size = max(8, min(256, len(entries) // (self.workers * 8) or 1))
        batches = [entries[i:i + size] for i in range(0, len(entries), size)]
        out: List[Result] = []
        # The first batch runs in this thread and is timed: files that read fast (a local
        # disk, warm page cache) are CPU-bound, and threads would only contend for the GIL;
        # slow ones (S3, cold or network disks) are waited on, and threads overlap the waits.
        started = time.perf_counter()
        self._check_cancel()
        out.extend(batch(batches[0]))
        self.progress("reading", done + len(out), total)
        per_file = (time.perf_counter() - started) / len(batches[0])
        rest = batches[1:]
        if self.workers == 1 or len(rest) <= 1 or per_file < self.pool_threshold:
            for b in rest:
                self._check_cancel()
                out.extend(batch(b))
                self.progress("reading", done + len(out), total)
            return out
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="crawl-read") as pool:
            futures = [pool.submit(batch, b) for b in rest]
            try:
                for f in futures:
                    out.extend(f.result())
                    self.progress("reading", done + len(out), total)
                    self._check_cancel()
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        return out

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("the crawl was stopped")


def infer_files(reader: SchemaReader, root: fsmod.Root, folders: Sequence[Folder], manifest: Manifest,
                new_manifest: Manifest, report, *, use_manifest: bool, sample_files: int
                ) -> List[Tuple[str, List[Inferred]]]:
    """The inferred schemas of a crawl path's files, folder by folder as listed (folder,
    its data files); updates the report's counters (files_read, files_cached,
    files_assumed, bytes_read, errors, skipped) and records every data file in
    `new_manifest`. Raises Cancelled.

    Files are handled by position in the crawl path's list of files (a folder's are
    consecutive), so the work per file is a few steps over all of them at once."""
    root_uri = root.uri_root
    files: List[FileEntry] = list(chain.from_iterable(map(_files_of, folders)))
    bounds = list(accumulate(map(len, map(_files_of, folders)), initial=0))
    schemas: List[Optional[FileSchema]] = [None] * len(files)
    plan: List[Tuple[str, Sequence[int]]] = [(f.rel, range(a, b)) for f, a, b in zip(folders, bounds, bounds[1:])]
    if use_manifest and manifest.file_count() > 0:
        schemas = manifest.cached(root_uri, files)
        todo = [i for i, s in enumerate(schemas) if s is None]
        report.files_cached += len(files) - len(todo)
        plan = [(rel, todo[bisect_left(todo, r.start):bisect_left(todo, r.stop)]) for rel, r in plan]
    first, groups = plan_reads(files, plan, sample_files)
    failed = _read_into(reader, root, files, first, schemas, report)
    again: List[int] = []
    followers: Dict[tuple, FileSchema] = {}
    for members in groups:  # the first sample_files members were read
        good = [schemas[i] for i in members[:sample_files]]
        good = [s for s in good if s is not None and s is not NOT_DATA]
        shapes = {(s.format, s.layout, s.fields) for s in good}
        rest = members[sample_files:]
        if len(shapes) != 1:  # unreadable, unrecognised or differing samples: read them all
            again.extend(rest)
            continue
        key = shape_id(good[0])
        follower = followers.get(key)
        if follower is None:
            follower = followers[key] = replace(good[0], records=None, records_exact=False)
        for i in rest:
            schemas[i] = follower
        report.files_assumed += len(rest)
    again.sort()
    failed |= _read_into(reader, root, files, again, schemas, report, done=len(first))
    irregular = failed or any(s is NOT_DATA for s in schemas)
    found = inferred(files, schemas)
    out: List[Tuple[str, List[Inferred]]] = []
    for f, a, b in zip(folders, bounds, bounds[1:]):
        mine = found[a:b]
        if irregular:
            mine = [i for i in mine if i.schema is not None and i.schema is not NOT_DATA]
        if mine:
            out.append((f.rel, mine))
    if irregular:
        for e, s in zip(files, schemas):
            if s is NOT_DATA:
                report.skipped[e.rel] = NOT_RECOGNISED
        kept = [(e, s) for e, s in zip(files, schemas) if s is not None]
        files, schemas = [e for e, _ in kept], [s for _, s in kept]
    new_manifest.record(root_uri, files, schemas)
    return out


_files_of = attrgetter("files")


def _read_into(reader: SchemaReader, root: fsmod.Root, files: Sequence[FileEntry], positions: Sequence[int],
               schemas: List[Optional[FileSchema]], report, done: int = 0) -> bool:
    """Read the files at some positions and put their schemas into `schemas` (NOT_DATA for
    files in no known format; errors into the report). Returns whether any file failed."""
    if not positions:
        return False
    results = reader.read_many(root, [files[i] for i in positions], done=done, total=done + len(positions))
    report.files_read += len(positions)
    failed = False
    for i, (found, error, nbytes) in zip(positions, results):
        report.bytes_read += nbytes
        if error:
            report.errors.append((root.uri(files[i].path), error))
            failed = True
        elif found is None:
            schemas[i] = NOT_DATA
        else:
            schemas[i] = found.schema
    return failed


__all__ = ["SchemaReader", "infer_files", "Cancelled", "NOT_RECOGNISED"]
