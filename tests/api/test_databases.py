"""Databases: create/get/list/alter/drop as Hive, Spark and Trino use them."""
from __future__ import annotations

import pytest
from hive_metastore import ttypes as tt

from tests.api.helpers import (
    database, exists, function, join, local_path, partition, put_file, table,
)


def test_create_database_defaults_location_and_makes_directory(hms, warehouse):
    hms.create_database(database("sales", description="Sales data", parameters={"team": "bi"}))
    db = hms.get_database("sales")
    assert db.name == "sales"
    assert db.description == "Sales data"
    assert db.locationUri == join(warehouse, "sales.db")
    assert db.parameters == {"team": "bi"}
    assert db.ownerName == "alice"
    assert db.ownerType == tt.PrincipalType.USER
    assert db.createTime > 0
    assert exists(db.locationUri)


def test_create_database_with_explicit_location(hms, tmp_path):
    loc = "file:" + str(tmp_path / "elsewhere" / "mydb")
    hms.create_database(database("mydb", location=loc))
    assert hms.get_database("mydb").locationUri == loc
    assert exists(loc)


def test_database_names_are_case_insensitive_and_stored_lower_case(hms, warehouse):
    hms.create_database(database("MixedCase"))
    assert hms.get_database("mixedcase").name == "mixedcase"
    assert hms.get_database("MIXEDCASE").name == "mixedcase"
    assert hms.get_database("MixedCase").locationUri == join(warehouse, "mixedcase.db")
    assert hms.get_all_databases() == ["default", "mixedcase"]
    with pytest.raises(tt.AlreadyExistsException):
        hms.create_database(database("MIXEDCASE"))


def test_create_duplicate_database_is_already_exists(hms):
    hms.create_database(database("dup", parameters={"v": "1"}))
    with pytest.raises(tt.AlreadyExistsException) as ei:
        hms.create_database(database("dup", parameters={"v": "2"}))
    assert "dup" in ei.value.message
    assert hms.get_database("dup").parameters == {"v": "1"}  # the original is untouched
    with pytest.raises(tt.AlreadyExistsException):
        hms.create_database(database("default"))


@pytest.mark.parametrize("name", ["bad-name", "has space", "dot.ted", "", "semi;colon"])
def test_invalid_database_name_is_invalid_object(hms, name):
    with pytest.raises(tt.InvalidObjectException) as ei:
        hms.create_database(database(name))
    assert "not a valid database name" in ei.value.message
    assert hms.get_all_databases() == ["default"]


def test_get_missing_database_is_no_such_object(hms):
    with pytest.raises(tt.NoSuchObjectException) as ei:
        hms.get_database("ghost")
    assert "ghost" in ei.value.message


def test_get_databases_hive_patterns(hms):
    for name in ("sales", "sales_eu", "marketing", "Finance", "hr"):
        hms.create_database(database(name))
    assert hms.get_all_databases() == ["default", "finance", "hr", "marketing", "sales", "sales_eu"]
    assert hms.get_databases("*") == ["default", "finance", "hr", "marketing", "sales", "sales_eu"]
    assert hms.get_databases("sales*") == ["sales", "sales_eu"]
    assert hms.get_databases("sales") == ["sales"]
    assert hms.get_databases("SALES*") == ["sales", "sales_eu"]
    assert hms.get_databases("sales|marketing") == ["marketing", "sales"]
    assert hms.get_databases("fin*|*ing") == ["finance", "marketing"]
    assert hms.get_databases("*_eu") == ["sales_eu"]
    assert hms.get_databases("*a*e*") == ["finance", "marketing", "sales", "sales_eu"]
    assert hms.get_databases("nomatch*") == []
    assert hms.get_databases("FINANCE") == ["finance"]


def test_alter_database_parameters_and_owner(hms):
    hms.create_database(database("ops", description="ops", parameters={"a": "1"}))
    db = hms.get_database("ops")
    db.parameters = {"a": "2", "b": "x" * 5000, "unicode": "naïve ☃"}
    db.ownerName = "analysts"
    db.ownerType = tt.PrincipalType.ROLE
    hms.alter_database("ops", db)
    got = hms.get_database("OPS")
    assert got.parameters == {"a": "2", "b": "x" * 5000, "unicode": "naïve ☃"}
    assert got.ownerName == "analysts"
    assert got.ownerType == tt.PrincipalType.ROLE
    assert got.description == "ops"
    assert got.locationUri == db.locationUri
    assert got.createTime == db.createTime


