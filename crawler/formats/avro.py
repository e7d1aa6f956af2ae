"""Avro: the writer schema and codec from the header (fastavro), the record count from the
block headers (seeking past block data, never decoding it); stored with Hive's AvroSerDe
and `avro.schema.literal`, which Spark reads through its bundled Hive SerDe."""
from __future__ import annotations

import json
from typing import Any, BinaryIO, Dict, List, Optional, Tuple

from .. import schema as S
from .base import FileSchema, FormatError, FormatPlugin, InferenceOptions, Source, Storage, TableInput

MAGIC = b"Obj\x01"
INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat"
SERDE = "org.apache.hadoop.hive.serde2.avro.AvroSerDe"
SCHEMA_LITERAL = "avro.schema.literal"
_PRIMS = {"null": S.VOID, "boolean": S.BOOLEAN, "int": S.INT, "long": S.BIGINT, "float": S.Prim("float"),
          "double": S.DOUBLE, "bytes": S.BINARY, "string": S.STRING}
_MAX_DEPTH = 32


def avro_to_hive(schema: Any, named: Optional[Dict[str, Any]] = None, depth: int = 0, namespace: str = ""):
    """The Hive type of an Avro schema (parsed JSON). Named types may be referenced by name."""
    named = {} if named is None else named
    if depth > _MAX_DEPTH:
        return S.STRING
    if isinstance(schema, str):
        if schema in _PRIMS:
            return _PRIMS[schema]
        ref = named.get(schema) or named.get(f"{namespace}.{schema}")
        if ref is None:
            raise FormatError(f"unknown Avro type {schema!r}")
        return avro_to_hive(ref, named, depth + 1, namespace) if not isinstance(ref, S.Struct) else ref
    if isinstance(schema, list):
        members = [m for m in schema if m != "null"]
        if not members:
            return S.VOID
        if len(members) == 1:
            return avro_to_hive(members[0], named, depth + 1, namespace)
        return S.UnionType(tuple(avro_to_hive(m, named, depth + 1, namespace) for m in members))
    if not isinstance(schema, dict):
        raise FormatError(f"bad Avro schema {schema!r}")
    kind = schema.get("type")
    logical = schema.get("logicalType")
    if logical == "decimal":
        precision, scale = int(schema.get("precision", 38)), int(schema.get("scale", 0))
        return S.Decimal(precision, scale) if precision <= S.MAX_DECIMAL_PRECISION else S.STRING
    if logical == "date" and kind == "int":
        return S.DATE
    if logical in ("timestamp-millis", "timestamp-micros", "local-timestamp-millis",
                   "local-timestamp-micros") and kind == "long":
        return S.TIMESTAMP
    name = schema.get("name")
    ns = schema.get("namespace", namespace)
    if kind == "record":
        full = f"{ns}.{name}" if ns and "." not in str(name) else str(name)
        named[full] = schema
        named[str(name)] = schema
        fields = tuple((f["name"], avro_to_hive(f["type"], named, depth + 1, ns)) for f in schema.get("fields", ()))
        struct = S.Struct(fields) if fields else S.Map(S.STRING, S.STRING)
        return struct
    if kind in ("enum", "fixed"):
        named[str(name)] = schema
        if ns:
            named[f"{ns}.{name}"] = schema
        return S.STRING if kind == "enum" else S.BINARY
    if kind == "array":
        return S.Array(avro_to_hive(schema.get("items"), named, depth + 1, ns))
    if kind == "map":
        return S.Map(S.STRING, avro_to_hive(schema.get("values"), named, depth + 1, ns))
    return avro_to_hive(kind, named, depth + 1, ns)


def fields_of(schema: Dict[str, Any]) -> Tuple[S.Field, ...]:
    """Top-level columns of an Avro record schema. Raises FormatError."""
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise FormatError("Avro file whose schema is not a record")
    named: Dict[str, Any] = {}
    t = avro_to_hive(schema, named)
    if not isinstance(t, S.Struct):
        return ()
    return tuple(S.Field(n, S.finalize(ft)) for n, ft in t.fields)


# --- block scanning ---------------------------------------------------------------------------
def _read_long(f: BinaryIO) -> Optional[int]:
    shift, result = 0, 0
    while True:
        b = f.read(1)
        if not b:
            return None
        byte = b[0]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1)
        shift += 7
        if shift > 70:
            raise FormatError("bad varint in Avro block header")


