"""Hive's lock compatibility rules, as pure functions (no storage, no wire).

A lock request is granted only as a whole, and only when none of its components
conflicts with a component of an earlier lock (by id) that is acquired or still waiting:
earlier waiters go first, so a stream of readers cannot starve a writer.
"""
from __future__ import annotations

from typing import Iterable, Optional

from .model.locks import (
    DB, EXCL_WRITE, EXCLUSIVE, PARTITION, SHARED_READ, SHARED_WRITE, TABLE, Lock, LockComponent,
)

# requested type -> held types it can coexist with (Hive 3+ semantics: concurrent
# SHARED_WRITEs are allowed, conflicts between writers are found at commit).
_COMPATIBLE = {
    SHARED_READ: {SHARED_READ, SHARED_WRITE, EXCL_WRITE},
    SHARED_WRITE: {SHARED_READ, SHARED_WRITE},
    EXCL_WRITE: {SHARED_READ},
    EXCLUSIVE: set(),
}


def types_compatible(requested: str, held: str) -> bool:
    return held in _COMPATIBLE[requested]


def overlaps(a: LockComponent, b: LockComponent) -> bool:
    """Whether two components cover some common object (a DB lock covers its tables, a
    table lock its partitions)."""
    if a.db_name != b.db_name:
        return False
    if a.level == DB or b.level == DB:
        return True
    if a.table_name != b.table_name:
        return False
    if a.level == TABLE or b.level == TABLE:
        return True
    return a.partition_name == b.partition_name


def conflicts(a: LockComponent, b: LockComponent) -> bool:
    return overlaps(a, b) and not types_compatible(a.type, b.type)


def blocker(candidate: Lock, others: Iterable[Lock]) -> Optional[int]:
    """The id of the first earlier lock that keeps `candidate` waiting, or None if it can be
    acquired. Locks of the same transaction never block each other."""
    for other in sorted(others, key=lambda l: l.id):
        if other.id >= candidate.id:
            break
        if candidate.txn_id and other.txn_id == candidate.txn_id:
            continue
        if any(conflicts(c, o) for c in candidate.components for o in other.components):
            return other.id
    return None


LEVELS = (DB, TABLE, PARTITION)
TYPES = (SHARED_READ, SHARED_WRITE, EXCL_WRITE, EXCLUSIVE)