def test_alter_database_keeps_unset_attributes(hms):
    """Hive only replaces what the new Database object sets (owner, description, location)."""
    hms.create_database(database("keep", description="kept", parameters={"p": "1"}))
    before = hms.get_database("keep")
    hms.alter_database("keep", tt.Database(name="keep", parameters={"p": "2"}))
    after = hms.get_database("keep")
    assert after.parameters == {"p": "2"}
    assert after.ownerName == "alice"
    assert after.ownerType == tt.PrincipalType.USER
    assert after.description == "kept"
    assert after.locationUri == before.locationUri


def test_alter_missing_database_is_no_such_object(hms):
    with pytest.raises(tt.NoSuchObjectException):
        hms.alter_database("ghost", database("ghost"))


def test_drop_database(hms):
    hms.create_database(database("tmp"))
    location = hms.get_database("tmp").locationUri
    hms.drop_database("TMP", True, False)
    assert hms.get_all_databases() == ["default"]
    assert not exists(location)
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_database("tmp")


def test_drop_missing_database_is_no_such_object(hms):
    with pytest.raises(tt.NoSuchObjectException) as ei:
        hms.drop_database("ghost", True, True)
    assert "ghost" in ei.value.message


def test_drop_default_database_is_refused(hms):
    with pytest.raises(tt.InvalidOperationException) as ei:
        hms.drop_database("default", False, False)
    assert "Can not drop default database" in ei.value.message
    assert hms.get_database("default").name == "default"


def test_drop_non_empty_database_without_cascade(hms):
    hms.create_database(database("full"))
    hms.create_table(table("full", "t1"))
    with pytest.raises(tt.InvalidOperationException) as ei:
        hms.drop_database("full", True, False)
    assert ei.value.message == "Database full is not empty. One or more tables exist."
    assert hms.get_all_tables("full") == ["t1"]
    assert exists(hms.get_table("full", "t1").sd.location)


def test_drop_database_with_functions_without_cascade(hms):
    hms.create_database(database("fns"))
    hms.create_function(function("fns", "f1"))
    with pytest.raises(tt.InvalidOperationException) as ei:
        hms.drop_database("fns", True, False)
    assert "One or more functions exist" in ei.value.message
    hms.drop_database("fns", True, True)
    assert hms.get_all_databases() == ["default"]
    assert [f.functionName for f in hms.get_all_functions().functions] == []


def test_drop_database_cascade_drops_tables_partitions_and_managed_data(hms, tmp_path):
    hms.create_database(database("lake"))
    hms.create_table(table("lake", "managed", partition_keys=[("ds", "string")]))
    managed = hms.get_table("lake", "managed")
    hms.add_partition(partition(managed, ["2024-01-01"]))
    part_file = put_file(join(managed.sd.location, "ds=2024-01-01"))
    ext_loc = "file:" + str(tmp_path / "external" / "events")
    hms.create_table(table("lake", "ext", location=ext_loc, table_type="EXTERNAL_TABLE"))
    ext_file = put_file(ext_loc)
    db_loc = hms.get_database("lake").locationUri

    hms.drop_database("lake", True, True)

    assert hms.get_all_databases() == ["default"]
    assert hms.get_all_tables("lake") == []
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_table("lake", "managed")
    assert not exists(managed.sd.location)
    assert not exists(db_loc)
    assert not exists("file:" + part_file)
    assert exists("file:" + ext_file), "external table data must survive a database drop"
    # the names are free again
    hms.create_database(database("lake"))
    hms.create_table(table("lake", "managed", partition_keys=[("ds", "string")]))
    assert hms.get_partition_names("lake", "managed", -1) == []


def test_drop_database_cascade_without_delete_data_keeps_files(hms):
    hms.create_database(database("keepdata"))
    hms.create_table(table("keepdata", "t"))
    t = hms.get_table("keepdata", "t")
    data = put_file(t.sd.location)
    hms.drop_database("keepdata", False, True)
    assert hms.get_all_databases() == ["default"]
    assert exists("file:" + data)


def test_database_location_is_warehouse_relative(hms, warehouse):
    hms.create_database(database("w1"))
    loc = hms.get_database("w1").locationUri
    assert local_path(loc) == local_path(warehouse) + "/w1.db"
