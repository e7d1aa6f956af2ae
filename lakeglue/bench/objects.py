"""The tables and partitions the benchmark creates: the same objects on every target.

Tables look like what Spark/Hive write (four data columns, Parquet, managed) and are
partitioned by one string key `d`. Partition values are zero-padded numbers, so a range
filter on `d` selects an exact share of the partitions on any server.
"""
from __future__ import annotations

import time
from typing import List, Optional, Sequence

from hive_metastore import ttypes as tt

PART_KEY = "d"
OWNER = "lakeglue-bench"

_COLUMNS = (("id", "bigint"), ("name", "string"), ("amount", "double"), ("ts", "timestamp"))
_PARQUET = dict(
    inputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    outputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serde="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
)


def database(name: str) -> tt.Database:
    return tt.Database(name=name, description="lakeglue bench", parameters={}, ownerName=OWNER,
                       ownerType=tt.PrincipalType.USER)


def _sd(location=None) -> tt.StorageDescriptor:
    return tt.StorageDescriptor(
        cols=[tt.FieldSchema(name=n, type=t, comment=None) for n, t in _COLUMNS],
        location=location, inputFormat=_PARQUET["inputFormat"], outputFormat=_PARQUET["outputFormat"],
        compressed=False, numBuckets=-1,
        serdeInfo=tt.SerDeInfo(name=None, serializationLib=_PARQUET["serde"],
                               parameters={"serialization.format": "1"}),
        bucketCols=[], sortCols=[], parameters={}, storedAsSubDirectories=False)


def table(db: str, name: str, partitioned: bool = True) -> tt.Table:
    """A managed Parquet table (location chosen by the server)."""
    now = int(time.time())
    keys = [tt.FieldSchema(name=PART_KEY, type="string", comment=None)] if partitioned else []
    return tt.Table(tableName=name, dbName=db, owner=OWNER, createTime=now, lastAccessTime=0,
                    retention=0, sd=_sd(), partitionKeys=keys, parameters={},
                    tableType="MANAGED_TABLE")


def part_value(i: int) -> str:
    return f"{i:07d}"


def part_name(i: int) -> str:
    return f"{PART_KEY}={part_value(i)}"


def external_table(db: str, name: str, location: str) -> tt.Table:
    """An external partitioned Parquet table at `location` (as a crawler registers one)."""
    t = table(db, name)
    t.tableType = "EXTERNAL_TABLE"
    t.parameters = {"EXTERNAL": "TRUE"}
    t.sd.location = location
    return t


def partitions(db: str, tbl: str, start: int, count: int, root: Optional[str] = None) -> List[tt.Partition]:
    """Partitions d=<start> … d=<start+count-1>: at <root>/d=<value> given a `root` (as a
    crawler registers existing data), else where the server chooses."""
    now = int(time.time())
    return [tt.Partition(values=[part_value(i)], dbName=db, tableName=tbl, createTime=now,
                         lastAccessTime=0, sd=_sd(None if root is None else f"{root}/{part_name(i)}"),
                         parameters={})
            for i in range(start, start + count)]


def share_filter(total: int, share: float = 0.01) -> tuple:
    """(filter, expected count): a range on `d` selecting `share` of `total` partitions (≥1)."""
    n = max(1, int(total * share))
    return window_filter(0, n), n


def window_filter(start: int, count: int) -> str:
    """A range on `d` selecting partitions start … start+count-1."""
    return f"{PART_KEY} >= '{part_value(start)}' and {PART_KEY} < '{part_value(start + count)}'"


def part_names(start: int, count: int) -> Sequence[str]:
    return [part_name(i) for i in range(start, start + count)]
