"""From table groups to catalog objects: the Table (external, with the plugin's storage,
Glue-style parameters and, where needed, Spark's datasource properties) and its Partitions.

Glue-style table parameters: `classification`, `compressionType`, `typeOfData`
(`file`), `recordCount` (exact for Parquet/ORC/Avro and fully sampled text files, else
estimated from the sampled files' bytes per record), `averageRecordSize` (bytes per
record as stored), `objectCount`, `sizeKey` (bytes), `UPDATED_BY_CRAWLER` (crawler name).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from metastore.model import EXTERNAL_TABLE, Column, Partition, SerDeInfo, StorageDescriptor, Table

from . import schema as S
from . import spark
from .formats import Registry, TableInput
from .grouping import Inferred, TableGroup
from .partitions import infer_key_type

log = logging.getLogger(__name__)

UPDATED_BY_CRAWLER = "UPDATED_BY_CRAWLER"
DEPRECATED_BY_CRAWLER = "DEPRECATED_BY_CRAWLER"
CRAWLER_PARAMS = ("classification", "compressionType", "typeOfData", "recordCount", "averageRecordSize",
                  "objectCount", "sizeKey", UPDATED_BY_CRAWLER, "CrawlerSchemaDeserializerVersion",
                  "CrawlerSchemaSerializerVersion", "EXTERNAL")


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


def file_stats(files: Sequence[Inferred]) -> Dict[str, str]:
    """objectCount, sizeKey, recordCount and averageRecordSize of some files."""
    size = sum(f.entry.size for f in files)
    known = [f for f in files if f.schema.records is not None]
    known_records = sum(f.schema.records or 0 for f in known)
    known_size = sum(f.entry.size for f in known)
    out = {"objectCount": str(len(files)), "sizeKey": str(size)}
    if known and known_records:
        if len(known) == len(files):
            records = known_records
        else:
            records = int(round(size * known_records / max(known_size, 1)))
        out["recordCount"] = str(records)
        out["averageRecordSize"] = str(max(1, known_size // known_records))
    elif known:
        out["recordCount"] = "0"
    return out


def distinct_fields(files: Sequence[Inferred]) -> Dict[Tuple[S.Field, ...], None]:
    """The distinct column lists of some files, in order of first appearance (files mostly
    share schema objects, so they are told apart by identity before by value)."""
    by_object: Dict[int, Tuple[S.Field, ...]] = {}
    for f in files:
        if id(f.schema) not in by_object:
            by_object[id(f.schema)] = f.schema.fields
    return dict.fromkeys(by_object.values())


def _compression(files: Sequence[Inferred]) -> str:
    codecs = Counter(f.schema.compression for f in files)
    return codecs.most_common(1)[0][0] if codecs else "none"


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
        if fields_override is not None:
            fields = tuple(fields_override)
        else:
            merged, _ = S.merge_schemas(distinct_fields(group.files))
            fields = order_like(tuple(S.Field(f.name, S.finalize(f.type)) for f in merged), previous_fields)
        clashing = [f.name for f in fields if f.name.lower() in key_names]
        if clashing:
            notes.append(f"columns {', '.join(clashing)} are also partition keys; the partition value wins")
            fields = tuple(f for f in fields if f.name.lower() not in key_names)
        location = group.location()
        schemas = [f.schema for f in group.files]
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
        params.update(file_stats(group.files))
        params.update(storage.table_params)
        if storage.spark_provider:
            params.update(spark.table_properties(storage.spark_provider, fields, keys))
            serde_params.update(storage.spark_options)
            serde_params["path"] = location
        sd = StorageDescriptor(
            columns=tuple(Column(f.name.lower(), str(f.type)) for f in hive_fields),
            location=location, input_format=storage.input_format, output_format=storage.output_format,
            serde=SerDeInfo(serialization_lib=storage.serde, parameters=serde_params),
        )
        table = Table(db_name=self.database, name=group.name, sd=sd,
                      partition_keys=tuple(Column(k, str(t)) for k, t in keys),
                      parameters=params, table_type=EXTERNAL_TABLE)
        partitions = [self.partition(group, table, values, plugin) for values in sorted(group.partitions)]
        return PlannedTable(group=group, table=table, partitions=partitions, fields=fields,
                            partition_keys=keys, notes=notes)

    def partition(self, group: TableGroup, table: Table, values: Tuple[str, ...], plugin=None) -> Partition:
        files = group.partition_files.get(values, [])
        sd = replace(table.sd, location=group.partition_location(values))
        if self.partition_schema == "own" and files and plugin is not None:
            merged, _ = S.merge_schemas(distinct_fields(files))
            keys = set(table.partition_key_names)
            sd = replace(sd, columns=tuple(Column(f.name.lower(), str(S.finalize(f.type)))
                                           for f in merged if f.name.lower() not in keys))
        params = {UPDATED_BY_CRAWLER: self.crawler_name, **file_stats(files)}
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


__all__ = ["Planner", "PlannedTable", "logical_fields", "order_like", "file_stats", "UPDATED_BY_CRAWLER",
           "DEPRECATED_BY_CRAWLER", "CRAWLER_PARAMS"]
