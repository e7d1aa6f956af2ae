"""Column statistics over the wire: every stat type, table and partition level, aggregation,
and statistics following renames and drops."""
from __future__ import annotations

import pytest
from hive_metastore import ttypes as tt


COLS = [("b", "boolean"), ("l", "bigint"), ("d", "double"), ("s", "string"), ("bin", "binary"),
        ("dec", "decimal(10,2)"), ("dt", "date"), ("ts", "timestamp")]


def _table(hms, db="stats_db", name="t", partitioned=True):
    try:
        hms.create_database(tt.Database(name=db))
    except tt.AlreadyExistsException:
        pass
    sd = tt.StorageDescriptor(cols=[tt.FieldSchema(n, t, None) for n, t in COLS],
                              inputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                              outputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                              serdeInfo=tt.SerDeInfo(serializationLib="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", parameters={}))
    keys = [tt.FieldSchema("p", "int", None)] if partitioned else []
    hms.create_table(tt.Table(tableName=name, dbName=db, sd=sd, partitionKeys=keys, parameters={}, tableType="MANAGED_TABLE"))
    if partitioned:
        hms.add_partitions([tt.Partition(values=[str(i)], dbName=db, tableName=name, sd=sd) for i in (1, 2, 3)])
    return db, name


def _objs(seed=0):
    return [
        tt.ColumnStatisticsObj("b", "boolean", tt.ColumnStatisticsData(booleanStats=tt.BooleanColumnStatsData(numTrues=5 + seed, numFalses=3, numNulls=1))),
        tt.ColumnStatisticsObj("l", "bigint", tt.ColumnStatisticsData(longStats=tt.LongColumnStatsData(lowValue=-10 - seed, highValue=100 + seed, numNulls=2, numDVs=50 + seed, bitVectors=b"\x01\x02"))),
        tt.ColumnStatisticsObj("d", "double", tt.ColumnStatisticsData(doubleStats=tt.DoubleColumnStatsData(lowValue=0.5, highValue=9.75 + seed, numNulls=0, numDVs=7))),
        tt.ColumnStatisticsObj("s", "string", tt.ColumnStatisticsData(stringStats=tt.StringColumnStatsData(maxColLen=20 + seed, avgColLen=4.5, numNulls=3, numDVs=11))),
        tt.ColumnStatisticsObj("bin", "binary", tt.ColumnStatisticsData(binaryStats=tt.BinaryColumnStatsData(maxColLen=64, avgColLen=12.0, numNulls=0))),
        tt.ColumnStatisticsObj("dec", "decimal(10,2)", tt.ColumnStatisticsData(decimalStats=tt.DecimalColumnStatsData(
            lowValue=tt.Decimal(unscaled=(-12345).to_bytes(2, "big", signed=True), scale=2),
            highValue=tt.Decimal(unscaled=(99999 + seed).to_bytes(3, "big", signed=True), scale=2), numNulls=1, numDVs=9))),
        tt.ColumnStatisticsObj("dt", "date", tt.ColumnStatisticsData(dateStats=tt.DateColumnStatsData(lowValue=tt.Date(19000), highValue=tt.Date(19100 + seed), numNulls=0, numDVs=100))),
        tt.ColumnStatisticsObj("ts", "timestamp", tt.ColumnStatisticsData(timestampStats=tt.TimestampColumnStatsData(lowValue=tt.Timestamp(1_600_000_000), highValue=tt.Timestamp(1_700_000_000), numNulls=4, numDVs=1000))),
    ]


def _table_stats(db, name, objs):
    return tt.ColumnStatistics(statsDesc=tt.ColumnStatisticsDesc(isTblLevel=True, dbName=db, tableName=name, lastAnalyzed=1234),
                               statsObj=objs, engine="hive")


def _part_stats(db, name, part, objs):
    return tt.ColumnStatistics(statsDesc=tt.ColumnStatisticsDesc(isTblLevel=False, dbName=db, tableName=name, partName=part),
                               statsObj=objs, engine="hive")


def _decode_dec(d):
    return int.from_bytes(d.unscaled, "big", signed=True), d.scale


