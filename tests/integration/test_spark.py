"""Unmodified Spark 4 (Hive 2.3.10 client) using lakeglue as its Hive metastore.

The module shares one `lakeglue metastore serve` process on SQLite and one SparkSession
(see conftest.py). Results are checked through Spark, through a Thrift client talking to
lakeglue directly, and on the filesystem. The PostgreSQL scenario runs Spark in a
subprocess because one JVM can only talk to one metastore URI.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Dict, List
from urllib.parse import urlparse

import pytest

from tests.support.spark import REPO_ROOT, Lakeglue, run_spark_script
from tests.support.catalog import ThriftClient

COMPAT_ENGINE = "Spark 4.0.1 (built-in Hive 2.3 client)"

pytestmark = pytest.mark.spark

# Artifacts Spark/Hive/Derby drop into the working directory when misconfigured.
_STRAY = ("metastore_db", "derby.log", "spark-warehouse")
_STRAY_BEFORE = {name: (REPO_ROOT / name).exists() for name in _STRAY}
NOT_FOUND = "(?i)not found|cannot be found|no such|does not exist"


# --------------------------------------------------------------------------- helpers
def sql(spark, statement: str) -> List[tuple]:
    return [tuple(r) for r in spark.sql(statement).collect()]


def col(spark, statement: str, index: int = 0) -> List:
    return [r[index] for r in spark.sql(statement).collect()]


def info(spark, statement: str) -> Dict[str, str]:
    """DESCRIBE output as {name: value} (first two columns)."""
    return {r[0]: r[1] for r in spark.sql(statement).collect()}


def local(uri: str) -> Path:
    """The local path of a file: URI."""
    parsed = urlparse(uri)
    assert parsed.scheme == "file", uri
    return Path(parsed.path)


def data_files(path: Path) -> List[Path]:
    """Data files under `path` (no _SUCCESS, .crc or other hidden files)."""
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")))


@pytest.fixture
def hms(lakeglue_sqlite):
    client = ThriftClient("127.0.0.1", lakeglue_sqlite.port)
    yield client
    client.close()


class PartitionMetrics:
    """Spark's HiveCatalogMetrics: how many partitions the Hive client fetched from the metastore."""

    def __init__(self, spark):
        self._m = spark._jvm.org.apache.spark.metrics.source.HiveCatalogMetrics

    def reset(self) -> None:
        self._m.reset()

    @property
    def fetched(self) -> int:
        return self._m.METRIC_PARTITIONS_FETCHED().getCount()


# --------------------------------------------------------------------------- databases
def test_databases_create_describe_show_drop(spark, lakeglue_sqlite, hms, tmp_path):
    custom = tmp_path / "custom_db_location"
    spark.sql(f"CREATE DATABASE it_db_a COMMENT 'analytics data' LOCATION '{custom}' "
              "WITH DBPROPERTIES ('team'='data', 'tier'='gold')")
    spark.sql("CREATE DATABASE it_db_b")

    described = info(spark, "DESCRIBE DATABASE EXTENDED it_db_a")
    assert described["Namespace Name"] == "it_db_a"
    assert described["Comment"] == "analytics data"
    assert described["Location"] == f"file:{custom}"
    assert "(team,data)" in described["Properties"] and "(tier,gold)" in described["Properties"]
    assert custom.is_dir()
    db = hms.get_database("it_db_a")
    assert (db.description, db.locationUri) == ("analytics data", f"file:{custom}")
    assert db.parameters == {"team": "data", "tier": "gold"}

    default_loc = lakeglue_sqlite.warehouse_dir / "it_db_b.db"
    assert info(spark, "DESCRIBE DATABASE it_db_b")["Location"] == f"file:{default_loc}"
    assert default_loc.is_dir()

    spark.sql("ALTER DATABASE it_db_b SET DBPROPERTIES ('owner.team'='platform')")
    assert "(owner.team,platform)" in info(spark, "DESCRIBE DATABASE EXTENDED it_db_b")["Properties"]

    spark.sql("CREATE DATABASE IF NOT EXISTS it_db_b")
    with pytest.raises(Exception, match="(?i)already exists"):
        spark.sql("CREATE DATABASE it_db_b")

    assert col(spark, "SHOW DATABASES LIKE 'it_db_*'") == ["it_db_a", "it_db_b"]
    assert col(spark, "SHOW DATABASES LIKE 'it_db_b|nothing'") == ["it_db_b"]
    assert "default" in col(spark, "SHOW DATABASES")

    spark.sql("CREATE TABLE it_db_a.t_one (id INT) USING parquet")
    spark.sql("CREATE TABLE it_db_a.t_two (id INT) STORED AS ORC")
    spark.sql("CREATE TABLE it_db_a.other (id INT) USING parquet")
    assert col(spark, "SHOW TABLES IN it_db_a LIKE 't_*'", 1) == ["t_one", "t_two"]
    assert sorted(col(spark, "SHOW TABLES IN it_db_a", 1)) == ["other", "t_one", "t_two"]
    assert col(spark, "SHOW TABLES IN it_db_b", 1) == []

    with pytest.raises(Exception, match="(?i)not empty|cascade"):
        spark.sql("DROP DATABASE it_db_a")
    assert "it_db_a" in col(spark, "SHOW DATABASES LIKE 'it_db_*'")

    spark.sql("DROP DATABASE it_db_a CASCADE")
    spark.sql("DROP DATABASE it_db_b")
    assert col(spark, "SHOW DATABASES LIKE 'it_db_*'") == []
    assert "it_db_a" not in hms.get_all_databases()
    assert not custom.exists() and not default_loc.exists()


# --------------------------------------------------------------------------- tables
@pytest.fixture(scope="module")
def tables_db(spark):
    spark.sql("CREATE DATABASE it_tables")
    return "it_tables"


