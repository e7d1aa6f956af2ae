"""Reading files' schemas for a crawl: the manifest's cached schemas for unchanged files,
a sample of the rest (crawler.sampling), format detection and inference in a thread pool.

Nothing here raises for a bad file: unreadable files end up in `report.errors` with their
URI, files no plugin recognises in `report.skipped`.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from . import fs as fsmod
from .formats import FormatError, InferenceOptions, Registry, Source
from .formats.base import FileEntry, FileSchema
from .grouping import Inferred
from .manifest import NOT_DATA, Manifest, shape_key
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
        source = Source(root.fs, entry, self.options)
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


def infer_files(reader: SchemaReader, root: fsmod.Root, entries: Sequence[FileEntry], manifest: Manifest,
                new_manifest: Manifest, report, *, use_manifest: bool, sample_files: int) -> List[Inferred]:
    """The inferred schemas of a crawl path's files, sorted by relative path; updates the
    report's counters (files_read, files_cached, files_assumed, bytes_read, errors, skipped)
    and records every data file in `new_manifest`. Raises Cancelled."""
    out: List[Inferred] = []
    todo: List[FileEntry] = []
    uri = root.uri
    for e in (entries if use_manifest else ()):
        u = uri(e.path)
        cached = manifest.lookup(u, e)
        if cached is None:
            todo.append(e)
            continue
        new_manifest.keep(u, manifest)
        report.files_cached += 1
        if cached is NOT_DATA:
            report.skipped[e.rel] = NOT_RECOGNISED
        else:
            out.append(Inferred(e, cached))
    if not use_manifest:
        todo = list(entries)
    first, groups = plan_reads(todo, sample_files)
    results: Dict[FileEntry, Result] = dict(zip(first, reader.read_many(root, first)))
    again: List[FileEntry] = []
    assumed: List[Tuple[Sequence[FileEntry], FileSchema]] = []
    follower_schema: Dict[tuple, FileSchema] = {}
    for members in groups.values():  # the first sample_files members were read
        good = [results[m][0] for m in members[:sample_files] if results[m][0] is not None]
        shapes = {(i.schema.format, i.schema.layout, i.schema.fields) for i in good}
        rest = members[sample_files:]
        if len(shapes) != 1:  # unreadable, unrecognised or differing samples: read them all
            again.extend(rest)
            continue
        schema = good[0].schema
        key = shape_key(schema)
        follower = follower_schema.get(key)
        if follower is None:
            follower = follower_schema[key] = replace(schema, records=None, records_exact=False)
        assumed.append((rest, follower))
    if again:
        results.update(zip(again, reader.read_many(root, again, done=len(first), total=len(first) + len(again))))
    for e, (inferred, error, nbytes) in results.items():
        report.files_read += 1
        report.bytes_read += nbytes
        if error:
            report.errors.append((uri(e.path), error))
        elif inferred is None:
            report.skipped[e.rel] = NOT_RECOGNISED
            new_manifest.record(uri(e.path), e, NOT_DATA)
        else:
            out.append(inferred)
            new_manifest.record(uri(e.path), e, inferred.schema)
    prefix = root.uri_prefix
    for rest, schema in assumed:
        report.files_assumed += len(rest)
        out.extend([Inferred(e, schema) for e in rest])
        new_manifest.record_many(prefix, rest, schema)
    out.sort(key=lambda i: i.entry.rel)
    return out


__all__ = ["SchemaReader", "infer_files", "Cancelled", "NOT_RECOGNISED"]