def test_table_stats_round_trip_every_type(hms):
    db, name = _table(hms, partitioned=False)
    assert hms.update_table_column_statistics(_table_stats(db, name, _objs())) is True
    res = hms.get_table_statistics_req(tt.TableStatsRequest(dbName=db, tblName=name, colNames=[c for c, _ in COLS], engine="hive"))
    got = {o.colName: o for o in res.tableStats}
    assert set(got) == {c for c, _ in COLS}
    assert got["b"].statsData.booleanStats == tt.BooleanColumnStatsData(numTrues=5, numFalses=3, numNulls=1)
    assert got["l"].statsData.longStats.lowValue == -10 and got["l"].statsData.longStats.bitVectors == b"\x01\x02"
    assert got["d"].statsData.doubleStats.highValue == 9.75
    assert got["s"].statsData.stringStats.avgColLen == 4.5
    assert got["bin"].statsData.binaryStats.maxColLen == 64
    dec = got["dec"].statsData.decimalStats
    assert _decode_dec(dec.lowValue) == (-12345, 2) and _decode_dec(dec.highValue) == (99999, 2)
    assert got["dt"].statsData.dateStats.highValue.daysSinceEpoch == 19100
    assert got["ts"].statsData.timestampStats.lowValue.secondsSinceEpoch == 1_600_000_000
    single = hms.get_table_column_statistics(db, name, "L")
    assert single.statsDesc.isTblLevel and single.statsObj[0].colName == "l"
    assert single.statsDesc.lastAnalyzed == 1234


def test_partition_stats_aggregate_and_delete(hms):
    db, name = _table(hms)
    for i in (1, 2, 3):
        hms.update_partition_column_statistics(_part_stats(db, name, f"p={i}", _objs(seed=i)))
    res = hms.get_partitions_statistics_req(tt.PartitionsStatsRequest(dbName=db, tblName=name, colNames=["l", "s"],
                                                                       partNames=["p=1", "p=3"], engine="hive"))
    assert sorted(res.partStats) == ["p=1", "p=3"]
    assert {o.colName for o in res.partStats["p=3"]} == {"l", "s"}
    one = hms.get_partition_column_statistics(db, name, "p=2", "l")
    assert one.statsObj[0].statsData.longStats.highValue == 102
    aggr = hms.get_aggr_stats_for(tt.PartitionsStatsRequest(dbName=db, tblName=name, colNames=["l", "b", "dec", "dt"],
                                                            partNames=["p=1", "p=2", "p=3"], engine="hive"))
    assert aggr.partsFound == 3
    by = {o.colName: o.statsData for o in aggr.colStats}
    assert (by["l"].longStats.lowValue, by["l"].longStats.highValue) == (-13, 103)
    assert by["l"].longStats.numNulls == 6 and by["l"].longStats.numDVs == 53
    assert by["b"].booleanStats.numTrues == 6 + 7 + 8
    assert _decode_dec(by["dec"].decimalStats.highValue)[0] == 100002
    assert by["dt"].dateStats.highValue.daysSinceEpoch == 19103
    assert hms.delete_partition_column_statistics(db, name, "p=2", "l", "hive") is True
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition_column_statistics(db, name, "p=2", "l")
    aggr = hms.get_aggr_stats_for(tt.PartitionsStatsRequest(dbName=db, tblName=name, colNames=["l"],
                                                            partNames=["p=1", "p=2", "p=3"], engine="hive"))
    assert aggr.partsFound == 2


def test_stats_errors(hms):
    db, name = _table(hms, partitioned=False)
    bad = _table_stats(db, name, [tt.ColumnStatisticsObj("nope", "int", tt.ColumnStatisticsData(longStats=tt.LongColumnStatsData(numNulls=0, numDVs=0)))])
    with pytest.raises(tt.InvalidObjectException):
        hms.update_table_column_statistics(bad)
    with pytest.raises(tt.NoSuchObjectException):
        hms.update_table_column_statistics(_table_stats(db, "missing", _objs()))
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table_column_statistics(db, name, "l")
    # nothing half-written: the failed update above stored no stats
    assert hms.get_table_statistics_req(tt.TableStatsRequest(dbName=db, tblName=name, colNames=["l"], engine="hive")).tableStats == []


def test_stats_follow_rename_and_drop(hms):
    db, name = _table(hms)
    hms.update_table_column_statistics(_table_stats(db, name, _objs()))
    hms.update_partition_column_statistics(_part_stats(db, name, "p=1", _objs()))
    t = hms.get_table(db, name)
    t.tableName = "renamed"
    hms.alter_table(db, name, t)
    assert hms.get_table_column_statistics(db, "renamed", "l").statsObj[0].colName == "l"
    assert hms.get_partition_column_statistics(db, "renamed", "p=1", "s").statsObj[0].colName == "s"
    # dropping a column drops its statistics
    t = hms.get_table(db, "renamed")
    t.sd.cols = [c for c in t.sd.cols if c.name != "s"]
    hms.alter_table(db, "renamed", t)
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table_column_statistics(db, "renamed", "s")
    hms.drop_table(db, "renamed", True)
    _table(hms, name="renamed")
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table_column_statistics(db, "renamed", "l")
    assert hms.get_partitions_statistics_req(tt.PartitionsStatsRequest(
        dbName=db, tblName="renamed", colNames=["l"], partNames=["p=1"], engine="hive")).partStats == {}
