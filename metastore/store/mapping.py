"""Rows ⇄ model objects. The JSON shapes here are the on-disk format: change with care."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, Mapping, Optional, Tuple

from ..model import (
    Column, Database, Function, Order, Partition, ResourceUri, SerDeInfo, SkewedInfo,
    StorageDescriptor, Table,
)

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode
_loads = json.loads


def dump_map(value: Optional[Mapping[str, str]]) -> str:
    return _dumps(dict(value or {}))


def load_map(text: Optional[str]) -> Dict[str, str]:
    return _loads(text) if text else {}


def columns_to_json(columns) -> list:
    return [[c.name, c.type, c.comment] for c in columns]


def columns_from_json(data) -> Tuple[Column, ...]:
    return tuple(Column(n, t, c) for n, t, c in data)


def dump_columns(columns) -> str:
    return _dumps(columns_to_json(columns))


def load_columns(text: str) -> Tuple[Column, ...]:
    return columns_from_json(_loads(text))


def _sd_to_dict(sd: StorageDescriptor, with_location: bool) -> Dict[str, Any]:
    serde = sd.serde
    d: Dict[str, Any] = {
        "cols": columns_to_json(sd.columns),
        "if": sd.input_format,
        "of": sd.output_format,
        "cmp": sd.compressed,
        "nb": sd.num_buckets,
        "serde": {
            "name": serde.name, "lib": serde.serialization_lib, "params": dict(serde.parameters),
            "desc": serde.description, "ser": serde.serializer_class,
            "deser": serde.deserializer_class, "type": serde.serde_type,
        },
        "bucket": list(sd.bucket_columns),
        "sort": [[o.column, o.order] for o in sd.sort_columns],
        "params": dict(sd.parameters),
        "subdirs": sd.stored_as_sub_directories,
    }
    if sd.skewed is not None:
        d["skew"] = {
            "names": list(sd.skewed.column_names),
            "values": [list(v) for v in sd.skewed.column_values],
            "locs": [[list(k), v] for k, v in sd.skewed.value_locations],
        }
    if with_location:
        d["loc"] = sd.location
    return d


def _sd_from_dict(d: Mapping[str, Any], location: Optional[str]) -> StorageDescriptor:
    s = d["serde"]
    skew = d.get("skew")
    return StorageDescriptor(
        columns=columns_from_json(d["cols"]),
        location=location,
        input_format=d["if"],
        output_format=d["of"],
        compressed=d["cmp"],
        num_buckets=d["nb"],
        serde=SerDeInfo(
            name=s["name"], serialization_lib=s["lib"], parameters=s["params"],
            description=s.get("desc"), serializer_class=s.get("ser"),
            deserializer_class=s.get("deser"), serde_type=s.get("type"),
        ),
        bucket_columns=tuple(d["bucket"]),
        sort_columns=tuple(Order(c, o) for c, o in d["sort"]),
        parameters=d["params"],
        skewed=None if skew is None else SkewedInfo(
            column_names=tuple(skew["names"]),
            column_values=tuple(tuple(v) for v in skew["values"]),
            value_locations=tuple((tuple(k), v) for k, v in skew["locs"]),
        ),
        stored_as_sub_directories=d["subdirs"],
    )


def dump_sd(sd: StorageDescriptor) -> str:
    return _dumps(_sd_to_dict(sd, with_location=True))


def load_sd(text: str) -> StorageDescriptor:
    d = _loads(text)
    return _sd_from_dict(d, d.get("loc"))


def sd_template(sd: StorageDescriptor) -> Tuple[str, str]:
    """(digest, body) of the storage descriptor without its location, for sharing."""
    body = _dumps(_sd_to_dict(sd, with_location=False))
    return hashlib.sha256(body.encode("utf-8")).hexdigest(), body


def load_sd_template(body: str, location: Optional[str]) -> StorageDescriptor:
    return _sd_from_dict(_loads(body), location)


def database_from_row(row) -> Database:
    return Database(
        name=row.name, description=row.description, location=row.location,
        parameters=load_map(row.parameters), owner_name=row.owner_name,
        owner_type=row.owner_type, catalog=row.catalog, create_time=row.create_time,
    )


def database_values(db: Database) -> Dict[str, Any]:
    return dict(
        catalog=db.catalog, name=db.name, description=db.description, location=db.location,
        owner_name=db.owner_name, owner_type=db.owner_type, parameters=dump_map(db.parameters),
        create_time=db.create_time,
    )


def table_from_row(row, db_name: str, catalog: str) -> Table:
    return Table(
        db_name=db_name, name=row.name, sd=load_sd(row.sd),
        partition_keys=load_columns(row.partition_keys), parameters=load_map(row.parameters),
        table_type=row.table_type, owner=row.owner, owner_type=row.owner_type,
        create_time=row.create_time, last_access_time=row.last_access_time,
        retention=row.retention, view_original_text=row.view_original_text,
        view_expanded_text=row.view_expanded_text, temporary=bool(row.temporary),
        rewrite_enabled=bool(row.rewrite_enabled), catalog=catalog, version=row.version,
    )


def table_values(t: Table) -> Dict[str, Any]:
    return dict(
        name=t.name, table_type=t.table_type, owner=t.owner, owner_type=t.owner_type,
        create_time=t.create_time, last_access_time=t.last_access_time, retention=t.retention,
        sd=dump_sd(t.sd), partition_keys=dump_columns(t.partition_keys),
        parameters=dump_map(t.parameters), view_original_text=t.view_original_text,
        view_expanded_text=t.view_expanded_text, temporary=t.temporary,
        rewrite_enabled=t.rewrite_enabled,
    )


def partition_from_row(row, db_name: str, table_name: str, catalog: str, template: StorageDescriptor) -> Partition:
    return Partition(
        db_name=db_name, table_name=table_name, values=load_values(row.vals),
        sd=template.at(row.location), parameters=_partition_parameters(row.parameters),
        create_time=row.create_time, last_access_time=row.last_access_time, catalog=catalog,
    )


def load_values(text: str) -> Tuple[str, ...]:
    """Partition values from dump_values' JSON. Listing thousands of partitions decodes as
    many of these: text without a backslash has no escaped character (no quote, backslash or
    control character: dumps writes everything else as it is), so it splits on the quotes."""
    if "\\" in text:
        return tuple(_loads(text))
    if text == "[]":
        return ()
    return tuple(text[2:-2].split('","'))


#: decoded partition parameters by their JSON text: the partitions of a batch usually share
#: theirs (the same transient_lastDdlTime), and the models that share a dict never change it
_PARAMETERS: Dict[str, Dict[str, str]] = {}
_PARAMETERS_MAX = 4096


def _partition_parameters(text: Optional[str]) -> Dict[str, str]:
    if not text:
        return {}
    hit = _PARAMETERS.get(text)
    if hit is None:
        if len(_PARAMETERS) >= _PARAMETERS_MAX:
            _PARAMETERS.clear()
        hit = _PARAMETERS[text] = _loads(text)
    return hit


def dump_values(values) -> str:
    return _dumps(list(values))


def function_from_row(row, db_name: str, catalog: str) -> Function:
    return Function(
        db_name=db_name, name=row.name, class_name=row.class_name, owner_name=row.owner_name,
        owner_type=row.owner_type, function_type=row.function_type, create_time=row.create_time,
        resource_uris=tuple(ResourceUri(t, u) for t, u in _loads(row.resource_uris)),
        catalog=catalog,
    )


def function_values(f: Function) -> Dict[str, Any]:
    return dict(
        name=f.name, class_name=f.class_name, owner_name=f.owner_name, owner_type=f.owner_type,
        function_type=f.function_type, create_time=f.create_time,
        resource_uris=_dumps([[r.resource_type, r.uri] for r in f.resource_uris]),
    )


def numeric_value(value: str) -> Optional[float]:
    """The numeric copy of a partition value used by typed filters, or None if not a number."""
    if not value:
        return None
    try:
        return float(value) if _looks_numeric(value) else None
    except ValueError:
        return None


def _looks_numeric(value: str) -> bool:
    c = value[0]
    return c.isdigit() or (c in "+-." and len(value) > 1)
