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


def _over_the_wire(method: str, value):
    """What a client decodes from `value` as the reply of `method` (the server's encoder)."""
    from hive_metastore import ThriftHiveMetastore as T
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TTransport

    from metastore.thrift.wire import encode

    cls = getattr(T, method + "_result")
    data = encode(cls(success=value), [cls, cls.thrift_spec])
    out = cls()
    out.read(TBinaryProtocol.TBinaryProtocolAccelerated(TTransport.TMemoryBuffer(data)))
    return out.success


def test_partition_lists_see_writes_from_another_server(db_url, warehouse):
    """Partition models are memoised by row content and their encodings by model: a change
    committed by another server must show in the next listing, in Python and on the wire."""
    a, b = build_services(db_url, warehouse), build_services(db_url, warehouse)
    ha, hb = a.handler(), b.handler()
    try:
        ha.create_database(tt.Database(name="pcache"))
        sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "int", None)], serdeInfo=tt.SerDeInfo(parameters={}))
        ha.create_table(tt.Table(tableName="t", dbName="pcache", sd=sd, parameters={},
                                 partitionKeys=[tt.FieldSchema("d", "string", None)]))
        hb.add_partitions([tt.Partition(values=[str(i)], dbName="pcache", tableName="t", sd=sd, parameters={"v": "0"})
                           for i in range(3)])
        for round_ in range(1, 4):
            before = _over_the_wire("get_partitions", ha.get_partitions("pcache", "t", -1))  # warm A
            assert [p.parameters["v"] for p in before] == [str(round_ - 1)] * 3
            for _ in range(2):  # the second read of one version fetches ids only, the memo the rest
                assert [p.parameters["v"] for p in ha.get_partitions_by_filter("pcache", "t", "d >= '0'", -1)] \
                    == [str(round_ - 1)] * 3
                assert ha.get_partition("pcache", "t", ["1"]).parameters["v"] == str(round_ - 1)
            parts = hb.get_partitions("pcache", "t", -1)
            for p in parts:
                p.parameters["v"] = str(round_)
            parts[1].sd.location = parts[1].sd.location + f"_moved{round_}"
            hb.alter_partitions("pcache", "t", parts)
            seen = ha.get_partitions("pcache", "t", -1)
            wire = _over_the_wire("get_partitions", ha.get_partitions("pcache", "t", -1))
            for got in (seen, wire):
                assert [p.parameters["v"] for p in got] == [str(round_)] * 3
                assert got[1].sd.location.endswith(f"_moved{round_}")
            by_name = _over_the_wire("get_partitions_by_names",
                                     ha.get_partitions_by_names("pcache", "t", ["d=1"]))
            assert by_name[0].sd.location.endswith(f"_moved{round_}")
            filtered = _over_the_wire("get_partitions_by_filter",
                                      ha.get_partitions_by_filter("pcache", "t", "d >= '1'", -1))
            assert [p.parameters["v"] for p in filtered] == [str(round_)] * 2
            assert filtered[0].sd.location.endswith(f"_moved{round_}")
            assert ha.get_partition("pcache", "t", ["1"]).sd.location.endswith(f"_moved{round_}")
        # dropped and re-added under the same name with other content
        hb.drop_partition("pcache", "t", ["0"], True)
        hb.add_partition(tt.Partition(values=["0"], dbName="pcache", tableName="t", sd=sd, parameters={"v": "new"}))
        assert ha.get_partitions_by_filter("pcache", "t", "d = '0'", -1)[0].parameters["v"] == "new"
        assert _over_the_wire("get_partitions", ha.get_partitions("pcache", "t", -1))[0].parameters["v"] == "new"
    finally:
        a.close()
        b.close()


def test_listings_see_writes_from_another_server(db_url, warehouse):
    """Table and partition listings are kept under version counters bumped in the writing
    transaction: every kind of change made through server B shows at once through A."""
    a, b = build_services(db_url, warehouse), build_services(db_url, warehouse)
    ha, hb = a.handler(), b.handler()
    try:
        ha.create_database(tt.Database(name="lcache"))
        ha.create_database(tt.Database(name="lother"))
        sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "int", None)], serdeInfo=tt.SerDeInfo(parameters={}))

        def table(name, db="lcache"):
            return tt.Table(tableName=name, dbName=db, sd=sd, parameters={},
                            partitionKeys=[tt.FieldSchema("d", "string", None)])

        def part(v):
            return tt.Partition(values=[v], dbName="lcache", tableName="t", sd=sd, parameters={})

        assert ha.get_all_tables("lcache") == []
        hb.create_table(table("t"))
        assert ha.get_all_tables("lcache") == ["t"]
        hb.create_table(table("u"))
        assert ha.get_all_tables("lcache") == ["t", "u"]
        hb.alter_table("lcache", "u", table("v"))  # rename
        assert ha.get_all_tables("lcache") == ["t", "v"]
        hb.alter_table("lcache", "v", table("v", db="lother"))  # move to another database
        assert ha.get_all_tables("lcache") == ["t"] and ha.get_all_tables("lother") == ["v"]
        hb.drop_table("lother", "v", True)
        assert ha.get_all_tables("lother") == []

        names = lambda: ha.get_partition_names("lcache", "t", -1)  # noqa: E731
        values = lambda: [p.values[0] for p in ha.get_partitions("lcache", "t", -1)]  # noqa: E731
        assert names() == [] and values() == []
        hb.add_partitions([part("1"), part("2")])
        assert names() == ["d=1", "d=2"] and values() == ["1", "2"]
        hb.add_partition(part("3"))
        assert names() == ["d=1", "d=2", "d=3"]
        p3 = hb.get_partition("lcache", "t", ["3"])
        hb.rename_partition("lcache", "t", ["3"], tt.Partition(values=["4"], sd=p3.sd, parameters={}))
        assert names() == ["d=1", "d=2", "d=4"] and values() == ["1", "2", "4"]
        assert [p.values for p in ha.get_partitions_by_names("lcache", "t", ["d=4", "d=3"])] == [["4"]]
        hb.drop_partition("lcache", "t", ["1"], True)
        assert names() == ["d=2", "d=4"] and values() == ["2", "4"]
        p2 = hb.get_partition("lcache", "t", ["2"])
        p2.parameters = {"changed": "yes"}
        hb.alter_partition("lcache", "t", p2)
        assert ha.get_partitions("lcache", "t", -1)[0].parameters.get("changed") == "yes"
        # drop and re-create the table under the same name: a new listing
        hb.drop_table("lcache", "t", True)
        hb.create_table(table("t"))
        assert names() == [] and values() == []
        hb.add_partitions([part("9")])
        assert names() == ["d=9"]
    finally:
        a.close()
        b.close()
