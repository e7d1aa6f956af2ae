"""A ThriftHiveMetastore client for any `thrift://host:port` endpoint.

pyiceberg's `hive_metastore` bindings with the C-accelerated binary protocol over a buffered
socket: what PyIceberg, Spark and Trino speak, and cheap enough on the client side that the
benchmark measures the server. Only methods both Hive 2.3 and lakeglue serve are called.
"""
from __future__ import annotations

import socket
from typing import Tuple
from urllib.parse import urlparse

from hive_metastore import ThriftHiveMetastore
from thrift.protocol import TBinaryProtocol
from thrift.transport import TSocket, TTransport

#: generous: a reference-HMS `add_partitions` of a large batch takes many seconds
DEFAULT_TIMEOUT_MS = 30 * 60 * 1000


def parse_uri(uri: str) -> Tuple[str, int]:
    """`thrift://host:port` → (host, port); raises ValueError for anything else."""
    u = urlparse(uri)
    if u.scheme != "thrift" or not u.hostname or not u.port:
        raise ValueError(f"not a thrift://host:port URI: {uri!r}")
    return u.hostname, u.port


class Connection:
    """One open connection; attribute access goes to the generated client
    (`conn.get_table(db, name)`)."""

    def __init__(self, uri: str, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        self.uri = uri
        host, port = parse_uri(uri)
        sock = TSocket.TSocket(host, port)
        sock.setTimeout(timeout_ms)
        self._transport = TTransport.TBufferedTransport(sock)
        self._transport.open()
        # small request/response pairs: don't let Nagle hold back the request
        sock.handle.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocolAccelerated(self._transport))

    def __getattr__(self, name):
        return getattr(self.client, name)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
