"""Tables and views: create/get/list/alter/rename/drop, with data moves and deletes."""
from __future__ import annotations

import json
import os

import pytest
from hive_metastore import ttypes as tt

from tests.api.helpers import (
    LAZY_SERDE, TEXT_INPUT, database, exists, fields, join, local_path, partition, put_file,
    table, view,
)


@pytest.fixture
def db(hms, warehouse):
    hms.create_database(database("app"))
    return hms.get_database("app")


def spark_schema_json(n_fields: int = 400) -> str:
    """A Spark datasource schema like `spark.sql.sources.schema.part.0`: long, nested, unicode."""
    return json.dumps({
        "type": "struct",
        "fields": [
            {"name": f"col_{i}", "type": "string" if i % 3 else {
                "type": "struct", "fields": [{"name": "x", "type": "long", "nullable": True, "metadata": {}}]},
             "nullable": True, "metadata": {"comment": f"größe №{i} — 日本語 ✓"}}
            for i in range(n_fields)
        ],
    }, ensure_ascii=False, separators=(",", ":"))


# --- create / get -------------------------------------------------------------------------
def test_create_table_defaults(hms, db):
    hms.create_table(table("app", "events", columns=[("id", "bigint"), ("payload", "string")],
                           partition_keys=[("ds", "string")], parameters={"comment": "events"}))
    t = hms.get_table("app", "events")
    assert t.tableName == "events"
    assert t.dbName == "app"
    assert t.owner == "alice"
    assert t.tableType == "MANAGED_TABLE"
    assert t.sd.location == join(db.locationUri, "events")
    assert exists(t.sd.location)
    assert [(c.name, c.type) for c in t.sd.cols] == [("id", "bigint"), ("payload", "string")]
    assert [(c.name, c.type) for c in t.partitionKeys] == [("ds", "string")]
    assert t.sd.inputFormat == TEXT_INPUT
    assert t.sd.serdeInfo.serializationLib == LAZY_SERDE
    assert t.sd.serdeInfo.parameters == {"serialization.format": ","}
    assert t.parameters["comment"] == "events"
    assert int(t.parameters["transient_lastDdlTime"]) > 0
    assert t.createTime > 0
    assert not t.viewOriginalText


def test_create_table_with_environment_context_and_explicit_location(hms, db, tmp_path):
    loc = "file:" + str(tmp_path / "custom" / "tbl")
    ctx = tt.EnvironmentContext(properties={"some.key": "v"})
    hms.create_table_with_environment_context(table("app", "custom", location=loc), ctx)
    t = hms.get_table("app", "custom")
    assert t.sd.location == loc
    assert exists(loc)


def test_table_and_column_names_are_case_insensitive(hms, db):
    hms.create_table(table("APP", "MyTable", columns=[("UserId", "bigint"), ("Name", "string")],
                           partition_keys=[("DS", "string")]))
    t = hms.get_table("app", "mytable")
    assert t.tableName == "mytable"
    assert t.sd.location == join(db.locationUri, "mytable")
    assert [c.name for c in t.sd.cols] == ["userid", "name"]
    assert [c.name for c in t.partitionKeys] == ["ds"]
    assert hms.get_table("App", "MYTABLE").tableName == "mytable"
    assert hms.get_all_tables("app") == ["mytable"]


def test_get_table_req(hms, db):
    hms.create_table(table("app", "t1"))
    res = hms.get_table_req(tt.GetTableRequest(dbName="app", tblName="t1"))
    assert isinstance(res, tt.GetTableResult)
    assert res.table.tableName == "t1"
    assert res.table.sd.location == join(db.locationUri, "t1")
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table_req(tt.GetTableRequest(dbName="app", tblName="nope"))


def test_create_duplicate_table_is_already_exists(hms, db):
    hms.create_table(table("app", "t1", parameters={"v": "1"}))
    with pytest.raises(tt.AlreadyExistsException) as ei:
        hms.create_table(table("app", "T1", parameters={"v": "2"}))
    assert "t1" in ei.value.message
    assert hms.get_table("app", "t1").parameters["v"] == "1"


