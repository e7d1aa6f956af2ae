"""A real Trino server against lakeglue.

One `lakeglue metastore serve` process (SQLite) and one Trino server (tests/infra/trino.py,
`hive` and `iceberg` catalogs pointed at lakeglue) serve the whole module; every scenario
works in schemas of its own. Results are checked through Trino, and what Trino stored is
checked through lakeglue's Thrift API and on disk. The cross-engine scenarios run Spark
(pyspark's bundled Hive client) in a subprocess against the same lakeglue.
"""
from __future__ import annotations

import datetime
import math
import os
import time
from pathlib import Path

import pytest
from hive_metastore import ttypes as tt

from tests.infra.trino import TrinoQueryError, TrinoServer, trino_version
from tests.support.spark import run_spark_script
from tests.support.catalog import ThriftClient

COMPAT_ENGINE = "Trino 368 (hive and iceberg connectors)"

pytestmark = pytest.mark.trino


@pytest.fixture(scope="module")
def trino(lakeglue_sqlite, tmp_path_factory, request):
    server = TrinoServer(lakeglue_sqlite.uri, tmp_path_factory.mktemp("trino"))
    try:
        server.start()
    except Exception as e:
        pytest.fail(f"Trino did not start: {e}\n--- lakeglue log\n{lakeglue_sqlite.log_tail()}", pytrace=False)
    # Report the startup time even when output is captured.
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\n[trino] trino-server {trino_version()} ready in "
                                f"{server.startup_seconds:.1f}s (logs: {server.base})")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hms(lakeglue_sqlite):
    client = ThriftClient("127.0.0.1", lakeglue_sqlite.port)
    yield client
    client.close()


@pytest.fixture(scope="module")
def q(trino, lakeglue_sqlite):
    """Run a statement on Trino; on failure, show the tails of both servers' logs."""

    def run(sql, session=None):
        try:
            return trino.query(sql, session)
        except TrinoQueryError as e:
            raise AssertionError(f"{e}\n--- trino\n{trino.log_tail(60)}\n--- lakeglue\n{lakeglue_sqlite.log_tail(40)}") from None

    return run


def _dir_uri(path: Path) -> str:
    path.mkdir(parents=True, exist_ok=True)
    return "file:" + str(path)


def _stats(rows):
    """SHOW STATS rows → {column: (data_size, ndv, nulls_fraction, low, high)} plus the
    row count under None."""
    out = {}
    for name, size, ndv, nulls, row_count, low, high in rows:
        out[name] = row_count if name is None else (size, ndv, nulls, low, high)
    return out


def _file_path(uri: str) -> Path:
    """`file:/a/b` or `file:///a/b` → Path('/a/b')."""
    assert uri.startswith("file:"), uri
    return Path("/" + uri[len("file:"):].lstrip("/"))


# --- schemas and tables --------------------------------------------------------------------

def test_show_schemas_and_tables(q, hms, tmp_path_factory):
    location = _dir_uri(tmp_path_factory.mktemp("schemas") / "show_me")
    q(f"CREATE SCHEMA hive.show_me WITH (location = '{location}')")
    assert ["show_me"] in q("SHOW SCHEMAS FROM hive")
    assert q("SHOW SCHEMAS FROM hive LIKE 'show%'") == [["show_me"]]
    # one metastore behind both catalogs
    assert ["show_me"] in q("SHOW SCHEMAS FROM iceberg")
    assert _file_path(hms.get_database("show_me").locationUri) == _file_path(location)

    assert q("SHOW TABLES FROM hive.show_me") == []
    q("CREATE TABLE hive.show_me.first (id bigint, name varchar)")
    q("CREATE TABLE hive.show_me.second (id bigint)")
    assert q("SHOW TABLES FROM hive.show_me") == [["first"], ["second"]]
    assert q("SHOW TABLES FROM hive.show_me LIKE 'sec%'") == [["second"]]
    assert q("SELECT table_name, column_name FROM hive.information_schema.columns "
             "WHERE table_schema = 'show_me' ORDER BY 1, 2") == [
        ["first", "id"], ["first", "name"], ["second", "id"]]
    table = hms.get_table("show_me", "first")
    assert table.tableType == "MANAGED_TABLE"
    assert _file_path(table.sd.location) == _file_path(location) / "first"


# --- partitioned Hive tables ---------------------------------------------------------------

