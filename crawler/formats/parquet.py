"""Parquet: the schema, row count and codec from the footer only (fastparquet's decoder of
the Thrift FileMetaData), mapped to Hive types; stored with Hive's Parquet SerDe, which
Spark reads natively."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .. import schema as S
from .base import FileSchema, FormatError, FormatPlugin, InferenceOptions, Source, Storage, TableInput

MAGIC = b"PAR1"
INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"

# parquet.thrift enums
_BOOLEAN, _INT32, _INT64, _INT96, _FLOAT, _DOUBLE, _BYTE_ARRAY, _FIXED = range(8)
_REQUIRED, _OPTIONAL, _REPEATED = range(3)
(_UTF8, _MAP, _MAP_KEY_VALUE, _LIST, _ENUM, _DECIMAL, _DATE, _TIME_MILLIS, _TIME_MICROS, _TS_MILLIS,
 _TS_MICROS, _UINT_8, _UINT_16, _UINT_32, _UINT_64, _INT_8, _INT_16, _INT_32, _INT_64, _JSON, _BSON,
 _INTERVAL) = range(22)
_CODECS = {0: "none", 1: "snappy", 2: "gzip", 3: "lzo", 4: "brotli", 5: "lz4", 6: "zstd", 7: "lz4"}
# parquet.thrift field ids, for fastparquet's decoded FileMetaData as plain values (its
# `contents`): much cheaper than its attribute access on the hot path (one footer per folder)
_FMD_SCHEMA, _FMD_NUM_ROWS, _FMD_ROW_GROUPS = 2, 3, 4  # FileMetaData
_RG_COLUMNS = 1  # RowGroup
_CC_META_DATA = 3  # ColumnChunk
_CMD_CODEC = 4  # ColumnMetaData


@dataclass
class _Node:
    name: str
    repetition: Optional[int]
    element: object  # the parquet SchemaElement
    children: List["_Node"]
    logical: object = None  # its logicalType (read once: a missing Thrift attribute is slow to ask for)


def _tree(elements) -> _Node:
    pos = 0

    def build() -> _Node:
        nonlocal pos
        el = elements[pos]
        pos += 1
        children = [build() for _ in range(el.num_children or 0)]
        name = el.name
        if isinstance(name, bytes):
            name = name.decode("utf-8", errors="replace")
        return _Node(name, el.repetition_type, el, children, getattr(el, "logicalType", None))

    return build()


def _logical(node: _Node, name: str):
    lt = node.logical
    return getattr(lt, name, None) if lt is not None else None


def _primitive(node: _Node):
    el = node.element
    t, ct = el.type, el.converted_type
    if ct == _DECIMAL or _logical(node, "DECIMAL") is not None:
        dec = _logical(node, "DECIMAL")
        precision = el.precision if el.precision is not None else getattr(dec, "precision", 38)
        scale = el.scale if el.scale is not None else getattr(dec, "scale", 0)
        if precision > S.MAX_DECIMAL_PRECISION:
            return S.STRING
        return S.Decimal(precision, scale or 0)
    if t == _BOOLEAN:
        return S.BOOLEAN
    if t == _INT32:
        if ct == _DATE or _logical(node, "DATE") is not None:
            return S.DATE
        integer = _logical(node, "INTEGER")
        if integer is not None:
            bits, signed = integer.bitWidth, integer.isSigned
            if bits == 8:
                return S.Prim("tinyint") if signed else S.Prim("smallint")
            if bits == 16:
                return S.Prim("smallint") if signed else S.INT
            return S.INT if signed else S.BIGINT
        return {_INT_8: S.Prim("tinyint"), _INT_16: S.Prim("smallint"), _UINT_8: S.Prim("smallint"),
                _UINT_16: S.INT, _UINT_32: S.BIGINT}.get(ct, S.INT)
    if t == _INT64:
        ts = _logical(node, "TIMESTAMP")
        if ts is not None:
            return S.BIGINT if getattr(ts.unit, "NANOS", None) is not None else S.TIMESTAMP
        if ct in (_TS_MILLIS, _TS_MICROS):
            return S.TIMESTAMP
        integer = _logical(node, "INTEGER")
        if ct == _UINT_64 or (integer is not None and not integer.isSigned):
            return S.Decimal(20, 0)
        return S.BIGINT
    if t == _INT96:
        return S.TIMESTAMP
    if t == _FLOAT:
        return S.Prim("float")
    if t == _DOUBLE:
        return S.DOUBLE
    if t == _BYTE_ARRAY:
        if ct in (_UTF8, _ENUM, _JSON) or any(_logical(node, k) is not None for k in ("STRING", "ENUM", "JSON")):
            return S.STRING
        return S.BINARY
    return S.BINARY  # FIXED_LEN_BYTE_ARRAY without a decimal annotation, UUID, INTERVAL


def _is_list(node: _Node) -> bool:
    return node.element.converted_type == _LIST or _logical(node, "LIST") is not None


def _is_map(node: _Node) -> bool:
    el = node.element
    return el.converted_type in (_MAP, _MAP_KEY_VALUE) or _logical(node, "MAP") is not None


def _type_of(node: _Node):
    """Hive type of a field, ignoring its own repetition."""
    if not node.children:
        return _primitive(node)
    if _is_list(node) and len(node.children) == 1:
        rep = node.children[0]
        # Parquet's backward-compatibility rules for the element of a LIST.
        if rep.children and len(rep.children) == 1 and rep.name not in ("array", f"{node.name}_tuple"):
            return S.Array(_field_type(rep.children[0]))
        return S.Array(_type_of(rep))
    if _is_map(node) and len(node.children) == 1 and len(node.children[0].children) == 2:
        key, value = node.children[0].children
        return S.Map(_field_type(key), _field_type(value))
    return S.Struct(tuple((c.name, _field_type(c)) for c in node.children))


def _field_type(node: _Node):
    t = _type_of(node)
    return S.Array(t) if node.repetition == _REPEATED else t


_SCHEMAS: Dict[str, Tuple[S.Field, ...]] = {}  # mapped schemas by their elements' raw contents
_SCHEMA_CACHE_SIZE = 4096


def schema_from_metadata(fmd) -> Tuple[S.Field, ...]:
    """Hive columns of a parquet FileMetaData (as fastparquet parses it), cached by the raw
    content of its schema elements (the files of a table mostly share one)."""
    key = repr(fmd.contents.get(_FMD_SCHEMA))
    cached = _SCHEMAS.get(key)
    if cached is not None:
        return cached
    root = _tree(fmd.schema)
    fields = tuple(S.Field(c.name, _field_type(c)) for c in root.children)
    if len(_SCHEMAS) >= _SCHEMA_CACHE_SIZE:
        _SCHEMAS.clear()
    _SCHEMAS[key] = fields
    return fields


def _codec(fmd) -> str:
    """The codec of the first column chunk (none without row groups)."""
    for rg in fmd.contents.get(_FMD_ROW_GROUPS) or ():
        for column in rg.get(_RG_COLUMNS) or ():
            meta = column.get(_CC_META_DATA)
            if meta is not None:
                return _CODECS.get(meta.get(_CMD_CODEC), "none")
        break
    return "none"


def read_footer(source: Source):
    """The FileMetaData of a parquet file, decoded by fastparquet's Thrift reader from the
    footer alone (two small reads at the end of the file; names may be bytes). Raises
    FormatError."""
    from fastparquet import cencoding

    if source.local:
        size = source.size()
        if size < 12:
            raise FormatError("too small for a parquet file")
        tail = source.read_at(size - 8, 8)
        if tail[4:] != MAGIC:
            raise FormatError("no parquet footer (truncated file?)")
        length = struct.unpack("<i", tail[:4])[0]
        if length <= 0 or length > size - 12:
            raise FormatError("bad parquet footer length")
        return cencoding.from_buffer(source.read_at(size - 8 - length, length), "FileMetaData")
    with source.open() as f:
        f.seek(0, 2)
        size = f.tell()
        if size < 12:
            raise FormatError("too small for a parquet file")
        f.seek(size - 8)
        tail = f.read(8)
        if tail[4:] != MAGIC:
            raise FormatError("no parquet footer (truncated file?)")
        length = struct.unpack("<i", tail[:4])[0]
        if length <= 0 or length > size - 12:
            raise FormatError("bad parquet footer length")
        f.seek(size - 8 - length)
        data = f.read(length)
    return cencoding.from_buffer(data, "FileMetaData")


class ParquetFormat(FormatPlugin):
    name = "parquet"
    classification = "parquet"
    priority = 10

    def detect(self, source: Source) -> float:
        return 1.0 if source.head[:4] == MAGIC else 0.0

    def infer_schema(self, source: Source, options: InferenceOptions) -> FileSchema:
        try:
            fmd = read_footer(source)
        except FormatError:
            raise
        except Exception as e:  # fastparquet raises many kinds for a corrupt footer
            raise FormatError(f"not a readable parquet file: {e}") from e
        try:
            fields = schema_from_metadata(fmd)
            codec, records = _codec(fmd), int(fmd.contents.get(_FMD_NUM_ROWS) or 0)
        except Exception as e:
            raise FormatError(f"unsupported parquet schema: {e}") from e
        return FileSchema(format=self.name, fields=fields, compression=codec, records=records, records_exact=True)

    def storage(self, table: TableInput) -> Storage:
        return Storage(INPUT_FORMAT, OUTPUT_FORMAT, SERDE, serde_params={"serialization.format": "1"})
