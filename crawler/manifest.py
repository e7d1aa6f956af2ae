"""The crawl manifest: what a crawler saw last time, so a recrawl re-reads only new or
changed files, and an unchanged recrawl stops early.

A manifest has two parts:

- the head (small, always read): the distinct schemas; per crawl path the folders' modification
  times (local paths), the file count and whether every file was readable; a fingerprint of
  the crawl's options; and a fingerprint of each table the crawl left in the catalog;
- the files (read only when a recrawl needs them): per crawl path, the files' relative paths,
  sizes, mtimes, ETags, schema numbers and record counts (column by column: one list each).

`ManifestStore` keeps them as JSON files under the state directory (`$LAKEGLUE_HOME/crawler`
by default), written after a crawl that wrote to the catalog (never by a dry run); named
crawlers keep theirs in the catalog database (crawler.store).
"""
from __future__ import annotations

import base64
import binascii
import glob
import hashlib
import json
import os
import sys
import tempfile
import uuid
from array import array
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import schema as S
from .formats.base import FileEntry, FileSchema

VERSION = 5
#: folders modified this close (seconds) to their listing are not trusted on the next crawl:
#: a file added in the same timestamp tick would not change the folder's mtime.
RACY_SECONDS = 2.0


#: the schema of a file the last crawl found to be in no known format
NOT_DATA = FileSchema(format="", fields=())


def default_state_dir() -> str:
    from metastore.config import data_dir

    return os.path.join(data_dir(), "crawler")


def shape_key(s: FileSchema) -> tuple:
    """What identifies a schema apart from its record count (cheaper than a FileSchema copy)."""
    return (s.format, s.fields, s.compression, s.layout, s.hints, s.extra)


