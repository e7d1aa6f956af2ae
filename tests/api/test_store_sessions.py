"""Store plumbing that only shows on a real backend: prepared statements on PostgreSQL's read
pool, reads without a transaction, and planner statistics after bulk partition writes."""
import time

import pytest
from hive_metastore import ttypes as tt

from metastore.app import build_services
from metastore.store.session import PreparedStatement


def _catalog(services, parts: int):
    h = services.handler()
    h.create_database(tt.Database(name="s"))
    sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "int", None)], serdeInfo=tt.SerDeInfo(parameters={}))
    h.create_table(tt.Table(tableName="t", dbName="s", sd=sd, parameters={},
                            partitionKeys=[tt.FieldSchema("d", "string", None)]))
    h.add_partitions([tt.Partition(values=[f"{i:05d}"], dbName="s", tableName="t", sd=sd, parameters={})
                      for i in range(parts)])
    return h


def test_hot_reads_are_prepared_once_per_connection_on_postgres(db_url, warehouse):
    services = build_services(db_url, warehouse)
    try:
        h = _catalog(services, 3)
        for _ in range(3):
            assert h.get_table("s", "t").tableName == "t"
            assert "s" in h.get_all_databases()
            assert h.get_all_tables("s") == ["t"]
        tx = services.catalog.store.tx
        if tx.dialect != "postgresql":
            return
        with tx.read_one() as conn:
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM pg_prepared_statements")}
            assert any(n.startswith("lakeglue_q") for n in names), names
        # a missing object is still reported as missing through the prepared path
        with pytest.raises(tt.NoSuchObjectException):
            h.get_table("s", "nope")
        with pytest.raises(tt.NoSuchObjectException):
            h.get_table("nope", "t")
    finally:
        services.close()


def test_prepared_select_matches_a_plain_execute(db_url, warehouse):
    from sqlalchemy import bindparam, literal, select

    from metastore.store.tables import databases as D

    services = build_services(db_url, warehouse)
    try:
        _catalog(services, 1)
        stmt = select(D.c.name, literal(7).label("seven")).where(D.c.name == bindparam("n")).order_by(D.c.name)
        prepared = PreparedStatement(stmt)
        tx = services.catalog.store.tx
        for _ in range(2):  # first call prepares, second executes the prepared statement
            with tx.read_one() as conn:
                got = [tuple(r) for r in prepared.execute(conn, {"n": "s"})]
                assert got == [tuple(r) for r in conn.execute(stmt, {"n": "s"})] == [("s", 7)]
        with tx.write() as conn:  # inside a write transaction too
            assert [tuple(r) for r in prepared.execute(conn, {"n": "s"})] == [("s", 7)]
    finally:
        services.close()


def test_planner_statistics_refresh_after_bulk_partition_writes(db_url, warehouse):
    services = build_services(db_url, warehouse)
    try:
        h = _catalog(services, 1500)
        stats = services.catalog.store._planner_stats
        if services.catalog.store.tx.dialect != "postgresql":
            assert stats is None
            return
        deadline = time.monotonic() + 30
        while stats.analyzed < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stats.analyzed >= 1
        with services.catalog.store.tx.read_one() as conn:
            reltuples = conn.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE relname = 'lg_partitions'").scalar()
        assert reltuples >= 1500
        got = h.get_partitions_by_filter("s", "t", "d >= '00010' and d < '00025'", -1)
        assert [p.values[0] for p in got] == [f"{i:05d}" for i in range(10, 25)]
    finally:
        services.close()


