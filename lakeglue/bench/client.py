"""A ThriftHiveMetastore client for any `thrift://host:port` endpoint.

pyiceberg's `hive_metastore` bindings with the C-accelerated binary protocol over a buffered
socket: what PyIceberg, Spark and Trino speak. Only methods both Hive 2.3 and lakeglue serve
are called.

Lean replies (`lean=True`, the benchmark's default): for the calls that return lists of
partitions, the reply is received and parsed in full by the C decoder, but the list's
elements are skipped instead of being built as Python objects. Building 1,000 `Partition`
objects costs a Python client ~10 ms — more than a fast server needs to answer — and would
hide the servers' difference behind the client's own cost. Declared exceptions still decode
and raise; `conn.full` is the ordinary client.
"""
from __future__ import annotations

import socket
from typing import Tuple
from urllib.parse import urlparse

from hive_metastore import ThriftHiveMetastore
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TApplicationException, TMessageType, TType
from thrift.transport import TSocket, TTransport

#: generous: a reference-HMS `add_partitions` of a large batch takes many seconds
DEFAULT_TIMEOUT_MS = 30 * 60 * 1000


def parse_uri(uri: str) -> Tuple[str, int]:
    """`thrift://host:port` → (host, port); raises ValueError for anything else."""
    u = urlparse(uri)
    if u.scheme != "thrift" or not u.hostname or not u.port:
        raise ValueError(f"not a thrift://host:port URI: {uri!r}")
    return u.hostname, u.port


#: calls answered with a list of partitions: lean replies skip building the elements
LEAN_CALLS = ("get_partitions", "get_partitions_by_names", "get_partitions_by_filter")


class _Skipped:
    """Stands for a list element the decoder parsed but did not build."""

    thrift_spec = (None,)

    def __init__(self, **_fields):
        pass


def _lean_spec(spec):
    out = []
    for f in spec:
        if f is not None and f[1] == TType.LIST and f[3][0] == TType.STRUCT:
            f = (f[0], f[1], f[2], (TType.STRUCT, [_Skipped, _Skipped.thrift_spec], False), f[4])
        out.append(f)
    return tuple(out)


class _LeanCall:
    """`send_<name>` of the generated client, then the reply decoded with list elements skipped."""

    def __init__(self, client, name: str):
        self._client = client
        self._name = name
        self._send = getattr(client, "send_" + name)
        self._result_cls = getattr(ThriftHiveMetastore, name + "_result")
        self._spec = [self._result_cls, _lean_spec(self._result_cls.thrift_spec)]

    def __call__(self, *args):
        self._send(*args)
        iprot = self._client._iprot
        _, mtype, _ = iprot.readMessageBegin()
        if mtype == TMessageType.EXCEPTION:
            x = TApplicationException()
            x.read(iprot)
            iprot.readMessageEnd()
            raise x
        result = self._result_cls()
        iprot._fast_decode(result, iprot, self._spec)
        iprot.readMessageEnd()
        for field in self._result_cls.thrift_spec[1:]:
            if field is not None and getattr(result, field[2], None) is not None:
                raise getattr(result, field[2])
        if result.success is None:
            raise TApplicationException(TApplicationException.MISSING_RESULT, f"{self._name} failed: unknown result")
        return result.success


class Connection:
    """One open connection; attribute access goes to the generated client
    (`conn.get_table(db, name)`), or to lean replies for `LEAN_CALLS` when `lean`."""

    def __init__(self, uri: str, timeout_ms: int = DEFAULT_TIMEOUT_MS, lean: bool = False):
        self.uri = uri
        host, port = parse_uri(uri)
        sock = TSocket.TSocket(host, port)
        sock.setTimeout(timeout_ms)
        self._transport = TTransport.TBufferedTransport(sock)
        self._transport.open()
        # small request/response pairs: don't let Nagle hold back the request
        sock.handle.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client = self.full = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocolAccelerated(self._transport))
        self.lean = lean
        if lean:
            for name in LEAN_CALLS:
                setattr(self, name, _LeanCall(self.client, name))

    def __getattr__(self, name):
        return getattr(self.client, name)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
