"""The API behaviour suite runs each test in-process (handler calls) and over a real socket,
on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest

from metastore.app import build_services
from metastore.thrift.handler import Handler
from tests.support.catalog import ThriftClient, running_metastore


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
