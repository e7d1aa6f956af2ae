"""Locks and transactions over the wire, as PyIceberg, Trino and Hive use them."""
from __future__ import annotations

import threading

import pytest
from hive_metastore import ttypes as tt

from metastore.app import build_services
from metastore.thrift.handler import Handler

EXCL, SR, SW = tt.LockType.EXCLUSIVE, tt.LockType.SHARED_READ, tt.LockType.SHARED_WRITE
ACQ, WAIT = tt.LockState.ACQUIRED, tt.LockState.WAITING


def table_lock(kind, db="db1", table="t1", txnid=None):
    return tt.LockRequest(component=[tt.LockComponent(type=kind, level=tt.LockLevel.TABLE, dbname=db,
                                                       tablename=table)],
                          txnid=txnid, user="alice", hostname="host-a")


def test_exclusive_lock_waits_then_acquires_after_unlock(hms):
    first = hms.lock(table_lock(EXCL))
    assert first.state == ACQ and first.lockid > 0
    second = hms.lock(table_lock(EXCL))
    assert second.state == WAIT
    assert hms.check_lock(tt.CheckLockRequest(lockid=second.lockid)).state == WAIT
    hms.unlock(tt.UnlockRequest(lockid=first.lockid))
    assert hms.check_lock(tt.CheckLockRequest(lockid=second.lockid)).state == ACQ
    hms.unlock(tt.UnlockRequest(lockid=second.lockid))


def test_shared_reads_coexist_but_block_exclusive(hms):
    r1 = hms.lock(table_lock(SR))
    r2 = hms.lock(table_lock(SR))
    assert (r1.state, r2.state) == (ACQ, ACQ)
    w = hms.lock(table_lock(EXCL))
    assert w.state == WAIT
    other_table = hms.lock(table_lock(EXCL, table="t2"))
    assert other_table.state == ACQ
    for lock in (r1, r2):
        hms.unlock(tt.UnlockRequest(lockid=lock.lockid))
    assert hms.check_lock(tt.CheckLockRequest(lockid=w.lockid)).state == ACQ


def test_database_lock_covers_its_tables(hms):
    db = hms.lock(tt.LockRequest(component=[tt.LockComponent(type=EXCL, level=tt.LockLevel.DB, dbname="db1")],
                                 user="u", hostname="h"))
    assert db.state == ACQ
    assert hms.lock(table_lock(SR)).state == WAIT


def test_show_locks_lists_components(hms):
    a = hms.lock(table_lock(EXCL))
    b = hms.lock(table_lock(SR))
    shown = hms.show_locks(tt.ShowLocksRequest()).locks
    by_id = {e.lockid: e for e in shown}
    assert by_id[a.lockid].state == ACQ and by_id[a.lockid].type == EXCL
    assert by_id[b.lockid].state == WAIT and by_id[b.lockid].tablename == "t1"
    assert by_id[a.lockid].user == "alice" and by_id[a.lockid].hostname == "host-a"
    assert [e.lockid for e in hms.show_locks(tt.ShowLocksRequest(dbname="db1", tablename="nope")).locks] == []


def test_unknown_lock_ids_raise_no_such_lock(hms):
    with pytest.raises(tt.NoSuchLockException):
        hms.check_lock(tt.CheckLockRequest(lockid=987654))
    with pytest.raises(tt.NoSuchLockException):
        hms.unlock(tt.UnlockRequest(lockid=987654))
    with pytest.raises(tt.NoSuchLockException):
        hms.heartbeat(tt.HeartbeatRequest(lockid=987654))


def test_heartbeat_keeps_lock(hms):
    lock = hms.lock(table_lock(EXCL))
    hms.heartbeat(tt.HeartbeatRequest(lockid=lock.lockid))
    assert hms.check_lock(tt.CheckLockRequest(lockid=lock.lockid)).state == ACQ


def test_transactions_release_their_locks(hms):
    txn = hms.open_txns(tt.OpenTxnRequest(num_txns=1, user="u", hostname="h")).txn_ids[0]
    lock = hms.lock(table_lock(EXCL, txnid=txn))
    assert lock.state == ACQ
    with pytest.raises(tt.TxnOpenException):
        hms.unlock(tt.UnlockRequest(lockid=lock.lockid))
    waiting = hms.lock(table_lock(EXCL))
    assert waiting.state == WAIT
    open_txns = hms.get_open_txns()
    assert txn in open_txns.open_txns and open_txns.txn_high_water_mark >= txn
    hms.commit_txn(tt.CommitTxnRequest(txnid=txn))
    assert hms.check_lock(tt.CheckLockRequest(lockid=waiting.lockid)).state == ACQ
    with pytest.raises(tt.NoSuchTxnException):
        hms.commit_txn(tt.CommitTxnRequest(txnid=txn))


