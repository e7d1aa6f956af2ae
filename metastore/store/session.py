"""Engines and transactions: SQLite pragmas, write locking, and driver errors → catalog errors."""
from __future__ import annotations

import contextlib
import os
import time
from typing import Iterator

from sqlalchemy import create_engine, event
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
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False,
                           executemany_mode="values_plus_batch")
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

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
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
                conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with conn:
                yield conn


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


def _first_line(e: Exception) -> str:
    orig = getattr(e, "orig", None) or e
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
