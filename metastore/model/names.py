"""Hive partition names: `key=value/key2=value2`, with Hive's path escaping.

Hive escapes the characters that are unsafe in a path segment as `%XX` (upper-case hex)
and writes a null or empty value as the default partition name. Clients compare names
byte for byte, so this must match Hive exactly.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Sequence, Tuple

DEFAULT_PARTITION_NAME = "__HIVE_DEFAULT_PARTITION__"

_ESCAPED = frozenset(
    [chr(c) for c in range(0x01, 0x20)]
    + ['"', "#", "%", "'", "*", "/", ":", "=", "?", "\\", "\x7f", "{", "[", "]", "^"]
)

_NEEDS_ESCAPE = re.compile("[" + re.escape("".join(sorted(_ESCAPED))) + "]")


def escape_path_name(value: str) -> str:
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return "".join("%%%02X" % ord(ch) if ch in _ESCAPED else ch for ch in value)


def unescape_path_name(value: str) -> str:
    if "%" not in value:
        return value
    out: List[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "%" and _is_hex(value[i + 1 : i + 3]):
            out.append(chr(int(value[i + 1 : i + 3], 16)))
            i += 3
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _is_hex(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdefABCDEF" for c in text)


def make_partition_name(keys: Sequence[str], values: Sequence[str]) -> str:
    """`k1=v1/k2=v2` for the given keys and values (lengths must match)."""
    if len(keys) != len(values):
        raise ValueError(f"partition has {len(values)} values but the table has {len(keys)} keys")
    return "/".join(
        f"{escape_path_name(k)}={escape_path_name(v) if v not in (None, '') else DEFAULT_PARTITION_NAME}"
        for k, v in zip(keys, values)
    )


def parse_partition_name(name: str) -> List[Tuple[str, str]]:
    """Split `k1=v1/k2=v2` into unescaped (key, value) pairs, in order.

    Raises ValueError for a segment without `=`.
    """
    pairs: List[Tuple[str, str]] = []
    for segment in name.split("/"):
        if not segment:
            continue
        key, sep, value = segment.partition("=")
        if not sep or not key:
            raise ValueError(f"Invalid partition name component '{segment}' in '{name}'")
        pairs.append((unescape_path_name(key), unescape_path_name(value)))
    return pairs


def partition_values_from_name(keys: Iterable[str], name: str) -> List[str]:
    """The values of `name` in the order of `keys`; raises ValueError if they don't match."""
    spec = dict((k.lower(), v) for k, v in parse_partition_name(name))
    keys = list(keys)
    if set(spec) != {k.lower() for k in keys}:
        raise ValueError(f"Partition name '{name}' does not match partition keys {keys}")
    return [spec[k.lower()] for k in keys]


def normalize_partition_name(keys: Sequence[str], name: str) -> str:
    """`name` as this table names it: keys in the table's order and case, values escaped the
    Hive way. Raises ValueError if it does not name exactly the table's keys.

    Names clients send are nearly always canonical already; those are returned as they are
    after one cheap check (a partition listing by names sends thousands).
    """
    segments = name.split("/")
    if len(segments) == len(keys) and "%" not in name:
        for key, segment in zip(keys, segments):
            k, sep, v = segment.partition("=")
            if k != key or not v or _NEEDS_ESCAPE.search(v) is not None:
                break
        else:
            return name
    return make_partition_name(keys, partition_values_from_name(keys, name))
