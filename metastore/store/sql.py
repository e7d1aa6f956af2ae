"""The SQLAlchemy store: SQLite (embedded default) and PostgreSQL."""
from __future__ import annotations

import collections
import time
from dataclasses import replace
from typing import Dict, List, Optional, Sequence

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..gcpause import gc_paused
from ..errors import AlreadyExists, Conflict, InvalidInput, InvalidObject, InvalidOperation, NotFound
from ..model import Database, Function, Partition, Table, TableMeta, make_partition_name
from . import mapping as m
from .base import DroppedDatabase, DroppedTable, PartitionQuery, Store
from ..memo import BoundedMemo
from .filter_sql import FilterCompiler
from . import sql_events as ev
from .planner_stats import PlannerStats
from .session import PreparedStatement, Transactions
from .tables import databases as D, functions as F, partition_values as PV, partitions as P
from .tables import partition_column_stats as PCS, storage_templates as ST, table_column_stats as TCS
from .tables import tables as T

_CHUNK = 500
# Partition names per query in get_partitions_by_names: one query (and no re-sort) for the
# request sizes clients send; both SQLite (>= 3.32) and PostgreSQL take this many parameters.
_NAMES_PER_QUERY = 5000
CATALOG = "hive"


def _dialect_insert(conn):
    """The INSERT construct with ON CONFLICT support for the connection's database."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert


def _chunks(items, size=_CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


#: rows from which decoding pauses the garbage collector
_MANY = 1000
#: parameters per statement of _insert_values (SQLite >= 3.32 takes 32,766; PostgreSQL 65,535)
_MAX_PARAMS = 30_000


def _insert_values(conn, table, columns: Sequence[str], rows: Sequence[tuple],
                   returning: Sequence[str] = (), skip_conflicts_on: Sequence[str] = ()) -> list:
    """Insert `rows` (tuples in `columns` order) with multi-row INSERT … VALUES statements
    sent with positional parameters as they are, and the rows of `returning` (in no particular
    order). For bulk writes: SQLAlchemy's executemany processes every row's parameters
    through the compiled statement, which costs more here than the insert itself.
    `skip_conflicts_on`: the columns of a unique constraint; a row that would violate it is
    skipped (and not returned) instead of failing the statement."""
    if not rows:
        return []
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES "
    tail = (f" ON CONFLICT ({', '.join(quote(c) for c in skip_conflicts_on)}) DO NOTHING"
            if skip_conflicts_on else "")
    tail += f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""
    per = max(1, min(1000, _MAX_PARAMS // len(columns)))
    out: list = []
    for lo in range(0, len(rows), per):
        chunk = rows[lo : lo + per]
        result = conn.exec_driver_sql(head + ", ".join([one] * len(chunk)) + tail,
                                      tuple(v for row in chunk for v in row))
        if returning:
            out.extend(result.fetchall())
    return out


# Hot statements are built once; SQLAlchemy caches their compiled form.
_DB_ID = PreparedStatement(select(D.c.id).where(D.c.catalog == bindparam("cat"), D.c.name == bindparam("db")))
_TABLE_BY_NAME = PreparedStatement(
    select(T).select_from(T.join(D, T.c.db_id == D.c.id))
    .where(D.c.catalog == bindparam("cat"), D.c.name == bindparam("db"), T.c.name == bindparam("tbl"))
)
#: the table row and whether it has partitions, in one round trip: most dropped tables have none
_TABLE_TO_DROP = PreparedStatement(
    select(T, select(P.c.id).where(P.c.table_id == T.c.id).exists().label("has_partitions"))
    .select_from(T.join(D, T.c.db_id == D.c.id))
    .where(D.c.catalog == bindparam("cat"), D.c.name == bindparam("db"), T.c.name == bindparam("tbl"))
)
_DATABASE_NAMES = PreparedStatement(select(D.c.name).where(D.c.catalog == bindparam("cat")).order_by(D.c.name))
_UPDATE_PARTITION = update(P).where(P.c.id == bindparam("b_id")).values(
    location=bindparam("b_location"), template_id=bindparam("b_template_id"),
    parameters=bindparam("b_parameters"), last_access_time=bindparam("b_last_access_time"))
_DB_VERSION = PreparedStatement(select(D.c.id, D.c.tables_version).where(
    D.c.catalog == bindparam("cat"), D.c.name == bindparam("db")))


_PV_ALIASES: List = []


def _pv_alias(idx: int):
    """The alias of partition_values for key `idx` (built once: statements that reuse them
    also reuse SQLAlchemy's compiled-statement cache cheaply)."""
    while len(_PV_ALIASES) <= idx:
        _PV_ALIASES.append(PV.alias(f"pv{len(_PV_ALIASES)}"))
    return _PV_ALIASES[idx]


def _fresh_version() -> int:
    """A new object's first listing version: the clock in µs, so that a table or database
    dropped and re-created under the same id never starts where the old one left off."""
    return time.time_ns() // 1000


_BUMP_TABLES = PreparedStatement(
    update(D).where(D.c.id == bindparam("b_id")).values(tables_version=D.c.tables_version + 1))
_BUMP_PARTITIONS = PreparedStatement(update(T).where(T.c.id == bindparam("b_id")).values(
    partitions_version=T.c.partitions_version + 1))
_DELETE_TABLE = PreparedStatement(delete(T).where(T.c.id == bindparam("t_id")))


def _bump_tables(conn, db_id: int) -> None:
    _BUMP_TABLES.execute(conn, {"b_id": db_id}, defer=True)


def _bump_partitions(conn, table_id: int) -> None:
    _BUMP_PARTITIONS.execute(conn, {"b_id": table_id}, defer=True)


# Memory: the memos below hold at most ~30k partition models per server process (~1.5 kB each
# decoded), listings at most 40k names/entries in all; measured flat by `lakeglue bench --soak`.
#: listing entries kept, in all; a listing longer than LISTING_MAX_ITEMS is not kept
LISTING_MEMO_ITEMS = 40_000
LISTING_MAX_ITEMS = 20_000

#: decoded partitions kept (a 1% slice of a 1M-partition table is 10k)
PARTITION_MEMO_SIZE = 24_000


def _tuples(conn, query) -> list:
    """All rows of `query` as the driver's plain tuples: for the big partition reads, where
    SQLAlchemy's Row objects cost as much as the query (10k rows: ~13 ms)."""
    result = conn.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


#: what a partition model is decoded from (after its id), in m.partition_from_row's names
_PARTITION_COLUMNS = (P.c.vals, P.c.location, P.c.parameters, P.c.create_time, P.c.last_access_time,
                      P.c.template_id)
#: the columns add_partitions writes, in its rows' order
_PARTITION_INSERT = ("table_id", "name", "vals", "location", "template_id", "parameters", "create_time",
                     "last_access_time")
_PV_INSERT = ("partition_id", "idx", "table_id", "value", "num_value")
_PartitionRow = collections.namedtuple("_PartitionRow", [c.name for c in _PARTITION_COLUMNS])


class SqlStore(Store):
    def __init__(self, engine: Engine):
        self.engine = engine
        self.tx = Transactions(engine)
        # Storage templates are content-addressed and never change, so their decoded form can
        # be cached for the life of the process, whatever other servers write.
        self._templates: Dict[int, object] = {}
        # Decoded models under their row's FULL content (never just an id or a version):
        # any committed change, by this process or another, is a different key, so entries
        # cannot go stale. Decoding is most of a read's cost in Python.
        self._decoded_tables: BoundedMemo[Table] = BoundedMemo(4096)
        self._rows_of_tables: BoundedMemo[tuple] = BoundedMemo(4096)
        self._decoded_partitions: BoundedMemo[Partition] = BoundedMemo(PARTITION_MEMO_SIZE)
        # (table id, create time) -> the partitions_version at which all the table's
        # partitions were last decoded into the memo by one listing
        self._whole_versions: BoundedMemo[int] = BoundedMemo(10_000)
        # Listings under the version counter read with them (see migration 0004): table names
        # of a database, partition names and partitions of a table.
        self._listings: BoundedMemo[tuple] = BoundedMemo(LISTING_MEMO_ITEMS, weigh=len)
        self._planner_stats = PlannerStats(engine) if engine.dialect.name == "postgresql" else None

    def close(self) -> None:
        self.engine.dispose()

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _db_id(conn: Connection, name: str) -> int:
        row = _DB_ID.execute(conn, {"cat": CATALOG, "db": name}).first()
        if row is None:
            raise NotFound(f"There is no database named {name}")
        return row.id

    def _table_row(self, conn: Connection, db_name: str, name: str, query: PreparedStatement = _TABLE_BY_NAME):
        row = query.execute(conn, {"cat": CATALOG, "db": db_name, "tbl": name}).first()
        if row is None:
            # Hive says "<db>.<table> table not found" whether or not the database exists
            # (clients match on it); name a missing database as well.
            try:
                self._db_id(conn, db_name)
            except NotFound as e:
                raise NotFound(f"{db_name}.{name} table not found ({e.message})") from None
            raise NotFound(f"{db_name}.{name} table not found")
        return row

    @staticmethod
    def _template_id(conn: Connection, cache: Dict[object, int], sd) -> int:
        # Within one call (whose models hold what is keyed by identity here): descriptors of
        # one shape (StorageDescriptor.at), or that share their column objects and have equal
        # scalars, are one template: skip the JSON.
        shape = ("shape", id(sd.shape))
        tid = cache.get(shape)
        if tid is not None:
            return tid
        quick = (id(sd.columns), sd.serde.serialization_lib, tuple(sorted(sd.serde.parameters.items())),
                 sd.serde.name, sd.input_format, sd.output_format, sd.compressed, sd.num_buckets,
                 sd.bucket_columns, sd.sort_columns, tuple(sorted(sd.parameters.items())),
                 repr(sd.skewed), sd.stored_as_sub_directories, sd.serde.description,
                 sd.serde.serializer_class, sd.serde.deserializer_class, sd.serde.serde_type)
        tid = cache.get(quick)
        if tid is not None:
            cache[shape] = tid
            return tid
        digest, body = m.sd_template(sd)
        tid = cache.get(digest)
        if tid is not None:
            cache[quick] = cache[shape] = tid
            return tid
        row = conn.execute(select(ST.c.id).where(ST.c.digest == digest)).first()
        if row is None:
            # Another server may be inserting the same template right now: ON CONFLICT DO
            # NOTHING waits for its transaction, and the row it committed is read next.
            new = _dialect_insert(conn)(ST).values(digest=digest, body=body)
            row = conn.execute(new.on_conflict_do_nothing(index_elements=[ST.c.digest]).returning(ST.c.id)).first()
            if row is None:
                row = conn.execute(select(ST.c.id).where(ST.c.digest == digest)).one()
        tid = row.id
        cache[digest] = cache[quick] = cache[shape] = tid
        return tid

    # --- databases -------------------------------------------------------------------------
    def create_database(self, db: Database) -> None:
        with self.tx.write() as conn:
            exists = conn.execute(select(D.c.id).where(D.c.catalog == CATALOG, D.c.name == db.name)).first()
            if exists:
                raise AlreadyExists(f"Database {db.name} already exists")
            conn.execute(insert(D).values(tables_version=_fresh_version(), **m.database_values(db)))
            ev.append(conn, "CREATE_DATABASE", db.name, None, {"database": _db_payload(db)})

    def get_database(self, name: str) -> Database:
        with self.tx.read() as conn:
            row = conn.execute(select(D).where(D.c.catalog == CATALOG, D.c.name == name)).first()
        if row is None:
            raise NotFound(f"There is no database named {name}")
        return m.database_from_row(row)

    def list_database_names(self) -> List[str]:
        with self.tx.read_one() as conn:
            return _DATABASE_NAMES.execute(conn, {"cat": CATALOG}).scalars().all()

    def alter_database(self, name: str, db: Database) -> None:
        with self.tx.write() as conn:
            db_id = self._db_id(conn, name)
            values = m.database_values(db)
            values.pop("name"), values.pop("catalog"), values.pop("create_time")
            conn.execute(update(D).where(D.c.id == db_id).values(**values))
            ev.append(conn, "ALTER_DATABASE", name, None, {"database": _db_payload(db)})

    def drop_database(self, name: str, cascade: bool) -> DroppedDatabase:
        with self.tx.write() as conn:
            row = conn.execute(select(D).where(D.c.catalog == CATALOG, D.c.name == name)).first()
            if row is None:
                raise NotFound(f"There is no database named {name}")
            table_names = conn.scalars(select(T.c.name).where(T.c.db_id == row.id).order_by(T.c.name)).all()
            if table_names and not cascade:
                raise InvalidOperation(f"Database {name} is not empty. One or more tables exist.")
            has_functions = conn.execute(select(F.c.id).where(F.c.db_id == row.id).limit(1)).first()
            if has_functions and not cascade:
                raise InvalidOperation(f"Database {name} is not empty. One or more functions exist.")
            # the database row goes too: no per-table bump of its listing version (updating one
            # row thousands of times in a transaction is quadratic on PostgreSQL)
            dropped = tuple(self._drop_table(conn, name, t, bump=False) for t in table_names)
            conn.execute(delete(F).where(F.c.db_id == row.id))
            conn.execute(delete(D).where(D.c.id == row.id))
            ev.append(conn, "DROP_DATABASE", name, None, {"database": _db_payload(m.database_from_row(row))})
            return DroppedDatabase(m.database_from_row(row), dropped)

    # --- tables ----------------------------------------------------------------------------
    def create_table(self, table: Table) -> None:
        with self.tx.write() as conn:
            db_id = self._db_id(conn, table.db_name)
            exists = conn.execute(select(T.c.id).where(T.c.db_id == db_id, T.c.name == table.name)).first()
            if exists:
                raise AlreadyExists(f"Table {table.db_name}.{table.name} already exists")
            conn.execute(insert(T).values(db_id=db_id, version=1, partitions_version=_fresh_version(),
                                          **m.table_values(table)))
            _bump_tables(conn, db_id)
            ev.append(conn, "CREATE_TABLE", table.db_name, table.name, {"table": _table_payload(table)})

    def get_table(self, db_name: str, name: str) -> Table:
        with self.tx.read_one() as conn:
            row = self._table_row(conn, db_name, name)
        key = (db_name, tuple(row))
        table = self._decoded_tables.get(key)
        if table is None:
            table = self._decoded_tables.put(key, m.table_from_row(row, db_name, CATALOG))
            self._rows_of_tables.put(id(table), (table, row))
        return table

    def _row_of(self, table: Optional[Table]):
        """The row `table` was decoded from, if it came from get_table: a decoded table is
        kept per row content, so that is the row as of the caller's get_table."""
        entry = self._rows_of_tables.get(id(table)) if table is not None else None
        return entry[1] if entry is not None and entry[0] is table else None

    def get_tables(self, db_name: str, names: Sequence[str]) -> List[Table]:
        out: List[Table] = []
        with self.tx.read() as conn:
            db_id = self._db_id(conn, db_name)
            for chunk in _chunks(dict.fromkeys(names)):
                rows = conn.execute(select(T).where(T.c.db_id == db_id, T.c.name.in_(chunk)).order_by(T.c.name))
                out.extend(m.table_from_row(r, db_name, CATALOG) for r in rows)
        return out

    def list_table_names(self, db_name: str, table_type: Optional[str] = None) -> List[str]:
        with self.tx.read() as conn:
            row = _DB_VERSION.execute(conn, {"cat": CATALOG, "db": db_name}).first()
            if row is None:
                raise NotFound(f"There is no database named {db_name}")
            key = ("tables", row.id, row.tables_version, table_type)
            names = self._listings.get(key)
            if names is None:
                q = select(T.c.name).where(T.c.db_id == row.id).order_by(T.c.name)
                if table_type:
                    q = q.where(T.c.table_type == table_type)
                names = self._listings.put(key, tuple(conn.scalars(q).all()))
            return list(names)

    def list_table_meta(self) -> List[TableMeta]:
        with self.tx.read() as conn:
            rows = conn.execute(
                select(D.c.name.label("db"), T.c.name, T.c.table_type, T.c.parameters)
                .select_from(T.join(D, T.c.db_id == D.c.id))
                .where(D.c.catalog == CATALOG).order_by(D.c.name, T.c.name)
            )
            return [
                TableMeta(r.db, r.name, r.table_type, m.load_map(r.parameters).get("comment"))
                for r in rows
            ]

    def alter_table(self, db_name, name, table, *, cascade=False, location_move=None, expected_parameter=None) -> Table:
        with self.tx.write() as conn:
            row = self._table_row(conn, db_name, name)
            if expected_parameter is not None:
                key, expected = expected_parameter
                current = m.load_map(row.parameters).get(key)
                if current != expected:
                    raise Conflict(
                        f"The table has been modified. The parameter value for key '{key}' is "
                        f"'{current}'. The expected was value was '{expected}'"
                    )
            new_db_id = row.db_id
            if (table.db_name, table.name) != (db_name, name):
                new_db_id = self._db_id(conn, table.db_name)
                clash = conn.execute(
                    select(T.c.id).where(T.c.db_id == new_db_id, T.c.name == table.name)
                ).first()
                if clash:
                    raise AlreadyExists(f"Table {table.db_name}.{table.name} already exists")
            values = m.table_values(table)
            conn.execute(
                update(T).where(T.c.id == row.id)
                .values(db_id=new_db_id, version=row.version + 1, **values)
            )
            if (table.db_name, table.name, table.table_type) != (db_name, name, row.table_type):
                _bump_tables(conn, row.db_id)
                if new_db_id != row.db_id:
                    _bump_tables(conn, new_db_id)
            if cascade or location_move:
                self._rewrite_partitions(conn, row.id, table, cascade, location_move)
            # Statistics of columns the table no longer has are meaningless: drop them.
            keep = [c.name for c in table.sd.columns] + [k.name for k in table.partition_keys]
            conn.execute(delete(TCS).where(TCS.c.table_id == row.id, TCS.c.column_name.not_in(keep)))
            if cascade:
                conn.execute(delete(PCS).where(PCS.c.table_id == row.id, PCS.c.column_name.not_in(keep)))
            stored = m.table_from_row(conn.execute(select(T).where(T.c.id == row.id)).first(), table.db_name, CATALOG)
            ev.append(conn, "ALTER_TABLE", db_name, name, {
                "tableBefore": _table_payload(m.table_from_row(row, db_name, CATALOG)),
                "tableAfter": _table_payload(stored)})
            return stored

    def _rewrite_partitions(self, conn, table_id, table: Table, cascade: bool, location_move):
        rows = conn.execute(
            select(P.c.id, P.c.location, ST.c.body).select_from(P.join(ST, P.c.template_id == ST.c.id))
            .where(P.c.table_id == table_id)
        ).all()
        cache: Dict[str, int] = {}
        changes = []
        for r in rows:
            sd = m.load_sd_template(r.body, r.location)
            template_id, location = None, r.location
            if cascade:
                template_id = self._template_id(conn, cache, replace(sd, columns=table.sd.columns))
            if location_move and r.location and _under(r.location, location_move[0]):
                location = location_move[1] + r.location[len(location_move[0].rstrip("/")):]
            if template_id is not None or location != r.location:
                changes.append(dict(b_id=r.id, b_location=location, b_template_id=template_id))
        if changes:  # one batched statement; a NULL template id keeps the partition's own
            conn.execute(update(P).where(P.c.id == bindparam("b_id")).values(
                location=bindparam("b_location"),
                template_id=func.coalesce(bindparam("b_template_id", type_=P.c.template_id.type), P.c.template_id),
            ), changes)
            _bump_partitions(conn, table_id)

    def drop_table(self, db_name: str, name: str) -> DroppedTable:
        with self.tx.write() as conn:
            return self._drop_table(conn, db_name, name)

    def _drop_table(self, conn, db_name, name, bump: bool = True) -> DroppedTable:
        row = self._table_row(conn, db_name, name, _TABLE_TO_DROP)
        locations: tuple = ()
        if row.has_partitions:
            conn.execute(delete(PV).where(PV.c.table_id == row.id))
            found = conn.scalars(delete(P).where(P.c.table_id == row.id).returning(P.c.location))
            locations = tuple(loc for loc in found if loc)
        _DELETE_TABLE.execute(conn, {"t_id": row.id}, defer=True)
        if bump:
            _bump_tables(conn, row.db_id)
        dropped = m.table_from_row(row, db_name, CATALOG)
        ev.append(conn, "DROP_TABLE", db_name, name, {"table": _table_payload(dropped)})
        return DroppedTable(dropped, locations)

    # --- partitions ------------------------------------------------------------------------
    def add_partitions(self, db_name, table_name, parts, if_not_exists) -> List[Partition]:
        with self.tx.write() as conn:
            trow = self._table_row(conn, db_name, table_name)
            keys = m.load_columns(trow.partition_keys)
            key_names = [k.name for k in keys]
            named = {}
            for p in parts:
                name = make_partition_name(key_names, p.values)
                if name in named:
                    # Hive rejects a repeat even with ifNotExists (MetaException on the wire)
                    raise InvalidInput(f"Duplicate partitions in the list: {db_name}.{table_name}/{name}")
                named[name] = p
            cache: Dict[str, int] = {}
            rows = [(trow.id, name, m.dump_values(p.values), p.sd.location, self._template_id(conn, cache, p.sd),
                     m.dump_map(p.parameters), p.create_time, p.last_access_time) for name, p in named.items()]
            # the partitions that already exist are the rows the insert skips: no query first
            ids = dict(_insert_values(conn, P, _PARTITION_INSERT, rows, returning=("name", "id"),
                                      skip_conflicts_on=("table_id", "name")))
            if len(ids) < len(rows) and not if_not_exists:
                existing = sorted(set(named) - set(ids))
                raise AlreadyExists(f"Partition already exists: {db_name}.{table_name}/{existing[0]}")
            added_names = [name for name in named if name in ids]
            added = [named[name] for name in added_names]
            if added:
                numeric = m.numeric_value
                _insert_values(conn, PV, _PV_INSERT, [
                    (ids[name], idx, trow.id, value, numeric(value))
                    for name in added_names for idx, value in enumerate(named[name].values)])
                _bump_partitions(conn, trow.id)
                ev.append(conn, "ADD_PARTITION", db_name, table_name, {"partitions": added_names})
        if added and self._planner_stats is not None:
            self._planner_stats.changed(len(added))
        return added

    def get_partition(self, db_name, table_name, values) -> Partition:
        with self.tx.read() as conn:
            trow = self._table_row(conn, db_name, table_name)
            keys = [k.name for k in m.load_columns(trow.partition_keys)]
            try:
                name = make_partition_name(keys, values)
            except ValueError as e:
                # a malformed request, not an absent partition (Hive: MetaException)
                raise InvalidInput(f"Invalid partition key & values: {e}") from None
            rows = self._select_partitions(conn, db_name, trow, PartitionQuery(names=[name]))
        if not rows:
            raise NotFound(f"partition values={list(values)}")
        return rows[0]

    def _partition_where(self, trow, query: PartitionQuery, base):
        """Return (from_clause, conditions) for the query on table row `trow`."""
        conds = [P.c.table_id == trow.id]
        frm = base
        keys = m.load_columns(trow.partition_keys)
        aliases: Dict[int, object] = {}

        def alias(idx: int):
            nonlocal frm
            if idx not in aliases:
                a = _pv_alias(idx)
                aliases[idx] = a
                # table_id too, so the (table_id, idx, value) indexes drive range filters
                frm = frm.join(a, and_(a.c.partition_id == P.c.id, a.c.table_id == trow.id, a.c.idx == idx))
            return aliases[idx]

        if query.partial_values is not None:
            if len(query.partial_values) > len(keys):
                raise InvalidObject(
                    f"Incorrect number of partition values. numPartKeys={len(keys)}, "
                    f"part_val={list(query.partial_values)}"
                )
            for i, v in enumerate(query.partial_values):
                if v not in ("", None):
                    conds.append(alias(i).c.value == v)
        if query.filter is not None:
            conds.append(FilterCompiler(keys, alias).compile(query.filter))
        if query.names is not None:
            conds.append(P.c.name.in_(list(query.names)))
        return frm, conds

    def _templates_for(self, conn, ids) -> Dict[int, object]:
        """Decoded storage templates (location-less StorageDescriptors) by id, cached."""
        cache = self._templates
        missing = [i for i in set(ids) if i not in cache]
        for chunk in _chunks(missing):
            for r in conn.execute(select(ST.c.id, ST.c.body).where(ST.c.id.in_(chunk))):
                if len(cache) > 10_000:
                    cache.clear()
                cache[r.id] = m.load_sd_template(r.body, None)
        return cache

    def _select_partitions(self, conn, db_name: str, trow, query: PartitionQuery) -> List[Partition]:
        """`trow`: the row of table `db_name`.`trow.name` (see _table_row).

        Decoded partitions are memoised under (table, its partitions_version, partition id):
        every write of a partition row bumps the version in the same transaction, so an entry
        can never be stale. The version is read by the same statement as the partitions (one
        snapshot, also on PostgreSQL's autocommit reads). Once a table's current version has
        been decoded whole (all its partitions, few enough for the memo to keep), the query
        first fetches only ids and the memo supplies the partitions (a few it lacks are fetched
        by id); otherwise, or when it lacks many, one query fetches whole rows (and the memo
        still saves decoding those it has). An id-only query that comes back with mostly
        misses costs half the whole-row query again: a table whose partitions were only ever
        decoded a window at a time (too many to keep) does not try it."""
        frm, conds = self._partition_where(trow, query, P)
        table_key = (trow.id, trow.create_time)

        version = select(T.c.partitions_version).where(T.c.id == trow.id).scalar_subquery()

        def rows_of(*cols):
            q = select(version, P.c.id, *cols).select_from(frm).where(*conds).order_by(P.c.name)
            if query.limit is not None and query.limit >= 0:
                q = q.limit(query.limit)
            return _tuples(conn, q)

        if self._whole_versions.get(table_key) == trow.partitions_version:
            rows = rows_of()
            if not rows:
                return []
            base = (db_name, trow.name, trow.id, trow.create_time, rows[0][0])
            memo = self._decoded_partitions
            found: Dict[int, Partition] = {}
            missing = []
            for r in rows:
                part = memo.get(base + (r[1],))
                if part is None:
                    missing.append(r[1])
                else:
                    found[r[1]] = part
            fetched = []
            if missing and len(missing) <= _CHUNK:
                fetched = _tuples(conn, select(version, P.c.id, *_PARTITION_COLUMNS).where(P.c.id.in_(missing)))
            # (PostgreSQL reads each statement in its own snapshot: use the fetched rows only
            # if nothing was written in between)
            if len(fetched) == len(missing) and all(r[0] == base[-1] for r in fetched):
                self._decode_partitions(conn, db_name, trow, base, found, [r[1:] for r in fetched])
                return [found[r[1]] for r in rows]
        rows = rows_of(*_PARTITION_COLUMNS)
        if not rows:
            return []
        base = (db_name, trow.name, trow.id, trow.create_time, rows[0][0])
        found = {}
        self._decode_partitions(conn, db_name, trow, base, found, [r[1:] for r in rows])
        if query.is_everything and len(rows) <= PARTITION_MEMO_SIZE // 2:
            self._whole_versions.put(table_key, rows[0][0])
        return [found[r[1]] for r in rows]

    def _decode_partitions(self, conn, db_name, trow, base, found, rows) -> None:
        """Partitions of (id, *_PARTITION_COLUMNS) rows into `found` by id, via the memo."""
        if len(rows) < _MANY:
            return self._decode_partitions_into(conn, db_name, trow, base, found, rows)
        with gc_paused():  # thousands of models the memo keeps: see metastore.gcpause
            return self._decode_partitions_into(conn, db_name, trow, base, found, rows)

    def _decode_partitions_into(self, conn, db_name, trow, base, found, rows) -> None:
        memo = self._decoded_partitions
        templates = None
        for r in rows:
            key = base + (r[0],)
            part = memo.get(key)
            if part is None:
                if templates is None:
                    templates = self._templates_for(conn, [row[6] for row in rows])
                part = memo.put(key, m.partition_from_row(_PartitionRow(*r[1:]), db_name, trow.name, CATALOG,
                                                          templates[r[6]]))
            found[r[0]] = part

    def list_partitions(self, db_name, table_name, query: PartitionQuery, table=None) -> List[Partition]:
        with self.tx.read() as conn:
            trow = self._row_of(table) or self._table_row(conn, db_name, table_name)
            if query.names is not None:
                whole = self._listings.get(self._listing_key("parts", db_name, trow))
                if whole is not None:  # pick them from the current listing
                    wanted = set(query.names)
                    return [p for name, p in whole if name in wanted]
                if len(query.names) > _NAMES_PER_QUERY:
                    out: List[Partition] = []
                    for chunk in _chunks(query.names, _NAMES_PER_QUERY):
                        out.extend(self._select_partitions(conn, db_name, trow, PartitionQuery(names=chunk)))
                    out.sort(key=lambda p: make_partition_name(
                        [k.name for k in m.load_columns(trow.partition_keys)], p.values))
                    return out
            if not query.is_everything:
                if query.names is not None:
                    return self._select_partitions(conn, db_name, trow, query)
                # filters and partial specs: the answer is kept under the table's version too
                # (planners repeat the same pruning query)
                key = self._listing_key("query", db_name, trow) + (
                    query.filter, None if query.partial_values is None else tuple(query.partial_values), query.limit)
                try:
                    hit = self._listings.get(key)
                except TypeError:  # an unhashable filter value: not kept
                    return self._select_partitions(conn, db_name, trow, query)
                if hit is not None:
                    return list(hit)
                parts = self._select_partitions(conn, db_name, trow, query)
                if len(parts) <= LISTING_MAX_ITEMS:
                    self._listings.put(key, tuple(parts))
                return parts
            key = self._listing_key("parts", db_name, trow)
            whole = self._listings.get(key)
            if whole is None:
                parts = self._select_partitions(conn, db_name, trow, query)
                if len(parts) > LISTING_MAX_ITEMS:
                    return parts
                keys = [k.name for k in m.load_columns(trow.partition_keys)]
                whole = self._listings.put(key, tuple((make_partition_name(keys, p.values), p) for p in parts))
            return [p for _, p in whole]

    @staticmethod
    def _listing_key(kind: str, db_name: str, trow) -> tuple:
        # the version counter, and the row's identity in case the table was re-created
        return (kind, trow.id, trow.partitions_version, trow.create_time, db_name, trow.name)

    def list_partition_names(self, db_name, table_name, query: PartitionQuery, table=None) -> List[str]:
        with self.tx.read() as conn:
            trow = self._row_of(table) or self._table_row(conn, db_name, table_name)
            key = self._listing_key("names", db_name, trow) if query.is_everything else None
            names = self._listings.get(key) if key else None
            if names is not None:
                return list(names)
            frm, conds = self._partition_where(trow, query, P)
            q = select(P.c.name).select_from(frm).where(*conds).order_by(P.c.name)
            if query.limit is not None and query.limit >= 0:
                q = q.limit(query.limit)
            names = conn.scalars(q).all()
            if key and len(names) <= LISTING_MAX_ITEMS:
                self._listings.put(key, tuple(names))
            return names

    def count_partitions(self, db_name, table_name, query: PartitionQuery, table=None) -> int:
        with self.tx.read() as conn:
            trow = self._row_of(table) or self._table_row(conn, db_name, table_name)
            frm, conds = self._partition_where(trow, query, P)
            return conn.execute(select(func.count()).select_from(frm).where(*conds)).scalar_one()

    def alter_partitions(self, db_name, table_name, parts) -> None:
        with self.tx.write() as conn:
            trow = self._table_row(conn, db_name, table_name)
            keys = [k.name for k in m.load_columns(trow.partition_keys)]
            names = [make_partition_name(keys, p.values) for p in parts]
            ids: Dict[str, int] = {}
            for chunk in _chunks(dict.fromkeys(names)):
                ids.update(conn.execute(select(P.c.name, P.c.id).where(
                    P.c.table_id == trow.id, P.c.name.in_(chunk))).all())
            missing = next((n for n in names if n not in ids), None)
            if missing is not None:
                raise NotFound(f"Partition {db_name}.{table_name}/{missing} does not exist")
            cache: Dict[str, int] = {}
            changes = [dict(b_id=ids[name], b_location=p.sd.location,
                            b_template_id=self._template_id(conn, cache, p.sd),
                            b_parameters=m.dump_map(p.parameters), b_last_access_time=p.last_access_time)
                       for name, p in zip(names, parts)]
            if changes:  # one batched statement, applied in order (a repeated name: last wins)
                conn.execute(_UPDATE_PARTITION, changes)
                _bump_partitions(conn, trow.id)
            ev.append_many(conn, "ALTER_PARTITION", db_name, table_name, [
                {"partitionBefore": name, "partitionAfter": name, "location": p.sd.location}
                for name, p in zip(names, parts)])

    def rename_partition(self, db_name, table_name, old_values, part) -> None:
        with self.tx.write() as conn:
            trow = self._table_row(conn, db_name, table_name)
            keys = [k.name for k in m.load_columns(trow.partition_keys)]
            old_name = make_partition_name(keys, old_values)
            new_name = make_partition_name(keys, part.values)
            old = conn.execute(select(P.c.id).where(P.c.table_id == trow.id, P.c.name == old_name)).first()
            if old is None:
                raise NotFound(f"Partition {db_name}.{table_name}/{old_name} does not exist")
            if new_name != old_name and conn.execute(
                select(P.c.id).where(P.c.table_id == trow.id, P.c.name == new_name)
            ).first():
                raise AlreadyExists(f"Partition already exists: {db_name}.{table_name}/{new_name}")
            conn.execute(delete(PV).where(PV.c.partition_id == old.id))
            conn.execute(update(P).where(P.c.id == old.id).values(
                name=new_name, vals=m.dump_values(part.values), location=part.sd.location,
                template_id=self._template_id(conn, {}, part.sd), parameters=m.dump_map(part.parameters),
            ))
            conn.execute(insert(PV), [
                dict(partition_id=old.id, idx=i, table_id=trow.id, value=v, num_value=m.numeric_value(v))
                for i, v in enumerate(part.values)
            ])
            _bump_partitions(conn, trow.id)
            ev.append(conn, "ALTER_PARTITION", db_name, table_name,
                      {"partitionBefore": old_name, "partitionAfter": new_name, "location": part.sd.location})

    def drop_partitions(self, db_name, table_name, values_list, if_exists=False) -> List[Partition]:
        with self.tx.write() as conn:
            trow = self._table_row(conn, db_name, table_name)
            keys = [k.name for k in m.load_columns(trow.partition_keys)]
            names = []
            for values in values_list:
                try:
                    names.append(make_partition_name(keys, values))
                except ValueError as e:
                    raise NotFound(f"Partition values {list(values)} do not match the table: {e}") from None
            found: List[Partition] = []
            for chunk in _chunks(dict.fromkeys(names)):
                found.extend(self._select_partitions(conn, db_name, trow, PartitionQuery(names=chunk)))
            if len(found) < len(set(names)) and not if_exists:
                present = {make_partition_name(keys, p.values) for p in found}
                missing = next(n for n in names if n not in present)
                raise NotFound(f"Partition {db_name}.{table_name}/{missing} does not exist")
            for chunk in _chunks(dict.fromkeys(names)):
                ids = conn.scalars(select(P.c.id).where(P.c.table_id == trow.id, P.c.name.in_(chunk))).all()
                if ids:
                    conn.execute(delete(PV).where(PV.c.partition_id.in_(ids)))
                    conn.execute(delete(P).where(P.c.id.in_(ids)))
                    _bump_partitions(conn, trow.id)
            if found:
                ev.append(conn, "DROP_PARTITION", db_name, table_name,
                          {"partitions": [make_partition_name(keys, p.values) for p in found]})
            if found and self._planner_stats is not None:
                self._planner_stats.changed(len(found))
            return found

    # --- functions -------------------------------------------------------------------------
    def create_function(self, fn: Function) -> None:
        with self.tx.write() as conn:
            db_id = self._db_id(conn, fn.db_name)
            if conn.execute(select(F.c.id).where(F.c.db_id == db_id, F.c.name == fn.name)).first():
                raise AlreadyExists(f"Function {fn.db_name}.{fn.name} already exists")
            conn.execute(insert(F).values(db_id=db_id, **m.function_values(fn)))
            ev.append(conn, "CREATE_FUNCTION", fn.db_name, None, {"function": fn.name, "className": fn.class_name})

    def get_function(self, db_name: str, name: str) -> Function:
        with self.tx.read() as conn:
            # one message whether the database or the function is missing: Spark's
            # getFunctionOption treats only "<name> does not exist" as "no such function"
            row = conn.execute(
                select(F).select_from(F.join(D, F.c.db_id == D.c.id))
                .where(D.c.catalog == CATALOG, D.c.name == db_name, F.c.name == name)
            ).first()
        if row is None:
            raise NotFound(f"Function {db_name}.{name} does not exist")
        return m.function_from_row(row, db_name, CATALOG)

    def list_functions(self, db_name: Optional[str] = None) -> List[Function]:
        with self.tx.read() as conn:
            q = select(F, D.c.name.label("db_name")).select_from(F.join(D, F.c.db_id == D.c.id)).order_by(D.c.name, F.c.name)
            if db_name is not None:
                q = q.where(F.c.db_id == self._db_id(conn, db_name))
            return [m.function_from_row(r, r.db_name, CATALOG) for r in conn.execute(q)]

    def alter_function(self, db_name: str, name: str, fn: Function) -> None:
        with self.tx.write() as conn:
            db_id = self._db_id(conn, db_name)
            row = conn.execute(select(F.c.id).where(F.c.db_id == db_id, F.c.name == name)).first()
            if row is None:
                raise NotFound(f"Function {db_name}.{name} does not exist")
            new_db_id = self._db_id(conn, fn.db_name)
            if (fn.db_name, fn.name) != (db_name, name) and conn.execute(
                select(F.c.id).where(F.c.db_id == new_db_id, F.c.name == fn.name)
            ).first():
                raise AlreadyExists(f"Function {fn.db_name}.{fn.name} already exists")
            conn.execute(update(F).where(F.c.id == row.id).values(db_id=new_db_id, **m.function_values(fn)))
            ev.append(conn, "ALTER_FUNCTION", db_name, None, {"functionBefore": name, "functionAfter": fn.name,
                                                              "className": fn.class_name})

    def drop_function(self, db_name: str, name: str) -> None:
        with self.tx.write() as conn:
            db_id = self._db_id(conn, db_name)
            res = conn.execute(delete(F).where(F.c.db_id == db_id, F.c.name == name))
            if res.rowcount == 0:
                raise NotFound(f"Function {db_name}.{name} does not exist")
            ev.append(conn, "DROP_FUNCTION", db_name, None, {"function": name})


def _db_payload(db: Database) -> dict:
    return {"name": db.name, "location": db.location, "description": db.description,
            "parameters": dict(db.parameters), "owner": db.owner_name}


def _table_payload(t: Table) -> dict:
    return {"db": t.db_name, "name": t.name, "tableType": t.table_type, "location": t.sd.location,
            "owner": t.owner, "parameters": dict(t.parameters),
            "columns": m.columns_to_json(t.sd.columns), "partitionKeys": m.columns_to_json(t.partition_keys)}


def _under(path: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")