def test_abort_and_write_ids(hms):
    t1, t2 = hms.open_txns(tt.OpenTxnRequest(num_txns=2, user="u", hostname="h")).txn_ids
    ids = hms.allocate_table_write_ids(tt.AllocateTableWriteIdsRequest(dbName="db1", tableName="t1", txnIds=[t1, t2]))
    assert [(x.txnId, x.writeId) for x in ids.txnToWriteIds] == [(t1, 1), (t2, 2)]
    hms.abort_txn(tt.AbortTxnRequest(txnid=t2))
    with pytest.raises(tt.TxnAbortedException):
        hms.lock(table_lock(SW, txnid=t2))
    valid = hms.get_valid_write_ids(tt.GetValidWriteIdsRequest(fullTableNames=["db1.t1"], validTxnList=""))
    tv = valid.tblValidWriteIds[0]
    assert tv.writeIdHighWaterMark == 2 and tv.invalidWriteIds == [1, 2] and tv.minOpenWriteId == 1
    assert tv.abortedBits == bytes([0b10])
    resp = hms.heartbeat_txn_range(tt.HeartbeatTxnRangeRequest(min=t1, max=t2 + 1))
    assert resp.aborted == {t2} and resp.nosuch == {t2 + 1}
    hms.commit_txn(tt.CommitTxnRequest(txnid=t1))


def test_add_dynamic_partitions_as_trino_sends_it(hms):
    # Trino's INSERT into a partitioned transactional table: open_txns, lock, allocate a
    # write id, write the partitions, add_dynamic_partitions, commit_txn.
    (txn,) = hms.open_txns(tt.OpenTxnRequest(num_txns=1, user="trino", hostname="h")).txn_ids
    (w,) = hms.allocate_table_write_ids(tt.AllocateTableWriteIdsRequest(
        dbName="db1", tableName="acid", txnIds=[txn])).txnToWriteIds
    rqst = tt.AddDynamicPartitions(txnid=txn, writeid=w.writeId, dbname="db1", tablename="acid",
                                   partitionnames=["ds=p1", "ds=p2"], operationType=tt.DataOperationType.INSERT)
    hms.add_dynamic_partitions(rqst)
    hms.commit_txn(tt.CommitTxnRequest(txnid=txn))
    # only an open transaction may report partitions
    with pytest.raises(tt.NoSuchTxnException):
        hms.add_dynamic_partitions(rqst)
    (aborted,) = hms.open_txns(tt.OpenTxnRequest(num_txns=1, user="trino", hostname="h")).txn_ids
    hms.abort_txn(tt.AbortTxnRequest(txnid=aborted))
    with pytest.raises(tt.TxnAbortedException):
        hms.add_dynamic_partitions(tt.AddDynamicPartitions(txnid=aborted, writeid=2, dbname="db1", tablename="acid",
                                                           partitionnames=["ds=p1"]))
    with pytest.raises(tt.NoSuchTxnException):
        hms.add_dynamic_partitions(tt.AddDynamicPartitions(txnid=aborted + 1000, writeid=1, dbname="db1",
                                                           tablename="acid", partitionnames=["ds=p1"]))


def test_abandoned_locks_expire_after_heartbeat_timeout(db_url, warehouse):
    now = [1000.0]
    services = build_services(db_url, warehouse, lock_timeout_s=30)
    services.txns.clock = lambda: now[0]
    h = services.handler()
    try:
        abandoned = h.lock(table_lock(EXCL))
        waiting = h.lock(table_lock(EXCL))
        assert waiting.state == WAIT
        now[0] += 20
        h.heartbeat(tt.HeartbeatRequest(lockid=waiting.lockid))
        assert h.check_lock(tt.CheckLockRequest(lockid=waiting.lockid)).state == WAIT
        now[0] += 15  # the abandoned lock is 35 s old: expired; the waiter was heartbeated
        assert h.check_lock(tt.CheckLockRequest(lockid=waiting.lockid)).state == ACQ
        with pytest.raises(tt.NoSuchLockException):
            h.check_lock(tt.CheckLockRequest(lockid=abandoned.lockid))
    finally:
        services.close()


def test_concurrent_exclusive_requests_grant_one_at_a_time(db_url, warehouse):
    services = build_services(db_url, warehouse)
    h = services.handler()
    results, errors = [], []

    def worker():
        try:
            results.append(h.lock(table_lock(EXCL)))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        assert sorted(r.state for r in results).count(ACQ) == 1
    finally:
        services.close()