def test_create_table_in_missing_database(hms, warehouse):
    with pytest.raises(tt.NoSuchObjectException) as ei:
        hms.create_table(table("nodb", "t1"))
    assert "nodb" in ei.value.message
    assert not exists(join(warehouse, "nodb.db"))
    assert hms.get_all_databases() == ["default"]


@pytest.mark.parametrize("name", ["bad-name", "sp ace", "a.b"])
def test_create_table_with_invalid_name(hms, db, name):
    with pytest.raises(tt.InvalidObjectException) as ei:
        hms.create_table(table("app", name))
    assert name in ei.value.message
    assert hms.get_all_tables("app") == []


def test_create_table_with_duplicate_columns(hms, db):
    with pytest.raises(tt.InvalidObjectException):
        hms.create_table(table("app", "t", columns=[("a", "int"), ("A", "string")]))
    with pytest.raises(tt.InvalidObjectException):
        hms.create_table(table("app", "t", columns=[("a", "int")], partition_keys=[("a", "string")]))
    assert hms.get_all_tables("app") == []


def test_get_missing_table(hms, db):
    with pytest.raises(tt.NoSuchObjectException) as ei:
        hms.get_table("app", "ghost")
    assert "ghost" in ei.value.message
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table("ghostdb", "ghost")


# --- listing ------------------------------------------------------------------------------
@pytest.fixture
def catalog(hms, db, tmp_path):
    """app: orders, order_items (managed), clicks (external), v_orders (view); other: orders."""
    hms.create_table(table("app", "orders", parameters={"comment": "all orders"}))
    hms.create_table(table("app", "order_items"))
    hms.create_table(table("app", "clicks", table_type="EXTERNAL_TABLE",
                           location="file:" + str(tmp_path / "ext" / "clicks")))
    hms.create_table(view("app", "v_orders", "select * from orders", "select `orders`.`id` from `app`.`orders`"))
    hms.create_database(database("other"))
    hms.create_table(table("other", "orders"))
    return hms


def test_get_tables_and_patterns(catalog):
    hms = catalog
    assert hms.get_all_tables("app") == ["clicks", "order_items", "orders", "v_orders"]
    assert hms.get_tables("app", "*") == ["clicks", "order_items", "orders", "v_orders"]
    assert hms.get_tables("app", "order*") == ["order_items", "orders"]
    assert hms.get_tables("app", "ORDERS") == ["orders"]
    assert hms.get_tables("app", "clicks|v_*") == ["clicks", "v_orders"]
    assert hms.get_tables("app", "*items") == ["order_items"]
    assert hms.get_tables("app", "none*") == []
    assert hms.get_tables("APP", "orders") == ["orders"]
    # Hive answers an empty list for a database that does not exist
    assert hms.get_tables("ghost", "*") == []
    assert hms.get_all_tables("ghost") == []


def test_get_tables_by_type(catalog):
    hms = catalog
    assert hms.get_tables_by_type("app", "*", "MANAGED_TABLE") == ["order_items", "orders"]
    assert hms.get_tables_by_type("app", "*", "EXTERNAL_TABLE") == ["clicks"]
    assert hms.get_tables_by_type("app", "*", "VIRTUAL_VIEW") == ["v_orders"]
    assert hms.get_tables_by_type("app", "ord*", "MANAGED_TABLE") == ["order_items", "orders"]
    assert hms.get_tables_by_type("app", "x*", "MANAGED_TABLE") == []