def test_servers_storing_the_same_new_storage_template_at_once(db_url, warehouse):
    """Tables and partitions share deduplicated storage templates. Servers that store the
    same new template at the same time must all succeed (the losers wait for the winner's row;
    this failed with 'duplicate key … lg_storage_templates_digest_key' on PostgreSQL)."""
    import threading

    services = [build_services(db_url, warehouse) for _ in range(2)]
    try:
        handlers = [s.handler() for s in services]
        handlers[0].create_database(tt.Database(name="tpl"))
        key = [tt.FieldSchema("d", "string", None)]
        base_sd = tt.StorageDescriptor(cols=[tt.FieldSchema("id", "int", None)], serdeInfo=tt.SerDeInfo(parameters={}))
        for k in range(4):
            handlers[0].create_table(tt.Table(tableName=f"t{k}", dbName="tpl", sd=base_sd, parameters={},
                                              partitionKeys=key))
        errors = []
        for round_ in range(8):
            # partitions whose storage differs from their table's: a template nobody stored yet
            sd = tt.StorageDescriptor(cols=[tt.FieldSchema(f"c{round_}", "int", None)],
                                      serdeInfo=tt.SerDeInfo(parameters={}))
            start = threading.Barrier(4)

            def add(k, sd=sd, start=start, round_=round_):
                h = handlers[k % 2]
                start.wait()
                try:
                    h.add_partitions([tt.Partition(values=[f"{round_}-{i}"], dbName="tpl", tableName=f"t{k}", sd=sd,
                                                   parameters={}) for i in range(3)])
                except Exception as e:  # noqa: BLE001 - collected
                    errors.append(e)

            threads = [threading.Thread(target=add, args=(k,)) for k in range(4)]
            [t.start() for t in threads]
            [t.join(60) for t in threads]
        assert errors == []
        assert all(len(handlers[1].get_partition_names("tpl", f"t{k}", -1)) == 24 for k in range(4))
    finally:
        for s in services:
            s.close()


def _open_transaction(conn) -> bool:
    """Whether the server holds a transaction open on this connection (PostgreSQL only)."""
    return conn.connection.dbapi_connection.info.transaction_status != 0


@pytest.mark.parametrize("first", ["plain", "prepared", "many"])
def test_a_write_is_one_transaction_from_its_first_statement(db_url, warehouse, first):
    """On PostgreSQL a write sends BEGIN with its first statement (plain, prepared or many-row):
    that statement is still inside the transaction, so an error later in the block undoes it,
    and the connection goes back to the pool with no transaction left open."""
    from sqlalchemy import func, insert, select

    from metastore.store.sql import _DB_VERSION
    from metastore.store.tables import databases as D

    services = build_services(db_url, warehouse)
    try:
        _catalog(services, 1)
        tx = services.catalog.store.tx
        count = select(func.count()).select_from(D)
        with tx.read_one() as conn:
            before = conn.scalar(count)
        row = dict(catalog="hive", name="added", description="", location="", parameters="{}",
                   owner_name="", owner_type="USER", create_time=0, tables_version=1)
        with pytest.raises(RuntimeError, match="later step failed"):
            with tx.write() as conn:
                if first == "prepared":
                    assert _DB_VERSION.execute(conn, {"cat": "hive", "db": "s"}).first() is not None
                    conn.execute(insert(D), row)
                elif first == "many":
                    conn.execute(insert(D), [row, dict(row, name="added2")])
                else:
                    conn.execute(insert(D), row)
                if tx.dialect == "postgresql":
                    assert _open_transaction(conn)
                raise RuntimeError("later step failed")
        with tx.read_one() as conn:
            assert conn.scalar(count) == before
        with tx.write() as conn:  # and a write that ends well is committed
            conn.execute(insert(D), row)
        with tx.read_one() as conn:
            assert conn.scalar(count) == before + 1
            if tx.dialect == "postgresql":
                assert not _open_transaction(conn)
    finally:
        services.close()


def test_a_failed_statement_leaves_no_transaction_open_on_the_pooled_connection(db_url, warehouse):
    from metastore.errors import StoreError

    services = build_services(db_url, warehouse)
    try:
        _catalog(services, 1)
        tx = services.catalog.store.tx
        for _ in range(3):  # more times than... every pooled connection gets reused here
            with pytest.raises(StoreError):
                with tx.write() as conn:
                    conn.exec_driver_sql("SELECT no_such_column FROM lg_databases")
        with tx.write() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM lg_databases").scalar() >= 1
        if tx.dialect == "postgresql":
            with tx.read_one() as conn:
                assert not _open_transaction(conn)
        assert services.handler().get_table("s", "t").tableName == "t"
    finally:
        services.close()


