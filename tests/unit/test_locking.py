"""Hive's lock compatibility rules (pure logic)."""
import pytest

from metastore.locking import blocker, conflicts, overlaps, types_compatible
from metastore.model.locks import (
    DB, EXCL_WRITE, EXCLUSIVE, PARTITION, SHARED_READ, SHARED_WRITE, TABLE, Lock, LockComponent,
)


def comp(type_, level=TABLE, db="db", table="t", part=None):
    return LockComponent(type_, level, db, table if level != DB else None, part)


@pytest.mark.parametrize("requested, held, ok", [
    (SHARED_READ, SHARED_READ, True), (SHARED_READ, SHARED_WRITE, True), (SHARED_READ, EXCL_WRITE, True),
    (SHARED_READ, EXCLUSIVE, False),
    (SHARED_WRITE, SHARED_READ, True), (SHARED_WRITE, SHARED_WRITE, True), (SHARED_WRITE, EXCL_WRITE, False),
    (SHARED_WRITE, EXCLUSIVE, False),
    (EXCL_WRITE, SHARED_READ, True), (EXCL_WRITE, SHARED_WRITE, False), (EXCL_WRITE, EXCL_WRITE, False),
    (EXCLUSIVE, SHARED_READ, False), (EXCLUSIVE, SHARED_WRITE, False), (EXCLUSIVE, EXCLUSIVE, False),
])
def test_compatibility_matrix(requested, held, ok):
    assert types_compatible(requested, held) is ok


def test_overlap_by_level():
    assert overlaps(comp(EXCLUSIVE, DB), comp(SHARED_READ, TABLE, table="x"))
    assert not overlaps(comp(EXCLUSIVE, DB), comp(SHARED_READ, DB, db="other"))
    assert overlaps(comp(EXCLUSIVE, TABLE), comp(SHARED_READ, PARTITION, part="p=1"))
    assert not overlaps(comp(EXCLUSIVE, TABLE, table="a"), comp(EXCLUSIVE, TABLE, table="b"))
    assert not overlaps(comp(EXCLUSIVE, PARTITION, part="p=1"), comp(EXCLUSIVE, PARTITION, part="p=2"))
    assert conflicts(comp(EXCLUSIVE, PARTITION, part="p=1"), comp(SHARED_READ, PARTITION, part="p=1"))


def test_earlier_waiters_block_later_requests():
    held = Lock(1, "ACQUIRED", (comp(EXCLUSIVE),))
    waiting_writer = Lock(2, "WAITING", (comp(EXCLUSIVE),))
    reader = Lock(3, "WAITING", (comp(SHARED_READ),))
    assert blocker(waiting_writer, [held]) == 1
    assert blocker(reader, [held, waiting_writer]) == 1
    assert blocker(reader, [waiting_writer]) == 2  # the queued writer goes first
    assert blocker(Lock(4, "WAITING", (comp(SHARED_READ, table="other"),)), [held, waiting_writer]) is None


def test_later_locks_never_block_earlier_ones_and_same_txn_does_not_block():
    assert blocker(Lock(1, "WAITING", (comp(EXCLUSIVE),)), [Lock(2, "ACQUIRED", (comp(EXCLUSIVE),))]) is None
    mine = Lock(5, "WAITING", (comp(EXCLUSIVE),), txn_id=9)
    assert blocker(mine, [Lock(4, "ACQUIRED", (comp(EXCLUSIVE),), txn_id=9)]) is None
