"""Fixtures shared by every suite: catalog databases on SQLite and a real PostgreSQL."""
from __future__ import annotations

import itertools
import os

import pytest

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the whole run (started from Debian's binaries)."""
    from tests.infra.postgres import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


def _fresh_url(backend: str, request, tmp_path_factory) -> str:
    if backend == "sqlite":
        return "sqlite:///" + str(tmp_path_factory.mktemp("catalog") / "catalog.db")
    pg = request.getfixturevalue("postgres")
    return pg.create_database(f"lg_{os.getpid()}_{next(_counter)}")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path_factory) -> str:
    """A fresh, empty catalog database URL on each backend."""
    return _fresh_url(request.param, request, tmp_path_factory)


@pytest.fixture
def warehouse(tmp_path) -> str:
    path = tmp_path / "warehouse"
    path.mkdir()
    return "file:" + str(path)


# --- compatibility report (see tests/support/compat.py) ------------------------------------
def pytest_addoption(parser):
    parser.addoption("--compat-report", default=None, metavar="FILE",
                     help="write the engine x feature compatibility table (Markdown) to FILE")


def pytest_configure(config):
    path = config.getoption("--compat-report")
    if path:
        from tests.support.compat import CompatCollector

        config._lakeglue_compat = CompatCollector(path)


def pytest_runtest_makereport(item, call):
    collector = getattr(item.config, "_lakeglue_compat", None)
    if collector is None:
        return
    if call.when == "call" or (call.when == "setup" and call.excinfo is not None):
        if call.excinfo is None:
            outcome = "passed"
        elif call.excinfo.errisinstance(pytest.skip.Exception):
            outcome = "skipped"
        else:
            outcome = "failed"
        collector.record(item, outcome)


def pytest_sessionfinish(session, exitstatus):
    collector = getattr(session.config, "_lakeglue_compat", None)
    if collector is not None:
        collector.write()
