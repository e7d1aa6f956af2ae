"""Throwaway PostgreSQL clusters for tests; the launcher lives in lakeglue.devservers.postgres
(`lakeglue bench` uses it too) and is re-exported here.

    from tests.infra.postgres import PostgresServer
"""
from lakeglue.devservers.postgres import (
    HOST,
    PG_BIN_ENV,
    SUPERUSER,
    SYSTEM_USER,
    PostgresNotFound,
    PostgresServer,
    PostgresStartError,
    find_pg_bin,
)

__all__ = [
    "HOST",
    "PG_BIN_ENV",
    "SUPERUSER",
    "SYSTEM_USER",
    "PostgresNotFound",
    "PostgresServer",
    "PostgresStartError",
    "find_pg_bin",
]
