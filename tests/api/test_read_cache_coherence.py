"""Decoded-object caches must never serve stale data when another server process (here:
another store on the same database) commits a change."""
from hive_metastore import ttypes as tt

from metastore.app import build_services


def test_get_table_sees_writes_from_another_server(db_url, warehouse):
    a, b = build_services(db_url, warehouse), build_services(db_url, warehouse)
    ha, hb = a.handler(), b.handler()
    try:
        ha.create_database(tt.Database(name="cache"))
        sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "int", None)], serdeInfo=tt.SerDeInfo(parameters={}))
        ha.create_table(tt.Table(tableName="t", dbName="cache", sd=sd, partitionKeys=[], parameters={"v": "1"}))
        for round_ in range(2, 6):
            assert ha.get_table("cache", "t").parameters["v"] == str(round_ - 1)  # warm A's cache
            t = hb.get_table("cache", "t")
            t.parameters["v"] = str(round_)
            hb.alter_table("cache", "t", t)
            assert ha.get_table("cache", "t").parameters["v"] == str(round_)
        # drop and re-create under the same name: A must see the new table, not the old one
        hb.drop_table("cache", "t", True)
        hb.create_table(tt.Table(tableName="t", dbName="cache", sd=sd, partitionKeys=[], parameters={"v": "new"}))
        assert ha.get_table("cache", "t").parameters["v"] == "new"
    finally:
        a.close()
        b.close()
