"""Request-style (Hive 3/4) methods, catalog-prefixed database names, and the calls Trino
makes, over the wire."""
from __future__ import annotations

import os

import pytest
from hive_metastore import ttypes as tt

PARQUET = dict(inputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
               outputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
               serdeInfo=tt.SerDeInfo(serializationLib="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                                      parameters={}))


def _setup(hms, db="h4", params=None, name="events", external=False):
    try:
        hms.create_database(tt.Database(name=db))
    except tt.AlreadyExistsException:
        pass
    sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "bigint", None)], **PARQUET)
    hms.create_table(tt.Table(tableName=name, dbName=db, sd=sd,
                              partitionKeys=[tt.FieldSchema("ds", "string", None), tt.FieldSchema("hr", "int", None)],
                              parameters=dict(params or {}, **({"EXTERNAL": "TRUE"} if external else {})),
                              tableType="EXTERNAL_TABLE" if external else "MANAGED_TABLE"))
    hms.add_partitions([tt.Partition(values=[d, str(h)], dbName=db, tableName=name, sd=sd)
                        for d in ("2024-01-01", "2024-01-02") for h in (1, 2)])
    return db, name


def test_catalogs(hms):
    assert hms.get_catalogs().names == ["hive"]
    cat = hms.get_catalog(tt.GetCatalogRequest(name="hive")).catalog
    assert cat.name == "hive" and cat.locationUri
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_catalog(tt.GetCatalogRequest(name="spark"))


def test_catalog_prefixed_database_names(hms):
    db, name = _setup(hms)
    assert hms.get_database("@hive#h4").name == "h4"
    assert "h4" in hms.get_databases("@hive#h*")
    assert hms.get_databases("@hive#") == hms.get_all_databases()
    assert hms.get_tables("@hive#h4", "ev*") == ["events"]
    assert hms.get_partition_names("@hive#h4", "events", -1)[0] == "ds=2024-01-01/hr=1"
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_database("@spark#h4")


def test_request_style_reads(hms):
    db, name = _setup(hms)
    assert hms.get_database_req(tt.GetDatabaseRequest(name=db, catalogName="hive")).name == db
    assert [f.name for f in hms.get_fields_req(tt.GetFieldsRequest(dbName=db, tblName=name)).fields] == ["id"]
    assert [f.name for f in hms.get_schema_req(tt.GetSchemaRequest(dbName=db, tblName=name)).fields] == ["id", "ds", "hr"]
    p = hms.get_partition_req(tt.GetPartitionRequest(dbName=db, tblName=name, partVals=["2024-01-02", "1"])).partition
    assert p.values == ["2024-01-02", "1"]
    ps = hms.get_partitions_ps_with_auth_req(tt.GetPartitionsPsWithAuthRequest(
        dbName=db, tblName=name, partVals=["", "2"], maxParts=-1, userName="u", groupNames=[]))
    assert sorted(tuple(p.values) for p in ps.partitions) == [("2024-01-01", "2"), ("2024-01-02", "2")]
    names = hms.get_partition_names_ps_req(tt.GetPartitionNamesPsRequest(dbName=db, tblName=name,
                                                                         partValues=["2024-01-01"], maxParts=-1))
    assert names.names == ["ds=2024-01-01/hr=1", "ds=2024-01-01/hr=2"]
    by_names = hms.get_partitions_by_names_req(tt.GetPartitionsByNamesRequest(
        db_name=db, tbl_name=name, names=["ds=2024-01-02/hr=2", "ds=nope/hr=1"]))
    assert [p.values for p in by_names.partitions] == [["2024-01-02", "2"]]
    vals = hms.get_partition_values(tt.PartitionValuesRequest(
        dbName=db, tblName=name, partitionKeys=[tt.FieldSchema("ds", "string", None)], applyDistinct=True))
    assert [r.row for r in vals.partitionValues] == [["2024-01-01"], ["2024-01-02"]]


