"""ThriftHiveMetastore lock and transaction methods → TxnService."""
from __future__ import annotations

from hive_metastore import ttypes as tt

from ..model.locks import LockComponent, LockRequest
from .errors import thrift_errors

_LOCK_TYPE_FROM = {v: k for k, v in tt.LockType._NAMES_TO_VALUES.items()}
_LEVEL_FROM = {v: k for k, v in tt.LockLevel._NAMES_TO_VALUES.items()}


def _lock_component(c: tt.LockComponent) -> LockComponent:
    return LockComponent(type=_LOCK_TYPE_FROM.get(c.type, str(c.type)), level=_LEVEL_FROM.get(c.level, str(c.level)),
                         db_name=c.dbname or "", table_name=c.tablename, partition_name=c.partitionname)


def _state(name: str) -> int:
    return tt.LockState._NAMES_TO_VALUES[name]


class TxnMethods:
    """Mixin for Handler; needs `self.txns` (a TxnService)."""

    @thrift_errors
    def lock(self, rqst):
        req = LockRequest(components=tuple(_lock_component(c) for c in rqst.component or ()),
                          txn_id=rqst.txnid or 0, user=rqst.user or "", hostname=rqst.hostname or "",
                          agent_info=rqst.agentInfo)
        lock_id, state = self.txns.lock(req)
        return tt.LockResponse(lockid=lock_id, state=_state(state))

    @thrift_errors
    def check_lock(self, rqst):
        state = self.txns.check_lock(rqst.lockid)
        return tt.LockResponse(lockid=rqst.lockid, state=_state(state))

    @thrift_errors
    def unlock(self, rqst):
        self.txns.unlock(rqst.lockid)

    @thrift_errors
    def heartbeat(self, ids):
        self.txns.heartbeat(ids.lockid or 0, ids.txnid or 0)

    @thrift_errors
    def show_locks(self, rqst):
        locks = self.txns.show_locks(rqst.dbname, rqst.tablename, rqst.partname, rqst.txnid or 0)
        elements = []
        for lock in locks:
            for comp in lock.components:
                elements.append(tt.ShowLocksResponseElement(
                    lockid=lock.id, dbname=comp.db_name, tablename=comp.table_name,
                    partname=comp.partition_name, state=_state(lock.state),
                    type=tt.LockType._NAMES_TO_VALUES[comp.type], txnid=lock.txn_id,
                    lastheartbeat=lock.last_heartbeat, acquiredat=lock.acquired_at, user=lock.user,
                    hostname=lock.hostname, heartbeatCount=lock.heartbeat_count, agentInfo=lock.agent_info,
                ))
        return tt.ShowLocksResponse(locks=elements)

    # --- transactions ----------------------------------------------------------------------
    @thrift_errors
    def open_txns(self, rqst):
        ids = self.txns.open_txns(rqst.num_txns or 0, rqst.user, rqst.hostname, rqst.agentInfo)
        return tt.OpenTxnsResponse(txn_ids=ids)

    @thrift_errors
    def commit_txn(self, rqst):
        self.txns.commit_txn(rqst.txnid)

    @thrift_errors
    def add_dynamic_partitions(self, rqst):
        # Trino and Hive send this after writing partitions of a transactional table.
        self.txns.add_dynamic_partitions(rqst.txnid or 0, rqst.dbname or "", rqst.tablename or "",
                                         list(rqst.partitionnames or ()))

    @thrift_errors
    def abort_txn(self, rqst):
        self.txns.abort_txns([rqst.txnid])

    @thrift_errors
    def abort_txns(self, rqst):
        self.txns.abort_txns(list(rqst.txn_ids or ()))

    def _open_txns(self):
        hwm, txns = self.txns.txn_snapshot()
        ids = [t.id for t in txns]
        bits = bytearray((len(ids) + 7) // 8)
        for i, t in enumerate(txns):
            if t.state == "ABORTED":
                bits[i // 8] |= 1 << (i % 8)
        open_ids = [t.id for t in txns if t.state == "OPEN"]
        return hwm, ids, open_ids, bytes(bits), txns

    @thrift_errors
    def get_open_txns(self):
        hwm, ids, open_ids, bits, _ = self._open_txns()
        return tt.GetOpenTxnsResponse(txn_high_water_mark=hwm, open_txns=ids,
                                      min_open_txn=min(open_ids) if open_ids else None, abortedBits=bits)

    @thrift_errors
    def get_open_txns_req(self, getOpenTxnsRequest):
        return self.get_open_txns()

    @thrift_errors
    def get_open_txns_info(self):
        hwm, _, _, _, txns = self._open_txns()
        return tt.GetOpenTxnsInfoResponse(txn_high_water_mark=hwm, open_txns=[
            tt.TxnInfo(id=t.id, state=tt.TxnState._NAMES_TO_VALUES[t.state], user=t.user, hostname=t.hostname,
                       startedTime=t.started, lastHeartbeatTime=t.last_heartbeat)
            for t in txns])

    @thrift_errors
    def heartbeat_txn_range(self, txns):
        aborted, nosuch = self.txns.heartbeat_txn_range(txns.min, txns.max)
        return tt.HeartbeatTxnRangeResponse(aborted=set(aborted), nosuch=set(nosuch))

    @thrift_errors
    def allocate_table_write_ids(self, rqst):
        pairs = self.txns.allocate_write_ids(rqst.dbName, rqst.tableName, list(rqst.txnIds or ()))
        return tt.AllocateTableWriteIdsResponse(txnToWriteIds=[tt.TxnToWriteId(txnId=t, writeId=w) for t, w in pairs])

    @thrift_errors
    def get_valid_write_ids(self, rqst):
        out = []
        for full_name in rqst.fullTableNames or ():
            db_name, _, table_name = full_name.partition(".")
            hwm, invalid = self.txns.table_write_ids(db_name, table_name)
            ids = [w for w, _ in invalid]
            bits = bytearray((len(ids) + 7) // 8)
            for i, (_, state) in enumerate(invalid):
                if state == "ABORTED":
                    bits[i // 8] |= 1 << (i % 8)
            open_ids = [w for w, s in invalid if s == "OPEN"]
            out.append(tt.TableValidWriteIds(fullTableName=full_name, writeIdHighWaterMark=hwm,
                                             invalidWriteIds=ids, minOpenWriteId=min(open_ids) if open_ids else None,
                                             abortedBits=bytes(bits)))
        return tt.GetValidWriteIdsResponse(tblValidWriteIds=out)
