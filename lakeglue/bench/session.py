"""What the cases run against one target share: a connection, the benchmark database and
partitioned tables kept for the read-only cases."""
from __future__ import annotations

import logging
from typing import Callable, Dict, Optional

from hive_metastore import ttypes as tt
from thrift.transport.TTransport import TTransportException

from . import objects
from .client import Connection

log = logging.getLogger(__name__)

#: partitions per add_partitions call when a case builds a partitioned table outside the timing
SETUP_BATCH = 1000


class BenchError(RuntimeError):
    """A server answered, but not what every metastore must answer (e.g. a wrong count)."""


def expect(what: str, got: int, want: int) -> None:
    """Raises BenchError unless got == want."""
    if got != want:
        raise BenchError(f"{what}: got {got}, expected {want}")


def quietly(fn: Callable, *args) -> None:
    """Best-effort cleanup: log and swallow any error."""
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 - cleanup must not hide the real result
        log.debug("cleanup %s%r failed: %s", getattr(fn, "__name__", fn), args, e)


class Session:
    """A connection to `uri` and the database `db` the cases work in (created fresh)."""

    def __init__(self, uri: str, db: str = "lakeglue_bench", lean: bool = False):
        self.uri, self.db = uri, db
        self.lean = lean
        self.conn = Connection(uri, lean=lean)
        self._shared: Dict[int, str] = {}

    def reconnect(self) -> None:
        """A new connection (after a transport error left the old one unusable)."""
        quietly(self.conn.close)
        self.conn = Connection(self.uri, lean=self.lean)

    # -- database --------------------------------------------------------------------------
    def create_database(self, name: Optional[str] = None) -> str:
        """Create `name` (default the session's database), dropping a leftover first."""
        name = name or self.db
        self.drop_database(name)
        self.conn.create_database(objects.database(name))
        return name

    def drop_database(self, name: Optional[str] = None) -> None:
        """Drop `name` with its tables, if it exists (Hive 2.3 answers a NullPointerException
        MetaException, not NoSuchObjectException, for a missing database)."""
        name = name or self.db
        if name in self.conn.get_all_databases():
            self.conn.drop_database(name, True, True)

    # -- tables ----------------------------------------------------------------------------
    def create_table(self, name: str, partitions: int = 0, partitioned: bool = True,
                     db: Optional[str] = None) -> str:
        """Create a table and add `partitions` partitions to it (in batches)."""
        db = db or self.db
        self.conn.create_table(objects.table(db, name, partitioned))
        self.add_partitions(name, 0, partitions, db=db)
        return name

    def add_partitions(self, table: str, start: int, count: int, batch: int = SETUP_BATCH,
                       db: Optional[str] = None) -> None:
        db = db or self.db
        for lo in range(start, start + count, batch):
            self.conn.add_partitions(objects.partitions(db, table, lo, min(batch, start + count - lo)))

    def drop_table(self, name: str, db: Optional[str] = None) -> None:
        try:
            self.conn.drop_table(db or self.db, name, True)
        except tt.NoSuchObjectException:
            pass

    def shared_table(self, partitions: int) -> str:
        """A partitioned table with `partitions` partitions that no case modifies (made once)."""
        if partitions not in self._shared:
            name = f"shared_{partitions}"
            self.drop_table(name)
            self._shared[partitions] = self.create_table(name, partitions)
        return self._shared[partitions]

    def close(self) -> None:
        """Drop the shared tables and the database, then close the connection."""
        try:
            for name in self._shared.values():
                quietly(self.drop_table, name)
            quietly(self.drop_database)
        finally:
            quietly(self.conn.close)

    @staticmethod
    def broken(exc: BaseException) -> bool:
        """True when `exc` means the connection can no longer be used."""
        return isinstance(exc, (TTransportException, OSError, EOFError))
