"""Column statistics rules: validation against the table schema and cross-partition
aggregation (get_aggr_stats_for), free of any wire protocol."""
from __future__ import annotations

import time
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import InvalidInput, InvalidObject, NotFound
from .model import partition_values_from_name
from .model.stats import DEFAULT_ENGINE, KIND_FIELDS, ColumnStatistics, StatisticsSet
from .service import CatalogService
from .store.sql_stats import SqlStatsStore


class StatsService:
    def __init__(self, catalog: CatalogService, store: SqlStatsStore):
        self.catalog = catalog
        self.store = store

    def _check_columns(self, db_name: str, table_name: str, stats: Sequence[ColumnStatistics], partition: bool):
        table = self.catalog.get_table(db_name, table_name)
        known = {c.name.lower() for c in table.sd.columns}
        if not partition:
            known |= {c.name.lower() for c in table.partition_keys}
        for s in stats:
            if s.kind not in KIND_FIELDS:
                raise InvalidInput(f"Unsupported statistics type {s.kind} for column {s.column_name}")
            if s.column_name.lower() not in known:
                raise InvalidObject(
                    f"Column {s.column_name} doesn't exist in table {table.name} in database {table.db_name}")
        return table

    def update(self, stats: StatisticsSet) -> None:
        """Store statistics (replacing those of the same columns). Raises NotFound, InvalidObject."""
        db_name, table_name = stats.db_name.lower(), stats.table_name.lower()
        cols = tuple(ColumnStatistics(c.column_name.lower(), c.column_type, c.kind, c.values) for c in stats.columns)
        analyzed = stats.last_analyzed or int(time.time())
        engine = stats.engine or DEFAULT_ENGINE
        if stats.partition_name is None:
            self._check_columns(db_name, table_name, cols, partition=False)
            self.store.put_table_stats(db_name, table_name, engine, analyzed, cols)
        else:
            table = self._check_columns(db_name, table_name, cols, partition=True)
            try:
                values = partition_values_from_name(table.partition_key_names, stats.partition_name)
            except ValueError as e:
                raise InvalidInput(str(e)) from None
            self.store.put_partition_stats(db_name, table_name, values, engine, analyzed, cols)

    def table_stats(self, db_name: str, table_name: str, columns: Optional[Sequence[str]],
                    engine: Optional[str] = None) -> Tuple[int, List[ColumnStatistics]]:
        cols = [c.lower() for c in columns] if columns is not None else None
        return self.store.get_table_stats(db_name.lower(), table_name.lower(), cols, engine or DEFAULT_ENGINE)

    def partition_stats(self, db_name: str, table_name: str, part_names: Sequence[str],
                        columns: Optional[Sequence[str]], engine: Optional[str] = None) -> Dict[str, List[ColumnStatistics]]:
        self.catalog.get_table(db_name, table_name)
        cols = [c.lower() for c in columns] if columns is not None else None
        return self.store.get_partition_stats(db_name.lower(), table_name.lower(), list(part_names), cols,
                                              engine or DEFAULT_ENGINE)

    def delete_table_stats(self, db_name: str, table_name: str, column: Optional[str], engine: Optional[str]) -> bool:
        n = self.store.delete_table_stats(db_name.lower(), table_name.lower(), column.lower() if column else None, engine)
        if column and n == 0:
            raise NotFound(f"Column stats doesn't exist for db={db_name} table={table_name} col={column}")
        return True

    def delete_partition_stats(self, db_name: str, table_name: str, part_name: str, column: Optional[str],
                               engine: Optional[str]) -> bool:
        n = self.store.delete_partition_stats(db_name.lower(), table_name.lower(), part_name,
                                              column.lower() if column else None, engine)
        if column and n == 0:
            raise NotFound(f"Column stats doesn't exist for db={db_name} table={table_name} "
                           f"partition={part_name} col={column}")
        return True

    def aggregate(self, db_name: str, table_name: str, part_names: Sequence[str], columns: Sequence[str],
                  engine: Optional[str] = None) -> Tuple[List[ColumnStatistics], int]:
        """Merge per-partition statistics; returns (stats per column, partitions found)."""
        per_part = self.partition_stats(db_name, table_name, part_names, columns, engine)
        by_column: Dict[str, List[ColumnStatistics]] = {}
        for stats in per_part.values():
            for s in stats:
                by_column.setdefault(s.column_name, []).append(s)
        merged = [merge(items) for name, items in sorted(by_column.items())]
        found = min((len(v) for v in by_column.values()), default=0)
        return merged, found


def _sum(a, b):
    return None if a is None and b is None else (a or 0) + (b or 0)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def _dec_min(a, b):
    return b if a is None else a if b is None else (a if Decimal(a) <= Decimal(b) else b)


def _dec_max(a, b):
    return b if a is None else a if b is None else (a if Decimal(a) >= Decimal(b) else b)


_MERGE = {
    "num_nulls": _sum, "num_trues": _sum, "num_falses": _sum,
    "num_dvs": _max,  # a lower bound without the sketches; sketches are not merged
    "max_len": _max, "avg_len": _max, "low": _min, "high": _max,
}


def merge(items: Sequence[ColumnStatistics]) -> ColumnStatistics:
    """Merge statistics of one column from several partitions (all of one kind)."""
    first = items[0]
    values = {k: v for k, v in first.values.items() if k != "bit_vectors"}
    for other in items[1:]:
        if other.kind != first.kind:
            raise InvalidObject(f"Mixed statistics types for column {first.column_name}")
        for key in KIND_FIELDS[first.kind]:
            if key == "bit_vectors":
                continue
            fn = _MERGE[key]
            if first.kind == "decimal" and key in ("low", "high"):
                fn = _dec_min if key == "low" else _dec_max
            values[key] = fn(values.get(key), other.values.get(key))
    return ColumnStatistics(first.column_name, first.column_type, first.kind, values)
