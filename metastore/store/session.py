"""Engines and transactions: SQLite pragmas, write locking, and driver errors → catalog errors."""
from __future__ import annotations

import collections
import contextlib
import os
import re
import time
from typing import Iterator, Optional

import psycopg2
from sqlalchemy import String, create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError

from ..errors import AlreadyExists, StoreError


def normalize_url(url: str) -> str:
    """Accept the URL forms users type (`postgresql://…`) and pick our drivers."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg2")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 16) -> Engine:
    url = normalize_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(u.database)) or ".", exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False,
        )
        _configure_sqlite(engine)
        return engine
    # values_plus_batch: an UPDATE/DELETE executemany goes as pages of statements per round
    # trip (psycopg2's execute_batch) instead of one round trip per row
    return _postgres_engine(url, pool_size=pool_size)


def _postgres_engine(url, *, pool_size: int, **options) -> Engine:
    # values_plus_batch: an UPDATE/DELETE executemany goes as pages of statements per round
    # trip (psycopg2's execute_batch) instead of one round trip per row
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False,
                           executemany_mode="values_plus_batch", **options)
    _ping_when_idle(engine)
    return engine


#: a pooled connection unused for this long is checked with a round trip before it is used
IDLE_PING_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling without a round trip on every call: only a
    connection that sat idle in the pool (where a database restart or a firewall could have
    cut it) is pinged on checkout; a dead one is replaced transparently."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info["lakeglue_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        since = record.info.get("lakeglue_idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            cur = dbapi_conn.cursor()
            try:
                cur.execute("SELECT 1")
            finally:
                cur.close()
        except Exception as e:  # the pool discards this connection and tries another
            raise DisconnectionError(f"stale pooled connection: {e}") from e


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control from pysqlite so writers can BEGIN IMMEDIATE: a deferred
        # transaction that later upgrades to a write lock can deadlock with another writer.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA case_sensitive_like=ON")  # LIKE in partition filters is case-sensitive, as on PostgreSQL
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        options = conn.get_execution_options()
        if options.get("lakeglue_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get("lakeglue_autocommit"):
            conn.exec_driver_sql("BEGIN")


class Transactions:
    """Read and write transactions over one engine, translating driver errors."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self._reader: Optional[Engine] = None

    def _autocommit_engine(self) -> Engine:
        """PostgreSQL: a pool of connections kept in autocommit, so a read sends no
        BEGIN/COMMIT and a write sends its BEGIN with its first statement (see
        _postgres_transaction); no connection switches modes on checkout. Disposed with the
        main engine."""
        if self._reader is None:
            reader = _postgres_engine(self.engine.url, pool_size=self.engine.pool.size(),
                                      isolation_level="AUTOCOMMIT")
            _send_pending_first(reader)
            event.listen(self.engine, "engine_disposed", lambda _engine: reader.dispose())
            self._reader = reader
        return self._reader

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if self.dialect == "postgresql":
            with _translate():
                with self._autocommit_engine().connect() as conn:
                    with _postgres_transaction(conn):
                        yield conn
            return
        with _translate():
            with self.engine.connect().execution_options(lakeglue_write=True) as conn:
                with conn.begin():
                    yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """Several reads. SQLite: one transaction, so they share a snapshot. PostgreSQL:
        autocommit — under READ COMMITTED every statement takes its own snapshot anyway, so a
        transaction would only add the BEGIN and COMMIT round trips."""
        if self.dialect != "sqlite":
            with self._autocommit() as conn:
                yield conn
            return
        with _translate():
            with self.engine.connect() as conn:
                with conn.begin():
                    yield conn

    def read_one(self):
        """For reads of ONE statement, which is atomic on its own: no BEGIN/COMMIT round
        trips on any backend (a third of a get_table's time)."""
        return self._autocommit()

    @contextlib.contextmanager
    def _autocommit(self) -> Iterator[Connection]:
        with _translate():
            if self.dialect == "sqlite":
                conn = self.engine.connect().execution_options(lakeglue_autocommit=True)
            else:
                conn = self._autocommit_engine().connect()
            with conn:
                yield conn


