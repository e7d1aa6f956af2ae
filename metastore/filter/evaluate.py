"""Evaluate a parsed filter in Python against a key → value lookup.

Used where a filter applies to objects that are not SQL rows of partition values, e.g.
`get_table_names_by_filter` over table parameters. Comparisons are numeric when both
sides are numbers, textual otherwise; LIKE patterns are regular expressions matched
against the whole value, as in Hive's JDO filter evaluation.
"""
from __future__ import annotations

import datetime
import re
from typing import Callable, Optional

from .ast import And, Between, Comparison, In, Literal, Not, Or

_CMP = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _coerce(value: str, lit: Literal):
    raw = lit.value.isoformat() if isinstance(lit.value, datetime.date) else lit.value
    if lit.kind == "int":
        try:
            return float(value), float(raw)
        except ValueError:
            return value, str(raw)
    return value, str(raw)


def evaluate(node, lookup: Callable[[str], Optional[str]]) -> bool:
    """True when the object described by `lookup` matches; a missing key matches nothing."""
    if isinstance(node, And):
        return all(evaluate(n, lookup) for n in node.items)
    if isinstance(node, Or):
        return any(evaluate(n, lookup) for n in node.items)
    if isinstance(node, Not):
        return not evaluate(node.item, lookup)
    value = lookup(node.key)
    if value is None:
        return False
    if isinstance(node, Comparison):
        if node.op == "LIKE":
            try:
                return re.fullmatch(str(node.value.value), value, re.DOTALL) is not None
            except re.error:
                return False
        a, b = _coerce(value, node.value)
        return _CMP[node.op](a, b)
    if isinstance(node, In):
        hit = any(_CMP["="](*_coerce(value, v)) for v in node.values)
        return hit != node.negated
    if isinstance(node, Between):
        lo, hi = _coerce(value, node.low), _coerce(value, node.high)
        inside = lo[1] <= lo[0] and hi[0] <= hi[1]
        return inside != node.negated
    raise TypeError(f"unknown filter node {type(node).__name__}")
