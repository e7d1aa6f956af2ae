"""Hive partition-filter language: `parse_filter(text)` turns the `filter` string of
`get_partitions_by_filter` into an immutable, normalised AST (see `.ast`)."""
from .ast import (  # noqa: F401
    COMPARISON_OPS, LITERAL_KINDS, And, Between, Comparison, In, Literal, Node, Not, Or, keys,
)
from .parser import MAX_NESTING, FilterError, parse_filter  # noqa: F401

__all__ = [
    "parse_filter", "FilterError", "MAX_NESTING", "keys",
    "Node", "Literal", "Comparison", "In", "Between", "And", "Or", "Not",
    "COMPARISON_OPS", "LITERAL_KINDS",
]