class _Pending:
    """What a PostgreSQL write transaction has yet to send: its BEGIN until the first
    statement goes out, and writes deferred to ride along with the next statement or the
    COMMIT (see PreparedStatement.execute(defer=True)). Kept in the pooled connection's info
    for the length of the block."""

    KEY = "lakeglue_pending"
    __slots__ = ("texts", "sent")

    def __init__(self):
        self.texts = ["BEGIN"]
        self.sent = False  # has anything (the BEGIN) gone to the server yet?

    @classmethod
    def of(cls, conn: Connection) -> Optional["_Pending"]:
        return conn.connection.info.get(cls.KEY)

    def take(self, escape: bool) -> str:
        """The pending SQL as a prefix for the statement about to be sent ("" if none);
        `escape` doubles '%' for a statement the driver will interpolate parameters into."""
        if not self.texts:
            return ""
        prefix = "; ".join(self.texts) + "; "
        self.texts = []
        self.sent = True
        return prefix.replace("%", "%%") if escape else prefix


@contextlib.contextmanager
def _postgres_transaction(conn: Connection) -> Iterator[None]:
    """A write transaction on an autocommit connection whose BEGIN goes out in the same round
    trip as the block's first statement ("BEGIN; <statement>"; psycopg2 otherwise sends it
    alone), and whose deferred writes go out with the next statement or the COMMIT.
    psycopg2 neither knows of nor rolls back a transaction it did not begin, so the server's
    transaction status is checked on the way out: whatever is still open is rolled back, and
    a connection that cannot be is discarded rather than returned to the pool."""
    info = conn.connection.info
    pending = info[_Pending.KEY] = _Pending()
    try:
        yield
        if pending.sent or len(pending.texts) > 1:  # else the block sent nothing at all
            info.pop(_Pending.KEY)
            with conn.connection.dbapi_connection.cursor() as cursor:
                cursor.execute(pending.take(escape=False) + "COMMIT")
    finally:
        info.pop(_Pending.KEY, None)
        raw = conn.connection.dbapi_connection
        if raw is not None and raw.info.transaction_status != _PG_IDLE:
            try:
                with raw.cursor() as cursor:
                    cursor.execute("ROLLBACK")
            except Exception:  # a broken connection: the pool must not hand it out again
                conn.invalidate()


_PG_IDLE = 0  # psycopg2.extensions.TRANSACTION_STATUS_IDLE


