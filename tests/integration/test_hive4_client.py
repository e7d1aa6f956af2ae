"""Apache Hive 4's own Java HiveMetaStoreClient (hive-standalone-metastore-common 4.0.1)
against lakeglue.

tests/java/hive4-smoke is a small Maven project whose Hive4Smoke class drives the client
(plain TBinaryProtocol socket, no SASL, metastore.execute.setugi at its default) through
catalogs, databases, ORC/Parquet tables, partitions (add, list, filter, by names, alter,
truncate, drop) and a cascading database drop, printing one JSON line a step. The jar is
built once per session into tests/java/hive4-smoke/target (git-ignored): offline from the
default Maven repository (~/.m2) when it has everything, else from Maven Central (the first
build). Each step's result is asserted here, and then lakeglue's state is read back over
Thrift from Python.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hive_metastore import ttypes as tt

REPO_ROOT = Path(__file__).resolve().parents[2]
from tests.support.catalog import ThriftClient

COMPAT_ENGINE = "Hive 4.0.1 HiveMetaStoreClient (Java)"

pytestmark = pytest.mark.hive4

SMOKE_DIR = REPO_ROOT / "tests" / "java" / "hive4-smoke"
JAR = SMOKE_DIR / "target" / "hive4-smoke-0.1.0.jar"
CLASSPATH_FILE = SMOKE_DIR / "target" / "classpath.txt"

ORC = ("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
       "org.apache.hadoop.hive.ql.io.orc.OrcSerde")
PARQUET = ("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
           "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
           "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")


def _mvn_package(mvn: str, offline: bool) -> subprocess.CompletedProcess:
    cmd = [mvn, "-q", "-B", "package", "-DskipTests"] + (["-o"] if offline else [])
    return subprocess.run(cmd, cwd=str(SMOKE_DIR), capture_output=True, text=True, timeout=1200,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def hive4_classpath() -> str:
    """Build the smoke jar (once a session); return `java -cp` for it and its dependencies."""
    mvn, javac, java = shutil.which("mvn"), shutil.which("javac"), shutil.which("java")
    if not (mvn and javac and java):
        pytest.skip("the Hive 4 client test needs a JDK (java, javac) and Maven (mvn) on PATH")
    proc = _mvn_package(mvn, offline=True)
    if proc.returncode != 0:  # the first build, or a new dependency: fetch from Maven Central
        proc = _mvn_package(mvn, offline=False)
    if proc.returncode != 0:
        raise AssertionError(f"mvn package failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-4000:]}")
    assert JAR.is_file() and CLASSPATH_FILE.is_file(), list((SMOKE_DIR / "target").iterdir())
    return os.pathsep.join([str(JAR), CLASSPATH_FILE.read_text().strip()])


@pytest.fixture(scope="module")
def hive4(hive4_classpath, lakeglue_sqlite, tmp_path_factory):
    """Run Hive4Smoke against a fresh lakeglue (SQLite) process; {step: result}."""
    scratch = tmp_path_factory.mktemp("hive4-java")
    cmd = ["java", f"-Djava.io.tmpdir={scratch}", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
           "-cp", hive4_classpath, "Hive4Smoke", lakeglue_sqlite.uri, lakeglue_sqlite.warehouse]
    proc = subprocess.run(cmd, cwd=str(scratch), capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    errors = [line for line in lines if "error" in line]
    if proc.returncode != 0 or errors or not lines or lines[-1].get("step") != "done":
        raise AssertionError(
            f"Hive4Smoke failed (exit {proc.returncode}): {errors}\n--- stdout\n{proc.stdout[-6000:]}"
            f"\n--- stderr\n{proc.stderr[-6000:]}\n--- lakeglue log\n{lakeglue_sqlite.log_tail(120)}")
    results = {}
    for line in lines:
        assert line["step"] not in results, f"step {line['step']} printed twice"
        results[line["step"]] = line["result"]
    return results


@pytest.fixture(scope="module")
def paths(lakeglue_sqlite):
    wh = lakeglue_sqlite.warehouse
    db = f"{wh}/hive4_smoke.db"
    return {"warehouse": wh, "db": db, "events": f"{db}/events", "parquet": f"{db}/events_parquet",
            "local_events": lakeglue_sqlite.warehouse_dir / "hive4_smoke.db" / "events"}


def _part(paths, ds, hr, params=None, cols=("id:bigint", "payload:string")):
    return {"values": [ds, hr], "location": f"{paths['events']}/ds={ds}/hr={hr}", "inputFormat": ORC[0],
            "cols": list(cols), "parameters": dict(params or {})}


def test_catalogs(hive4, paths):
    assert hive4["getCatalogs"] == ["hive"]
    assert hive4["getCatalog"] == {"name": "hive", "locationUri": paths["warehouse"]}
    assert hive4["getCatalog_missing"] == "NoSuchObjectException"


def test_databases(hive4, paths):
    assert hive4["createDatabase"] == "ok"
    assert hive4["createDatabase_duplicate"] == "AlreadyExistsException"
    assert hive4["getDatabase"] == {
        "name": "hive4_smoke", "description": "Hive 4 client smoke test", "locationUri": paths["db"],
        "parameters": {"team": "data-platform"}, "ownerName": "hive4", "catalogName": "hive"}
    assert hive4["getAllDatabases"] == ["default", "hive4_smoke"]


def test_tables(hive4, paths):
    assert hive4["createTable"] == hive4["createTable_parquet"] == "ok"
    assert hive4["getTable"] == {
        "dbName": "hive4_smoke", "tableName": "events", "catName": "hive", "owner": "hive4",
        "tableType": "MANAGED_TABLE", "cols": ["id:bigint", "payload:string"],
        "partitionKeys": ["ds:string", "hr:int"], "location": paths["events"],
        "inputFormat": ORC[0], "outputFormat": ORC[1], "serde": ORC[2],
        "parameters": {"created.by": "hive4-smoke"}, "createTime_set": True}
    assert hive4["getTable_parquet"] == {
        "dbName": "hive4_smoke", "tableName": "events_parquet", "catName": "hive", "owner": "hive4",
        "tableType": "MANAGED_TABLE", "cols": ["id:bigint", "amount:double"], "partitionKeys": [],
        "location": paths["parquet"], "inputFormat": PARQUET[0], "outputFormat": PARQUET[1],
        "serde": PARQUET[2], "parameters": {}, "createTime_set": True}
    assert hive4["getTables_pattern"] == ["events", "events_parquet"]
    assert hive4["getTables_parquet_pattern"] == ["events_parquet"]
    assert hive4["getAllTables"] == ["events", "events_parquet"]
    assert hive4["tableExists_missing"] is False


def test_add_partitions(hive4, paths):
    assert hive4["add_partitions"] == 2
    # ifNotExists: the existing ds=2024-01-02/hr=1 is skipped; the new ones get locations
    # under the table's (the client sent none)
    assert hive4["add_partitions_ifNotExists_needResults"] == [
        _part(paths, "2024-01-03", "1"), _part(paths, "2024-01-03", "2")]
    assert hive4["add_partitions_noResults"] == "null"
    assert hive4["add_partitions_duplicate"] == "AlreadyExistsException"


def test_partition_reads(hive4, paths):
    assert hive4["listPartitionNames"] == ["ds=2024-01-01/hr=0", "ds=2024-01-02/hr=1", "ds=2024-01-03/hr=1",
                                           "ds=2024-01-03/hr=2", "ds=2024-01-04/hr=0"]
    assert hive4["listPartitionNames_max2"] == ["ds=2024-01-01/hr=0", "ds=2024-01-02/hr=1"]
    assert hive4["listPartitionNames_ps"] == ["ds=2024-01-03/hr=1", "ds=2024-01-03/hr=2"]
    assert hive4["listPartitionsByFilter"] == [_part(paths, "2024-01-02", "1"), _part(paths, "2024-01-03", "1")]
    assert hive4["listPartitionsByFilter_or"] == [_part(paths, "2024-01-01", "0"), _part(paths, "2024-01-03", "2")]
    assert hive4["getNumPartitionsByFilter"] == 2
    assert hive4["getPartitionsByNames"] == [_part(paths, "2024-01-01", "0"), _part(paths, "2024-01-03", "2")]
    assert hive4["getPartition"] == _part(paths, "2024-01-02", "1")
    assert hive4["listPartitions"] == [_part(paths, ds, hr) for ds, hr in [
        ("2024-01-01", "0"), ("2024-01-02", "1"), ("2024-01-03", "1"), ("2024-01-03", "2"), ("2024-01-04", "0")]]


def test_alter_table_and_partition(hive4, paths):
    assert hive4["alter_table"] == hive4["alter_partition"] == "ok"
    after = hive4["getTable_after_alter"]
    assert after["cols"] == ["id:bigint", "payload:string", "country:string"]
    assert after["partitionKeys"] == ["ds:string", "hr:int"]
    assert after["parameters"] == {"comment": "events, altered by Hive 4", "created.by": "hive4-smoke",
                                   "smoke.altered": "true"}
    assert (after["location"], after["inputFormat"], after["serde"]) == (paths["events"], ORC[0], ORC[2])
    assert hive4["getPartition_after_alter"] == _part(paths, "2024-01-02", "1", {"smoke.partition": "altered"})


def test_truncate(hive4):
    assert hive4["truncateTable_partition"] == hive4["truncateTable"] == "ok"
    assert hive4["truncateTable_partition_files"] == {
        "truncated_partition_file_exists": False, "truncated_partition_dir_exists": True,
        "other_partition_file_exists": True}
    assert hive4["truncateTable_files"] == {"file_exists": False}


def test_drops(hive4):
    assert hive4["dropPartition_by_name"] is True
    assert hive4["dropPartition_by_values"] is True
    assert hive4["dropPartition_dir_deleted"] is True
    assert hive4["dropPartition_missing"] == "NoSuchObjectException"
    assert hive4["listPartitionNames_after_drop"] == ["ds=2024-01-02/hr=1", "ds=2024-01-03/hr=1",
                                                      "ds=2024-01-03/hr=2"]
    assert hive4["dropTable"] == "ok"
    assert hive4["tableExists_after_drop"] is False
    assert hive4["dropTable_dir_deleted"] is True
    assert hive4["getTable_after_drop"] == "NoSuchObjectException"
    assert hive4["getAllTables_after_drop"] == ["events"]
    assert hive4["createDatabase_scratch"] == hive4["createTable_scratch"] == "ok"
    assert hive4["dropDatabase_not_empty"] == "InvalidOperationException"
    assert hive4["dropDatabase_cascade"] == "ok"
    assert hive4["getDatabase_after_drop"] == "NoSuchObjectException"
    assert hive4["scratch_dir_deleted"] is True
    assert hive4["getAllDatabases_after_drop"] == ["default", "hive4_smoke"]
    assert hive4["done"] is True


def test_lakeglue_state_matches_what_the_java_client_did(hive4, lakeglue_sqlite, paths):
    """Read the catalog back with a Python Thrift client after the Java client is done."""
    c = ThriftClient("127.0.0.1", lakeglue_sqlite.port)
    try:
        assert c.get_all_databases() == ["default", "hive4_smoke"]
        db = c.get_database("hive4_smoke")
        assert (db.description, db.locationUri, db.parameters, db.ownerName) == (
            "Hive 4 client smoke test", paths["db"], {"team": "data-platform"}, "hive4")
        assert c.get_all_tables("hive4_smoke") == ["events"]

        t = c.get_table("hive4_smoke", "events")
        assert [(f.name, f.type) for f in t.sd.cols] == [("id", "bigint"), ("payload", "string"), ("country", "string")]
        assert [(f.name, f.type) for f in t.partitionKeys] == [("ds", "string"), ("hr", "int")]
        assert (t.sd.inputFormat, t.sd.outputFormat, t.sd.serdeInfo.serializationLib) == ORC
        assert t.sd.location == paths["events"] and t.tableType == "MANAGED_TABLE" and t.owner == "hive4"
        params = {k: v for k, v in t.parameters.items() if k != "transient_lastDdlTime"}
        assert params == {"comment": "events, altered by Hive 4", "created.by": "hive4-smoke", "smoke.altered": "true"}

        assert c.get_partition_names("hive4_smoke", "events", -1) == [
            "ds=2024-01-02/hr=1", "ds=2024-01-03/hr=1", "ds=2024-01-03/hr=2"]
        filtered = c.get_partitions_by_filter("hive4_smoke", "events", 'ds >= "2024-01-02" and hr = 1', -1)
        assert sorted(tuple(p.values) for p in filtered) == [("2024-01-02", "1"), ("2024-01-03", "1")]
        p = c.get_partition("hive4_smoke", "events", ["2024-01-02", "1"])
        assert p.parameters.get("smoke.partition") == "altered"
        assert p.sd.location == f"{paths['events']}/ds=2024-01-02/hr=1"
        assert [f.name for f in p.sd.cols] == ["id", "payload"]  # alter_table without cascade
        p = c.get_partition("hive4_smoke", "events", ["2024-01-03", "2"])
        assert p.sd.location == f"{paths['events']}/ds=2024-01-03/hr=2"

        with pytest.raises(tt.NoSuchObjectException):
            c.get_table("hive4_smoke", "events_parquet")
        with pytest.raises(tt.NoSuchObjectException):
            c.get_partition("hive4_smoke", "events", ["2024-01-01", "0"])
        with pytest.raises(tt.NoSuchObjectException):
            c.get_database("hive4_scratch")
    finally:
        c.close()

    local: Path = paths["local_events"]
    assert not (local / "ds=2024-01-01" / "hr=0").exists()  # dropped with deleteData
    assert (local / "ds=2024-01-02" / "hr=1").is_dir()
    assert list((local / "ds=2024-01-02" / "hr=1").iterdir()) == []  # truncated
    assert not (lakeglue_sqlite.warehouse_dir / "hive4_smoke.db" / "events_parquet").exists()
    assert not (lakeglue_sqlite.warehouse_dir / "hive4_scratch.db").exists()


def test_lakeglue_logged_no_errors(hive4, lakeglue_sqlite):
    with open(lakeglue_sqlite.log_path, errors="replace") as f:
        log = f.read()
    assert "Traceback" not in log and "unexpected error" not in log, log[-4000:]
