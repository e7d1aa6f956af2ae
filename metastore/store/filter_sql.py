"""Partition-filter AST → SQL WHERE clause over partition values, with typed comparisons.

Each referenced partition key gets its own alias of `lg_partition_values`; integer and
other numeric keys compare on the numeric copy of the value, everything else as text
(dates are stored ISO-formatted, so text order is date order).
"""
from __future__ import annotations

import datetime
from typing import Callable, Dict, Sequence

from sqlalchemy import and_, false, not_, or_
from sqlalchemy.sql import ColumnElement

from ..errors import InvalidInput
from ..filter import And, Between, Comparison, In, Literal, Not, Or
from ..model import Column

NUMERIC_TYPES = ("tinyint", "smallint", "int", "integer", "bigint", "float", "double", "decimal", "real")

_OPS: Dict[str, Callable] = {
    "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
}


def is_numeric_type(type_name: str) -> bool:
    base = type_name.strip().lower().split("(", 1)[0]
    return base in NUMERIC_TYPES


class FilterCompiler:
    """Compiles one filter for one table. `value_alias(idx)` returns the alias for a key."""

    def __init__(self, keys: Sequence[Column], value_alias: Callable[[int], object]):
        self._index = {k.name.lower(): i for i, k in enumerate(keys)}
        self._numeric = [is_numeric_type(k.type) for k in keys]
        self._alias = value_alias

    def compile(self, node) -> ColumnElement:
        if isinstance(node, And):
            return and_(*[self.compile(n) for n in node.items])
        if isinstance(node, Or):
            return or_(*[self.compile(n) for n in node.items])
        if isinstance(node, Not):
            return not_(self.compile(node.item))
        if isinstance(node, Comparison):
            if node.op == "LIKE":
                col, _ = self._column(node.key, None)
                return col.like(hive_like_pattern(_text(node.value)), escape="\\")
            col, conv = self._column(node.key, node.value)
            return _OPS[node.op](col, conv(node.value))
        if isinstance(node, In):
            if not node.values:
                return false() if not node.negated else not_(false())
            col, conv = self._column(node.key, node.values[0])
            clause = col.in_([conv(v) for v in node.values])
            return not_(clause) if node.negated else clause
        if isinstance(node, Between):
            col, conv = self._column(node.key, node.low)
            clause = and_(col >= conv(node.low), col <= conv(node.high))
            return not_(clause) if node.negated else clause
        raise InvalidInput(f"Unsupported filter node {type(node).__name__}")

    def _column(self, key: str, literal):
        try:
            idx = self._index[key.lower()]
        except KeyError:
            raise InvalidInput(
                f"Error parsing partition filter : {key} is not a partitioning key for the table"
            ) from None
        alias = self._alias(idx)
        if self._numeric[idx] and (literal is None or _numeric_literal(literal)):
            return alias.c.num_value, _number
        return alias.c.value, _text


def _numeric_literal(lit: Literal) -> bool:
    if lit.kind == "int":
        return True
    if lit.kind == "string":
        try:
            float(lit.value)
            return True
        except ValueError:
            return False
    return False


def _number(lit: Literal) -> float:
    return float(lit.value)


def _text(lit: Literal) -> str:
    if isinstance(lit.value, datetime.date):
        return lit.value.isoformat()
    return str(lit.value)


def hive_like_pattern(pattern: str) -> str:
    """A Hive partition-filter LIKE pattern as an SQL LIKE pattern (escape character `\\`).

    Hive matches these patterns the way its JDO layer does: `.*` is any run of characters,
    `.` any one character, and everything else (`%`, `_`, brackets, ...) stands for
    itself, over the whole value. Spark's Hive client relies on it: `dt LIKE '2024-01%'`
    reaches the metastore as `dt like "2024-01.*"`.
    """
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "." and pattern[i + 1 : i + 2] == "*":
            out.append("%")
            i += 2
            continue
        if ch == ".":
            out.append("_")
        elif ch in ("%", "_", "\\"):
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)
