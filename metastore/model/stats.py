"""Column statistics, protocol-free.

`values` holds the statistic fields of one kind (see KIND_FIELDS); decimals are kept as
decimal strings, dates as days since the epoch, timestamps as seconds since the epoch,
bit vectors (NDV sketches) as bytes.
"""
from __future__ import annotations

from dataclasses import field
from typing import Any, Mapping, Optional, Tuple

from .frozen import frozen

KIND_FIELDS = {
    "boolean": ("num_trues", "num_falses", "num_nulls", "bit_vectors"),
    "long": ("low", "high", "num_nulls", "num_dvs", "bit_vectors"),
    "double": ("low", "high", "num_nulls", "num_dvs", "bit_vectors"),
    "string": ("max_len", "avg_len", "num_nulls", "num_dvs", "bit_vectors"),
    "binary": ("max_len", "avg_len", "num_nulls", "bit_vectors"),
    "decimal": ("low", "high", "num_nulls", "num_dvs", "bit_vectors"),
    "date": ("low", "high", "num_nulls", "num_dvs", "bit_vectors"),
    "timestamp": ("low", "high", "num_nulls", "num_dvs", "bit_vectors"),
}

DEFAULT_ENGINE = "hive"


@frozen
class ColumnStatistics:
    column_name: str
    column_type: str
    kind: str
    values: Mapping[str, Any] = field(default_factory=dict)


@frozen
class StatisticsSet:
    """Statistics of some columns of one table (partition_name None) or one partition."""

    db_name: str
    table_name: str
    columns: Tuple[ColumnStatistics, ...]
    partition_name: Optional[str] = None
    last_analyzed: int = 0
    engine: str = DEFAULT_ENGINE
