"""Engines and transactions: SQLite pragmas, write locking, and driver errors → catalog errors."""
from __future__ import annotations

import contextlib
import os
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

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
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


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
        with _translate():
            with self.engine.connect() as conn:
                with conn.begin():
                    yield conn

    @contextlib.contextmanager
    def read_one(self) -> Iterator[Connection]:
        """For reads of ONE statement, which is atomic on its own: on SQLite no explicit
        BEGIN/COMMIT round trips (a third of a get_table's time)."""
        if self.dialect != "sqlite":
            with self.read() as conn:
                yield conn
            return
        with _translate():
            with self.engine.connect().execution_options(lakeglue_autocommit=True) as conn:
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
