"""Locks and transactions: protocol-free rules over the TxnStore.

Policy (documented for users): locks and transactions live in the catalog database, so
they survive a server restart and are shared by every server process on that database.
A lock or transaction that is not heartbeated (lock, check_lock, heartbeat calls) within
`timeout_s` (default 300 s, Hive's hive.txn.timeout) expires: its locks are released and
an open transaction is aborted.
"""
from __future__ import annotations

import time
from typing import Callable, List, Optional, Sequence, Tuple

from .errors import InvalidInput
from .locking import LEVELS, TYPES
from .model.locks import DB, Lock, LockComponent, LockRequest, Txn
from .store.sql_txn import TxnStore


class TxnService:
    def __init__(self, store: TxnStore, clock: Callable[[], float] = time.time):
        self.store = store
        self.clock = clock

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def lock(self, request: LockRequest) -> Tuple[int, str]:
        """Returns (lock id, ACQUIRED|WAITING). Raises InvalidInput, NoSuchTxn, TxnAborted."""
        if not request.components:
            raise InvalidInput("A lock request needs at least one component")
        comps = []
        for c in request.components:
            if c.type not in TYPES or c.level not in LEVELS:
                raise InvalidInput(f"Invalid lock component type/level: {c.type}/{c.level}")
            if not c.db_name:
                raise InvalidInput("A lock component needs a database name")
            if c.level != DB and not c.table_name:
                raise InvalidInput(f"A {c.level} lock needs a table name")
            comps.append(LockComponent(
                c.type, c.level, c.db_name.lower(),
                c.table_name.lower() if c.table_name else None, c.partition_name or None))
        return self.store.lock(LockRequest(tuple(comps), request.txn_id, request.user, request.hostname,
                                           request.agent_info), self._now_ms())

    def check_lock(self, lock_id: int) -> str:
        return self.store.check_lock(lock_id, self._now_ms())

    def unlock(self, lock_id: int) -> None:
        self.store.unlock(lock_id, self._now_ms())

    def heartbeat(self, lock_id: int, txn_id: int) -> None:
        self.store.heartbeat(lock_id or 0, txn_id or 0, self._now_ms())

    def show_locks(self, db_name: Optional[str] = None, table_name: Optional[str] = None,
                   partition_name: Optional[str] = None, txn_id: int = 0) -> List[Lock]:
        return self.store.show_locks(self._now_ms(), db_name and db_name.lower(),
                                     table_name and table_name.lower(), partition_name, txn_id or 0)

    def open_txns(self, count: int, user: str, hostname: str, agent_info: Optional[str] = None) -> List[int]:
        if count < 1:
            raise InvalidInput("num_txns must be at least 1")
        return self.store.open_txns(count, user or "", hostname or "", agent_info, self._now_ms())

    def commit_txn(self, txn_id: int) -> None:
        self.store.commit_txn(txn_id, self._now_ms())

    def add_dynamic_partitions(self, txn_id: int, db_name: str, table_name: str,
                               partition_names: Sequence[str]) -> None:
        """A transaction reports the partitions it wrote (Hive's add_dynamic_partitions).
        Hive records them for its compactor and cleaner; lakeglue runs neither (readers
        skip aborted writes through get_valid_write_ids), so this only checks, as Hive does,
        that the transaction is still open. Raises NoSuchTxn, TxnAborted, InvalidInput."""
        if not db_name or not table_name:
            raise InvalidInput("add_dynamic_partitions needs a database and a table name")
        self.store.check_txn_open(txn_id, self._now_ms())

    def abort_txns(self, txn_ids: Sequence[int]) -> None:
        self.store.abort_txns(list(txn_ids), self._now_ms())

    def heartbeat_txn_range(self, low: int, high: int) -> Tuple[List[int], List[int]]:
        if high < low:
            raise InvalidInput(f"Invalid transaction range [{low}, {high}]")
        if high - low > 100_000:
            raise InvalidInput("Transaction range too large")
        return self.store.heartbeat_txn_range(low, high, self._now_ms())

    def txn_snapshot(self) -> Tuple[int, List[Txn]]:
        return self.store.txn_snapshot(self._now_ms())

    def allocate_write_ids(self, db_name: str, table_name: str, txn_ids: Sequence[int]) -> List[Tuple[int, int]]:
        return self.store.allocate_write_ids(db_name.lower(), table_name.lower(), list(txn_ids), self._now_ms())

    def table_write_ids(self, db_name: str, table_name: str):
        return self.store.table_write_ids(db_name.lower(), table_name.lower())
