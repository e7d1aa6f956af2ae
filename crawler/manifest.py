"""The crawl manifest: what a crawler saw last time (per file: URI, size, mtime, ETag, and
the inferred schema), so an incremental recrawl lists the lake but re-reads only new or
changed files.

Stored as JSON, one file per crawler and database, under the state directory
(`$LAKEGLUE_HOME/crawler` by default), written atomically after a crawl that wrote to the
catalog (never by a dry run).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional

from . import schema as S
from .formats.base import FileEntry, FileSchema

VERSION = 3


def default_state_dir() -> str:
    from metastore.config import data_dir

    return os.path.join(data_dir(), "crawler")


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
class Manifest:
    """files: {uri: [size, mtime, etag, schema number, records, records exact]}; schemas:
    the distinct schemas (most files of a table share one, so each is stored and parsed
    once; record counts are per file)."""

    files: Dict[str, list] = field(default_factory=dict)
    schemas: List[dict] = field(default_factory=list)
    _index: Dict[FileSchema, int] = field(default_factory=dict, repr=False)
    _parsed: Dict[int, Optional[FileSchema]] = field(default_factory=dict, repr=False)
    _carried: Dict[int, Dict[int, int]] = field(default_factory=dict, repr=False)

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
        schema = self._schema(i)
        return None if schema is None else replace(schema, records=records, records_exact=bool(exact))

    def record(self, uri: str, entry: FileEntry, schema: FileSchema) -> None:
        key = replace(schema, records=None, records_exact=False)
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.schemas)
            self.schemas.append(schema_to_json(key))
            self._parsed[i] = key
        self.files[uri] = [entry.size, entry.mtime, entry.etag, i, schema.records, schema.records_exact]

    def keep(self, uri: str, old: "Manifest") -> None:
        """Carry an unchanged file's entry over from the previous manifest."""
        row = old.files[uri]
        mapping = self._carried.setdefault(id(old), {})
        i = mapping.get(row[3])
        if i is None:
            key = old._schema(row[3])
            if key is None:
                return
            i = self._index.get(key)
            if i is None:
                i = self._index[key] = len(self.schemas)
                self.schemas.append(old.schemas[row[3]])
                self._parsed[i] = key
            mapping[row[3]] = i
        self.files[uri] = row[:3] + [i] + row[4:]

    def same_as(self, other: "Manifest") -> bool:
        if self.files.keys() != other.files.keys():
            return False
        return all(self.files[u][:3] == other.files[u][:3] and self.files[u][4:] == other.files[u][4:] and
                   self.schemas[self.files[u][3]] == other.schemas[other.files[u][3]] for u in self.files)


class ManifestStore:
    """Manifests as JSON files in a directory."""

    def __init__(self, directory: Optional[str] = None):
        self.directory = directory or default_state_dir()

    def path(self, crawler_name: str, database: str) -> str:
        digest = hashlib.sha1(f"{crawler_name}\0{database}".encode()).hexdigest()[:12]
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in crawler_name)[:60]
        return os.path.join(self.directory, f"{safe}-{database}-{digest}.json")

    def load(self, crawler_name: str, database: str) -> Manifest:
        """The stored manifest (empty when there is none or it is unreadable)."""
        try:
            with open(self.path(crawler_name, database)) as f:
                data = json.load(f)
        except (OSError, ValueError):
            return Manifest()
        if data.get("version") != VERSION:
            return Manifest()
        return Manifest(files=data.get("files", {}), schemas=data.get("schemas", []))

    def save(self, crawler_name: str, database: str, manifest: Manifest) -> None:
        """Write atomically. Raises OSError."""
        os.makedirs(self.directory, exist_ok=True)
        target = self.path(crawler_name, database)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".manifest-")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"version": VERSION, "crawler": crawler_name, "database": database,
                           "schemas": manifest.schemas, "files": manifest.files}, f, separators=(",", ":"))
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


__all__ = ["Manifest", "ManifestStore", "default_state_dir", "schema_to_json", "schema_from_json"]