def count_records(f: BinaryIO) -> int:
    """The number of records of an Avro container, reading only block headers.
    Raises FormatError for a corrupt container."""
    f.seek(0)
    if f.read(4) != MAGIC:
        raise FormatError("not an Avro container")
    while True:  # the metadata map: blocks of (key, value) pairs
        n = _read_long(f)
        if n is None:
            raise FormatError("truncated Avro header")
        if n == 0:
            break
        if n < 0:
            _read_long(f)
            n = -n
        for _ in range(2 * n):
            length = _read_long(f)
            if length is None or length < 0:
                raise FormatError("truncated Avro header")
            f.seek(length, 1)
    sync = f.read(16)
    total = 0
    while True:
        count = _read_long(f)
        if count is None:
            return total
        size = _read_long(f)
        if size is None or size < 0 or count < 0:
            raise FormatError("corrupt Avro block header")
        f.seek(size, 1)
        marker = f.read(16)
        if marker != sync:
            raise FormatError("Avro sync marker mismatch (truncated or corrupt file)")
        total += count


# --- merging writer schemas -------------------------------------------------------------------
_NUMERIC_ORDER = ["int", "long", "float", "double"]


def _nullable(t: Any) -> Any:
    if isinstance(t, list):
        return t if "null" in t else ["null"] + t
    return ["null", t]


def merge_avro_schemas(schemas: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One reader schema for files written with `schemas` (oldest first): the newest
    schema, plus fields only older files have (nullable, default null); a numeric field
    whose type differs takes the widest (int → long → float → double)."""
    result = json.loads(json.dumps(schemas[-1]))
    by_name = {f["name"]: f for f in result.get("fields", [])}
    for older in reversed(schemas[:-1]):
        for f in older.get("fields", []):
            mine = by_name.get(f["name"])
            if mine is None:
                added = {"name": f["name"], "type": _nullable(f["type"]), "default": None}
                result["fields"].append(added)
                by_name[f["name"]] = added
            elif mine["type"] != f["type"] and isinstance(mine["type"], str) and isinstance(f["type"], str) \
                    and mine["type"] in _NUMERIC_ORDER and f["type"] in _NUMERIC_ORDER:
                mine["type"] = max(mine["type"], f["type"], key=_NUMERIC_ORDER.index)
    return result


class AvroFormat(FormatPlugin):
    name = "avro"
    classification = "avro"
    priority = 10

    def detect(self, source: Source) -> float:
        return 1.0 if source.head[:4] == MAGIC else 0.0

    def infer_schema(self, source: Source, options: InferenceOptions) -> FileSchema:
        import fastavro

        try:
            with source.open() as f:
                reader = fastavro.reader(f)
                literal = reader.metadata.get("avro.schema")
                codec = reader.metadata.get("avro.codec", "null")
                if isinstance(literal, bytes):
                    literal = literal.decode()
                records = count_records(f)
        except FormatError:
            raise
        except Exception as e:
            raise FormatError(f"not a readable Avro file: {e}") from e
        try:
            schema = json.loads(literal)
        except (TypeError, ValueError) as e:
            raise FormatError(f"bad Avro schema in header: {e}") from e
        return FileSchema(format=self.name, fields=fields_of(schema),
                          compression="none" if codec in ("null", None) else str(codec),
                          records=records, records_exact=True,
                          extra=(("avro.schema", json.dumps(schema, sort_keys=True)),))

    def storage(self, table: TableInput) -> Storage:
        schemas: List[Dict[str, Any]] = []
        seen = set()
        for f in table.files:
            text = f.extra_value("avro.schema")
            if text and text not in seen:
                seen.add(text)
                schemas.append(json.loads(text))
        literal = merge_avro_schemas(schemas) if schemas else {"type": "record", "name": "empty", "fields": []}
        text = json.dumps(literal, separators=(",", ":"))
        return Storage(INPUT_FORMAT, OUTPUT_FORMAT, SERDE,
                       serde_params={SCHEMA_LITERAL: text},
                       table_params={SCHEMA_LITERAL: text},
                       hive_fields=fields_of(literal))
