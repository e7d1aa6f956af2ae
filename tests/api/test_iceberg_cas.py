"""Compare-and-swap commits through alter_table_with_environment_context, as newer Iceberg
and Trino send them (expected_parameter_key/value instead of a lock)."""
import pytest
from hive_metastore import ttypes as tt


def test_expected_parameter_guards_metadata_location(hms):
    hms.create_database(tt.Database(name="ice"))
    sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "bigint", None)], serdeInfo=tt.SerDeInfo(parameters={}))
    hms.create_table(tt.Table(tableName="t", dbName="ice", sd=sd, partitionKeys=[], tableType="EXTERNAL_TABLE",
                              parameters={"EXTERNAL": "TRUE", "table_type": "ICEBERG", "metadata_location": "m1"}))

    def commit(expected, new):
        t = hms.get_table("ice", "t")
        t.parameters["previous_metadata_location"] = t.parameters["metadata_location"]
        t.parameters["metadata_location"] = new
        ctx = tt.EnvironmentContext(properties={"expected_parameter_key": "metadata_location",
                                                "expected_parameter_value": expected,
                                                "DO_NOT_UPDATE_STATS": "true"})
        hms.alter_table_with_environment_context("ice", "t", t, ctx)

    commit("m1", "m2")
    assert hms.get_table("ice", "t").parameters["metadata_location"] == "m2"
    with pytest.raises(tt.MetaException) as e:
        commit("m1", "m3")  # a stale writer loses cleanly
    assert "has been modified" in e.value.message
    params = hms.get_table("ice", "t").parameters
    assert params["metadata_location"] == "m2" and params["previous_metadata_location"] == "m1"
