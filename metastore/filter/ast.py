"""Immutable AST of a Hive partition filter (`get_partitions_by_filter`).

Every node is a frozen, hashable dataclass, so parsed filters can be compared, cached and
used as dict keys. The parser produces a normalised tree:

* comparisons are always key-first (`'2024' < year` becomes `year > '2024'`);
* `<>` is `!=` and `==` is `=`;
* `And` / `Or` are flattened n-ary nodes with at least two items;
* `key NOT LIKE 'x'` is `Not(Comparison(key, "LIKE", ...))`;
* partition keys are lower-case.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Set, Tuple, Union

__all__ = [
    "LITERAL_KINDS", "COMPARISON_OPS", "Literal", "Comparison", "In", "Between",
    "And", "Or", "Not", "Node", "keys",
]

LITERAL_KINDS = frozenset({"string", "int", "date"})
COMPARISON_OPS = frozenset({"=", "!=", "<", "<=", ">", ">=", "LIKE"})

_KIND_TYPES = {"string": str, "int": int, "date": datetime.date}


@dataclass(frozen=True)
class Literal:
    """A constant: `kind` is "string" (str value), "int" (int value) or "date" (datetime.date)."""

    value: Union[str, int, datetime.date]
    kind: str

    def __post_init__(self) -> None:
        expected = _KIND_TYPES.get(self.kind)
        if expected is None:
            raise ValueError(f"unknown literal kind {self.kind!r}")
        value = self.value
        if (not isinstance(value, expected) or isinstance(value, bool)
                or (self.kind == "date" and isinstance(value, datetime.datetime))):
            raise TypeError(f"{self.kind} literal cannot hold {type(value).__name__} {value!r}")


@dataclass(frozen=True)
class Comparison:
    """`key op value`, op being one of COMPARISON_OPS (LIKE only with a string value)."""

    key: str
    op: str
    value: Literal

    def __post_init__(self) -> None:
        if self.op not in COMPARISON_OPS:
            raise ValueError(f"unknown comparison operator {self.op!r}")


@dataclass(frozen=True)
class In:
    """`key [NOT] IN (values...)`."""

    key: str
    values: Tuple[Literal, ...]
    negated: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))


@dataclass(frozen=True)
class Between:
    """`key [NOT] BETWEEN low AND high` (inclusive bounds, as in SQL)."""

    key: str
    low: Literal
    high: Literal
    negated: bool = False


@dataclass(frozen=True)
class And:
    """Conjunction of two or more nodes (never directly containing another `And`)."""

    items: Tuple["Node", ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True)
class Or:
    """Disjunction of two or more nodes (never directly containing another `Or`)."""

    items: Tuple["Node", ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True)
class Not:
    """Logical negation of `item`."""

    item: "Node"


Node = Union[Comparison, In, Between, And, Or, Not]


def keys(node: Node) -> Set[str]:
    """Return the set of partition keys referenced anywhere in `node`."""
    found: Set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (And, Or)):
            stack.extend(current.items)
        elif isinstance(current, Not):
            stack.append(current.item)
        elif isinstance(current, (Comparison, In, Between)):
            found.add(current.key)
        else:
            raise TypeError(f"not a filter node: {current!r}")
    return found
