"""ThriftHiveMetastore column-statistics methods → StatsService, with the union conversion."""
from __future__ import annotations

from decimal import Decimal
from typing import List, Optional

from hive_metastore import ttypes as tt

from ..model.stats import ColumnStatistics, StatisticsSet
from .errors import thrift_errors

# kind -> (union field, thrift class, {thrift field: model field})
_KINDS = {
    "boolean": ("booleanStats", tt.BooleanColumnStatsData,
                {"numTrues": "num_trues", "numFalses": "num_falses", "numNulls": "num_nulls", "bitVectors": "bit_vectors"}),
    "long": ("longStats", tt.LongColumnStatsData,
             {"lowValue": "low", "highValue": "high", "numNulls": "num_nulls", "numDVs": "num_dvs", "bitVectors": "bit_vectors"}),
    "double": ("doubleStats", tt.DoubleColumnStatsData,
               {"lowValue": "low", "highValue": "high", "numNulls": "num_nulls", "numDVs": "num_dvs", "bitVectors": "bit_vectors"}),
    "string": ("stringStats", tt.StringColumnStatsData,
               {"maxColLen": "max_len", "avgColLen": "avg_len", "numNulls": "num_nulls", "numDVs": "num_dvs", "bitVectors": "bit_vectors"}),
    "binary": ("binaryStats", tt.BinaryColumnStatsData,
               {"maxColLen": "max_len", "avgColLen": "avg_len", "numNulls": "num_nulls", "bitVectors": "bit_vectors"}),
    "decimal": ("decimalStats", tt.DecimalColumnStatsData,
                {"lowValue": "low", "highValue": "high", "numNulls": "num_nulls", "numDVs": "num_dvs", "bitVectors": "bit_vectors"}),
    "date": ("dateStats", tt.DateColumnStatsData,
             {"lowValue": "low", "highValue": "high", "numNulls": "num_nulls", "numDVs": "num_dvs", "bitVectors": "bit_vectors"}),
    "timestamp": ("timestampStats", tt.TimestampColumnStatsData,
                  {"lowValue": "low", "highValue": "high", "numNulls": "num_nulls", "numDVs": "num_dvs", "bitVectors": "bit_vectors"}),
}


def _decimal_from(d: Optional[tt.Decimal]) -> Optional[str]:
    if d is None or d.unscaled is None:
        return None
    unscaled = int.from_bytes(d.unscaled, "big", signed=True) if d.unscaled else 0
    return str(Decimal(unscaled).scaleb(-(d.scale or 0)))


