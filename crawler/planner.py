"""From table groups to catalog objects: the Table (external, with the plugin's storage,
Glue-style parameters and, where needed, Spark's datasource properties) and its Partitions.

Glue-style table parameters: `classification`, `compressionType`, `typeOfData`
(`file`), `recordCount` (exact for Parquet/ORC/Avro and fully sampled text files, else
estimated from the sampled files' bytes per record), `averageRecordSize` (bytes per
record as stored), `objectCount`, `sizeKey` (bytes), `UPDATED_BY_CRAWLER` (crawler name);
and `lakeglue.crawlerWarning` when engines may not read the table as cataloged (compressed
files not named for their codec).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain, compress
from operator import attrgetter, is_not
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from metastore.model import EXTERNAL_TABLE, Column, Partition, SerDeInfo, StorageDescriptor, Table

from . import schema as S
from . import spark
from .formats import Registry, TableInput
from .compression import ENGINE_EXTENSIONS
from .formats.base import CODEC_NOT_IN_NAME, FileSchema
from .grouping import Inferred, TableGroup, schema_of
from .manifest import shape_key
from .partitions import infer_key_type

log = logging.getLogger(__name__)

UPDATED_BY_CRAWLER = "UPDATED_BY_CRAWLER"
DEPRECATED_BY_CRAWLER = "DEPRECATED_BY_CRAWLER"
#: a table parameter: why engines may not read the table as cataloged (see --explain)
CRAWLER_WARNING = "lakeglue.crawlerWarning"
CRAWLER_PARAMS = ("classification", "compressionType", "typeOfData", "recordCount", "averageRecordSize",
                  "objectCount", "sizeKey", UPDATED_BY_CRAWLER, "CrawlerSchemaDeserializerVersion",
                  "CrawlerSchemaSerializerVersion", "EXTERNAL", CRAWLER_WARNING)


@dataclass
class PlannedTable:
    """A table as the crawl sees it: catalog objects plus the logical (typed) schema."""

    group: TableGroup
    table: Table
    partitions: List[Partition]
    fields: Tuple[S.Field, ...]
    partition_keys: Tuple[Tuple[str, object], ...]
    notes: List[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.table.name


_size_of = attrgetter("entry.size")
_records_of = attrgetter("schema.records")
_known = partial(is_not, None)


class FileStats(NamedTuple):
    """Counts of some files (they add up): files, bytes, and the files with a known record
    count, their records and bytes."""

    objects: int = 0
    size: int = 0
    known: int = 0
    known_records: int = 0
    known_size: int = 0

    @classmethod
    def of(cls, files: Sequence[Inferred]) -> "FileStats":
        return cls.each([files])[0]

    @classmethod
    def each(cls, groups: Sequence[Sequence[Inferred]]) -> List["FileStats"]:
        """The stats of each of some groups of files (the files' attributes are read in one
        go for all groups: a table has 100,000s of files)."""
        files = list(chain.from_iterable(groups))
        sizes = list(map(_size_of, files))
        records = list(map(_records_of, files))
        out = []
        start = 0
        for group in groups:
            end = start + len(group)
            some_sizes, some_records = sizes[start:end], records[start:end]
            size = sum(some_sizes)
            known = len(some_records) - some_records.count(None)
            known_size = size if known == len(group) else sum(compress(some_sizes, map(_known, some_records)))
            out.append(cls(len(group), size, known, sum(filter(None, some_records)), known_size))
            start = end
        return out

    def __add__(self, other: "FileStats") -> "FileStats":  # type: ignore[override]
        return FileStats(*(a + b for a, b in zip(self, other)))

    def params(self) -> Dict[str, str]:
        """objectCount, sizeKey, and recordCount and averageRecordSize where known (estimated
        from the bytes per record of the files with a known count)."""
        out = {"objectCount": str(self.objects), "sizeKey": str(self.size)}
        if self.known and not self.known_records:
            out["recordCount"] = "0"
        elif self.known:
            out["recordCount"] = str(self.known_records if self.known == self.objects
                                     else int(round(self.size * self.known_records / max(self.known_size, 1))))
            out["averageRecordSize"] = str(max(1, self.known_size // self.known_records))
        return out


def distinct_schemas(files: Sequence[Inferred]) -> List[FileSchema]:
    """The distinct schemas of some files apart from record counts, in order of first
    appearance (files mostly share schema objects, so they are told apart by identity first)."""
    schemas = list(map(schema_of, files))
    out: Dict[tuple, FileSchema] = {}
    for s in dict(zip(map(id, schemas), schemas)).values():
        out.setdefault(shape_key(s), s)
    return list(out.values())


def distinct_fields(schemas: Sequence[FileSchema]) -> Dict[Tuple[S.Field, ...], None]:
    """The distinct column lists of some schemas, in order of first appearance."""
    return dict.fromkeys(s.fields for s in schemas)


def _compression(files: Sequence[Inferred]) -> str:
    codecs = Counter(map(_codec_of, files))
    return codecs.most_common(1)[0][0] if codecs else "none"


_codec_of = attrgetter("schema.compression")


def order_like(fields: Sequence[S.Field], previous: Optional[Sequence[S.Field]]) -> Tuple[S.Field, ...]:
    """`fields` in the order of `previous` (columns already in the catalog), new ones last."""
    if not previous:
        return tuple(fields)
    by_name = {f.name.lower(): f for f in fields}
    out = [by_name.pop(p.name.lower()) for p in previous if p.name.lower() in by_name]
    out += [f for f in fields if f.name.lower() in by_name]
    return tuple(out)


class Planner:
    """Builds PlannedTables for one database."""

    def __init__(self, database: str, crawler_name: str, registry: Registry,
                 partition_types: Optional[Mapping[str, object]] = None, partition_schema: str = "inherit"):
        self.database = database
        self.crawler_name = crawler_name
        self.registry = registry
        self.partition_types = dict(partition_types or {})
        self.partition_schema = partition_schema

    def key_types(self, group: TableGroup) -> Tuple[Tuple[str, object], ...]:
        keys = []
        for i, key in enumerate(group.keys):
            pinned = self.partition_types.get(key)
            keys.append((key, pinned if pinned is not None else
                         infer_key_type(values[i] for values in group.partitions)))
        return tuple(keys)

    def plan(self, group: TableGroup, previous_fields: Optional[Sequence[S.Field]] = None,
             fields_override: Optional[Sequence[S.Field]] = None) -> PlannedTable:
        """The table for a group. `previous_fields` keeps the catalog's column order;
        `fields_override` replaces the inferred columns (the add-only policy)."""
        plugin = self.registry.get(group.files[0].schema.format)
        notes: List[str] = []
        keys = self.key_types(group)
        key_names = {k for k, _ in keys}
        schemas = distinct_schemas(group.files)
        if fields_override is not None:
            fields = tuple(fields_override)
        else:
            merged, _ = S.merge_schemas(distinct_fields(schemas))
            fields = order_like(tuple(S.Field(f.name, S.finalize(f.type)) for f in merged), previous_fields)
        clashing = [f.name for f in fields if f.name.lower() in key_names]
        if clashing:
            notes.append(f"columns {', '.join(clashing)} are also partition keys; the partition value wins")
            fields = tuple(f for f in fields if f.name.lower() not in key_names)
        location = group.location()
        storage = plugin.storage(TableInput(location=location, fields=fields, partition_keys=keys, files=schemas))
        notes.extend(storage.notes)
        hive_fields = storage.hive_fields if storage.hive_fields is not None else fields
        hive_fields = tuple(f for f in hive_fields if f.name.lower() not in key_names)
        serde_params = dict(storage.serde_params)
        params: Dict[str, str] = {
            "EXTERNAL": "TRUE",
            "classification": plugin.classification or plugin.name,
            "compressionType": _compression(group.files),
            "typeOfData": "file",
            UPDATED_BY_CRAWLER: self.crawler_name,
            "CrawlerSchemaDeserializerVersion": "1.0",
            "CrawlerSchemaSerializerVersion": "1.0",
        }
        part_stats = dict(zip(group.partition_files, FileStats.each(list(group.partition_files.values()))))
        stats = sum(part_stats.values(), FileStats())
        if stats.objects != len(group.files):  # files outside partition folders (none when partitioned)
            stats = FileStats.of(group.files)
        params.update(stats.params())
        params.update(storage.table_params)
        if storage.spark_provider:
            params.update(spark.table_properties(storage.spark_provider, fields, keys))
            serde_params.update(storage.spark_options)
            serde_params["path"] = location
            codecs = spark.codec_options({s.compression for s in schemas})
            if codecs:
                serde_params.update(codecs)
                notes.append("zstd-compressed files: Spark reads them with the pure-Java zstd codecs it ships "
                             f"(option {spark.CODECS_OPTION}); its default one needs a native libhadoop with zstd")
        unnamed = sorted({s.compression for s in schemas if s.hint(CODEC_NOT_IN_NAME) == "true"})
        if unnamed:
            warning = (f"some files are {'/'.join(unnamed)}-compressed but not named for it ("
                       + ", ".join(f"*{e}" for c in unnamed for e in ENGINE_EXTENSIONS.get(c, ()))
                       + "): Spark, Hive and Trino choose a codec by file name and would read them as raw bytes; "
                       "rename them")
            params[CRAWLER_WARNING] = warning
            notes.append(f"WARNING: {warning}")
        sd = StorageDescriptor(
            columns=tuple(Column(f.name.lower(), str(f.type)) for f in hive_fields),
            location=location, input_format=storage.input_format, output_format=storage.output_format,
            serde=SerDeInfo(serialization_lib=storage.serde, parameters=serde_params),
        )
        table = Table(db_name=self.database, name=group.name, sd=sd,
                      partition_keys=tuple(Column(k, str(t)) for k, t in keys),
                      parameters=params, table_type=EXTERNAL_TABLE)
        partitions = [self.partition(group, table, values, part_stats.get(values))
                      for values in sorted(group.partitions)]
        return PlannedTable(group=group, table=table, partitions=partitions, fields=fields,
                            partition_keys=keys, notes=notes)

    def partition(self, group: TableGroup, table: Table, values: Tuple[str, ...],
                  stats: Optional[FileStats] = None) -> Partition:
        files = group.partition_files.get(values, [])
        sd = table.sd.at(group.partition_location(values))
        if self.partition_schema == "own" and files:
            merged, _ = S.merge_schemas(distinct_fields(distinct_schemas(files)))
            keys = set(table.partition_key_names)
            sd = replace(sd, columns=tuple(Column(f.name.lower(), str(S.finalize(f.type)))
                                           for f in merged if f.name.lower() not in keys))
        params = {UPDATED_BY_CRAWLER: self.crawler_name, **(stats or FileStats.of(files)).params()}
        return Partition(db_name=table.db_name, table_name=table.name, values=tuple(values), sd=sd,
                         parameters=params)


def logical_fields(table: Table) -> Tuple[S.Field, ...]:
    """The typed data columns of a catalog table: Spark's schema property when present
    (CSV tables keep their types there), else the Hive columns."""
    try:
        from_spark = spark.read_schema(table.parameters)
    except (S.TypeParseError, ValueError):
        from_spark = None
    if from_spark is not None:
        return from_spark
    out = []
    for c in table.sd.columns:
        try:
            out.append(S.Field(c.name, S.parse_type(c.type)))
        except S.TypeParseError:
            out.append(S.Field(c.name, S.Prim(c.type)))
    return tuple(out)


__all__ = ["Planner", "PlannedTable", "FileStats", "logical_fields", "order_like", "UPDATED_BY_CRAWLER",
           "DEPRECATED_BY_CRAWLER", "CRAWLER_PARAMS", "CRAWLER_WARNING"]