def shape_id(s: FileSchema) -> tuple:
    """shape_key with the columns told apart by identity (cheap to hash: plugins share
    column tuples between files): a key only while the schema is kept alive."""
    return (s.format, id(s.fields), s.compression, s.layout, s.hints, s.extra)


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
    (-1 = not to be trusted), the number of data files, the skipped files (and, by relative
    path, those skipped for being empty), and whether all files were readable."""

    dirs: Dict[str, int] = field(default_factory=dict)
    files: int = 0
    skipped: int = 0
    clean: bool = True
    empty: List[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"dirs": self.dirs, "files": self.files, "skipped": self.skipped, "clean": self.clean,
                "empty": self.empty}

    @classmethod
    def from_json(cls, d: dict) -> "RootState":
        return cls(dirs=dict(d.get("dirs") or {}), files=int(d.get("files") or 0),
                   skipped=int(d.get("skipped") or 0), clean=bool(d.get("clean")), empty=list(d.get("empty") or []))

    @classmethod
    def from_listing(cls, dirs: Dict[str, int], listed_at: float, files: int, skipped: int,
                     clean: bool, empty: Sequence[str] = ()) -> "RootState":
        limit = int((listed_at - RACY_SECONDS) * 1e9)
        return cls(dirs={k: (v if v < limit else -1) for k, v in dirs.items()}, files=files, skipped=skipped,
                   clean=clean, empty=list(empty))


_rel, _size, _mtime, _etag = (attrgetter(a) for a in ("rel", "size", "mtime", "etag"))
_records, _exact = attrgetter("records"), attrgetter("records_exact")

#: the columns of a crawl path's files in the files part: relative paths, sizes, mtimes (see
#: pack_times), ETags (None when no file has one), schema numbers (-1: not a data file), record
#: counts, whether each count is exact
RELS, SIZES, MTIMES, ETAGS, SCHEMAS, RECORDS, EXACT = range(7)


def pack_times(times: List[Optional[float]]) -> Any:
    """Modification times as base64 of little-endian doubles (exact, and tens of times
    faster to write and read than JSON numbers); as they are when some are unknown (None)."""
    if None in times:
        return times
    packed = array("d", times)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def unpack_times(value: Any) -> List[Optional[float]]:
    if not isinstance(value, str):
        return value
    packed = array("d", base64.b64decode(value))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tolist()


@dataclass
class Manifest:
    """files: {crawl path URI: columns} (see RELS…EXACT; loaded on first use when the
    manifest came from a store); schemas: the distinct schemas without record counts (most
    files of a table share one, so each is stored and parsed once). roots: RootState by
    crawl path URI; config: the options' fingerprint; tables: {table name: fingerprint} of
    the tables as the crawl left them (empty: no early stop)."""

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
    _by_shape_id: Dict[tuple, Tuple[FileSchema, int]] = field(default_factory=dict, repr=False)
    _unpacked: Dict[str, list] = field(default_factory=dict, repr=False)

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
            return sum(len(columns[RELS]) for columns in self._files.values())
        return sum(r.files for r in self.roots.values())

    def columns(self, root_uri: str) -> list:
        """The columns (RELS…EXACT) of one crawl path's files, mtimes unpacked (loads the
        files part). Raises ValueError for a malformed files part."""
        columns = self.files.get(root_uri)
        if not isinstance(columns, list) or len(columns) != 7:
            return [[], [], [], None, [], [], []]
        unpacked = self._unpacked.get(root_uri)
        if unpacked is None:
            try:
                unpacked = self._unpacked[root_uri] = columns[:MTIMES] + [unpack_times(columns[MTIMES])] + \
                    columns[MTIMES + 1:]
            except (TypeError, binascii.Error) as e:
                raise ValueError(f"bad manifest mtimes: {e}") from e
        return unpacked

    def _schema(self, i: int) -> Optional[FileSchema]:
        if i not in self._parsed:
            try:
                self._parsed[i] = schema_from_json(self.schemas[i])
            except (KeyError, TypeError, ValueError, IndexError):
                self._parsed[i] = None
        return self._parsed[i]

    def cached(self, root_uri: str, entries: Sequence[FileEntry]) -> List[Optional[FileSchema]]:
        """For each of some files of a crawl path, its schema from the last crawl when the
        file is unchanged (same size, and same ETag or modification time; NOT_DATA for a file
        that was in no known format), else None."""
        try:
            rels, sizes, mtimes, etags, numbers, records, exact = self.columns(root_uri)
        except ValueError:
            return [None] * len(entries)
        where = dict(zip(rels, range(len(rels))))
        out: List[Optional[FileSchema]] = [None] * len(entries)
        for n, e in enumerate(entries):
            i = where.get(e.rel)
            if i is None or sizes[i] != e.size:
                continue
            if e.etag and etags and etags[i]:
                if e.etag != etags[i]:
                    continue
            elif e.mtime is None or mtimes[i] != e.mtime:
                continue
            number = numbers[i]
            if number < 0:
                out[n] = NOT_DATA
                continue
            key = (number, records[i], bool(exact[i]))
            schema = self._with_records.get(key)
            if schema is None:
                bare = self._schema(number)
                if bare is None:
                    continue
                schema = self._with_records[key] = replace(bare, records=records[i], records_exact=bool(exact[i]))
            out[n] = schema
        return out

    def _schema_number(self, schema: FileSchema) -> int:
        if schema is NOT_DATA:
            return -1
        known = self._by_object.get(id(schema))
        if known is not None and known[0] is schema:
            return known[1]
        quick = shape_id(schema)
        known = self._by_shape_id.get(quick)
        if known is not None and known[0].fields is schema.fields:
            i = known[1]
        else:
            key = shape_key(schema)
            i = self._index.get(key)
            if i is None:
                bare = replace(schema, records=None, records_exact=False)
                i = self._index[key] = len(self.schemas)
                self.schemas.append(schema_to_json(bare))
                self._parsed[i] = bare
            self._by_shape_id[quick] = (schema, i)
        self._by_object[id(schema)] = (schema, i)
        return i

    def record(self, root_uri: str, entries: Sequence[FileEntry], schemas: Sequence[FileSchema]) -> None:
        """Remember the files of a crawl path with their schemas (NOT_DATA: in no known format)."""
        ids = list(map(id, schemas))
        numbers = {i: self._schema_number(s) for i, s in dict(zip(ids, schemas)).items()}  # a few objects
        etags = list(map(_etag, entries))
        self._unpacked.pop(root_uri, None)
        self.files[root_uri] = [
            list(map(_rel, entries)), list(map(_size, entries)), pack_times(list(map(_mtime, entries))),
            etags if any(etags) else None, list(map(numbers.__getitem__, ids)), list(map(_records, schemas)),
            list(map(_exact, schemas))]

    def same_files_as(self, other: "Manifest") -> bool:
        mine, theirs = self.files, other.files
        if mine.keys() != theirs.keys():
            return False
        for root, columns in mine.items():
            twin = theirs[root]
            if columns[:SCHEMAS] != twin[:SCHEMAS] or columns[RECORDS:] != twin[RECORDS:] or \
                    [self._schema_json(i) for i in columns[SCHEMAS]] != [other._schema_json(i) for i in twin[SCHEMAS]]:
                return False
        return True

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
    """Compact JSON (manifests are trees: no check for cycles, which costs as much as the encoding)."""
    return json.dumps(value, separators=(",", ":"), check_circular=False)


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


__all__ = ["NOT_DATA", "Manifest", "shape_key", "shape_id", "ManifestStore", "RootState", "default_state_dir", "schema_to_json",
           "schema_from_json", "VERSION", "dumps", "pack_times", "unpack_times", "RELS", "SIZES", "MTIMES", "ETAGS", "SCHEMAS", "RECORDS", "EXACT"]