def _decimal_to(text: Optional[str]) -> Optional[tt.Decimal]:
    if text is None:
        return None
    value = Decimal(text)
    sign, digits, exponent = value.as_tuple()
    scale = max(-exponent, 0)
    unscaled = int(value.scaleb(scale))
    length = max(1, (unscaled.bit_length() + 8) // 8)
    return tt.Decimal(unscaled=unscaled.to_bytes(length, "big", signed=True), scale=scale)


def _wrap_from(kind: str, value):
    if kind == "decimal":
        return _decimal_from(value)
    if kind == "date":
        return None if value is None else value.daysSinceEpoch
    if kind == "timestamp":
        return None if value is None else value.secondsSinceEpoch
    return value


def _wrap_to(kind: str, value):
    if value is None:
        return None
    if kind == "decimal":
        return _decimal_to(value)
    if kind == "date":
        return tt.Date(daysSinceEpoch=value)
    if kind == "timestamp":
        return tt.Timestamp(secondsSinceEpoch=value)
    return value


def stats_obj_from(obj: tt.ColumnStatisticsObj) -> ColumnStatistics:
    data = obj.statsData
    for kind, (union_field, _cls, fields) in _KINDS.items():
        part = getattr(data, union_field, None) if data is not None else None
        if part is not None:
            values = {}
            for tfield, mfield in fields.items():
                v = getattr(part, tfield)
                values[mfield] = _wrap_from(kind, v) if mfield in ("low", "high") else v
            return ColumnStatistics(obj.colName or "", obj.colType or "", kind, values)
    raise tt.InvalidInputException(message=f"No statistics data set for column {obj.colName}")


def stats_obj_to(s: ColumnStatistics) -> tt.ColumnStatisticsObj:
    union_field, cls, fields = _KINDS[s.kind]
    kwargs = {}
    for tfield, mfield in fields.items():
        v = s.values.get(mfield)
        kwargs[tfield] = _wrap_to(s.kind, v) if mfield in ("low", "high") else v
    return tt.ColumnStatisticsObj(colName=s.column_name, colType=s.column_type,
                                  statsData=tt.ColumnStatisticsData(**{union_field: cls(**kwargs)}))


def _stats_set(cs: tt.ColumnStatistics, engine: Optional[str] = None) -> StatisticsSet:
    desc = cs.statsDesc
    if desc is None:
        raise tt.InvalidInputException(message="ColumnStatistics without statsDesc")
    return StatisticsSet(
        db_name=desc.dbName or "", table_name=desc.tableName or "",
        columns=tuple(stats_obj_from(o) for o in cs.statsObj or ()),
        partition_name=None if desc.isTblLevel else desc.partName,
        last_analyzed=desc.lastAnalyzed or 0, engine=engine or cs.engine or "hive",
    )


class StatsMethods:
    """Mixin for Handler; needs `self.stats` (a StatsService)."""

    @thrift_errors
    def update_table_column_statistics(self, stats_obj):
        self.stats.update(_stats_set(stats_obj))
        return True

    @thrift_errors
    def update_partition_column_statistics(self, stats_obj):
        self.stats.update(_stats_set(stats_obj))
        return True

    def _set_many(self, req) -> None:
        for cs in req.colStats or ():
            self.stats.update(_stats_set(cs, req.engine))

    @thrift_errors
    def update_table_column_statistics_req(self, req):
        self._set_many(req)
        return tt.SetPartitionsStatsResponse(result=True)

    @thrift_errors
    def update_partition_column_statistics_req(self, req):
        self._set_many(req)
        return tt.SetPartitionsStatsResponse(result=True)

    @thrift_errors
    def set_aggr_stats_for(self, request):
        self._set_many(request)
        return True

    @thrift_errors
    def get_table_column_statistics(self, db_name, tbl_name, col_name):
        analyzed, stats = self.stats.table_stats(db_name, tbl_name, [col_name])
        if not stats:
            from ..errors import NotFound
            raise NotFound(f"Column statistics for {db_name}.{tbl_name}.{col_name} not found")
        return tt.ColumnStatistics(
            statsDesc=tt.ColumnStatisticsDesc(isTblLevel=True, dbName=db_name.lower(), tableName=tbl_name.lower(),
                                              lastAnalyzed=analyzed, catName="hive"),
            statsObj=[stats_obj_to(s) for s in stats], engine="hive")

    @thrift_errors
    def get_partition_column_statistics(self, db_name, tbl_name, part_name, col_name):
        found = self.stats.partition_stats(db_name, tbl_name, [part_name], [col_name]).get(part_name)
        if not found:
            from ..errors import NotFound
            raise NotFound(f"Column statistics for {db_name}.{tbl_name}/{part_name}.{col_name} not found")
        return tt.ColumnStatistics(
            statsDesc=tt.ColumnStatisticsDesc(isTblLevel=False, dbName=db_name.lower(), tableName=tbl_name.lower(),
                                              partName=part_name, catName="hive"),
            statsObj=[stats_obj_to(s) for s in found], engine="hive")

    @thrift_errors
    def get_table_statistics_req(self, request):
        _, stats = self.stats.table_stats(request.dbName, request.tblName, request.colNames or [], request.engine)
        return tt.TableStatsResult(tableStats=[stats_obj_to(s) for s in stats])

    @thrift_errors
    def get_partitions_statistics_req(self, request):
        found = self.stats.partition_stats(request.dbName, request.tblName, request.partNames or [],
                                           request.colNames or [], request.engine)
        return tt.PartitionsStatsResult(partStats={k: [stats_obj_to(s) for s in v] for k, v in found.items()})

    @thrift_errors
    def delete_table_column_statistics(self, db_name, tbl_name, col_name, engine=None):
        return self.stats.delete_table_stats(db_name, tbl_name, col_name, engine)

    @thrift_errors
    def delete_partition_column_statistics(self, db_name, tbl_name, part_name, col_name, engine=None):
        return self.stats.delete_partition_stats(db_name, tbl_name, part_name, col_name, engine)

    @thrift_errors
    def get_aggr_stats_for(self, request):
        merged, found = self.stats.aggregate(request.dbName, request.tblName, request.partNames or [],
                                             request.colNames or [], request.engine)
        return tt.AggrStats(colStats=[stats_obj_to(s) for s in merged], partsFound=found)