def test_deferred_writes_are_seen_by_later_statements_and_committed(db_url, warehouse):
    """A deferred write (PostgreSQL: sent with the next statement or the COMMIT) is visible to
    later statements of its transaction, is committed with it, and keeps its parameters
    intact — a '%' in a value included (the SQL is interpolated before it is prefixed)."""
    from sqlalchemy import bindparam, insert, select, update

    from metastore.store.tables import databases as D

    services = build_services(db_url, warehouse)
    try:
        _catalog(services, 1)
        tx = services.catalog.store.tx
        rename = PreparedStatement(update(D).where(D.c.name == bindparam("old")).values(description=bindparam("d")))
        row = dict(catalog="hive", name="x", description="", location="", parameters="{}",
                   owner_name="", owner_type="USER", create_time=0, tables_version=1)
        with tx.write() as conn:
            conn.execute(insert(D), row)
            rename.execute(conn, {"old": "x", "d": "100% of %(d)s"}, defer=True)
            seen = conn.scalar(select(D.c.description).where(D.c.name == "x"))
            assert seen == "100% of %(d)s"
            rename.execute(conn, {"old": "x", "d": "50%s"}, defer=True)  # last: goes with the COMMIT
        with tx.read_one() as conn:
            assert conn.scalar(select(D.c.description).where(D.c.name == "x")) == "50%s"
    finally:
        services.close()


def test_a_deferred_write_that_fails_fails_the_whole_transaction(db_url, warehouse):
    from sqlalchemy import bindparam, func, insert, select

    from metastore.errors import AlreadyExists
    from metastore.store.tables import databases as D

    services = build_services(db_url, warehouse)
    try:
        _catalog(services, 1)
        tx = services.catalog.store.tx
        add = PreparedStatement(insert(D).values({c: bindparam(c) for c in (
            "catalog", "name", "description", "location", "parameters", "owner_name", "owner_type",
            "create_time", "tables_version")}))
        row = dict(catalog="hive", name="y", description="", location="", parameters="{}",
                   owner_name="", owner_type="USER", create_time=0, tables_version=1)
        count = select(func.count()).select_from(D)
        with tx.read_one() as conn:
            before = conn.scalar(count)
        with pytest.raises(AlreadyExists):
            with tx.write() as conn:
                conn.execute(insert(D), dict(row, name="z"))
                add.execute(conn, row, defer=True)
                add.execute(conn, row, defer=True)  # the same name again: fails at the COMMIT
        with tx.read_one() as conn:
            assert conn.scalar(count) == before  # "z" and the first "y" rolled back too
            if tx.dialect == "postgresql":
                assert not _open_transaction(conn)
        with tx.write() as conn:
            add.execute(conn, row, defer=True)
        with tx.read_one() as conn:
            assert conn.scalar(count) == before + 1
    finally:
        services.close()


@pytest.fixture
def partition_selects():
    """The SELECTs on lg_partitions sent meanwhile (by any engine: PostgreSQL reads have their
    own pool): 'ids' (id-only) or 'rows'."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen = []

    def record(conn, cursor, statement, params, context, executemany):
        head = statement.split(" FROM ", 1)[0]
        if statement.lstrip().upper().startswith("SELECT") and "lg_partitions" in statement:
            seen.append("rows" if "vals" in head else "ids")

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def test_a_table_decoded_whole_answers_filters_from_ids_others_with_one_query(db_url, warehouse, partition_selects):
    """After a whole listing, a filter fetches ids and takes the partitions from memory; a
    table only ever read a window at a time gets one whole-row query per new filter (an id
    query first would come back with mostly misses)."""
    services = build_services(db_url, warehouse)
    try:
        h = _catalog(services, 40)
        seen = partition_selects
        seen.clear()
        window = h.get_partitions_by_filter("s", "t", "d >= '00010' and d < '00020'", -1)
        assert [p.values[0] for p in window] == [f"{i:05d}" for i in range(10, 20)]
        other = h.get_partitions_by_filter("s", "t", "d >= '00015' and d < '00025'", -1)
        assert [p.values[0] for p in other] == [f"{i:05d}" for i in range(15, 25)]
        assert seen == ["rows", "rows"]

        every = h.get_partitions("s", "t", -1)
        assert len(every) == 40
        seen.clear()
        again = h.get_partitions_by_filter("s", "t", "d >= '00030'", -1)
        assert [p.values[0] for p in again] == [f"{i:05d}" for i in range(30, 40)]
        assert seen == ["ids"]
        assert again == every[30:]

        h.add_partitions([tt.Partition(values=["00099"], dbName="s", tableName="t", sd=every[0].sd, parameters={})])
        seen.clear()  # a new version: whole rows again
        assert [p.values[0] for p in h.get_partitions_by_filter("s", "t", "d > '00038'", -1)] == ["00039", "00099"]
        assert seen == ["rows"]
    finally:
        services.close()
