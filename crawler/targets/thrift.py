"""CatalogTarget over any Hive Metastore's Thrift API (lakeglue's, or Hive's own).

The only crawler module that knows Thrift: it uses the Hive Metastore bindings that
Apache PyIceberg ships (`hive_metastore`) and lakeglue's model converters.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, List, Optional, Sequence
from urllib.parse import parse_qs, urlparse

from hive_metastore import ThriftHiveMetastore
from hive_metastore import ttypes as tt
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TException
from thrift.transport import TSocket, TTransport

from metastore.errors import AlreadyExists, CatalogError, InvalidObject, InvalidOperation, NotFound, StoreError
from metastore.model import Partition, Table
from metastore.thrift import convert

from .base import CatalogTarget


def parse_uri(uri: str):
    """(host, port, framed) of `thrift://HOST:PORT[?framed=true]`. Raises InvalidObject."""
    parsed = urlparse(uri)
    if parsed.scheme != "thrift" or not parsed.hostname:
        raise InvalidObject(f"bad metastore URI {uri!r}: use thrift://HOST:PORT")
    framed = parse_qs(parsed.query).get("framed", ["false"])[0].lower() == "true"
    return parsed.hostname, parsed.port or 9083, framed


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except tt.NoSuchObjectException as e:
        raise NotFound(e.message or "not found") from None
    except tt.AlreadyExistsException as e:
        raise AlreadyExists(e.message or "already exists") from None
    except tt.InvalidObjectException as e:
        raise InvalidObject(e.message or "invalid object") from None
    except tt.InvalidOperationException as e:
        raise InvalidOperation(e.message or "invalid operation") from None
    except tt.MetaException as e:
        raise StoreError(e.message or "metastore error") from None
    except CatalogError:
        raise
    except (TException, OSError) as e:
        raise StoreError(f"metastore call failed: {e}") from None


class ThriftTarget(CatalogTarget):
    def __init__(self, uri: str, timeout_ms: int = 60000):
        self.uri = uri
        host, port, framed = parse_uri(uri)
        sock = TSocket.TSocket(host, port)
        sock.setTimeout(timeout_ms)
        self._transport = TTransport.TFramedTransport(sock) if framed else TTransport.TBufferedTransport(sock)
        self._client = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(self._transport))
        with _errors():
            self._transport.open()

    def describe(self) -> str:
        return self.uri

    def database_exists(self, name: str) -> bool:
        try:
            with _errors():
                self._client.get_database(name)
            return True
        except NotFound:
            return False

    def ensure_database(self, name: str) -> bool:
        if self.database_exists(name):
            return False
        with _errors():
            self._client.create_database(tt.Database(name=name, description="created by lakeglue crawl",
                                                     parameters={}))
        return True

    def list_tables(self, db: str) -> List[Table]:
        if not self.database_exists(db):
            return []
        with _errors():
            names = self._client.get_all_tables(db)
            if not names:
                return []
            return [convert.table_from(t) for t in self._client.get_table_objects_by_name(db, names)]

    def get_table(self, db: str, name: str) -> Optional[Table]:
        try:
            with _errors():
                return convert.table_from(self._client.get_table(db, name))
        except NotFound:
            return None

    def create_table(self, table: Table) -> None:
        with _errors():
            self._client.create_table(convert.table_to(table))

    def alter_table(self, table: Table) -> None:
        with _errors():
            self._client.alter_table(table.db_name, table.name, convert.table_to(table))

    def drop_table(self, db: str, name: str) -> None:
        with _errors():
            self._client.drop_table(db, name, False)

    def list_partitions(self, db: str, table: str) -> List[Partition]:
        with _errors():
            return [convert.partition_from(p) for p in self._client.get_partitions(db, table, -1)]

    def add_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        if parts:
            with _errors():
                self._client.add_partitions([convert.partition_to(p) for p in parts])

    def alter_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        if parts:
            with _errors():
                self._client.alter_partitions(db, table, [convert.partition_to(p) for p in parts])

    def drop_partitions(self, db: str, table: str, values: Sequence[Sequence[str]]) -> None:
        with _errors():
            for v in values:
                self._client.drop_partition(db, table, list(v), False)

    def close(self) -> None:
        try:
            self._transport.close()
        except Exception:
            pass