def test_request_style_writes(hms):
    sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "bigint", None)], **PARQUET)
    hms.create_database(tt.Database(name="h4w"))
    hms.create_table_req(tt.CreateTableRequest(table=tt.Table(tableName="t", dbName="h4w", sd=sd, partitionKeys=[],
                                                              parameters={}, tableType="MANAGED_TABLE")))
    t = hms.get_table_req(tt.GetTableRequest(dbName="h4w", tblName="t")).table
    t.parameters["k"] = "v"
    hms.alter_table_req(tt.AlterTableRequest(dbName="h4w", tableName="t", table=t))
    assert hms.get_table("h4w", "t").parameters["k"] == "v"
    hms.drop_database_req(tt.DropDatabaseRequest(name="h4w", catalogName="hive", deleteData=True, cascade=True))
    assert "h4w" not in hms.get_all_databases()
    hms.drop_database_req(tt.DropDatabaseRequest(name="h4w", ignoreUnknownDb=True, deleteData=True, cascade=True))
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_database_req(tt.DropDatabaseRequest(name="h4w", ignoreUnknownDb=False, deleteData=True, cascade=True))


def test_truncate_deletes_data_but_keeps_metadata(hms, warehouse):
    db, name = _setup(hms, db="trunc")
    parts = hms.get_partitions(db, name, -1)
    for p in parts:
        path = p.sd.location[len("file:"):]
        with open(os.path.join(path, "part-0.parquet"), "w") as f:
            f.write("x")
    hms.truncate_table(db, name, ["ds=2024-01-01/hr=1"])
    first = parts[0].sd.location[len("file:"):]
    assert os.path.isdir(first) and os.listdir(first) == []
    assert os.listdir(parts[1].sd.location[len("file:"):]) == ["part-0.parquet"]
    hms.truncate_table_req(tt.TruncateTableRequest(dbName=db, tableName=name))
    assert all(os.listdir(p.sd.location[len("file:"):]) == [] for p in parts)
    assert len(hms.get_partition_names(db, name, -1)) == 4
    _setup(hms, db="trunc", name="ext", external=True)
    with pytest.raises(tt.MetaException):
        hms.truncate_table(db, "ext", None)


def test_table_names_by_filter_as_trino_uses_it(hms):
    _setup(hms, db="tf", name="ice", params={"table_type": "ICEBERG", "metadata_location": "x"})
    _setup(hms, db="tf", name="view_like", params={"presto_view": "true"})
    _setup(hms, db="tf", name="plain")
    assert hms.get_table_names_by_filter("tf", 'hive_filter_field_params__table_type = "ICEBERG"', -1) == ["ice"]
    assert hms.get_table_names_by_filter("tf", 'hive_filter_field_params__presto_view = "true"', -1) == ["view_like"]
    assert hms.get_table_names_by_filter("tf", 'hive_filter_field_params__table_type like "ICE.*"', -1) == ["ice"]
    assert hms.get_table_names_by_filter("tf", "", 2) == ["ice", "plain"]
    with pytest.raises((tt.MetaException, tt.InvalidOperationException)):
        hms.get_table_names_by_filter("tf", "bogus_key = 1", -1)


def test_startup_calls_answer_sensibly(hms):
    assert "public" in hms.get_role_names()
    assert [r.roleName for r in hms.list_roles("alice", tt.PrincipalType.USER)] == ["public"]
    assert hms.get_privilege_set(tt.HiveObjectRef(objectType=tt.HiveObjectType.GLOBAL), "alice", []).userPrivileges == {}
    db, name = _setup(hms, db="cons")
    assert hms.get_primary_keys(tt.PrimaryKeysRequest(db_name=db, tbl_name=name)).primaryKeys == []
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_primary_keys(tt.PrimaryKeysRequest(db_name=db, tbl_name="missing"))


def test_txn_timeout_config_as_trino_asks_for_it(hms):
    # Trino asks get_config_value("metastore.txn.timeout", null) before every operation on
    # a transactional table and fails the query on a null (MISSING_RESULT) answer; Hive 3
    # answers the timeout it enforces on locks and transactions (default 300 s).
    assert hms.get_config_value("metastore.txn.timeout", None) == "300s"
    assert hms.get_config_value("hive.txn.timeout", None) == "300s"