def test_get_table_meta(catalog):
    hms = catalog

    def meta(dbs, tbls, types):
        return sorted((m.dbName, m.tableName, m.tableType, m.comments)
                      for m in hms.get_table_meta(dbs, tbls, types))

    assert meta("app", "*", []) == [
        ("app", "clicks", "EXTERNAL_TABLE", None),
        ("app", "order_items", "MANAGED_TABLE", None),
        ("app", "orders", "MANAGED_TABLE", "all orders"),
        ("app", "v_orders", "VIRTUAL_VIEW", "a view"),
    ]
    assert meta("*", "orders", []) == [
        ("app", "orders", "MANAGED_TABLE", "all orders"), ("other", "orders", "MANAGED_TABLE", None)]
    assert meta("app|other", "ord*", ["MANAGED_TABLE"]) == [
        ("app", "order_items", "MANAGED_TABLE", None),
        ("app", "orders", "MANAGED_TABLE", "all orders"),
        ("other", "orders", "MANAGED_TABLE", None),
    ]
    assert meta("*", "*", ["VIRTUAL_VIEW", "EXTERNAL_TABLE"]) == [
        ("app", "clicks", "EXTERNAL_TABLE", None), ("app", "v_orders", "VIRTUAL_VIEW", "a view")]
    assert meta("OTH*", "*", []) == [("other", "orders", "MANAGED_TABLE", None)]
    assert meta("nomatch", "*", []) == []


def test_get_table_objects_by_name(catalog):
    hms = catalog
    got = hms.get_table_objects_by_name("app", ["orders", "ghost", "CLICKS"])
    assert sorted(t.tableName for t in got) == ["clicks", "orders"]
    by_name = {t.tableName: t for t in got}
    assert by_name["clicks"].tableType == "EXTERNAL_TABLE"
    assert by_name["orders"].parameters["comment"] == "all orders"
    assert hms.get_table_objects_by_name("app", []) == []


def test_get_table_objects_by_name_req(catalog):
    hms = catalog
    res = hms.get_table_objects_by_name_req(tt.GetTablesRequest(dbName="app", tblNames=["orders", "v_orders", "nope"]))
    assert sorted(t.tableName for t in res.tables) == ["orders", "v_orders"]
    view_t = [t for t in res.tables if t.tableName == "v_orders"][0]
    assert view_t.viewOriginalText == "select * from orders"
    with pytest.raises(tt.UnknownDBException):
        hms.get_table_objects_by_name_req(tt.GetTablesRequest(dbName="ghost", tblNames=["orders"]))


def test_get_fields_and_schema(hms, db):
    hms.create_table(table("app", "t", columns=[("a", "int"), ("b", "string")],
                           partition_keys=[("ds", "string"), ("hr", "int")]))
    assert [(f.name, f.type) for f in hms.get_fields("app", "t")] == [("a", "int"), ("b", "string")]
    assert [(f.name, f.type) for f in hms.get_schema("app", "t")] == [
        ("a", "int"), ("b", "string"), ("ds", "string"), ("hr", "int")]
    ctx = tt.EnvironmentContext(properties={})
    assert [f.name for f in hms.get_fields_with_environment_context("app", "t", ctx)] == ["a", "b"]
    assert [f.name for f in hms.get_schema_with_environment_context("app", "t", ctx)] == ["a", "b", "ds", "hr"]


def test_get_fields_of_missing_table_is_unknown_table(hms, db):
    with pytest.raises(tt.UnknownTableException) as ei:
        hms.get_fields("app", "ghost")
    assert "ghost" in ei.value.message
    with pytest.raises(tt.UnknownTableException):
        hms.get_schema("app", "ghost")


