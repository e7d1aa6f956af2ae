"""Hive types for crawled data: parse, print, widen and merge.

Types are small immutable objects (`Prim`, `Decimal`, `Array`, `Map`, `Struct`) printed as
Hive type strings (`struct<a:bigint,b:array<string>>`, `decimal(10,2)`). Every inferred
schema goes through `merge_type`, which implements one widening lattice:

    null  →  anything                      (a value seen only as null takes the other type)
    tinyint → smallint → int → bigint      (integers widen to the larger integer)
    integer + decimal(p,s) → decimal(max(p-s, digits)+s, s), double when that passes 38 digits
    decimal(p1,s1) + decimal(p2,s2) → decimal(max integer digits + max scale), double past 38
    integer/decimal + float/double → double ; float + double → double
    date + timestamp → timestamp
    char/varchar/string → string
    struct + struct → fields merged by (case-insensitive) name, new fields appended at the end
    array<a> + array<b> → array<a ⊔ b> ; map<k1,v1> + map<k2,v2> → map<k1 ⊔ k2, v1 ⊔ v2>
    struct + map → map<string, ⊔ of the struct's field types and the map's value type>
    anything else → string              (the last resort, reported as "lossy": fine for text
                                         formats, a conflict for typed files such as Parquet)

`merge_columns` merges two column lists: existing columns keep their position and widen,
columns seen only in the newer list are appended at the end.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
import typing
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

MAX_DECIMAL_PRECISION = 38
INTEGRAL = ("tinyint", "smallint", "int", "bigint")
_INT_DIGITS = {"tinyint": 3, "smallint": 5, "int": 10, "bigint": 19}
_FLOATING = ("float", "double")
_PRIMITIVES = frozenset(INTEGRAL + _FLOATING + (
    "boolean", "string", "binary", "date", "timestamp", "void", "interval",
))


class TypeParseError(ValueError):
    """A Hive type string that does not parse."""


@dataclass(frozen=True)
class Prim:
    """A primitive type; `name` is a Hive primitive (`void` is the type of all-null values)."""

    name: str
    length: Optional[int] = None  # char(n) / varchar(n)

    def __str__(self) -> str:
        return f"{self.name}({self.length})" if self.length is not None else self.name


@dataclass(frozen=True)
class Decimal:
    precision: int = 10
    scale: int = 0

    def __str__(self) -> str:
        return f"decimal({self.precision},{self.scale})"


@dataclass(frozen=True)
class Array:
    element: "HiveType"

    def __str__(self) -> str:
        return f"array<{self.element}>"


@dataclass(frozen=True)
class Map:
    key: "HiveType"
    value: "HiveType"

    def __str__(self) -> str:
        return f"map<{self.key},{self.value}>"


@dataclass(frozen=True)
class Struct:
    fields: Tuple[Tuple[str, "HiveType"], ...]

    def __str__(self) -> str:
        return "struct<" + ",".join(f"{quote_name(n)}:{t}" for n, t in self.fields) + ">"

    def field(self, name: str) -> Optional["HiveType"]:
        low = name.lower()
        for n, t in self.fields:
            if n.lower() == low:
                return t
        return None


@dataclass(frozen=True)
class UnionType:
    members: Tuple["HiveType", ...]

    def __str__(self) -> str:
        return "uniontype<" + ",".join(str(m) for m in self.members) + ">"


HiveType = typing.Union[Prim, Decimal, Array, Map, Struct, UnionType]

STRING = Prim("string")
BIGINT = Prim("bigint")
INT = Prim("int")
DOUBLE = Prim("double")
BOOLEAN = Prim("boolean")
DATE = Prim("date")
TIMESTAMP = Prim("timestamp")
BINARY = Prim("binary")
VOID = Prim("void")

_SIMPLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote_name(name: str) -> str:
    """A struct field name as Hive/Spark type strings need it (backquoted unless plain)."""
    return name if _SIMPLE_NAME.match(name) else "`" + name.replace("`", "``") + "`"


# --- parsing --------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(`(?:[^`]|``)*`|[A-Za-z_][A-Za-z0-9_ ]*?(?=\s*[<>(),:]|\s*$)|\d+|[<>(),:])")
_ALIASES = {"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint", "real": "float",
            "bool": "boolean", "text": "string"}


def parse_type(text: str) -> HiveType:
    """Parse a Hive type string. Raises TypeParseError."""
    tokens = _tokenize(text)
    pos, t = _parse(tokens, 0)
    if pos != len(tokens):
        raise TypeParseError(f"unexpected {tokens[pos]!r} in type {text!r}")
    return t


def _tokenize(text: str) -> List[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise TypeParseError(f"cannot parse type {text!r} at {pos}")
        out.append(m.group(1).strip())
        pos = m.end()
    return out


def _expect(tokens: List[str], pos: int, tok: str) -> int:
    if pos >= len(tokens) or tokens[pos] != tok:
        raise TypeParseError(f"expected {tok!r} at token {pos} of {' '.join(tokens)!r}")
    return pos + 1


def _parse(tokens: List[str], pos: int):
    if pos >= len(tokens):
        raise TypeParseError("unexpected end of type")
    word = tokens[pos].lower()
    word = _ALIASES.get(word, word)
    pos += 1
    if word == "array":
        pos = _expect(tokens, pos, "<")
        pos, elem = _parse(tokens, pos)
        return _expect(tokens, pos, ">"), Array(elem)
    if word == "map":
        pos = _expect(tokens, pos, "<")
        pos, k = _parse(tokens, pos)
        pos = _expect(tokens, pos, ",")
        pos, v = _parse(tokens, pos)
        return _expect(tokens, pos, ">"), Map(k, v)
    if word == "struct":
        pos = _expect(tokens, pos, "<")
        fields: List[Tuple[str, object]] = []
        while tokens[pos] != ">":
            name = tokens[pos]
            if name.startswith("`"):
                name = name[1:-1].replace("``", "`")
            pos = _expect(tokens, pos + 1, ":")
            pos, ft = _parse(tokens, pos)
            fields.append((name, ft))
            if tokens[pos] == ",":
                pos += 1
        return pos + 1, Struct(tuple(fields))
    if word == "uniontype":
        pos = _expect(tokens, pos, "<")
        members = []
        while tokens[pos] != ">":
            pos, m = _parse(tokens, pos)
            members.append(m)
            if tokens[pos] == ",":
                pos += 1
        return pos + 1, UnionType(tuple(members))
    if word in ("decimal", "numeric"):
        if pos < len(tokens) and tokens[pos] == "(":
            p = int(tokens[pos + 1])
            s = 0
            pos += 2
            if tokens[pos] == ",":
                s = int(tokens[pos + 1])
                pos += 2
            return _expect(tokens, pos, ")"), Decimal(p, s)
        return pos, Decimal(10, 0)
    if word in ("char", "varchar"):
        pos = _expect(tokens, pos, "(")
        n = int(tokens[pos])
        return _expect(tokens, pos + 1, ")"), Prim(word, n)
    if word.startswith("timestamp"):
        return pos, TIMESTAMP
    if word in _PRIMITIVES:
        return pos, Prim(word)
    raise TypeParseError(f"unknown type {tokens[pos - 1]!r}")


# --- widening ---------------------------------------------------------------------------------
def is_stringish(t) -> bool:
    return isinstance(t, Prim) and t.name in ("string", "char", "varchar")


def _decimal_for_int(name: str) -> Decimal:
    return Decimal(_INT_DIGITS[name], 0)


def _merge_decimals(a: Decimal, b: Decimal):
    scale = max(a.scale, b.scale)
    digits = max(a.precision - a.scale, b.precision - b.scale)
    if digits + scale > MAX_DECIMAL_PRECISION:
        return DOUBLE
    return Decimal(digits + scale, scale)


def merge_type(a, b):
    """The narrowest type both `a` and `b` widen to (see the module's lattice)."""
    return _merge(a, b)[0]


def merge_is_lossy(a, b) -> bool:
    """True when merging falls back to `string` for a type that was not a string."""
    return _merge(a, b)[1]


def _merge(a, b) -> Tuple[object, bool]:
    if a == b:
        return a, False
    if a == VOID:
        return b, False
    if b == VOID:
        return a, False
    if is_stringish(a) and is_stringish(b):
        return STRING, False
    if isinstance(a, Prim) and isinstance(b, Prim):
        if a.name in INTEGRAL and b.name in INTEGRAL:
            return (a if INTEGRAL.index(a.name) >= INTEGRAL.index(b.name) else b), False
        if (a.name in INTEGRAL + _FLOATING) and (b.name in INTEGRAL + _FLOATING):
            return DOUBLE, False
        if {a.name, b.name} == {"date", "timestamp"}:
            return TIMESTAMP, False
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        other = b if isinstance(a, Decimal) else a
        dec = a if isinstance(a, Decimal) else b
        if isinstance(other, Decimal):
            return _merge_decimals(dec, other), False
        if isinstance(other, Prim) and other.name in INTEGRAL:
            return _merge_decimals(dec, _decimal_for_int(other.name)), False
        if isinstance(other, Prim) and other.name in _FLOATING:
            return DOUBLE, False
    if isinstance(a, Array) and isinstance(b, Array):
        t, lossy = _merge(a.element, b.element)
        return Array(t), lossy
    if isinstance(a, Map) and isinstance(b, Map):
        k, l1 = _merge(a.key, b.key)
        v, l2 = _merge(a.value, b.value)
        return Map(k, v), l1 or l2
    if isinstance(a, Struct) and isinstance(b, Struct):
        return _merge_structs(a, b)
    if isinstance(a, (Struct, Map)) and isinstance(b, (Struct, Map)):
        values = [t for _, t in (a.fields if isinstance(a, Struct) else ())]
        values += [t for _, t in (b.fields if isinstance(b, Struct) else ())]
        values += [m.value for m in (a, b) if isinstance(m, Map)]
        v, lossy = VOID, False
        for t in values:
            v, l = _merge(v, t)
            lossy = lossy or l
        return Map(STRING, STRING if v == VOID else v), lossy
    return STRING, True


def _merge_structs(a: Struct, b: Struct) -> Tuple[Struct, bool]:
    fields: List[Tuple[str, object]] = []
    index: Dict[str, int] = {}
    lossy = False
    for name, t in a.fields:
        index[name.lower()] = len(fields)
        fields.append((name, t))
    for name, t in b.fields:
        i = index.get(name.lower())
        if i is None:
            index[name.lower()] = len(fields)
            fields.append((name, t))
        else:
            merged, l = _merge(fields[i][1], t)
            lossy = lossy or l
            fields[i] = (fields[i][0], merged)
    return Struct(tuple(fields)), lossy


def finalize(t):
    """Replace `void` (never saw a non-null value) with `string`, recursively; Hive has no
    column type for "only nulls"."""
    if t == VOID:
        return STRING
    if isinstance(t, Array):
        return Array(finalize(t.element))
    if isinstance(t, Map):
        return Map(finalize(t.key), finalize(t.value))
    if isinstance(t, Struct):
        if not t.fields:
            return Map(STRING, STRING)
        return Struct(tuple((n, finalize(ft)) for n, ft in t.fields))
    return t


# --- columns ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """A top-level column of an inferred schema: its name as found in the data, and type."""

    name: str
    type: object

    @property
    def hive_name(self) -> str:
        return self.name.lower()


Schema = Tuple[Field, ...]


def merge_columns(old: Sequence[Field], new: Sequence[Field]) -> Tuple[Tuple[Field, ...], bool]:
    """Merge two column lists (see module doc). Returns (columns, lossy)."""
    merged = _merge_structs(Struct(tuple((f.name, f.type) for f in old)),
                            Struct(tuple((f.name, f.type) for f in new)))
    return tuple(Field(n, t) for n, t in merged[0].fields), merged[1]


def merge_schemas(schemas: Iterable[Sequence[Field]]) -> Tuple[Tuple[Field, ...], bool]:
    """Merge many column lists left to right. Returns (columns, lossy)."""
    out: Tuple[Field, ...] = ()
    lossy = False
    for s in schemas:
        out, l = merge_columns(out, s)
        lossy = lossy or l
    return out, lossy


def similarity(a: Sequence[Field], b: Sequence[Field]) -> float:
    """How alike two schemas' column names are: the share of the smaller schema's columns
    that the other has too (|a∩b| / min(|a|, |b|)). 1.0 when one schema extends the other
    (schema evolution), 0 when they have nothing in common."""
    na, nb = {f.name.lower() for f in a}, {f.name.lower() for f in b}
    if not na or not nb:
        return 1.0 if na == nb else 0.0
    return len(na & nb) / min(len(na), len(nb))


def schema_to_text(schema: Sequence[Field]) -> List[List[str]]:
    return [[f.name, str(f.type)] for f in schema]


def schema_from_text(rows: Sequence[Sequence[str]]) -> Tuple[Field, ...]:
    """Inverse of schema_to_text. Raises TypeParseError."""
    return tuple(Field(name, parse_type(t)) for name, t in rows)


# --- Spark datasource schema -------------------------------------------------------------------
_SPARK_PRIM = {
    "tinyint": "byte", "smallint": "short", "int": "integer", "bigint": "long", "float": "float",
    "double": "double", "boolean": "boolean", "string": "string", "char": "string", "varchar": "string",
    "binary": "binary", "date": "date", "timestamp": "timestamp", "void": "string",
}


def to_spark(t):
    """The Spark StructType-JSON form of a type (as stored in `spark.sql.sources.schema`)."""
    if isinstance(t, Prim):
        return _SPARK_PRIM.get(t.name, "string")
    if isinstance(t, Decimal):
        return f"decimal({t.precision},{t.scale})"
    if isinstance(t, Array):
        return {"type": "array", "elementType": to_spark(t.element), "containsNull": True}
    if isinstance(t, Map):
        return {"type": "map", "keyType": to_spark(t.key), "valueType": to_spark(t.value),
                "valueContainsNull": True}
    if isinstance(t, Struct):
        return {"type": "struct", "fields": [
            {"name": n, "type": to_spark(ft), "nullable": True, "metadata": {}} for n, ft in t.fields]}
    return "string"


def spark_schema_json(fields: Sequence[Field], partition_keys: Sequence[Tuple[str, object]] = ()) -> str:
    """`spark.sql.sources.schema` for data columns followed by partition columns."""
    struct = Struct(tuple((f.name, f.type) for f in fields) + tuple(partition_keys))
    return json.dumps(to_spark(struct), separators=(",", ":"))


_SPARK_TO_HIVE = {v: k for k, v in _SPARK_PRIM.items() if k not in ("char", "varchar", "void")}


def from_spark(t):
    """Inverse of to_spark (Spark JSON type → Hive type). Raises TypeParseError."""
    if isinstance(t, str):
        if t.startswith("decimal"):
            return parse_type(t)
        if t in _SPARK_TO_HIVE:
            return Prim(_SPARK_TO_HIVE[t])
        if t.startswith(("timestamp", "char", "varchar")):
            return TIMESTAMP if t.startswith("timestamp") else STRING
        raise TypeParseError(f"unknown Spark type {t!r}")
    kind = t.get("type")
    if kind == "array":
        return Array(from_spark(t["elementType"]))
    if kind == "map":
        return Map(from_spark(t["keyType"]), from_spark(t["valueType"]))
    if kind == "struct":
        return Struct(tuple((f["name"], from_spark(f["type"])) for f in t["fields"]))
    raise TypeParseError(f"unknown Spark type {t!r}")


__all__ = [
    "Prim", "Decimal", "Array", "Map", "Struct", "UnionType", "HiveType", "Field", "Schema", "TypeParseError",
    "STRING", "BIGINT", "INT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "BINARY", "VOID",
    "parse_type", "merge_type", "merge_is_lossy", "merge_columns", "merge_schemas", "finalize",
    "similarity", "to_spark", "from_spark", "spark_schema_json", "quote_name", "is_stringish",
    "schema_to_text", "schema_from_text",
]
