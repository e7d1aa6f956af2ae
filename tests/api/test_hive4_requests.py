"""Hive 4.0.1 request methods that PyIceberg's bindings lack (metastore/thrift/idl_hive4.py),
in-process and over the wire: the calls Hive 4's own HiveMetaStoreClient makes for
createDatabase, alterDatabase, dropTable, dropPartition, appendPartition,
listPartitionsByFilter, listPartitionNames and listPartitions."""
from __future__ import annotations

import pytest
from hive_metastore import ttypes as tt

from metastore.thrift import idl_hive4 as h4
from tests.api.helpers import database, exists, join, partition, put_file, table

KEYS = (("ds", "string"), ("hr", "int"))
VALUES = [("2024-01-01", "0"), ("2024-01-02", "1"), ("2024-01-03", "1"), ("2024-01-03", "2")]


def _events(hms, warehouse, db="h4r", name="events"):
    hms.create_database(database(db, location=join(warehouse, f"{db}.db")))
    t = table(db, name, partition_keys=KEYS)
    hms.create_table(t)
    t = hms.get_table(db, name)
    hms.add_partitions([partition(t, v, parameters={"origin": "test", "spark.sql.x": "1"}) for v in VALUES])
    return t


def test_create_database_req(hms, warehouse):
    loc = join(warehouse, "made_by_req.db")
    hms.create_database_req(h4.CreateDatabaseRequest(
        databaseName="Made_By_Req", description="from Hive 4", locationUri=loc,
        parameters={"team": "data"}, ownerName="hive4", ownerType=tt.PrincipalType.USER,
        catalogName="hive", type=h4.DatabaseType.NATIVE))
    db = hms.get_database("made_by_req")
    assert (db.name, db.description, db.locationUri, db.parameters, db.ownerName, db.ownerType) == \
        ("made_by_req", "from Hive 4", loc, {"team": "data"}, "hive4", tt.PrincipalType.USER)
    with pytest.raises(tt.AlreadyExistsException):
        hms.create_database_req(h4.CreateDatabaseRequest(databaseName="made_by_req", catalogName="hive"))
    with pytest.raises(tt.InvalidObjectException):
        hms.create_database_req(h4.CreateDatabaseRequest(databaseName="remote_db", type=h4.DatabaseType.REMOTE,
                                                         dataConnectorName="mysql_conn"))
    with pytest.raises((tt.InvalidObjectException, tt.MetaException)):
        hms.create_database_req(h4.CreateDatabaseRequest(databaseName="x", catalogName="spark"))
    assert "x" not in hms.get_all_databases() and "remote_db" not in hms.get_all_databases()


def test_create_database_req_default_location(hms, warehouse):
    hms.create_database_req(h4.CreateDatabaseRequest(databaseName="plain"))
    assert hms.get_database("plain").locationUri == join(warehouse, "plain.db")


def test_alter_database_req_with_catalog_prefixed_name(hms, warehouse):
    hms.create_database(database("altered", location=join(warehouse, "altered.db")))
    new = hms.get_database("altered")
    new.parameters = {"k": "v"}
    new.description = "changed"
    hms.alter_database_req(h4.AlterDatabaseRequest(oldDbName="@hive#altered", newDb=new))
    db = hms.get_database("altered")
    assert (db.parameters, db.description) == ({"k": "v"}, "changed")
    with pytest.raises(tt.NoSuchObjectException):
        hms.alter_database_req(h4.AlterDatabaseRequest(oldDbName="missing", newDb=new))


def test_drop_table_req(hms, warehouse):
    t = _events(hms, warehouse)
    data = put_file(t.sd.location, "000000_0")
    hms.drop_table_req(h4.DropTableRequest(catalogName="hive", dbName="h4r", tableName="events",
                                           deleteData=False, dropPartitions=True))
    assert hms.get_all_tables("h4r") == []
    assert exists(t.sd.location) and data  # deleteData=false keeps the files
    t2 = _events(hms, warehouse, db="h4s")
    hms.drop_table_req(h4.DropTableRequest(catalogName="hive", dbName="h4s", tableName="events", deleteData=True))
    assert not exists(t2.sd.location)
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_table_req(h4.DropTableRequest(catalogName="hive", dbName="h4s", tableName="events",
                                               deleteData=True))


def test_drop_partition_req_by_name_and_values(hms, warehouse):
    t = _events(hms, warehouse)
    loc0 = hms.get_partition("h4r", "events", ["2024-01-01", "0"]).sd.location
    put_file(loc0)
    assert hms.drop_partition_req(h4.DropPartitionRequest(
        catName="hive", dbName="h4r", tblName="events", partName="ds=2024-01-01/hr=0", deleteData=True)) is True
    assert not exists(loc0)
    loc1 = hms.get_partition("h4r", "events", ["2024-01-02", "1"]).sd.location
    put_file(loc1)
    assert hms.drop_partition_req(h4.DropPartitionRequest(
        dbName="h4r", tblName="events", partVals=["2024-01-02", "1"], deleteData=False)) is True
    assert exists(loc1)  # deleteData=false
    assert hms.get_partition_names("h4r", "events", -1) == ["ds=2024-01-03/hr=1", "ds=2024-01-03/hr=2"]
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_partition_req(h4.DropPartitionRequest(dbName="h4r", tblName="events",
                                                       partVals=["1999-01-01", "0"], deleteData=False))
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_partition_req(h4.DropPartitionRequest(dbName="h4r", tblName="events",
                                                       partName="ds=1999-01-01/hr=0", deleteData=False))
    with pytest.raises(tt.MetaException):
        hms.drop_partition_req(h4.DropPartitionRequest(dbName="h4r", tblName="events"))
    assert t.tableName == "events"