# --- alter --------------------------------------------------------------------------------
def test_alter_table_parameters_are_stored_verbatim(hms, db):
    hms.create_table(table("app", "spark_t"))
    t = hms.get_table("app", "spark_t")
    schema = spark_schema_json()
    assert len(schema) > 40000
    t.parameters.update({
        "spark.sql.sources.provider": "parquet",
        "spark.sql.sources.schema.numParts": "1",
        "spark.sql.sources.schema.part.0": schema,
        "spark.sql.create.version": "3.5.1",
        "comment": "Ünïcødé ☃ 表 \U0001F600",
        "quote'\"back\\slash": "tab\tnewline\n",
        "empty": "",
    })
    hms.alter_table("app", "spark_t", t)
    got = hms.get_table("app", "spark_t")
    assert got.parameters["spark.sql.sources.schema.part.0"] == schema
    assert json.loads(got.parameters["spark.sql.sources.schema.part.0"])["fields"][1]["metadata"]["comment"] \
        == "größe №1 — 日本語 ✓"
    assert got.parameters["comment"] == "Ünïcødé ☃ 表 \U0001F600"
    assert got.parameters["quote'\"back\\slash"] == "tab\tnewline\n"
    assert got.parameters["empty"] == ""
    assert got.parameters["spark.sql.sources.provider"] == "parquet"
    assert got.sd.location == t.sd.location


def test_alter_table_columns_and_storage(hms, db):
    hms.create_table(table("app", "t"))
    t = hms.get_table("app", "t")
    t.sd.cols = fields([("id", "bigint"), ("name", "string"), ("added", "map<string,int>")])
    t.sd.serdeInfo.parameters = {"serialization.format": "|", "field.delim": "|"}
    t.owner = "bob"
    hms.alter_table_with_environment_context("app", "t", t, tt.EnvironmentContext(properties={}))
    got = hms.get_table("app", "t")
    assert [(c.name, c.type) for c in got.sd.cols] == [
        ("id", "bigint"), ("name", "string"), ("added", "map<string,int>")]
    assert got.sd.serdeInfo.parameters == {"serialization.format": "|", "field.delim": "|"}
    assert got.owner == "bob"
    assert got.createTime == t.createTime


def test_alter_table_req(hms, db):
    hms.create_table(table("app", "t"))
    t = hms.get_table("app", "t")
    t.parameters["k"] = "v"
    res = hms.alter_table_req(tt.AlterTableRequest(dbName="app", tableName="t", table=t))
    assert isinstance(res, tt.AlterTableResponse)
    assert hms.get_table("app", "t").parameters["k"] == "v"


def test_alter_table_cascade_updates_partition_columns(hms, db):
    hms.create_table(table("app", "p", partition_keys=[("ds", "string")]))
    t = hms.get_table("app", "p")
    hms.add_partitions([partition(t, ["a"]), partition(t, ["b"])])
    t.sd.cols = t.sd.cols + fields([("extra", "int")])
    hms.alter_table_with_environment_context("app", "p", t, tt.EnvironmentContext(properties={"CASCADE": "true"}))
    for p in hms.get_partitions("app", "p", -1):
        assert [c.name for c in p.sd.cols] == ["id", "name", "extra"]
    # without CASCADE, partitions keep their own columns
    t.sd.cols = t.sd.cols + fields([("more", "int")])
    hms.alter_table("app", "p", t)
    for p in hms.get_partitions("app", "p", -1):
        assert [c.name for c in p.sd.cols] == ["id", "name", "extra"]


def test_alter_table_expected_parameter_compare_and_swap(hms, db):
    hms.create_table(table("app", "ice", parameters={"metadata_location": "s3://b/m1.json"}))
    t = hms.get_table("app", "ice")
    t.parameters["metadata_location"] = "s3://b/m2.json"
    stale = tt.EnvironmentContext(properties={
        "expected_parameter_key": "metadata_location", "expected_parameter_value": "s3://b/m0.json"})
    with pytest.raises(tt.MetaException) as ei:
        hms.alter_table_with_environment_context("app", "ice", t, stale)
    assert "The table has been modified" in ei.value.message
    assert hms.get_table("app", "ice").parameters["metadata_location"] == "s3://b/m1.json"
    fresh = tt.EnvironmentContext(properties={
        "expected_parameter_key": "metadata_location", "expected_parameter_value": "s3://b/m1.json"})
    hms.alter_table_with_environment_context("app", "ice", t, fresh)
    assert hms.get_table("app", "ice").parameters["metadata_location"] == "s3://b/m2.json"