def test_datasource_parquet_table(spark, hms, lakeglue_sqlite, tables_db):
    spark.sql(f"CREATE TABLE {tables_db}.ds (id INT, name STRING, score DOUBLE) USING parquet "
              "COMMENT 'a datasource table'")
    spark.sql(f"INSERT INTO {tables_db}.ds VALUES (1, 'a', 1.5), (2, 'b', 2.5), (3, NULL, 3.5)")
    assert sql(spark, f"SELECT id, name, score FROM {tables_db}.ds ORDER BY id") == [
        (1, "a", 1.5), (2, "b", 2.5), (3, None, 3.5)]
    assert sql(spark, f"SELECT count(*), sum(score) FROM {tables_db}.ds WHERE name IS NOT NULL") == [(2, 4.0)]

    t = hms.get_table(tables_db, "ds")
    assert t.tableType == "MANAGED_TABLE"
    assert t.parameters["spark.sql.sources.provider"] == "parquet"
    assert t.parameters["comment"] == "a datasource table"
    loc = lakeglue_sqlite.warehouse_dir / f"{tables_db}.db" / "ds"
    assert t.sd.location == f"file:{loc}"
    assert [f.suffix for f in data_files(loc)] and all(f.name.endswith(".parquet") for f in data_files(loc))

    described = info(spark, f"DESCRIBE TABLE EXTENDED {tables_db}.ds")
    assert described["Provider"] == "parquet"
    assert described["Type"] == "MANAGED"
    assert described["Location"] == f"file:{loc}"


