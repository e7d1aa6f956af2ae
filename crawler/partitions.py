"""Partition keys and typed partition values.

A folder level below a table root is a partition level. When every folder at a level is
Hive-style `key=value` with one key, the level's key is that key (lower-cased); otherwise
the level is unnamed and its key is `partition_N` (N counting from 0 at the first level),
its values the folder names.

Key types are inferred from all of a key's values: `int` when every value is an integer
without leading zeros that fits 32 bits, `bigint` for 64 bits, `date` for `YYYY-MM-DD`,
`string` otherwise (so `month=01` stays the string "01" and is not read back as 1).
`__HIVE_DEFAULT_PARTITION__` stands for null and does not count. Users can pin a key's
type (`--partition-type ds=string`).
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from metastore.model.names import DEFAULT_PARTITION_NAME, unescape_path_name

from . import schema as S

_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PINNABLE = ("tinyint", "smallint", "int", "bigint", "date", "string", "boolean", "timestamp", "double")


class PartitionTypeError(ValueError):
    """A malformed `key=type` pin."""


def split_segment(name: str) -> Tuple[Optional[str], str]:
    """(key, value) of a `key=value` folder name (unescaped), or (None, name)."""
    key, sep, value = name.partition("=")
    if sep and key:
        return unescape_path_name(key).lower(), unescape_path_name(value)
    return None, name


def level_keys(folder_names_per_level: Sequence[Iterable[str]]) -> List[Tuple[str, bool]]:
    """For each partition level, (key, named) from the folder names seen at that level."""
    keys: List[Tuple[str, bool]] = []
    for i, names in enumerate(folder_names_per_level):
        found = {split_segment(n)[0] for n in names}
        if len(found) == 1 and None not in found:
            keys.append((next(iter(found)), True))
        else:
            keys.append((f"partition_{i}", False))
    return keys


def value_of(folder_name: str, named: bool) -> str:
    return split_segment(folder_name)[1] if named else folder_name


def infer_key_type(values: Iterable[Optional[str]]):
    """The Hive type of a partition key from its values (see module doc)."""
    seen = [v for v in values if v is not None and v != DEFAULT_PARTITION_NAME and v != ""]
    if not seen:
        return S.STRING
    if all(_INT.match(v) for v in seen):
        biggest = max(abs(int(v)) for v in seen)
        if biggest < 2 ** 31:
            return S.INT
        if biggest < 2 ** 63:
            return S.BIGINT
        return S.STRING
    if all(_DATE.match(v) for v in seen):
        import datetime

        try:
            for v in seen:
                datetime.date.fromisoformat(v)
            return S.DATE
        except ValueError:
            return S.STRING
    return S.STRING


def parse_pins(pins: Iterable[str]) -> Dict[str, object]:
    """`key=type` strings → {key: type}. Raises PartitionTypeError."""
    out: Dict[str, object] = {}
    for pin in pins or ():
        key, sep, type_name = pin.partition("=")
        if not sep or not key.strip() or type_name.strip().lower() not in PINNABLE:
            raise PartitionTypeError(f"bad partition type {pin!r}: use KEY=TYPE with TYPE one of {', '.join(PINNABLE)}")
        out[key.strip().lower()] = S.parse_type(type_name.strip().lower())
    return out


__all__ = ["split_segment", "level_keys", "value_of", "infer_key_type", "parse_pins", "PartitionTypeError",
           "DEFAULT_PARTITION_NAME", "PINNABLE"]