def test_alter_missing_table_is_invalid_operation(hms, db):
    with pytest.raises(tt.InvalidOperationException):
        hms.alter_table("app", "ghost", table("app", "ghost"))
    assert hms.get_all_tables("app") == []


def test_alter_table_cannot_change_partition_keys(hms, db):
    hms.create_table(table("app", "p", partition_keys=[("ds", "string")]))
    t = hms.get_table("app", "p")
    t.partitionKeys = fields([("ds", "string"), ("hr", "int")])
    with pytest.raises(tt.InvalidOperationException) as ei:
        hms.alter_table("app", "p", t)
    assert "partition keys can not be changed" in ei.value.message
    assert [k.name for k in hms.get_table("app", "p").partitionKeys] == ["ds"]


def test_alter_table_external_property_switches_table_type(hms, db):
    """`ALTER TABLE t SET TBLPROPERTIES('EXTERNAL'='TRUE')` converts a managed table, as in Hive."""
    hms.create_table(table("app", "t"))
    t = hms.get_table("app", "t")
    t.parameters["EXTERNAL"] = "TRUE"
    hms.alter_table("app", "t", t)
    assert hms.get_table("app", "t").tableType == "EXTERNAL_TABLE"
    assert hms.get_tables_by_type("app", "*", "EXTERNAL_TABLE") == ["t"]
    t = hms.get_table("app", "t")
    t.parameters["EXTERNAL"] = "FALSE"
    hms.alter_table("app", "t", t)
    assert hms.get_table("app", "t").tableType == "MANAGED_TABLE"


# --- rename -------------------------------------------------------------------------------
def _partitioned_with_data(hms, db_name, name, values=("2024-01-01", "2024-01-02")):
    hms.create_table(table(db_name, name, partition_keys=[("ds", "string")]))
    t = hms.get_table(db_name, name)
    hms.add_partitions([partition(t, [v]) for v in values])
    put_file(t.sd.location, "root.txt")
    for v in values:
        put_file(join(t.sd.location, f"ds={v}"))
    return t


def test_rename_managed_table_moves_data_and_partition_locations(hms, db):
    old = _partitioned_with_data(hms, "app", "events")
    renamed = hms.get_table("app", "events")
    renamed.tableName = "events_v2"
    hms.alter_table("app", "events", renamed)

    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table("app", "events")
    t = hms.get_table("app", "events_v2")
    new_loc = join(db.locationUri, "events_v2")
    assert t.sd.location == new_loc
    assert not exists(old.sd.location)
    assert os.path.isfile(os.path.join(local_path(new_loc), "root.txt"))
    parts = hms.get_partitions("app", "events_v2", -1)
    assert [(p.values, p.sd.location) for p in parts] == [
        (["2024-01-01"], join(new_loc, "ds=2024-01-01")),
        (["2024-01-02"], join(new_loc, "ds=2024-01-02")),
    ]
    for p in parts:
        assert os.path.isfile(os.path.join(local_path(p.sd.location), "part-00000"))
        assert p.tableName == "events_v2"
    assert hms.get_all_tables("app") == ["events_v2"]


def test_rename_table_across_databases(hms, db):
    hms.create_database(database("archive"))
    archive = hms.get_database("archive")
    old = _partitioned_with_data(hms, "app", "events")
    t = hms.get_table("app", "events")
    t.dbName, t.tableName = "archive", "events_2024"
    hms.alter_table("app", "events", t)

    assert hms.get_all_tables("app") == []
    assert hms.get_all_tables("archive") == ["events_2024"]
    got = hms.get_table("archive", "events_2024")
    assert got.dbName == "archive"
    assert got.sd.location == join(archive.locationUri, "events_2024")
    assert not exists(old.sd.location)
    assert os.path.isfile(os.path.join(local_path(got.sd.location), "root.txt"))
    assert [p.sd.location for p in hms.get_partitions("archive", "events_2024", -1)] == [
        join(got.sd.location, "ds=2024-01-01"), join(got.sd.location, "ds=2024-01-02")]
    assert hms.get_partition("archive", "events_2024", ["2024-01-01"]).dbName == "archive"