@pytest.mark.parametrize("fmt, serde", [
    ("ORC", "org.apache.hadoop.hive.ql.io.orc.OrcSerde"),
    ("PARQUET", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
])
def test_hive_format_tables(spark, hms, lakeglue_sqlite, tables_db, fmt, serde):
    name = f"hive_{fmt.lower()}"
    spark.sql(f"CREATE TABLE {tables_db}.{name} (id BIGINT, label STRING, tags ARRAY<STRING>, "
              f"attrs MAP<STRING, INT>, pt STRUCT<x: INT, y: DOUBLE>) STORED AS {fmt}")
    spark.sql(f"INSERT INTO {tables_db}.{name} VALUES "
              "(1, 'one', array('a', 'b'), map('k', 1), named_struct('x', 1, 'y', 0.5)), "
              "(2, 'two', array(), map(), named_struct('x', 2, 'y', 1.5))")
    rows = spark.sql(f"SELECT id, label, tags, attrs, pt.x, pt.y FROM {tables_db}.{name} ORDER BY id").collect()
    assert [(r.id, r.label, list(r.tags), dict(r.attrs), r.x, r.y) for r in rows] == [
        (1, "one", ["a", "b"], {"k": 1}, 1, 0.5), (2, "two", [], {}, 2, 1.5)]

    described = info(spark, f"DESCRIBE FORMATTED {tables_db}.{name}")
    assert described["Serde Library"] == serde
    assert described["Provider"] == "hive"
    t = hms.get_table(tables_db, name)
    assert t.sd.serdeInfo.serializationLib == serde
    assert "spark.sql.sources.provider" not in t.parameters
    assert [(c.name, c.type) for c in t.sd.cols] == [
        ("id", "bigint"), ("label", "string"), ("tags", "array<string>"),
        ("attrs", "map<string,int>"), ("pt", "struct<x:int,y:double>")]
    loc = local(t.sd.location)
    assert loc == lakeglue_sqlite.warehouse_dir / f"{tables_db}.db" / name
    assert data_files(loc)


def test_ctas(spark, hms, tables_db):
    spark.sql(f"CREATE TABLE {tables_db}.ctas_ds USING parquet AS "
              "SELECT id, id * 10 AS ten FROM range(5)")
    assert sql(spark, f"SELECT sum(ten), count(*) FROM {tables_db}.ctas_ds") == [(100, 5)]

    spark.sql(f"CREATE TABLE {tables_db}.ctas_orc STORED AS ORC AS "
              "SELECT id, CAST(id AS STRING) AS s FROM range(3)")
    assert sql(spark, f"SELECT id, s FROM {tables_db}.ctas_orc ORDER BY id") == [(0, "0"), (1, "1"), (2, "2")]
    assert hms.get_table(tables_db, "ctas_orc").sd.serdeInfo.serializationLib == \
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde"

    spark.sql(f"CREATE TABLE {tables_db}.ctas_part USING parquet PARTITIONED BY (bucket) AS "
              "SELECT id, id % 3 AS bucket FROM range(9)")
    assert col(spark, f"SHOW PARTITIONS {tables_db}.ctas_part") == ["bucket=0", "bucket=1", "bucket=2"]
    assert sql(spark, f"SELECT count(*) FROM {tables_db}.ctas_part WHERE bucket = 1") == [(3,)]
    assert sorted(hms.get_partition_names(tables_db, "ctas_part", -1)) == ["bucket=0", "bucket=1", "bucket=2"]


# --------------------------------------------------------------------------- partitions
EVENT_ROWS = [
    # id, payload, dt, hr
    (1, "a", "2024-01-01", 1),
    (2, "b", "2024-01-01", 2),
    (3, "c", "2024-01-02", 10),
    (4, "d", "2024-02-01", 1),
    (5, "e", "2024-02-15", 23),
    (6, "f", "2025-01-01", 2),
]
EVENT_PARTITIONS = sorted({(dt, hr) for _, _, dt, hr in EVENT_ROWS})


def _values(rows) -> str:
    return ", ".join(f"({i}, '{p}', '{dt}', {hr})" for i, p, dt, hr in rows)


@pytest.fixture(scope="module")
def parts_db(spark):
    spark.sql("CREATE DATABASE it_parts")
    return "it_parts"


@pytest.fixture(scope="module")
def events(spark, parts_db):
    """A Hive-format (parquet) table partitioned by (dt STRING, hr INT), filled with a static
    insert for the first partition and a dynamic insert for the rest."""
    spark.sql("CREATE TABLE it_parts.events (id INT, payload STRING) "
              "PARTITIONED BY (dt STRING, hr INT) STORED AS PARQUET")
    spark.sql("INSERT INTO it_parts.events PARTITION (dt='2024-01-01', hr=1) VALUES (1, 'a')")
    spark.sql("SET hive.exec.dynamic.partition.mode=nonstrict")
    spark.sql(f"INSERT INTO it_parts.events PARTITION (dt, hr) "
              f"SELECT * FROM VALUES {_values(EVENT_ROWS[1:])} AS t(id, payload, dt, hr)")
    return "it_parts.events"


@pytest.fixture(scope="module")
def ds_events(spark, events):
    """The same data in a datasource (USING parquet) table partitioned by (dt, hr)."""
    spark.sql("CREATE TABLE it_parts.ds_events (id INT, payload STRING, dt STRING, hr INT) "
              "USING parquet PARTITIONED BY (dt, hr)")
    spark.sql(f"INSERT INTO it_parts.ds_events SELECT * FROM VALUES {_values(EVENT_ROWS)} "
              "AS t(id, payload, dt, hr)")
    return "it_parts.ds_events"


def test_static_and_dynamic_partition_inserts(spark, hms, lakeglue_sqlite, events, ds_events):
    expected_names = [f"dt={dt}/hr={hr}" for dt, hr in EVENT_PARTITIONS]
    for table in (events, ds_events):
        assert col(spark, f"SHOW PARTITIONS {table}") == expected_names
        assert sql(spark, f"SELECT id, payload, dt, hr FROM {table} ORDER BY id") == EVENT_ROWS
    assert col(spark, f"SHOW PARTITIONS {events} PARTITION (dt='2024-01-01')") == [
        "dt=2024-01-01/hr=1", "dt=2024-01-01/hr=2"]
    assert col(spark, f"SHOW PARTITIONS {events} PARTITION (hr=1)") == [
        "dt=2024-01-01/hr=1", "dt=2024-02-01/hr=1"]

    parts = hms.get_partitions("it_parts", "events", -1)
    assert sorted((p.values[0], int(p.values[1])) for p in parts) == EVENT_PARTITIONS
    table_dir = lakeglue_sqlite.warehouse_dir / "it_parts.db" / "events"
    for p in parts:
        loc = local(p.sd.location)
        assert loc == table_dir / f"dt={p.values[0]}" / f"hr={p.values[1]}"
        assert data_files(loc), f"no data files in {loc}"


def test_insert_overwrite_static_and_dynamic(spark, hms, parts_db):
    spark.sql("CREATE TABLE it_parts.ow (id INT, v STRING) PARTITIONED BY (p STRING) STORED AS PARQUET")
    spark.sql("SET hive.exec.dynamic.partition.mode=nonstrict")
    spark.sql("INSERT INTO it_parts.ow PARTITION (p) SELECT * FROM VALUES "
              "(1, 'x', 'a'), (2, 'y', 'b'), (3, 'z', 'c') AS t(id, v, p)")
    # static overwrite replaces exactly one partition
    spark.sql("INSERT OVERWRITE TABLE it_parts.ow PARTITION (p='a') VALUES (10, 'new-a')")
    assert sql(spark, "SELECT id, v, p FROM it_parts.ow ORDER BY p, id") == [
        (10, "new-a", "a"), (2, "y", "b"), (3, "z", "c")]
    # dynamic overwrite (Hive table): only the partitions present in the data are replaced
    spark.sql("INSERT OVERWRITE TABLE it_parts.ow PARTITION (p) SELECT * FROM VALUES "
              "(20, 'new-b', 'b'), (40, 'new-d', 'd') AS t(id, v, p)")
    assert sql(spark, "SELECT id, v, p FROM it_parts.ow ORDER BY p, id") == [
        (10, "new-a", "a"), (20, "new-b", "b"), (3, "z", "c"), (40, "new-d", "d")]
    assert col(spark, "SHOW PARTITIONS it_parts.ow") == ["p=a", "p=b", "p=c", "p=d"]

    # datasource table with dynamic partition overwrite mode
    spark.sql("CREATE TABLE it_parts.ow_ds (id INT, p STRING) USING parquet PARTITIONED BY (p)")
    spark.sql("INSERT INTO it_parts.ow_ds VALUES (1, 'a'), (2, 'b')")
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    try:
        spark.sql("INSERT OVERWRITE TABLE it_parts.ow_ds VALUES (3, 'b'), (4, 'c')")
    finally:
        spark.conf.unset("spark.sql.sources.partitionOverwriteMode")
    assert sql(spark, "SELECT id, p FROM it_parts.ow_ds ORDER BY id") == [(1, "a"), (3, "b"), (4, "c")]
    assert sorted(hms.get_partition_names("it_parts", "ow_ds", -1)) == ["p=a", "p=b", "p=c"]


PRUNING_CASES = [
    # (predicate, python predicate over (dt, hr))
    ("hr = 10", lambda dt, hr: hr == 10),
    ("hr > 2", lambda dt, hr: hr > 2),                     # numeric, not text, order: 10 > 2
    ("hr BETWEEN 2 AND 10", lambda dt, hr: 2 <= hr <= 10),
    ("hr IN (1, 23)", lambda dt, hr: hr in (1, 23)),
    ("hr NOT IN (1, 2)", lambda dt, hr: hr not in (1, 2)),
    ("dt = '2024-02-01'", lambda dt, hr: dt == "2024-02-01"),
    ("dt >= '2024-01-02' AND dt < '2025-01-01'", lambda dt, hr: "2024-01-02" <= dt < "2025-01-01"),
    ("dt IN ('2024-01-01', '2025-01-01')", lambda dt, hr: dt in ("2024-01-01", "2025-01-01")),
    ("dt LIKE '2024-01%'", lambda dt, hr: dt.startswith("2024-01")),
    ("dt LIKE '%-01'", lambda dt, hr: dt.endswith("-01")),
    ("dt LIKE '%-02-%'", lambda dt, hr: "-02-" in dt),
    ("dt LIKE '2024%' AND hr < 5", lambda dt, hr: dt.startswith("2024") and hr < 5),
    ("dt = '2024-01-01' OR hr = 23", lambda dt, hr: dt == "2024-01-01" or hr == 23),
]


@pytest.mark.parametrize("table_fixture", ["events", "ds_events"])
def test_partition_pruning_reaches_metastore(spark, request, table_fixture):
    table = request.getfixturevalue(table_fixture)
    metrics = PartitionMetrics(spark)
    for predicate, keep in PRUNING_CASES:
        expected_rows = [r for r in EVENT_ROWS if keep(r[2], r[3])]
        expected_parts = {(dt, hr) for _, _, dt, hr in expected_rows}
        assert expected_rows and len(expected_parts) < len(EVENT_PARTITIONS), predicate

        query = f"SELECT id, payload, dt, hr FROM {table} WHERE {predicate} ORDER BY id"
        plan = "\n".join(col(spark, f"EXPLAIN {query}"))
        assert "PartitionFilters: [" in plan and "PartitionFilters: []" not in plan, plan
        metrics.reset()
        assert sql(spark, query) == expected_rows, predicate
        # Spark asked the metastore with a filter (get_partitions_by_filter) and lakeglue
        # answered with exactly the matching partitions, not the whole table.
        assert metrics.fetched == len(expected_parts), (predicate, metrics.fetched, expected_parts)

    metrics.reset()
    assert len(sql(spark, f"SELECT * FROM {table}")) == len(EVENT_ROWS)
    assert metrics.fetched == len(EVENT_PARTITIONS)


def test_escaped_null_and_typed_partition_values(spark, hms, lakeglue_sqlite, parts_db):
    metrics = PartitionMetrics(spark)
    odd = "a b/c=d:é"
    spark.sql("CREATE TABLE it_parts.odd (id INT, p STRING) USING parquet PARTITIONED BY (p)")
    spark.sql(f"INSERT INTO it_parts.odd VALUES (1, '{odd}'), (2, NULL), (3, 'plain'), (4, '50%_off')")
    # Hive escapes names (not values): `/`, `=`, `:` and `%` are %-encoded; NULL is the default partition.
    assert col(spark, "SHOW PARTITIONS it_parts.odd") == [
        "p=50%25_off", "p=__HIVE_DEFAULT_PARTITION__", "p=a b%2Fc%3Dd%3Aé", "p=plain"]
    assert sorted(p.values[0] for p in hms.get_partitions("it_parts", "odd", -1)) == [
        "50%_off", "__HIVE_DEFAULT_PARTITION__", odd, "plain"]
    assert (lakeglue_sqlite.warehouse_dir / "it_parts.db" / "odd" / "p=a b%2Fc%3Dd%3Aé").is_dir()
    metrics.reset()
    assert sql(spark, f"SELECT id, p FROM it_parts.odd WHERE p = '{odd}'") == [(1, odd)]
    assert metrics.fetched == 1
    metrics.reset()
    assert sql(spark, "SELECT id FROM it_parts.odd WHERE p LIKE '50%'") == [(4,)]
    assert metrics.fetched == 1
    assert sql(spark, "SELECT id FROM it_parts.odd WHERE p IS NULL") == [(2,)]

    spark.sql("CREATE TABLE it_parts.typed (id INT, d DATE, b BIGINT, s SMALLINT) "
              "USING parquet PARTITIONED BY (d, b, s)")
    spark.sql("INSERT INTO it_parts.typed VALUES (1, DATE'2024-01-01', 5000000000, -3), "
              "(2, DATE'2024-03-01', 7, 4), (3, DATE'2024-03-02', 70, 12)")
    for predicate, ids in [("d > DATE'2024-02-01'", [2, 3]), ("d = DATE'2024-01-01'", [1]),
                           ("b > 10", [1, 3]), ("s < 0", [1]), ("s >= 4 AND b < 10", [2])]:
        metrics.reset()
        assert col(spark, f"SELECT id FROM it_parts.typed WHERE {predicate} ORDER BY id") == ids, predicate
        assert metrics.fetched == len(ids), predicate


def test_drop_partition_removes_managed_data(spark, hms, lakeglue_sqlite, parts_db):
    spark.sql("CREATE TABLE it_parts.dropme (id INT) PARTITIONED BY (dt STRING, hr INT) STORED AS PARQUET")
    spark.sql("SET hive.exec.dynamic.partition.mode=nonstrict")
    spark.sql("INSERT INTO it_parts.dropme PARTITION (dt, hr) SELECT * FROM VALUES "
              "(1, 'x', 1), (2, 'x', 2), (3, 'y', 1) AS t(id, dt, hr)")
    table_dir = lakeglue_sqlite.warehouse_dir / "it_parts.db" / "dropme"
    assert (table_dir / "dt=x" / "hr=1").is_dir()

    spark.sql("ALTER TABLE it_parts.dropme DROP PARTITION (dt='x', hr=1)")
    assert col(spark, "SHOW PARTITIONS it_parts.dropme") == ["dt=x/hr=2", "dt=y/hr=1"]
    assert not (table_dir / "dt=x" / "hr=1").exists()
    assert data_files(table_dir / "dt=x" / "hr=2") and data_files(table_dir / "dt=y" / "hr=1")
    assert sql(spark, "SELECT id FROM it_parts.dropme ORDER BY id") == [(2,), (3,)]

    # a partial spec drops every matching partition
    spark.sql("ALTER TABLE it_parts.dropme DROP PARTITION (hr=1)")
    assert col(spark, "SHOW PARTITIONS it_parts.dropme") == ["dt=x/hr=2"]
    assert not (table_dir / "dt=y" / "hr=1").exists()
    spark.sql("ALTER TABLE it_parts.dropme DROP IF EXISTS PARTITION (dt='nope', hr=9)")
    with pytest.raises(Exception, match=NOT_FOUND):
        spark.sql("ALTER TABLE it_parts.dropme DROP PARTITION (dt='nope', hr=9)")

    spark.sql("ALTER TABLE it_parts.dropme ADD PARTITION (dt='z', hr=5)")
    assert (table_dir / "dt=z" / "hr=5").is_dir()
    assert hms.get_partition("it_parts", "dropme", ["z", "5"]).sd.location == f"file:{table_dir}/dt=z/hr=5"
    spark.sql("ALTER TABLE it_parts.dropme PARTITION (dt='z', hr=5) RENAME TO PARTITION (dt='z', hr=6)")
    assert col(spark, "SHOW PARTITIONS it_parts.dropme") == ["dt=x/hr=2", "dt=z/hr=6"]


# --------------------------------------------------------------------------- ALTER TABLE
def test_alter_table_add_columns(spark, hms, tables_db):
    for name, ddl in [("addcol_hive", "STORED AS PARQUET"), ("addcol_ds", "USING parquet")]:
        spark.sql(f"CREATE TABLE {tables_db}.{name} (id INT, name STRING) {ddl}")
        spark.sql(f"INSERT INTO {tables_db}.{name} VALUES (1, 'a')")
        spark.sql(f"ALTER TABLE {tables_db}.{name} ADD COLUMNS (score DOUBLE COMMENT 'the score', flag BOOLEAN)")
        spark.sql(f"INSERT INTO {tables_db}.{name} VALUES (2, 'b', 9.5, true)")
        spark.catalog.refreshTable(f"{tables_db}.{name}")
        assert sql(spark, f"SELECT id, name, score, flag FROM {tables_db}.{name} ORDER BY id") == [
            (1, "a", None, None), (2, "b", 9.5, True)]
        t = hms.get_table(tables_db, name)
        assert [(c.name, c.type) for c in t.sd.cols] == [
            ("id", "int"), ("name", "string"), ("score", "double"), ("flag", "boolean")]
        assert [r[0] for r in spark.sql(f"DESCRIBE {tables_db}.{name}").collect()] == ["id", "name", "score", "flag"]


def test_alter_table_rename_moves_managed_data(spark, hms, lakeglue_sqlite, tables_db):
    db_dir = lakeglue_sqlite.warehouse_dir / f"{tables_db}.db"
    # datasource table
    spark.sql(f"CREATE TABLE {tables_db}.before_ds (id INT, s STRING) USING parquet")
    spark.sql(f"INSERT INTO {tables_db}.before_ds VALUES (1, 'x'), (2, 'y')")
    spark.sql(f"ALTER TABLE {tables_db}.before_ds RENAME TO {tables_db}.after_ds")
    assert sql(spark, f"SELECT id, s FROM {tables_db}.after_ds ORDER BY id") == [(1, "x"), (2, "y")]
    assert not (db_dir / "before_ds").exists()
    assert data_files(db_dir / "after_ds")
    assert hms.get_table(tables_db, "after_ds").sd.location == f"file:{db_dir}/after_ds"
    assert "before_ds" not in col(spark, f"SHOW TABLES IN {tables_db}", 1)
    with pytest.raises(Exception, match=NOT_FOUND):
        spark.sql(f"SELECT * FROM {tables_db}.before_ds").collect()

    # partitioned Hive-format table: partition locations follow the table directory
    spark.sql(f"CREATE TABLE {tables_db}.before_part (id INT) PARTITIONED BY (p STRING) STORED AS ORC")
    spark.sql(f"INSERT INTO {tables_db}.before_part PARTITION (p='one') VALUES (1)")
    spark.sql(f"INSERT INTO {tables_db}.before_part PARTITION (p='two') VALUES (2)")
    spark.sql(f"ALTER TABLE {tables_db}.before_part RENAME TO {tables_db}.after_part")
    assert not (db_dir / "before_part").exists()
    assert sql(spark, f"SELECT id, p FROM {tables_db}.after_part ORDER BY id") == [(1, "one"), (2, "two")]
    assert sql(spark, f"SELECT id FROM {tables_db}.after_part WHERE p = 'two'") == [(2,)]
    for p in hms.get_partitions(tables_db, "after_part", -1):
        assert p.sd.location == f"file:{db_dir}/after_part/p={p.values[0]}"
        assert data_files(local(p.sd.location))


def test_alter_table_set_and_unset_tblproperties(spark, hms, tables_db):
    spark.sql(f"CREATE TABLE {tables_db}.props (id INT) USING parquet TBLPROPERTIES ('created.by'='test')")
    spark.sql(f"ALTER TABLE {tables_db}.props SET TBLPROPERTIES ('team'='core', 'retention.days'='30')")
    props = dict(sql(spark, f"SHOW TBLPROPERTIES {tables_db}.props"))
    assert props["team"] == "core" and props["retention.days"] == "30" and props["created.by"] == "test"
    assert sql(spark, f"SHOW TBLPROPERTIES {tables_db}.props ('team')") == [("team", "core")]
    assert hms.get_table(tables_db, "props").parameters["retention.days"] == "30"

    spark.sql(f"ALTER TABLE {tables_db}.props SET TBLPROPERTIES ('team'='data')")
    spark.sql(f"ALTER TABLE {tables_db}.props UNSET TBLPROPERTIES ('retention.days')")
    props = dict(sql(spark, f"SHOW TBLPROPERTIES {tables_db}.props"))
    assert props["team"] == "data" and "retention.days" not in props
    assert "retention.days" not in hms.get_table(tables_db, "props").parameters


# --------------------------------------------------------------------------- statistics
def test_analyze_table_statistics(spark, hms, tables_db):
    spark.sql(f"CREATE TABLE {tables_db}.stats (id INT, name STRING) STORED AS PARQUET")
    spark.sql(f"INSERT INTO {tables_db}.stats VALUES (1, 'a'), (2, 'b'), (3, NULL), (3, 'c')")
    spark.sql(f"ANALYZE TABLE {tables_db}.stats COMPUTE STATISTICS")
    stats = info(spark, f"DESCRIBE EXTENDED {tables_db}.stats")["Statistics"]
    assert stats.endswith("bytes, 4 rows"), stats
    params = hms.get_table(tables_db, "stats").parameters
    assert params["spark.sql.statistics.numRows"] == "4"
    assert int(params["spark.sql.statistics.totalSize"]) > 0

    # Spark keeps column statistics in table properties, so FOR COLUMNS works over alter_table.
    spark.sql(f"ANALYZE TABLE {tables_db}.stats COMPUTE STATISTICS FOR COLUMNS id, name")
    id_stats = info(spark, f"DESCRIBE EXTENDED {tables_db}.stats id")
    assert (id_stats["min"], id_stats["max"], id_stats["num_nulls"], id_stats["distinct_count"]) == ("1", "3", "0", "3")
    name_stats = info(spark, f"DESCRIBE EXTENDED {tables_db}.stats name")
    assert (name_stats["num_nulls"], name_stats["distinct_count"]) == ("1", "3")
    assert hms.get_table(tables_db, "stats").parameters["spark.sql.statistics.colStats.id.max"] == "3"

    # partition-level statistics
    spark.sql(f"CREATE TABLE {tables_db}.pstats (id INT) PARTITIONED BY (p STRING) STORED AS PARQUET")
    spark.sql(f"INSERT INTO {tables_db}.pstats PARTITION (p='a') VALUES (1), (2), (3)")
    spark.sql(f"INSERT INTO {tables_db}.pstats PARTITION (p='b') VALUES (4)")
    spark.sql(f"ANALYZE TABLE {tables_db}.pstats PARTITION (p='a') COMPUTE STATISTICS")
    part_stats = info(spark, f"DESCRIBE EXTENDED {tables_db}.pstats PARTITION (p='a')")["Partition Statistics"]
    assert part_stats.endswith("bytes, 3 rows"), part_stats
    assert hms.get_partition(tables_db, "pstats", ["a"]).parameters["spark.sql.statistics.numRows"] == "3"
    assert "spark.sql.statistics.numRows" not in hms.get_partition(tables_db, "pstats", ["b"]).parameters


# --------------------------------------------------------------------------- external tables
def test_external_table_msck_repair_and_drop_keeps_data(spark, hms, tmp_path):
    root = tmp_path / "external_sales"
    df = spark.createDataFrame(
        [(1, 10.0, "eu", 1), (2, 20.0, "eu", 2), (3, 30.0, "us", 1), (4, 40.0, "us", 1), (5, 50.0, "apac", 3)],
        "id INT, amount DOUBLE, region STRING, day INT")
    df.write.partitionBy("region", "day").parquet(str(root))
    assert (root / "region=eu" / "day=1").is_dir()

    spark.sql("CREATE DATABASE it_ext")
    spark.sql("CREATE EXTERNAL TABLE it_ext.sales (id INT, amount DOUBLE) "
              f"PARTITIONED BY (region STRING, day INT) STORED AS PARQUET LOCATION '{root}'")
    t = hms.get_table("it_ext", "sales")
    assert t.tableType == "EXTERNAL_TABLE" and t.sd.location == f"file:{root}"
    assert sql(spark, "SELECT count(*) FROM it_ext.sales") == [(0,)]
    assert col(spark, "SHOW PARTITIONS it_ext.sales") == []

    spark.sql("MSCK REPAIR TABLE it_ext.sales")
    assert col(spark, "SHOW PARTITIONS it_ext.sales") == [
        "region=apac/day=3", "region=eu/day=1", "region=eu/day=2", "region=us/day=1"]
    spark.catalog.refreshTable("it_ext.sales")
    assert sql(spark, "SELECT count(*), sum(amount) FROM it_ext.sales") == [(5, 150.0)]
    assert sql(spark, "SELECT id FROM it_ext.sales WHERE region = 'us' AND day = 1 ORDER BY id") == [(3,), (4,)]
    assert sql(spark, "SELECT id FROM it_ext.sales WHERE day > 1 ORDER BY id") == [(2,), (5,)]
    assert hms.get_partition("it_ext", "sales", ["eu", "2"]).sd.location == f"file:{root}/region=eu/day=2"

    # a partition directory removed outside the catalog goes away with SYNC PARTITIONS
    shutil.rmtree(root / "region=apac")
    spark.sql("MSCK REPAIR TABLE it_ext.sales SYNC PARTITIONS")
    assert col(spark, "SHOW PARTITIONS it_ext.sales") == [
        "region=eu/day=1", "region=eu/day=2", "region=us/day=1"]
    spark.catalog.refreshTable("it_ext.sales")
    assert sql(spark, "SELECT count(*) FROM it_ext.sales") == [(4,)]

    # dropping partitions and the table of an external table keeps the data
    spark.sql("ALTER TABLE it_ext.sales DROP PARTITION (region='us', day=1)")
    assert data_files(root / "region=us" / "day=1")
    files_before = data_files(root)
    spark.sql("DROP TABLE it_ext.sales")
    assert "sales" not in col(spark, "SHOW TABLES IN it_ext", 1)
    assert data_files(root) == files_before
    # ...and the data can be attached again
    spark.sql(f"CREATE TABLE it_ext.sales_again USING parquet LOCATION '{root}'")
    spark.sql("MSCK REPAIR TABLE it_ext.sales_again")
    assert sql(spark, "SELECT count(*) FROM it_ext.sales_again") == [(4,)]


def test_drop_managed_table_deletes_data(spark, hms, lakeglue_sqlite, tables_db):
    db_dir = lakeglue_sqlite.warehouse_dir / f"{tables_db}.db"
    spark.sql(f"CREATE TABLE {tables_db}.gone_ds (id INT) USING parquet")
    spark.sql(f"INSERT INTO {tables_db}.gone_ds VALUES (1)")
    spark.sql(f"CREATE TABLE {tables_db}.gone_part (id INT) PARTITIONED BY (p INT) STORED AS ORC")
    spark.sql(f"INSERT INTO {tables_db}.gone_part PARTITION (p=1) VALUES (1)")
    assert data_files(db_dir / "gone_ds") and data_files(db_dir / "gone_part")

    spark.sql(f"DROP TABLE {tables_db}.gone_ds")
    spark.sql(f"DROP TABLE {tables_db}.gone_part")
    assert not (db_dir / "gone_ds").exists()
    assert not (db_dir / "gone_part").exists()
    remaining = col(spark, f"SHOW TABLES IN {tables_db}", 1)
    assert "gone_ds" not in remaining and "gone_part" not in remaining
    spark.sql(f"DROP TABLE IF EXISTS {tables_db}.gone_ds")
    with pytest.raises(Exception, match=NOT_FOUND):
        spark.sql(f"DROP TABLE {tables_db}.gone_ds")


# --------------------------------------------------------------------------- views
def test_views(spark, hms, lakeglue_sqlite):
    spark.sql("CREATE DATABASE it_views")
    spark.sql("CREATE TABLE it_views.base (id INT, grp STRING) USING parquet")
    spark.sql("INSERT INTO it_views.base VALUES (1, 'a'), (2, 'a'), (3, 'b')")
    spark.sql("CREATE VIEW it_views.v_counts (grp, n COMMENT 'rows') COMMENT 'per group' AS "
              "SELECT grp, count(*) AS cnt FROM it_views.base GROUP BY grp")
    assert sql(spark, "SELECT grp, n FROM it_views.v_counts ORDER BY grp") == [("a", 2), ("b", 1)]
    assert col(spark, "SHOW VIEWS IN it_views", 1) == ["v_counts"]
    assert sorted(col(spark, "SHOW TABLES IN it_views", 1)) == ["base", "v_counts"]
    described = info(spark, "DESCRIBE EXTENDED it_views.v_counts")
    assert described["Type"] == "VIEW"
    assert "GROUP BY grp" in described["View Text"]

    t = hms.get_table("it_views", "v_counts")
    assert t.tableType == "VIRTUAL_VIEW"
    assert "GROUP BY grp" in t.viewOriginalText
    assert not (lakeglue_sqlite.warehouse_dir / "it_views.db" / "v_counts").exists()

    spark.sql("CREATE OR REPLACE VIEW it_views.v_counts AS "
              "SELECT grp, count(*) AS n FROM it_views.base WHERE id > 1 GROUP BY grp")
    assert sql(spark, "SELECT grp, n FROM it_views.v_counts ORDER BY grp") == [("a", 1), ("b", 1)]
    spark.sql("ALTER VIEW it_views.v_counts AS SELECT grp, max(id) AS n FROM it_views.base GROUP BY grp")
    assert sql(spark, "SELECT grp, n FROM it_views.v_counts ORDER BY grp") == [("a", 2), ("b", 3)]

    spark.sql("DROP VIEW it_views.v_counts")
    assert col(spark, "SHOW VIEWS IN it_views", 1) == []
    assert col(spark, "SHOW TABLES IN it_views", 1) == ["base"]
    assert sql(spark, "SELECT count(*) FROM it_views.base") == [(3,)]
    with pytest.raises(Exception, match=NOT_FOUND):
        spark.sql("SELECT * FROM it_views.v_counts").collect()


# --------------------------------------------------------------------------- restart
def test_state_survives_metastore_restart(spark, lakeglue_sqlite, events):
    spark.sql("CREATE DATABASE it_restart COMMENT 'before restart'")
    spark.sql("CREATE TABLE it_restart.kept (id INT, s STRING) PARTITIONED BY (p STRING) STORED AS PARQUET")
    spark.sql("INSERT INTO it_restart.kept PARTITION (p='x') VALUES (1, 'one'), (2, 'two')")
    spark.sql("CREATE VIEW it_restart.kept_view AS SELECT id FROM it_restart.kept WHERE id > 1")
    spark.sql("ALTER TABLE it_restart.kept SET TBLPROPERTIES ('survives'='yes')")

    old_pid = lakeglue_sqlite.process.proc.pid
    lakeglue_sqlite.restart()
    assert lakeglue_sqlite.process.proc.pid != old_pid

    # Spark's Hive client reconnects; drop its cached relations so reads hit the metastore.
    spark.catalog.clearCache()
    spark.catalog.refreshTable("it_restart.kept")
    assert info(spark, "DESCRIBE DATABASE it_restart")["Comment"] == "before restart"
    assert sorted(col(spark, "SHOW TABLES IN it_restart", 1)) == ["kept", "kept_view"]
    assert col(spark, "SHOW PARTITIONS it_restart.kept") == ["p=x"]
    assert dict(sql(spark, "SHOW TBLPROPERTIES it_restart.kept"))["survives"] == "yes"
    assert sql(spark, "SELECT id, s, p FROM it_restart.kept ORDER BY id") == [(1, "one", "x"), (2, "two", "x")]
    assert sql(spark, "SELECT id FROM it_restart.kept_view") == [(2,)]
    spark.catalog.refreshTable(events)
    assert sql(spark, f"SELECT count(*) FROM {events} WHERE hr = 1") == [(2,)]

    # and the restarted server takes writes
    spark.sql("INSERT INTO it_restart.kept PARTITION (p='y') VALUES (3, 'three')")
    assert col(spark, "SHOW PARTITIONS it_restart.kept") == ["p=x", "p=y"]
    assert sql(spark, "SELECT count(*) FROM it_restart.kept WHERE p = 'y'") == [(1,)]


# --------------------------------------------------------------------------- PostgreSQL
_PG_SCRIPT = r"""
scratch = Path(ARGS["scratch"])
spark = start_spark(spark_conf(ARGS["uri"], ARGS["warehouse"], scratch), scratch)
out = {}
def rows(q):
    return [list(r) for r in spark.sql(q).collect()]
spark.sql("CREATE DATABASE pg_it COMMENT 'on postgres'")
out["db_comment"] = {r[0]: r[1] for r in spark.sql("DESCRIBE DATABASE pg_it").collect()}["Comment"]
spark.sql("CREATE TABLE pg_it.orders (id INT, amount DOUBLE) PARTITIONED BY (day STRING, hr INT) STORED AS PARQUET")
spark.sql("CREATE TABLE pg_it.plain (id INT, name STRING) USING parquet")
spark.sql("INSERT INTO pg_it.plain VALUES (1, 'a'), (2, 'b')")
spark.sql("SET hive.exec.dynamic.partition.mode=nonstrict")
spark.sql("INSERT INTO pg_it.orders PARTITION (day, hr) SELECT * FROM VALUES "
          "(1, 1.5, '2024-01-01', 1), (2, 2.5, '2024-01-01', 10), (3, 3.5, '2024-01-02', 2), "
          "(4, 4.5, '2024-02-01', 1) AS t(id, amount, day, hr)")
out["plain"] = rows("SELECT id, name FROM pg_it.plain ORDER BY id")
out["partitions"] = [r[0] for r in rows("SHOW PARTITIONS pg_it.orders")]
out["all"] = rows("SELECT id, amount, day, hr FROM pg_it.orders ORDER BY id")
metrics = spark._jvm.org.apache.spark.metrics.source.HiveCatalogMetrics
pruned = {}
for pred in ["hr > 2", "hr IN (1, 2)", "day LIKE '2024-01%'", "day >= '2024-01-02'", "day = '2024-01-01' AND hr < 5"]:
    metrics.reset()
    ids = [r[0] for r in rows(f"SELECT id FROM pg_it.orders WHERE {pred} ORDER BY id")]
    pruned[pred] = [ids, metrics.METRIC_PARTITIONS_FETCHED().getCount()]
out["pruned"] = pruned
spark.sql("ANALYZE TABLE pg_it.orders COMPUTE STATISTICS")
out["stats"] = {r[0]: r[1] for r in spark.sql("DESCRIBE EXTENDED pg_it.orders").collect()}["Statistics"]
spark.sql("ALTER TABLE pg_it.plain RENAME TO pg_it.plain2")
out["renamed"] = rows("SELECT id, name FROM pg_it.plain2 ORDER BY id")
out["tables_before_drop"] = sorted(r[1] for r in rows("SHOW TABLES IN pg_it"))
spark.sql("ALTER TABLE pg_it.orders DROP PARTITION (day='2024-02-01', hr=1)")
out["partitions_after_drop"] = [r[0] for r in rows("SHOW PARTITIONS pg_it.orders")]
spark.sql("DROP TABLE pg_it.orders")
out["tables_after_drop"] = sorted(r[1] for r in rows("SHOW TABLES IN pg_it"))
stop_spark(spark)
print(json.dumps(out))
"""


@pytest.mark.postgres
def test_spark_on_postgres_backed_lakeglue(postgres, tmp_path):
    db_url = postgres.create_database(f"lg_spark_{os.getpid()}")
    server = Lakeglue(tmp_path / "pg-lakeglue", db_url).start()
    try:
        out = run_spark_script(_PG_SCRIPT, {
            "uri": server.uri, "warehouse": server.warehouse, "scratch": str(tmp_path / "pg-spark"),
        }, tmp_path / "pg-spark")

        assert out["db_comment"] == "on postgres"
        assert out["plain"] == [[1, "a"], [2, "b"]]
        assert out["partitions"] == ["day=2024-01-01/hr=1", "day=2024-01-01/hr=10",
                                     "day=2024-01-02/hr=2", "day=2024-02-01/hr=1"]
        assert out["all"] == [[1, 1.5, "2024-01-01", 1], [2, 2.5, "2024-01-01", 10],
                              [3, 3.5, "2024-01-02", 2], [4, 4.5, "2024-02-01", 1]]
        # [matching ids, partitions fetched from the metastore]
        assert out["pruned"] == {
            "hr > 2": [[2], 1],
            "hr IN (1, 2)": [[1, 3, 4], 3],
            "day LIKE '2024-01%'": [[1, 2, 3], 3],
            "day >= '2024-01-02'": [[3, 4], 2],
            "day = '2024-01-01' AND hr < 5": [[1], 1],
        }
        assert out["stats"].endswith("bytes, 4 rows"), out["stats"]
        assert out["renamed"] == [[1, "a"], [2, "b"]]
        assert out["tables_before_drop"] == ["orders", "plain2"]
        assert out["partitions_after_drop"] == ["day=2024-01-01/hr=1", "day=2024-01-01/hr=10",
                                                "day=2024-01-02/hr=2"]
        assert out["tables_after_drop"] == ["plain2"]

        db_dir = server.warehouse_dir / "pg_it.db"
        assert not (db_dir / "orders").exists()
        assert not (db_dir / "plain").exists() and data_files(db_dir / "plain2")
        client = ThriftClient("127.0.0.1", server.port)
        try:
            assert sorted(client.get_all_tables("pg_it")) == ["plain2"]
            assert client.get_table("pg_it", "plain2").sd.location == f"file:{db_dir}/plain2"
        finally:
            client.close()
    finally:
        server.stop()


# --------------------------------------------------------------------------- hygiene
def test_nothing_written_to_the_repository(spark):
    created = [name for name in _STRAY if (REPO_ROOT / name).exists() and not _STRAY_BEFORE[name]]
    assert created == [], f"Spark/Hive wrote {created} into {REPO_ROOT}"