def _send_pending_first(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _prefix(conn, cursor, statement, parameters, _context, executemany):
        pending = _Pending.of(conn)
        if pending is not None and pending.texts:
            if executemany:  # the driver may repeat or page a many-row statement
                cursor.execute(pending.take(escape=False))
            else:
                statement = pending.take(escape=parameters is not None) + statement
        return statement, parameters


@contextlib.contextmanager
def _translate() -> Iterator[None]:
    try:
        yield
    except IntegrityError as e:
        raise AlreadyExists(f"Object already exists: {_first_line(e)}") from e
    except OperationalError as e:
        raise StoreError(f"Catalog database error: {_first_line(e)}") from e
    except DBAPIError as e:
        raise StoreError(f"Catalog database error: {_first_line(e)}") from e
    # from statements sent on psycopg2's own cursor (PreparedStatement, a COMMIT with
    # deferred writes), which SQLAlchemy does not wrap
    except psycopg2.IntegrityError as e:
        raise AlreadyExists(f"Object already exists: {_first_line(e)}") from e
    except psycopg2.Error as e:
        raise StoreError(f"Catalog database error: {_first_line(e)}") from e


def _first_line(e: Exception) -> str:
    orig = getattr(e, "orig", None) or e
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _encoding(cursor) -> str:
    return psycopg2.extensions.encodings[cursor.connection.encoding]


class _Rows:
    """The part of a SQLAlchemy Result that PreparedStatement's callers use: iteration, `first()`,
    `all()` and `scalars().all()`; rows are tuples with attribute access by column name."""

    _types: dict = {}

    def __init__(self, description, rows):
        names = tuple(d[0] for d in description)
        row_type = _Rows._types.get(names)
        if row_type is None:
            row_type = _Rows._types[names] = collections.namedtuple("Row", names, rename=True)
        self._rows = [row_type(*r) for r in rows]

    def __iter__(self):
        return iter(self._rows)

    def first(self):
        return self._rows[0] if self._rows else None

    def all(self):
        return list(self._rows)

    def scalars(self) -> "_Rows":
        out = _Rows.__new__(_Rows)
        out._rows = [r[0] for r in self._rows]
        return out


class PreparedStatement:
    """A hot statement (a lookup, or a one-row write) that PostgreSQL parses and plans once
    per connection (PREPARE, then EXECUTE on every call) instead of on every call — planning
    costs about as much as the round trip here; on SQLite the statement runs as it is.

    Rows (of a SELECT, or a write's RETURNING) come back keyed by column name, as from
    `conn.execute(stmt)`.
    """

    _count = 0

    def __init__(self, stmt):
        PreparedStatement._count += 1
        self.stmt = stmt
        self.name = f"lakeglue_q{PreparedStatement._count}"
        self._compiled = None

    def execute(self, conn: Connection, params: dict, *, defer: bool = False):
        """Run the statement, or with `defer` (a write whose outcome the caller does not look
        at) inside a PostgreSQL write transaction, send it with the next statement or the
        COMMIT: one round trip less. Returns the rows, or None when deferred."""
        if conn.dialect.name != "postgresql":
            return conn.execute(self.stmt, params)
        if self._compiled is None:
            self._compiled = self._compile(conn.dialect)
        prepare_sql, execute_sql, order, compiled = self._compiled
        info = conn.connection.info  # lives as long as the DB connection itself
        prepared = info.setdefault("lakeglue_prepared", set())
        if self.name not in prepared:
            # prepared statements outlive a rollback of the transaction that made them
            conn.exec_driver_sql(prepare_sql)
            prepared.add(self.name)
        values = compiled.construct_params(params)
        args = tuple(values[k] for k in order)
        # straight on the driver's cursor: SQLAlchemy's execution context and Result cost about
        # as much as the PostgreSQL round trip of these one-row lookups
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            pending = _Pending.of(conn)
            if pending is not None:
                if defer:
                    pending.texts.append(cursor.mogrify(execute_sql, args).decode(_encoding(cursor)))
                    return None
                execute_sql = pending.take(escape=True) + execute_sql
            try:
                cursor.execute(execute_sql, args)
            except psycopg2.Error:
                if cursor.connection.closed:  # SQLAlchemy did not see it break: tell the pool
                    conn.invalidate()
                raise
            if cursor.description is None:  # a write without RETURNING
                return _Rows((), ())
            return _Rows(cursor.description, cursor.fetchall())
        finally:
            cursor.close()

    def _compile(self, dialect):
        compiled = self.stmt.compile(dialect=dialect)
        order: list = []

        def number(match) -> str:
            key = match.group(1)
            if key not in order:
                order.append(key)
            return f"${order.index(key) + 1}"

        body = re.sub(r"%\((\w+)\)s", number, compiled.string)
        # declared parameter types where the statement knows them (a literal in the select
        # list would otherwise come back as text); PostgreSQL infers the rest
        types = []
        for key in order:
            bind_type = compiled.binds[key].type
            textual = bind_type._isnull or isinstance(bind_type, String)  # text is what PG infers
            types.append("unknown" if textual else dialect.type_compiler.process(bind_type))
        signature = f" ({', '.join(types)})" if types else ""
        prepare_sql = f"PREPARE {self.name}{signature} AS {body}"
        execute_sql = f"EXECUTE {self.name}({', '.join(['%s'] * len(order))})" if order else f"EXECUTE {self.name}"
        return prepare_sql, execute_sql, order, compiled
