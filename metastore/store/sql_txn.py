"""Locks and transactions in SQL.

Every call runs in one write transaction that is serialised against other lock calls
(SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), so lock
decisions made by several server processes never interleave. Expired locks and
transactions (no heartbeat within the timeout) are swept at the start of each call.
"""
from __future__ import annotations

import contextlib
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection

from ..errors import NoSuchLock, NoSuchTxn, TxnAborted, TxnOpen
from ..locking import blocker
from ..model.locks import (
    ACQUIRED, TXN_ABORTED, TXN_COMMITTED, TXN_OPEN, WAITING, Lock, LockComponent, LockRequest, Txn,
)
from .session import Transactions
from .tables import lock_components as LC, locks as L, table_write_ids as TW, txn_write_ids as TXW, txns as TX

_PG_LOCK_KEY = 0x6C616B65676C7565 & 0x7FFFFFFFFFFFFFFF  # "lakeglue"


class TxnStore:
    def __init__(self, tx: Transactions, timeout_ms: int = 300_000):
        self.tx = tx
        self.timeout_ms = timeout_ms

    # --- plumbing --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _serialised(self) -> Iterator[Connection]:
        with self.tx.write() as conn:
            if self.tx.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            yield conn

    def _sweep(self, conn: Connection, now_ms: int) -> None:
        cutoff = now_ms - self.timeout_ms
        expired_txns = conn.scalars(select(TX.c.id).where(TX.c.state == TXN_OPEN, TX.c.last_heartbeat < cutoff)).all()
        if expired_txns:
            conn.execute(update(TX).where(TX.c.id.in_(expired_txns)).values(state=TXN_ABORTED))
            self._release_txn_locks(conn, expired_txns)
        stale = conn.scalars(select(L.c.id).where(L.c.txn_id == 0, L.c.last_heartbeat < cutoff)).all()
        if stale:
            self._delete_locks(conn, stale)

    @staticmethod
    def _delete_locks(conn: Connection, ids: Sequence[int]) -> None:
        conn.execute(delete(LC).where(LC.c.lock_id.in_(list(ids))))
        conn.execute(delete(L).where(L.c.id.in_(list(ids))))

    def _release_txn_locks(self, conn: Connection, txn_ids: Sequence[int]) -> None:
        ids = conn.scalars(select(L.c.id).where(L.c.txn_id.in_(list(txn_ids)))).all()
        if ids:
            self._delete_locks(conn, ids)

    @staticmethod
    def _load_locks(conn: Connection, where=None) -> List[Lock]:
        q = select(L).order_by(L.c.id)
        if where is not None:
            q = q.where(where)
        rows = conn.execute(q).all()
        if not rows:
            return []
        comps: Dict[int, List[LockComponent]] = {}
        for c in conn.execute(select(LC).where(LC.c.lock_id.in_([r.id for r in rows])).order_by(LC.c.lock_id, LC.c.idx)):
            comps.setdefault(c.lock_id, []).append(
                LockComponent(c.type, c.level, c.db_name, c.table_name, c.partition_name))
        return [
            Lock(id=r.id, state=r.state, components=tuple(comps.get(r.id, ())), txn_id=r.txn_id,
                 user=r.user or "", hostname=r.hostname or "", agent_info=r.agent_info,
                 acquired_at=r.acquired_at, last_heartbeat=r.last_heartbeat,
                 heartbeat_count=r.heartbeat_count)
            for r in rows
        ]

    def _check_txn_open(self, conn: Connection, txn_id: int) -> None:
        row = conn.execute(select(TX.c.state).where(TX.c.id == txn_id)).first()
        if row is None:
            raise NoSuchTxn(f"No such transaction {_txn_name(txn_id)}")
        if row.state == TXN_ABORTED:
            raise TxnAborted(f"Transaction {_txn_name(txn_id)} already aborted")
        if row.state == TXN_COMMITTED:
            raise NoSuchTxn(f"Transaction {_txn_name(txn_id)} already committed")

    def _try_acquire(self, conn: Connection, lock: Lock, now_ms: int) -> Tuple[str, Optional[int]]:
        others = [l for l in self._load_locks(conn, L.c.id < lock.id)]
        blocked_by = blocker(lock, others)
        if blocked_by is None:
            conn.execute(update(L).where(L.c.id == lock.id).values(state=ACQUIRED, acquired_at=now_ms))
            return ACQUIRED, None
        return WAITING, blocked_by

    # --- locks -----------------------------------------------------------------------------
    def lock(self, request: LockRequest, now_ms: int) -> Tuple[int, str]:
        """Queue a lock request and try to acquire it. Raises NoSuchTxn, TxnAborted."""
        with self._serialised() as conn:
            self._sweep(conn, now_ms)
            if request.txn_id:
                self._check_txn_open(conn, request.txn_id)
                conn.execute(update(TX).where(TX.c.id == request.txn_id).values(last_heartbeat=now_ms))
            lock_id = conn.execute(insert(L).values(
                txn_id=request.txn_id or 0, state=WAITING, user=request.user, hostname=request.hostname,
                agent_info=request.agent_info, created=now_ms, last_heartbeat=now_ms, heartbeat_count=0,
            )).inserted_primary_key[0]
            conn.execute(insert(LC), [
                dict(lock_id=lock_id, idx=i, type=c.type, level=c.level, db_name=c.db_name,
                     table_name=c.table_name, partition_name=c.partition_name)
                for i, c in enumerate(request.components)
            ])
            lock = Lock(id=lock_id, state=WAITING, components=request.components, txn_id=request.txn_id or 0)
            state, _ = self._try_acquire(conn, lock, now_ms)
            return lock_id, state

    def check_lock(self, lock_id: int, now_ms: int) -> str:
        """Re-check a waiting lock (also a heartbeat). Raises NoSuchLock, TxnAborted."""
        with self._serialised() as conn:
            self._sweep(conn, now_ms)
            found = self._load_locks(conn, L.c.id == lock_id)
            if not found:
                raise NoSuchLock(f"No such lock lockid:{lock_id}")
            lock = found[0]
            if lock.txn_id:
                self._check_txn_open(conn, lock.txn_id)
            conn.execute(update(L).where(L.c.id == lock_id).values(
                last_heartbeat=now_ms, heartbeat_count=L.c.heartbeat_count + 1))
            if lock.state == ACQUIRED:
                return ACQUIRED
            state, _ = self._try_acquire(conn, lock, now_ms)
            return state

    def unlock(self, lock_id: int, now_ms: int) -> None:
        """Release a lock. Raises NoSuchLock; TxnOpen for a lock owned by a transaction."""
        with self._serialised() as conn:
            row = conn.execute(select(L.c.txn_id).where(L.c.id == lock_id)).first()
            if row is None:
                raise NoSuchLock(f"No such lock lockid:{lock_id}")
            if row.txn_id:
                raise TxnOpen(
                    f"Unlocking locks associated with transaction not permitted. lockid:{lock_id} "
                    f"is associated with {_txn_name(row.txn_id)}")
            self._delete_locks(conn, [lock_id])

    def heartbeat(self, lock_id: int, txn_id: int, now_ms: int) -> None:
        """Keep a lock and/or transaction alive. Raises NoSuchLock, NoSuchTxn, TxnAborted."""
        with self._serialised() as conn:
            if txn_id:
                self._check_txn_open(conn, txn_id)
                conn.execute(update(TX).where(TX.c.id == txn_id).values(last_heartbeat=now_ms))
                conn.execute(update(L).where(L.c.txn_id == txn_id).values(
                    last_heartbeat=now_ms, heartbeat_count=L.c.heartbeat_count + 1))
            if lock_id:
                res = conn.execute(update(L).where(L.c.id == lock_id).values(
                    last_heartbeat=now_ms, heartbeat_count=L.c.heartbeat_count + 1))
                if res.rowcount == 0:
                    raise NoSuchLock(f"No such lock lockid:{lock_id}")

    def show_locks(self, now_ms: int, db_name: Optional[str] = None, table_name: Optional[str] = None,
                   partition_name: Optional[str] = None, txn_id: int = 0) -> List[Lock]:
        with self._serialised() as conn:
            self._sweep(conn, now_ms)
            all_locks = self._load_locks(conn)
        out = []
        for lock in all_locks:
            if txn_id and lock.txn_id != txn_id:
                continue
            if db_name and not any(c.db_name == db_name for c in lock.components):
                continue
            if table_name and not any(c.table_name == table_name for c in lock.components):
                continue
            if partition_name and not any(c.partition_name == partition_name for c in lock.components):
                continue
            out.append(lock)
        return out

    # --- transactions ----------------------------------------------------------------------
    def open_txns(self, count: int, user: str, hostname: str, agent_info: Optional[str], now_ms: int) -> List[int]:
        with self._serialised() as conn:
            return [
                conn.execute(insert(TX).values(state=TXN_OPEN, user=user, hostname=hostname,
                                               agent_info=agent_info, started=now_ms,
                                               last_heartbeat=now_ms)).inserted_primary_key[0]
                for _ in range(max(count, 0))
            ]

    def commit_txn(self, txn_id: int, now_ms: int) -> None:
        with self._serialised() as conn:
            self._sweep(conn, now_ms)
            self._check_txn_open(conn, txn_id)
            conn.execute(update(TX).where(TX.c.id == txn_id).values(state=TXN_COMMITTED))
            self._release_txn_locks(conn, [txn_id])

    def check_txn_open(self, txn_id: int, now_ms: int) -> None:
        """Raise NoSuchTxn or TxnAborted unless `txn_id` is open (after expiring stale ones)."""
        with self._serialised() as conn:
            self._sweep(conn, now_ms)
            self._check_txn_open(conn, txn_id)

    def abort_txns(self, txn_ids: Sequence[int], now_ms: int) -> None:
        with self._serialised() as conn:
            for txn_id in txn_ids:
                row = conn.execute(select(TX.c.state).where(TX.c.id == txn_id)).first()
                if row is None or row.state == TXN_COMMITTED:
                    raise NoSuchTxn(f"No such transaction {_txn_name(txn_id)}")
            conn.execute(update(TX).where(TX.c.id.in_(list(txn_ids))).values(state=TXN_ABORTED))
            self._release_txn_locks(conn, txn_ids)

    def heartbeat_txn_range(self, low: int, high: int, now_ms: int) -> Tuple[List[int], List[int]]:
        """Heartbeat open transactions in [low, high]; returns (aborted, no_such) ids."""
        with self._serialised() as conn:
            rows = dict(conn.execute(select(TX.c.id, TX.c.state).where(TX.c.id >= low, TX.c.id <= high)).all())
            aborted, nosuch = [], []
            for txn_id in range(low, high + 1):
                state = rows.get(txn_id)
                if state is None or state == TXN_COMMITTED:
                    nosuch.append(txn_id)
                elif state == TXN_ABORTED:
                    aborted.append(txn_id)
            conn.execute(update(TX).where(TX.c.id >= low, TX.c.id <= high, TX.c.state == TXN_OPEN)
                         .values(last_heartbeat=now_ms))
            return aborted, nosuch

    def txn_snapshot(self, now_ms: int) -> Tuple[int, List[Txn]]:
        """(high-water mark, transactions that are open or aborted), for get_open_txns."""
        with self._serialised() as conn:
            self._sweep(conn, now_ms)
            hwm = conn.execute(select(TX.c.id).order_by(TX.c.id.desc()).limit(1)).scalar() or 0
            rows = conn.execute(select(TX).where(TX.c.state.in_([TXN_OPEN, TXN_ABORTED])).order_by(TX.c.id)).all()
            return hwm, [Txn(r.id, r.state, r.user or "", r.hostname or "", r.started, r.last_heartbeat) for r in rows]

    def allocate_write_ids(self, db_name: str, table_name: str, txn_ids: Sequence[int], now_ms: int) -> List[Tuple[int, int]]:
        with self._serialised() as conn:
            out = []
            for txn_id in txn_ids:
                self._check_txn_open(conn, txn_id)
                existing = conn.execute(select(TXW.c.write_id).where(
                    TXW.c.txn_id == txn_id, TXW.c.db_name == db_name, TXW.c.table_name == table_name)).first()
                if existing:
                    out.append((txn_id, existing.write_id))
                    continue
                row = conn.execute(select(TW.c.next_write_id).where(
                    TW.c.db_name == db_name, TW.c.table_name == table_name)).first()
                write_id = row.next_write_id if row else 1
                if row:
                    conn.execute(update(TW).where(TW.c.db_name == db_name, TW.c.table_name == table_name)
                                 .values(next_write_id=write_id + 1))
                else:
                    conn.execute(insert(TW).values(db_name=db_name, table_name=table_name, next_write_id=2))
                conn.execute(insert(TXW).values(txn_id=txn_id, db_name=db_name, table_name=table_name,
                                                write_id=write_id))
                out.append((txn_id, write_id))
            return out

    def table_write_ids(self, db_name: str, table_name: str) -> Tuple[int, List[Tuple[int, str]]]:
        """(high-water write id, [(write id, txn state)] of writes by open/aborted txns)."""
        with self.tx.read() as conn:
            row = conn.execute(select(TW.c.next_write_id).where(
                TW.c.db_name == db_name, TW.c.table_name == table_name)).first()
            hwm = (row.next_write_id - 1) if row else 0
            rows = conn.execute(
                select(TXW.c.write_id, TX.c.state).select_from(TXW.join(TX, TX.c.id == TXW.c.txn_id))
                .where(TXW.c.db_name == db_name, TXW.c.table_name == table_name,
                       TX.c.state.in_([TXN_OPEN, TXN_ABORTED])).order_by(TXW.c.write_id)
            ).all()
            return hwm, [(r.write_id, r.state) for r in rows]


def _txn_name(txn_id: int) -> str:
    return f"txnid:{txn_id}"