FORMATS = {
    "ORC": "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
    "PARQUET": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_partitioned_table_insert_select_and_pruning(q, trino, hms, fmt, tmp_path_factory):
    schema = f"part_{fmt.lower()}"
    root = tmp_path_factory.mktemp(schema)
    q(f"CREATE SCHEMA hive.{schema} WITH (location = '{_dir_uri(root)}')")
    q(f"CREATE TABLE hive.{schema}.sales (id bigint, item varchar, amount double, ds varchar) "
      f"WITH (format = '{fmt}', partitioned_by = ARRAY['ds'])")
    assert q(f"INSERT INTO hive.{schema}.sales VALUES "
             "(1, 'apple', 1.5, '2024-01-01'), (2, 'pear', 2.5, '2024-01-02'), "
             "(3, NULL, 3.5, '2024-01-02'), (4, 'fig', 4.5, '2024-01-03')") == [[4]]

    assert q(f"SELECT id, item, amount, ds FROM hive.{schema}.sales ORDER BY id") == [
        [1, "apple", 1.5, "2024-01-01"], [2, "pear", 2.5, "2024-01-02"],
        [3, None, 3.5, "2024-01-02"], [4, "fig", 4.5, "2024-01-03"]]
    assert q(f'SELECT ds FROM hive.{schema}."sales$partitions" ORDER BY ds') == [
        ["2024-01-01"], ["2024-01-02"], ["2024-01-03"]]

    # what Trino stored in lakeglue
    table = hms.get_table(schema, "sales")
    assert table.sd.inputFormat == FORMATS[fmt]
    assert [k.name for k in table.partitionKeys] == ["ds"]
    assert hms.get_partition_names(schema, "sales", -1) == ["ds=2024-01-01", "ds=2024-01-02", "ds=2024-01-03"]
    part = hms.get_partition(schema, "sales", ["2024-01-02"])
    assert part.parameters["numRows"] == "2"
    part_dir = _file_path(part.sd.location)
    assert part_dir == root / "sales" / "ds=2024-01-02"
    assert [f for f in os.listdir(part_dir) if not f.startswith(".")], "no data files in the partition"

    # partition pruning: only the matching partition is read
    rows, cur = trino.execute(f"SELECT id, item FROM hive.{schema}.sales WHERE ds = '2024-01-02' ORDER BY id")
    assert rows == [[2, "pear"], [3, None]]
    assert cur.stats["processedRows"] == 2
    _, cur_all = trino.execute(f"SELECT id FROM hive.{schema}.sales")
    assert cur_all.stats["processedRows"] == 4
    plan = q(f"EXPLAIN SELECT id FROM hive.{schema}.sales WHERE ds = '2024-01-02'")[0][0]
    assert "ds:string:PARTITION_KEY" in plan and ":: [[2024-01-02]]" in plan, plan
    assert q(f"SELECT count(*), sum(amount) FROM hive.{schema}.sales WHERE ds >= '2024-01-02'") == [[3, 10.5]]


# --- statistics ----------------------------------------------------------------------------

NO_STATS_ON_WRITE = {"hive.collect_column_statistics_on_write": "false"}


def test_analyze_and_show_stats_round_trip(q, hms):
    q("CREATE SCHEMA hive.stats_s")
    # unpartitioned: table-level column statistics
    q("CREATE TABLE hive.stats_s.flat (id bigint, s varchar, d date, m decimal(10,2), b boolean, x double) "
      "WITH (format = 'PARQUET')")
    q("INSERT INTO hive.stats_s.flat VALUES "
      "(1, 'x', DATE '2024-01-01', DECIMAL '1.50', true, 0.5), "
      "(2, NULL, DATE '2024-03-01', DECIMAL '2.25', false, -7.25), "
      "(3, 'zz', NULL, NULL, NULL, 100.0), "
      "(4, 'x', DATE '2024-01-01', DECIMAL '1.50', true, NULL)", NO_STATS_ON_WRITE)
    before = _stats(q("SHOW STATS FOR hive.stats_s.flat"))
    assert before["id"][1] is None and before["s"][1] is None  # nothing analyzed yet

    assert q("ANALYZE hive.stats_s.flat") == [[4]]
    after = _stats(q("SHOW STATS FOR hive.stats_s.flat"))
    assert after[None] == 4.0
    assert after["id"] == (None, 4.0, 0.0, "1", "4")
    size, ndv, nulls, low, high = after["s"]
    assert (ndv, nulls, low, high) == (2.0, 0.25, None, None) and math.isclose(size, 4.0)
    assert after["d"] == (None, 2.0, 0.25, "2024-01-01", "2024-03-01")
    assert after["m"] == (None, 2.0, 0.25, "1.5", "2.25")
    assert after["b"][1:3] == (2.0, 0.25)
    assert after["x"] == (None, 3.0, 0.25, "-7.25", "100.0")

    # ... and lakeglue holds them in Hive's form (Hive counts NULL as a distinct value)
    objs = {o.colName: o.statsData for o in hms.get_table_statistics_req(
        tt.TableStatsRequest(dbName="stats_s", tblName="flat", colNames=["id", "s", "d", "m", "b", "x"],
                                engine="hive")).tableStats}
    assert sorted(objs) == ["b", "d", "id", "m", "s", "x"]
    assert (objs["id"].longStats.lowValue, objs["id"].longStats.highValue,
            objs["id"].longStats.numNulls, objs["id"].longStats.numDVs) == (1, 4, 0, 4)
    assert (objs["s"].stringStats.numNulls, objs["s"].stringStats.maxColLen) == (1, 2)
    assert (objs["d"].dateStats.lowValue.daysSinceEpoch, objs["d"].dateStats.highValue.daysSinceEpoch) == (19723, 19783)
    assert (objs["b"].booleanStats.numTrues, objs["b"].booleanStats.numFalses, objs["b"].booleanStats.numNulls) == (2, 1, 1)
    assert (objs["x"].doubleStats.lowValue, objs["x"].doubleStats.highValue) == (-7.25, 100.0)
    assert hms.get_table("stats_s", "flat").parameters["numRows"] == "4"

    # partitioned: partition-level column statistics, analyzed one partition at a time
    q("CREATE TABLE hive.stats_s.parted (id bigint, name varchar, ds varchar) "
      "WITH (format = 'ORC', partitioned_by = ARRAY['ds'])")
    q("INSERT INTO hive.stats_s.parted VALUES (1, 'a', 'p1'), (2, 'b', 'p2'), (3, NULL, 'p2'), (5, 'e', 'p2')",
      NO_STATS_ON_WRITE)
    assert _stats(q("SHOW STATS FOR (SELECT * FROM hive.stats_s.parted WHERE ds = 'p2')"))["id"][1] is None
    assert q("ANALYZE hive.stats_s.parted WITH (partitions = ARRAY[ARRAY['p2']])") == [[3]]
    p2 = _stats(q("SHOW STATS FOR (SELECT * FROM hive.stats_s.parted WHERE ds = 'p2')"))
    assert p2[None] == 3.0
    assert p2["id"] == (None, 3.0, 0.0, "2", "5")
    assert p2["name"][1:] == (2.0, pytest.approx(1 / 3), None, None)
    p1 = _stats(q("SHOW STATS FOR (SELECT * FROM hive.stats_s.parted WHERE ds = 'p1')"))
    assert p1["id"][1] is None  # not analyzed
    found = hms.get_partitions_statistics_req(tt.PartitionsStatsRequest(
        dbName="stats_s", tblName="parted", colNames=["id", "name"], partNames=["ds=p1", "ds=p2"],
        engine="hive")).partStats
    assert list(found) == ["ds=p2"]
    by_col = {o.colName: o.statsData for o in found["ds=p2"]}
    assert (by_col["id"].longStats.lowValue, by_col["id"].longStats.highValue, by_col["id"].longStats.numDVs) == (2, 5, 3)
    assert (by_col["name"].stringStats.numNulls, by_col["name"].stringStats.numDVs) == (1, 3)

    assert q("ANALYZE hive.stats_s.parted") == [[4]]
    p1 = _stats(q("SHOW STATS FOR (SELECT * FROM hive.stats_s.parted WHERE ds = 'p1')"))
    assert p1["id"] == (None, 1.0, 0.0, "1", "1")


# --- schema evolution ----------------------------------------------------------------------

def test_alter_table_add_column(q, hms):
    q("CREATE SCHEMA hive.evolve")
    q("CREATE TABLE hive.evolve.t (id bigint, ds varchar) WITH (format = 'PARQUET', partitioned_by = ARRAY['ds'])")
    q("INSERT INTO hive.evolve.t VALUES (1, 'a'), (2, 'b')")
    q("ALTER TABLE hive.evolve.t ADD COLUMN note varchar")
    q("INSERT INTO hive.evolve.t VALUES (3, 'hello', 'c')")
    assert q("DESCRIBE hive.evolve.t") == [
        ["id", "bigint", "", ""], ["note", "varchar", "", ""], ["ds", "varchar", "partition key", ""]]
    assert q("SELECT id, note, ds FROM hive.evolve.t ORDER BY id") == [
        [1, None, "a"], [2, None, "b"], [3, "hello", "c"]]
    assert [c.name for c in hms.get_table("evolve", "t").sd.cols] == ["id", "note"]
    # As in Hive, existing partitions keep the schema they were written with.
    assert [c.name for c in hms.get_partition("evolve", "t", ["a"]).sd.cols] == ["id"]
    assert [c.name for c in hms.get_partition("evolve", "t", ["c"]).sd.cols] == ["id", "note"]
    # (Parquet files are read by column name, so the renamed column's old data reads as
    # NULL in Trino against any metastore; only the catalog side is checked here.)
    q("ALTER TABLE hive.evolve.t RENAME COLUMN note TO remark")
    assert [c.name for c in hms.get_table("evolve", "t").sd.cols] == ["id", "remark"]
    assert [r[0] for r in q("DESCRIBE hive.evolve.t")] == ["id", "remark", "ds"]


# --- transactional (ACID) tables -----------------------------------------------------------

def test_transactional_table_insert_delete_update(q, hms):
    """Exercises lakeglue's transactions: get_config_value(metastore.txn.timeout), open_txns,
    lock, allocate_table_write_ids, get_valid_write_ids, add_dynamic_partitions, commit_txn."""
    q("CREATE SCHEMA hive.acid")
    q("CREATE TABLE hive.acid.flat (id bigint, v varchar) WITH (format = 'ORC', transactional = true)")
    q("CREATE TABLE hive.acid.parted (id bigint, v varchar, ds varchar) "
      "WITH (format = 'ORC', transactional = true, partitioned_by = ARRAY['ds'])")
    assert hms.get_table("acid", "parted").parameters["transactional"] == "true"

    assert q("INSERT INTO hive.acid.flat VALUES (1, 'x'), (2, 'y')") == [[2]]
    assert q("DELETE FROM hive.acid.flat WHERE id = 1") == [[1]]
    assert q("UPDATE hive.acid.flat SET v = 'z' WHERE id = 2") == [[1]]
    assert q("SELECT id, v FROM hive.acid.flat") == [[2, "z"]]

    assert q("INSERT INTO hive.acid.parted VALUES (1, 'a', 'p1'), (2, 'b', 'p2')") == [[2]]
    assert q("INSERT INTO hive.acid.parted VALUES (3, 'c', 'p2')") == [[1]]
    assert q("DELETE FROM hive.acid.parted WHERE id = 2") == [[1]]
    assert q("UPDATE hive.acid.parted SET v = 'q' WHERE id = 3") == [[1]]
    assert q("SELECT id, v, ds FROM hive.acid.parted ORDER BY id") == [[1, "a", "p1"], [3, "q", "p2"]]
    assert q("SELECT id FROM hive.acid.parted WHERE ds = 'p2'") == [[3]]
    assert hms.get_partition_names("acid", "parted", -1) == ["ds=p1", "ds=p2"]

    # every statement committed: one write id per write, nothing left open or aborted
    valid = hms.get_valid_write_ids(tt.GetValidWriteIdsRequest(fullTableNames=["acid.flat", "acid.parted"],
                                                               validTxnList=""))
    by_table = {v.fullTableName: v for v in valid.tblValidWriteIds}
    assert by_table["acid.flat"].writeIdHighWaterMark == 3
    assert by_table["acid.parted"].writeIdHighWaterMark == 4
    assert all(not v.invalidWriteIds for v in by_table.values())
    assert hms.get_open_txns().open_txns == []
    assert hms.show_locks(tt.ShowLocksRequest()).locks == []


# --- drops ---------------------------------------------------------------------------------

def test_drop_table_and_schema(q, hms, tmp_path_factory):
    root = tmp_path_factory.mktemp("drops")
    q(f"CREATE SCHEMA hive.drops WITH (location = '{_dir_uri(root / 'drops.db')}')")
    q("CREATE TABLE hive.drops.managed (id bigint, ds varchar) WITH (partitioned_by = ARRAY['ds'])")
    q("INSERT INTO hive.drops.managed VALUES (1, 'a'), (2, 'b')")
    external = root / "external_data"
    q(f"CREATE TABLE hive.drops.ext (id bigint) WITH (format = 'PARQUET', external_location = '{_dir_uri(external)}')")
    q("INSERT INTO hive.drops.ext VALUES (7), (8)")
    assert q("SELECT count(*) FROM hive.drops.ext") == [[2]]
    assert hms.get_table("drops", "ext").tableType == "EXTERNAL_TABLE"
    managed_dir = root / "drops.db" / "managed"
    assert (managed_dir / "ds=a").is_dir()

    with pytest.raises(AssertionError, match="SCHEMA_NOT_EMPTY|Cannot drop non-empty schema"):
        q("DROP SCHEMA hive.drops")
    q("DROP TABLE hive.drops.managed")
    q("DROP TABLE hive.drops.ext")
    assert q("SHOW TABLES FROM hive.drops") == []
    assert not managed_dir.exists(), "managed table data must be deleted with the table"
    assert [f for f in os.listdir(external) if not f.startswith(".")], "external data must survive DROP TABLE"
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table("drops", "managed")

    q("DROP SCHEMA hive.drops")
    assert ["drops"] not in q("SHOW SCHEMAS FROM hive")
    assert "drops" not in hms.get_all_databases()
    with pytest.raises(AssertionError, match="SCHEMA_NOT_FOUND|does not exist"):
        q("SHOW TABLES FROM hive.drops")


# --- Iceberg -------------------------------------------------------------------------------

def test_iceberg_table_lifecycle(q, hms, tmp_path_factory):
    root = tmp_path_factory.mktemp("ice")
    q(f"CREATE SCHEMA iceberg.ice WITH (location = '{_dir_uri(root)}')")
    q("CREATE TABLE iceberg.ice.events (id bigint, kind varchar, day date) "
      "WITH (format = 'PARQUET', partitioning = ARRAY['day'])")
    assert q("SHOW TABLES FROM iceberg.ice") == [["events"]]
    assert q("INSERT INTO iceberg.ice.events VALUES (1, 'click', DATE '2024-01-01'), (2, 'view', DATE '2024-01-02')") == [[2]]
    assert q("SELECT id, kind FROM iceberg.ice.events ORDER BY id") == [[1, "click"], [2, "view"]]

    table = hms.get_table("ice", "events")
    assert table.parameters["table_type"].upper() == "ICEBERG"
    first_metadata = table.parameters["metadata_location"]
    assert _file_path(first_metadata).is_file()

    q("ALTER TABLE iceberg.ice.events ADD COLUMN score double")
    q("INSERT INTO iceberg.ice.events VALUES (3, 'buy', DATE '2024-01-02', 9.5)")
    assert q("SELECT id, kind, day, score FROM iceberg.ice.events ORDER BY id") == [
        [1, "click", datetime.date(2024, 1, 1), None], [2, "view", datetime.date(2024, 1, 2), None],
        [3, "buy", datetime.date(2024, 1, 2), 9.5]]
    assert q("SELECT id FROM iceberg.ice.events WHERE day = DATE '2024-01-02' ORDER BY id") == [[2], [3]]
    assert q('SELECT count(*) FROM iceberg.ice."events$snapshots"') == [[3]]
    table = hms.get_table("ice", "events")
    # each commit swapped the pointer in lakeglue, remembering the previous one
    assert table.parameters["metadata_location"] != first_metadata
    assert _file_path(table.parameters["previous_metadata_location"]).is_file()

    q("CREATE TABLE iceberg.ice.copy AS SELECT id, kind FROM iceberg.ice.events WHERE score IS NULL")
    q("ALTER TABLE iceberg.ice.copy RENAME TO iceberg.ice.copy2")
    assert q("SELECT id FROM iceberg.ice.copy2 ORDER BY id") == [[1], [2]]
    assert q("SHOW TABLES FROM iceberg.ice") == [["copy2"], ["events"]]

    q("DROP TABLE iceberg.ice.events")
    q("DROP TABLE iceberg.ice.copy2")
    assert q("SHOW TABLES FROM iceberg.ice") == []
    q("DROP SCHEMA iceberg.ice")
    assert "ice" not in hms.get_all_databases()


# --- cross-engine with Spark ---------------------------------------------------------------

SPARK_EXCHANGE = r'''
spark = start_spark(spark_conf(ARGS["uri"], ARGS["warehouse"], Path(ARGS["scratch"])), Path(ARGS["scratch"]))
rows = lambda sql: [[None if v is None else str(v) for v in r] for r in spark.sql(sql).collect()]
out = {
    "trino_parquet": rows("SELECT id, name, price, d, ds FROM xe_trino.pq ORDER BY id"),
    "trino_parquet_p2": rows("SELECT id FROM xe_trino.pq WHERE ds = 'p2'"),
    "trino_orc": rows("SELECT id, tags, ds FROM xe_trino.orc ORDER BY id"),
    "trino_partitions": rows("SHOW PARTITIONS xe_trino.pq"),
}
spark.sql("CREATE DATABASE xe_spark")
spark.sql("CREATE TABLE xe_spark.ds_tbl (id BIGINT, name STRING, amount DOUBLE, ds STRING) "
          "USING parquet PARTITIONED BY (ds)")
spark.sql("INSERT INTO xe_spark.ds_tbl VALUES (1, 'a', 1.5, '2024-01-01'), (2, 'b', 2.5, '2024-01-02'), "
          "(3, NULL, 3.5, '2024-01-02')")
spark.sql("CREATE TABLE xe_spark.hive_tbl (id BIGINT, name STRING) PARTITIONED BY (ds STRING) STORED AS ORC")
spark.sql("INSERT INTO xe_spark.hive_tbl PARTITION (ds = 'd1') VALUES (10, 'x'), (11, 'y')")
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def spark_exchange(q, trino, lakeglue_sqlite, tmp_path_factory):
    """Trino writes tables, then one Spark process reads them and writes its own."""
    pytest.importorskip("pyspark")
    q("CREATE SCHEMA hive.xe_trino")
    q("CREATE TABLE hive.xe_trino.pq (id bigint, name varchar, price decimal(10,2), d date, ds varchar) "
      "WITH (format = 'PARQUET', partitioned_by = ARRAY['ds'])")
    q("INSERT INTO hive.xe_trino.pq VALUES (1, 'a', DECIMAL '1.25', DATE '2024-01-01', 'p1'), "
      "(2, NULL, DECIMAL '2.50', DATE '2024-01-02', 'p2')")
    q("CREATE TABLE hive.xe_trino.orc (id bigint, tags array(varchar), ds varchar) "
      "WITH (format = 'ORC', partitioned_by = ARRAY['ds'])")
    q("INSERT INTO hive.xe_trino.orc VALUES (1, ARRAY['x', 'y'], 'p1'), (2, ARRAY[], 'p2')")
    scratch = tmp_path_factory.mktemp("spark-xe")
    started = time.monotonic()
    out = run_spark_script(SPARK_EXCHANGE, {"uri": lakeglue_sqlite.uri, "warehouse": lakeglue_sqlite.warehouse,
                                            "scratch": str(scratch)}, scratch)
    out["seconds"] = time.monotonic() - started
    return out


@pytest.mark.spark
def test_trino_tables_readable_by_spark(spark_exchange):
    assert spark_exchange["trino_parquet"] == [["1", "a", "1.25", "2024-01-01", "p1"],
                                               ["2", None, "2.50", "2024-01-02", "p2"]]
    assert spark_exchange["trino_parquet_p2"] == [["2"]]
    assert spark_exchange["trino_orc"] == [["1", "['x', 'y']", "p1"], ["2", "[]", "p2"]]
    assert spark_exchange["trino_partitions"] == [["ds=p1"], ["ds=p2"]]


@pytest.mark.spark
def test_spark_tables_readable_by_trino(spark_exchange, q, trino):
    assert q("SHOW TABLES FROM hive.xe_spark") == [["ds_tbl"], ["hive_tbl"]]
    assert q("SELECT id, name, amount, ds FROM hive.xe_spark.ds_tbl ORDER BY id") == [
        [1, "a", 1.5, "2024-01-01"], [2, "b", 2.5, "2024-01-02"], [3, None, 3.5, "2024-01-02"]]
    rows, cur = trino.execute("SELECT id FROM hive.xe_spark.ds_tbl WHERE ds = '2024-01-02' ORDER BY id")
    assert rows == [[2], [3]] and cur.stats["processedRows"] == 2
    assert q("SELECT id, name, ds FROM hive.xe_spark.hive_tbl ORDER BY id") == [[10, "x", "d1"], [11, "y", "d1"]]
    # Trino can write into the Spark-created Hive-format table, and sees its own write
    q("INSERT INTO hive.xe_spark.hive_tbl VALUES (12, 'z', 'd2')")
    assert q("SELECT ds, count(*) FROM hive.xe_spark.hive_tbl GROUP BY ds ORDER BY ds") == [["d1", 2], ["d2", 1]]
