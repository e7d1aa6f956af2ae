"""The API behaviour suite runs each test in-process (handler calls) and over a real socket,
on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest

from metastore.app import build_services
from metastore.thrift.handler import Handler
from tests.support.catalog import ThriftClient, running_metastore


@pytest.fixture(scope="session")
def _pg_api_catalog(request) -> str:
    """One migrated PostgreSQL catalog database per test process (see `db_url` below)."""
    import os

    from metastore.store import open_store

    url = request.getfixturevalue("postgres").create_database(f"lg_api_{os.getpid()}")
    open_store(url).close()  # runs the migrations once
    return url


@pytest.fixture(scope="session")
def _sqlite_api_template(tmp_path_factory) -> str:
    """A migrated, otherwise empty SQLite catalog file to copy for each test."""
    from metastore.store import open_store

    path = str(tmp_path_factory.mktemp("catalog-template") / "catalog.db")
    open_store("sqlite:///" + path).close()
    return path


def _copy_sqlite(src: str, dst: str) -> None:
    import sqlite3

    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)  # consistent even with a WAL journal
    finally:
        source.close()
        target.close()


def _empty_pg_catalog(url: str) -> None:
    """Make a migrated catalog database as good as new: no rows, sequences restarted."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from metastore.migrations import VERSION_TABLE

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))
            # connections leaked by the previous test must not hold locks on the tables
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            tables = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                       "AND tablename <> :v"), {"v": VERSION_TABLE}).all()
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            for seq in conn.scalars(text("SELECT sequence_name FROM information_schema.sequences "
                                         "WHERE sequence_schema = current_schema()")).all():
                conn.execute(text(f'ALTER SEQUENCE "{seq}" RESTART'))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path_factory) -> str:
    """A fresh, empty catalog on each backend (overrides tests/conftest.py for speed).

    CREATE DATABASE plus migrations costs ~0.5 s a test on PostgreSQL; emptying one
    migrated database per worker gives the same clean catalog for a tenth of that. On
    SQLite a copy of a migrated template replaces running the migrations every time.
    """
    if request.param == "sqlite":
        path = str(tmp_path_factory.mktemp("catalog") / "catalog.db")
        _copy_sqlite(request.getfixturevalue("_sqlite_api_template"), path)
        return "sqlite:///" + path
    url = request.getfixturevalue("_pg_api_catalog")
    _empty_pg_catalog(url)
    return url


@pytest.fixture(params=["inproc", "socket"])
def hms(request, db_url, warehouse):
    """A ThriftHiveMetastore-shaped client: the handler itself, or a Thrift client."""
    if request.param == "inproc":
        services = build_services(db_url, warehouse)
        yield services.handler()
        services.close()
    else:
        with running_metastore(db_url, warehouse) as server:
            client = ThriftClient("127.0.0.1", server.port)
            yield client
            client.close()