def test_rename_external_table_does_not_move_data(hms, db, tmp_path):
    loc = "file:" + str(tmp_path / "ext" / "clicks")
    hms.create_table(table("app", "clicks", table_type="EXTERNAL_TABLE", location=loc,
                           partition_keys=[("ds", "string")]))
    t = hms.get_table("app", "clicks")
    hms.add_partition(partition(t, ["a"]))
    data = put_file(join(loc, "ds=a"))
    t.tableName = "clicks2"
    hms.alter_table("app", "clicks", t)
    got = hms.get_table("app", "clicks2")
    assert got.sd.location == loc
    assert os.path.isfile(data)
    assert not exists(join(db.locationUri, "clicks2"))
    assert hms.get_partition("app", "clicks2", ["a"]).sd.location == join(loc, "ds=a")


def test_rename_to_existing_table_fails_without_changes(hms, db):
    a = _partitioned_with_data(hms, "app", "a")
    hms.create_table(table("app", "b"))
    t = hms.get_table("app", "a")
    t.tableName = "b"
    with pytest.raises(tt.InvalidOperationException) as ei:
        hms.alter_table("app", "a", t)
    assert "already exists" in ei.value.message
    assert hms.get_table("app", "a").sd.location == a.sd.location
    assert os.path.isfile(os.path.join(local_path(a.sd.location), "root.txt"))
    assert hms.get_partition_names("app", "a", -1) == ["ds=2024-01-01", "ds=2024-01-02"]


def test_rename_to_missing_database_fails(hms, db):
    a = _partitioned_with_data(hms, "app", "a")
    t = hms.get_table("app", "a")
    t.dbName = "ghost"
    with pytest.raises(tt.InvalidOperationException):
        hms.alter_table("app", "a", t)
    assert hms.get_table("app", "a").sd.location == a.sd.location
    assert os.path.isfile(os.path.join(local_path(a.sd.location), "root.txt"))


def test_rename_when_target_directory_exists_fails_without_changes(hms, db):
    a = _partitioned_with_data(hms, "app", "a")
    squatter = put_file(join(db.locationUri, "b"), "other.txt")
    t = hms.get_table("app", "a")
    t.tableName = "b"
    with pytest.raises(tt.InvalidOperationException):
        hms.alter_table("app", "a", t)
    assert hms.get_all_tables("app") == ["a"]
    assert os.path.isfile(os.path.join(local_path(a.sd.location), "root.txt"))
    assert os.path.isfile(squatter)
    assert [p.sd.location for p in hms.get_partitions("app", "a", -1)] == [
        join(a.sd.location, "ds=2024-01-01"), join(a.sd.location, "ds=2024-01-02")]


def test_rename_to_invalid_name(hms, db):
    hms.create_table(table("app", "a"))
    t = hms.get_table("app", "a")
    t.tableName = "bad-name"
    with pytest.raises(tt.InvalidOperationException):
        hms.alter_table("app", "a", t)
    assert hms.get_all_tables("app") == ["a"]


# --- drop ---------------------------------------------------------------------------------
def test_drop_managed_table_with_delete_data(hms, db, tmp_path):
    t = _partitioned_with_data(hms, "app", "events")
    outside = "file:" + str(tmp_path / "outside" / "ds=x")
    hms.add_partition(partition(t, ["x"], location=outside))
    outside_file = put_file(outside)
    hms.drop_table("app", "events", True)
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table("app", "events")
    assert not exists(t.sd.location)
    assert not os.path.exists(outside_file), "managed partition data outside the table dir goes too"
    assert hms.get_all_tables("app") == []
    # a new table of the same name starts empty
    hms.create_table(table("app", "events", partition_keys=[("ds", "string")]))
    assert hms.get_partition_names("app", "events", -1) == []


