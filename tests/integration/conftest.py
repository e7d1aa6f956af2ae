"""Fixtures for the Spark integration suite: a module-scoped lakeglue metastore process on
SQLite and a module-scoped SparkSession using it (helpers in tests/support/spark.py)."""
from __future__ import annotations

import pytest

from tests.support.spark import Lakeglue, spark_conf, start_spark, stop_spark


@pytest.fixture(scope="module")
def lakeglue_sqlite(tmp_path_factory):
    """lakeglue on a SQLite catalog, in its own process, for one test module."""
    base = tmp_path_factory.mktemp("lakeglue-sqlite")
    server = Lakeglue(base, "sqlite:///" + str(base / "catalog.db")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def spark(lakeglue_sqlite, tmp_path_factory):
    """The module's SparkSession, using lakeglue_sqlite as its Hive metastore."""
    pytest.importorskip("pyspark")
    scratch = tmp_path_factory.mktemp("spark-scratch")
    session = start_spark(spark_conf(lakeglue_sqlite.uri, lakeglue_sqlite.warehouse, scratch), scratch)
    yield session
    stop_spark(session)
