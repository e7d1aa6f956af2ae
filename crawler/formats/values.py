"""Typing text values (CSV fields, partition values): each value is classified, and a
column's classes decide its Hive type.

Classes: null (empty, `\\N`, `NULL`, `null`), boolean (`true`/`false`, any case), int (no
leading zeros, fits 64 bits; bigger ones are decimals), decimal (plain `123.45`), double
(exponent, `NaN`, `Infinity`), date (`YYYY-MM-DD`), timestamp (`YYYY-MM-DD[ T]HH:MM[:SS[.f]]`
with an optional zone), string (anything else, incl. numbers with leading zeros such as
zip codes, which must keep their zeros).

A column of decimals becomes `decimal(p,s)` when every value has the same number of
fraction digits (amounts such as `12.50`) and fits 18 digits, `double` otherwise; `p`
leaves room for at least 10 integer digits, as rows beyond the sample may be larger.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Set

from .. import schema as S

NULL_TOKENS = frozenset(["", "\\N", "NULL", "null"])
_INT = re.compile(r"^[+-]?(0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^[+-]?(0|[1-9][0-9]*)\.([0-9]+)$")
_DOUBLE = re.compile(r"^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+|NaN|Infinity|inf|nan)$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$")
_INT64 = 2 ** 63


def _valid_date(y: str, m: str, d: str) -> bool:
    try:
        _dt.date(int(y), int(m), int(d))
        return True
    except ValueError:
        return False


def classify(value: str) -> str:
    """The class of one text value (see module doc)."""
    v = value.strip()
    if v in NULL_TOKENS:
        return "null"
    low = v.lower()
    if low in ("true", "false"):
        return "boolean"
    if _INT.match(v):
        return "int" if abs(int(v)) < _INT64 else "decimal"
    if _DECIMAL.match(v):
        return "decimal"
    if _DOUBLE.match(v):
        return "double"
    m = _DATE.match(v)
    if m:
        return "date" if _valid_date(*m.groups()) else "string"
    m = _TIMESTAMP.match(v)
    if m:
        ok = _valid_date(*m.groups()[:3]) and int(m.group(4)) < 24 and int(m.group(5)) < 60
        return "timestamp" if ok else "string"
    return "string"


@dataclass
class ColumnStats:
    """Running statistics of one text column."""

    classes: Set[str] = field(default_factory=set)
    int_digits: int = 1
    scales: Set[int] = field(default_factory=set)
    nulls: int = 0
    values: int = 0

    def add(self, value: Optional[str]) -> None:
        self.values += 1
        if value is None:
            self.nulls += 1
            self.classes.add("null")
            return
        kind = classify(value)
        self.classes.add(kind)
        if kind == "null":
            self.nulls += 1
        elif kind in ("int", "decimal"):
            v = value.strip().lstrip("+-")
            whole, _, frac = v.partition(".")
            self.int_digits = max(self.int_digits, len(whole.lstrip("0")) or 1)
            if kind == "decimal":
                self.scales.add(len(frac))

    def add_all(self, values: Iterable[Optional[str]]) -> "ColumnStats":
        for v in values:
            self.add(v)
        return self

    def hive_type(self):
        """The Hive type of the column (`void` when every value was null)."""
        kinds = self.classes - {"null"}
        if not kinds:
            return S.VOID
        if "string" in kinds:
            return S.STRING
        if kinds == {"boolean"}:
            return S.BOOLEAN
        if "boolean" in kinds:
            return S.STRING
        if kinds <= {"date", "timestamp"}:
            return S.DATE if kinds == {"date"} else S.TIMESTAMP
        if kinds & {"date", "timestamp"}:
            return S.STRING
        if kinds == {"int"}:
            return S.BIGINT
        if "double" in kinds:
            return S.DOUBLE
        # ints and decimals
        if len(self.scales) == 1:
            scale = next(iter(self.scales))
            if self.int_digits + scale <= 18:
                # headroom: rows past the sample may hold larger amounts than those seen
                return S.Decimal(min(max(self.int_digits, 10) + scale, S.MAX_DECIMAL_PRECISION), scale)
        if not self.scales and self.int_digits <= S.MAX_DECIMAL_PRECISION:  # ints beyond 64 bits
            return S.Decimal(self.int_digits, 0)
        return S.DOUBLE


def infer_text_type(values: Iterable[Optional[str]]):
    """The Hive type for a column of text values."""
    return ColumnStats().add_all(values).hive_type()


__all__ = ["NULL_TOKENS", "classify", "ColumnStats", "infer_text_type"]