def test_drop_table_without_delete_data_keeps_files(hms, db):
    t = _partitioned_with_data(hms, "app", "events")
    hms.drop_table("app", "events", False)
    assert hms.get_all_tables("app") == []
    assert os.path.isfile(os.path.join(local_path(t.sd.location), "root.txt"))


def test_drop_external_table_never_deletes_data(hms, db, tmp_path):
    loc = "file:" + str(tmp_path / "ext" / "clicks")
    hms.create_table(table("app", "clicks", table_type="EXTERNAL_TABLE", location=loc,
                           partition_keys=[("ds", "string")]))
    t = hms.get_table("app", "clicks")
    hms.add_partition(partition(t, ["a"]))
    data = put_file(join(loc, "ds=a"))
    hms.drop_table_with_environment_context("app", "clicks", True, tt.EnvironmentContext(properties={}))
    assert hms.get_all_tables("app") == []
    assert os.path.isfile(data)


def test_drop_external_table_with_purge_deletes_data(hms, db, tmp_path):
    loc = "file:" + str(tmp_path / "ext" / "purged")
    hms.create_table(table("app", "purged", table_type="EXTERNAL_TABLE", location=loc,
                           parameters={"external.table.purge": "true"}))
    data = put_file(loc)
    hms.drop_table("app", "purged", True)
    assert not os.path.exists(data)


def test_drop_missing_table_is_no_such_object(hms, db):
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_table("app", "ghost", True)
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_table("ghostdb", "ghost", True)


# --- views --------------------------------------------------------------------------------
def test_views(hms, db):
    hms.create_table(table("app", "orders"))
    hms.create_table(view("app", "v", "SELECT id FROM orders WHERE id > 1",
                          "SELECT `orders`.`id` FROM `app`.`orders` WHERE `orders`.`id` > 1",
                          columns=[("id", "bigint")]))
    v = hms.get_table("app", "v")
    assert v.tableType == "VIRTUAL_VIEW"
    assert v.viewOriginalText == "SELECT id FROM orders WHERE id > 1"
    assert v.viewExpandedText == "SELECT `orders`.`id` FROM `app`.`orders` WHERE `orders`.`id` > 1"
    assert not v.sd.location
    assert [c.name for c in v.sd.cols] == ["id"]
    assert not exists(join(db.locationUri, "v"))
    assert hms.get_tables_by_type("app", "*", "VIRTUAL_VIEW") == ["v"]

    v.viewOriginalText = "SELECT id FROM orders"
    v.viewExpandedText = "SELECT `orders`.`id` FROM `app`.`orders`"
    hms.alter_table("app", "v", v)
    assert hms.get_table("app", "v").viewExpandedText == "SELECT `orders`.`id` FROM `app`.`orders`"

    hms.drop_table("app", "v", True)
    assert hms.get_all_tables("app") == ["orders"]
    assert exists(hms.get_table("app", "orders").sd.location)


def test_drop_of_a_table_that_gained_partition_keys_drops_its_partitions(hms):
    """A table created without partition keys may get them later (never lose them): its drop
    still finds and deletes its partitions and their data."""
    hms.create_database(database("grow"))
    hms.create_table(table("grow", "t"))
    t = hms.get_table("grow", "t")
    t.partitionKeys = [tt.FieldSchema("d", "string", None)]
    hms.alter_table("grow", "t", t)
    t = hms.get_table("grow", "t")
    p = hms.add_partition(partition(t, ["x"]))
    put_file(p.sd.location, "part-0")
    hms.drop_table("grow", "t", True)
    assert not exists(p.sd.location)
    hms.create_table(table("grow", "t", partition_keys=[("d", "string")]))
    assert hms.get_partition_names("grow", "t", -1) == []