def test_append_partition_req(hms, warehouse):
    t = _events(hms, warehouse)
    p = hms.append_partition_req(h4.AppendPartitionsRequest(catalogName="hive", dbName="h4r", tableName="events",
                                                            partVals=["2024-02-01", "5"]))
    assert p.values == ["2024-02-01", "5"] and p.sd.location == join(t.sd.location, "ds=2024-02-01", "hr=5")
    p = hms.append_partition_req(h4.AppendPartitionsRequest(dbName="@hive#h4r", tableName="events",
                                                            name="ds=2024-02-02/hr=6"))
    assert p.values == ["2024-02-02", "6"]
    with pytest.raises(tt.AlreadyExistsException):
        hms.append_partition_req(h4.AppendPartitionsRequest(dbName="h4r", tableName="events",
                                                            partVals=["2024-02-01", "5"]))


def test_get_partitions_by_filter_req(hms, warehouse):
    _events(hms, warehouse)

    def values(**kw):
        req = h4.GetPartitionsByFilterRequest(catName="hive", dbName="h4r", tblName="events", **kw)
        return sorted(tuple(p.values) for p in hms.get_partitions_by_filter_req(req))

    assert values(filter='ds >= "2024-01-02" and hr = 1') == [("2024-01-02", "1"), ("2024-01-03", "1")]
    assert values(filter='ds = "2024-01-01" or hr > 1') == [("2024-01-01", "0"), ("2024-01-03", "2")]
    assert values(filter="hr = 1", maxParts=1) in ([("2024-01-02", "1")], [("2024-01-03", "1")])
    assert values(filter='ds = "1999-01-01"') == []
    with pytest.raises(tt.MetaException):
        values(filter="ds >>> 3")
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partitions_by_filter_req(h4.GetPartitionsByFilterRequest(dbName="h4r", tblName="nope",
                                                                         filter="hr = 1"))


def test_get_partitions_by_filter_req_trims_columns_and_parameters(hms, warehouse):
    _events(hms, warehouse)
    req = h4.GetPartitionsByFilterRequest(dbName="h4r", tblName="events", filter="hr = 2",
                                          skipColumnSchemaForPartition=True, excludeParamKeyPattern="spark.%")
    [p] = hms.get_partitions_by_filter_req(req)
    assert p.sd.cols == [] and "spark.sql.x" not in p.parameters and p.parameters["origin"] == "test"
    req = h4.GetPartitionsByFilterRequest(dbName="h4r", tblName="events", filter="hr = 2",
                                          includeParamKeyPattern="orig_n")
    [p] = hms.get_partitions_by_filter_req(req)
    assert p.parameters == {"origin": "test"} and [c.name for c in p.sd.cols] == ["id", "name"]


def test_fetch_partition_names_req_and_get_partitions_req(hms, warehouse):
    _events(hms, warehouse)
    names = ["ds=2024-01-01/hr=0", "ds=2024-01-02/hr=1", "ds=2024-01-03/hr=1", "ds=2024-01-03/hr=2"]
    assert hms.fetch_partition_names_req(h4.PartitionsRequest(catName="hive", dbName="h4r", tblName="events")) == names
    assert hms.fetch_partition_names_req(h4.PartitionsRequest(dbName="h4r", tblName="events", maxParts=2)) == names[:2]
    parts = hms.get_partitions_req(h4.PartitionsRequest(dbName="h4r", tblName="events", maxParts=-1)).partitions
    assert sorted(tuple(p.values) for p in parts) == sorted(VALUES)
    parts = hms.get_partitions_req(h4.PartitionsRequest(dbName="h4r", tblName="events",
                                                        skipColumnSchemaForPartition=True,
                                                        includeParamKeyPattern="%.sql.%")).partitions
    assert all(p.sd.cols == [] and p.parameters == {"spark.sql.x": "1"} for p in parts)
    with pytest.raises(tt.NoSuchObjectException):
        hms.fetch_partition_names_req(h4.PartitionsRequest(dbName="h4r", tblName="nope"))


def test_truncate_and_partitions_by_names_with_catalog_prefixed_db(hms, warehouse):
    t = _events(hms, warehouse)
    loc = hms.get_partition("h4r", "events", ["2024-01-02", "1"]).sd.location
    data = put_file(loc)
    hms.truncate_table_req(tt.TruncateTableRequest(dbName="@hive#h4r", tableName="events",
                                                   partNames=["ds=2024-01-02/hr=1"]))
    assert exists(loc) and not exists("file:" + data)
    got = hms.get_partitions_by_names_req(tt.GetPartitionsByNamesRequest(
        db_name="@hive#h4r", tbl_name="events", names=["ds=2024-01-03/hr=2"])).partitions
    assert [p.values for p in got] == [["2024-01-03", "2"]] and t.tableName == "events"

