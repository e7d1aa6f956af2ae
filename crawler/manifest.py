"""The crawl manifest: what a crawler saw last time, so a recrawl re-reads only new or
changed files, and an unchanged recrawl stops early.

A manifest has two parts:

- the head (small, always read): the distinct schemas; per crawl path the folders' modification
  times (local paths), the file count and whether every file was readable; a fingerprint of
  the crawl's options; and a fingerprint of each table the crawl left in the catalog;
- the files (read only when a recrawl needs them): per file URI its size, mtime, ETag, schema
  number and record count.

`ManifestStore` keeps them as JSON files under the state directory (`$LAKEGLUE_HOME/crawler`
by default), written after a crawl that wrote to the catalog (never by a dry run); named
crawlers keep theirs in the catalog database (crawler.store).
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import tempfile
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import schema as S
from .formats.base import FileEntry, FileSchema

VERSION = 4
#: folders modified this close (seconds) to their listing are not trusted on the next crawl:
#: a file added in the same timestamp tick would not change the folder's mtime.
RACY_SECONDS = 2.0


#: what `lookup` returns for a file the last crawl found to be in no known format
NOT_DATA = FileSchema(format="", fields=())


def default_state_dir() -> str:
    from metastore.config import data_dir

    return os.path.join(data_dir(), "crawler")


def shape_key(s: FileSchema) -> tuple:
    """What identifies a schema apart from its record count (cheaper than a FileSchema copy)."""
    return (s.format, s.fields, s.compression, s.layout, s.hints, s.extra)


def schema_to_json(s: FileSchema) -> dict:
    return {"format": s.format, "fields": S.schema_to_text(s.fields), "compression": s.compression,
            "layout": [list(x) for x in s.layout], "hints": [list(x) for x in s.hints], "records": s.records,
            "records_exact": s.records_exact, "extra": [list(x) for x in s.extra]}


def schema_from_json(d: dict) -> FileSchema:
    """Raises KeyError/TypeParseError for a malformed entry."""
    return FileSchema(format=d["format"], fields=S.schema_from_text(d["fields"]), compression=d["compression"],
                      layout=tuple(tuple(x) for x in d["layout"]), hints=tuple(tuple(x) for x in d["hints"]),
                      records=d["records"], records_exact=d["records_exact"],
                      extra=tuple(tuple(x) for x in d["extra"]))


@dataclass
class RootState:
    """What the last crawl saw under one crawl path: folder mtimes in ns by relative path
    (-1 = not to be trusted), the number of data files, and whether all were readable."""

    dirs: Dict[str, int] = field(default_factory=dict)
    files: int = 0
    skipped: int = 0
    clean: bool = True

    def to_json(self) -> dict:
        return {"dirs": self.dirs, "files": self.files, "skipped": self.skipped, "clean": self.clean}

    @classmethod
    def from_json(cls, d: dict) -> "RootState":
        return cls(dirs=dict(d.get("dirs") or {}), files=int(d.get("files") or 0),
                   skipped=int(d.get("skipped") or 0), clean=bool(d.get("clean")))

    @classmethod
    def from_listing(cls, dirs: Dict[str, int], listed_at: float, files: int, skipped: int,
                     clean: bool) -> "RootState":
        limit = int((listed_at - RACY_SECONDS) * 1e9)
        return cls(dirs={k: (v if v < limit else -1) for k, v in dirs.items()}, files=files, skipped=skipped,
                   clean=clean)


@dataclass
class Manifest:
    """files: {uri: [size, mtime, etag, schema number, records, records exact]} (loaded on
    first use when the manifest came from a store); schemas: the distinct schemas without
    record counts (most files of a table share one, so each is stored and parsed once).
    roots: RootState by crawl path URI; config: the options' fingerprint; tables: {table
    name: fingerprint} of the tables as the crawl left them (empty: no early stop)."""

    schemas: List[dict] = field(default_factory=list)
    roots: Dict[str, RootState] = field(default_factory=dict)
    config: str = ""
    tables: Dict[str, str] = field(default_factory=dict)
    _files: Optional[Dict[str, list]] = None
    _loader: Optional[Callable[[], Dict[str, list]]] = field(default=None, repr=False)
    _index: Dict[tuple, int] = field(default_factory=dict, repr=False)
    _parsed: Dict[int, Optional[FileSchema]] = field(default_factory=dict, repr=False)
    _with_records: Dict[Tuple[int, Any, bool], FileSchema] = field(default_factory=dict, repr=False)
    _by_object: Dict[int, Tuple[FileSchema, int]] = field(default_factory=dict, repr=False)
    _carried: Dict[int, Dict[int, int]] = field(default_factory=dict, repr=False)

    @property
    def files(self) -> Dict[str, list]:
        if self._files is None:
            loader, self._loader = self._loader, None
            try:
                self._files = loader() if loader else {}
            except (OSError, ValueError, TypeError):
                self._files = {}
        return self._files

    def file_count(self) -> int:
        """Files of the last crawl (from the head: does not load the files part)."""
        if self._files is not None:
            return len(self._files)
        return sum(r.files for r in self.roots.values())

    def _schema(self, i: int) -> Optional[FileSchema]:
        if i not in self._parsed:
            try:
                self._parsed[i] = schema_from_json(self.schemas[i])
            except (KeyError, TypeError, ValueError, IndexError):
                self._parsed[i] = None
        return self._parsed[i]

    def lookup(self, uri: str, entry: FileEntry) -> Optional[FileSchema]:
        """The cached schema of a file when it is unchanged (same size, and same ETag or
        modification time), else None."""
        seen = self.files.get(uri)
        if not seen or len(seen) != 6:
            return None
        size, mtime, etag, i, records, exact = seen
        if size != entry.size:
            return None
        if entry.etag and etag:
            if entry.etag != etag:
                return None
        elif entry.mtime is None or mtime != entry.mtime:
            return None
        if i < 0:
            return NOT_DATA
        key = (i, records, bool(exact))
        out = self._with_records.get(key)
        if out is None:
            schema = self._schema(i)
            if schema is None:
                return None
            out = self._with_records[key] = replace(schema, records=records, records_exact=bool(exact))
        return out

    def _schema_number(self, schema: FileSchema) -> int:
        if schema is NOT_DATA:
            return -1
        known = self._by_object.get(id(schema))
        if known is not None and known[0] is schema:
            return known[1]
        key = shape_key(schema)
        i = self._index.get(key)
        if i is None:
            bare = replace(schema, records=None, records_exact=False)
            i = self._index[key] = len(self.schemas)
            self.schemas.append(schema_to_json(bare))
            self._parsed[i] = bare
        self._by_object[id(schema)] = (schema, i)
        return i

    def record(self, uri: str, entry: FileEntry, schema: FileSchema) -> None:
        known = self._by_object.get(id(schema))
        i = known[1] if known is not None and known[0] is schema else self._schema_number(schema)
        files = self._files if self._files is not None else self.files
        files[uri] = [entry.size, entry.mtime, entry.etag, i, schema.records, schema.records_exact]

    def record_many(self, uri_prefix: str, entries: Sequence[FileEntry], schema: FileSchema) -> None:
        """`record` for files of one schema whose URIs are `uri_prefix` + their path."""
        i = self._schema_number(schema)
        files = self.files
        records, exact = schema.records, schema.records_exact
        for e in entries:
            files[uri_prefix + e.path] = [e.size, e.mtime, e.etag, i, records, exact]

    def keep(self, uri: str, old: "Manifest") -> None:
        """Carry an unchanged file's entry over from the previous manifest."""
        row = old.files[uri]
        if row[3] < 0:
            self.files[uri] = list(row)
            return
        mapping = self._carried.setdefault(id(old), {})
        i = mapping.get(row[3])
        if i is None:
            bare = old._schema(row[3])
            if bare is None:
                return
            key = shape_key(bare)
            i = self._index.get(key)
            if i is None:
                i = self._index[key] = len(self.schemas)
                self.schemas.append(old.schemas[row[3]])
                self._parsed[i] = bare
            mapping[row[3]] = i
        self.files[uri] = row[:3] + [i] + row[4:]

    def same_files_as(self, other: "Manifest") -> bool:
        mine, theirs = self.files, other.files
        if mine.keys() != theirs.keys():
            return False
        return all(mine[u][:3] == theirs[u][:3] and mine[u][4:] == theirs[u][4:] and
                   self._schema_json(mine[u][3]) == other._schema_json(theirs[u][3]) for u in mine)

    def _schema_json(self, i: int) -> Optional[dict]:
        return self.schemas[i] if 0 <= i < len(self.schemas) else None

    def same_as(self, other: "Manifest") -> bool:
        return (self.config == other.config and self.tables == other.tables
                and {k: v.to_json() for k, v in self.roots.items()} == {k: v.to_json() for k, v in other.roots.items()}
                and self.same_files_as(other))

    # --- serialised form ----------------------------------------------------------------
    def head_json(self) -> dict:
        return {"version": VERSION, "schemas": self.schemas, "roots": {k: v.to_json() for k, v in self.roots.items()},
                "config": self.config, "tables": self.tables}

    @classmethod
    def from_head(cls, head: dict, loader: Callable[[], Dict[str, list]]) -> "Manifest":
        """A manifest from its head and a function that reads its files part (an empty
        manifest when the head is of another version)."""
        if not isinstance(head, dict) or head.get("version") != VERSION:
            return cls()
        return cls(schemas=list(head.get("schemas") or []),
                   roots={k: RootState.from_json(v) for k, v in (head.get("roots") or {}).items()},
                   config=str(head.get("config") or ""), tables=dict(head.get("tables") or {}), _loader=loader)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class ManifestStore:
    """Manifests as JSON files in a directory: `<name>.json` (the head) and
    `<name>.<generation>.files.json` (the files), replaced atomically."""

    def __init__(self, directory: Optional[str] = None):
        self.directory = directory or default_state_dir()

    def path(self, crawler_name: str, database: str) -> str:
        digest = hashlib.sha1(f"{crawler_name}\0{database}".encode()).hexdigest()[:12]
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in crawler_name)[:60]
        return os.path.join(self.directory, f"{safe}-{database}-{digest}.json")

    def load(self, crawler_name: str, database: str) -> Manifest:
        """The stored manifest (empty when there is none or it is unreadable)."""
        head_path = self.path(crawler_name, database)
        try:
            with open(head_path) as f:
                head = json.load(f)
        except (OSError, ValueError):
            return Manifest()
        body = os.path.join(self.directory, str(head.get("body", ""))) if isinstance(head, dict) else ""

        def load_files() -> Dict[str, list]:
            with open(body) as f:
                data = json.load(f)
            return data if isinstance(data, dict) else {}

        return Manifest.from_head(head, load_files)

    def save(self, crawler_name: str, database: str, manifest: Manifest) -> None:
        """Write the files part, then the head that names it (atomically), then drop older
        files parts. Raises OSError."""
        os.makedirs(self.directory, exist_ok=True)
        head_path = self.path(crawler_name, database)
        stem = os.path.basename(head_path)[: -len(".json")]
        body_name = f"{stem}.{uuid.uuid4().hex[:12]}.files.json"
        _write_atomic(self.directory, os.path.join(self.directory, body_name), dumps(manifest.files))
        head = manifest.head_json()
        head.update(crawler=crawler_name, database=database, body=body_name)
        try:
            _write_atomic(self.directory, head_path, dumps(head))
        except BaseException:
            _unlink(os.path.join(self.directory, body_name))
            raise
        for old in glob.glob(os.path.join(glob.escape(self.directory), glob.escape(stem) + ".*.files.json")):
            if os.path.basename(old) != body_name:
                _unlink(old)


def _write_atomic(directory: str, target: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".manifest-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


__all__ = ["NOT_DATA", "Manifest", "shape_key", "ManifestStore", "RootState", "default_state_dir", "schema_to_json", "schema_from_json",
           "VERSION", "dumps"]
