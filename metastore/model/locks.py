"""Locks and transactions as Hive clients use them (PyIceberg, Trino, Hive)."""
from __future__ import annotations

from typing import Optional, Tuple

from .frozen import frozen

# Lock types, levels and states keep Hive's names; adapters map them to wire enums.
SHARED_READ = "SHARED_READ"
SHARED_WRITE = "SHARED_WRITE"
EXCL_WRITE = "EXCL_WRITE"
EXCLUSIVE = "EXCLUSIVE"

DB = "DB"
TABLE = "TABLE"
PARTITION = "PARTITION"

ACQUIRED = "ACQUIRED"
WAITING = "WAITING"
ABORT = "ABORT"
NOT_ACQUIRED = "NOT_ACQUIRED"

TXN_OPEN = "OPEN"
TXN_COMMITTED = "COMMITTED"
TXN_ABORTED = "ABORTED"


@frozen
class LockComponent:
    type: str
    level: str
    db_name: str
    table_name: Optional[str] = None
    partition_name: Optional[str] = None


@frozen
class LockRequest:
    components: Tuple[LockComponent, ...]
    txn_id: int = 0
    user: str = ""
    hostname: str = ""
    agent_info: Optional[str] = None


@frozen
class Lock:
    id: int
    state: str
    components: Tuple[LockComponent, ...]
    txn_id: int = 0
    user: str = ""
    hostname: str = ""
    agent_info: Optional[str] = None
    acquired_at: Optional[int] = None  # ms since epoch
    last_heartbeat: int = 0  # ms since epoch
    heartbeat_count: int = 0
    blocked_by: Optional[int] = None


@frozen
class Txn:
    id: int
    state: str
    user: str = ""
    hostname: str = ""
    started: int = 0
    last_heartbeat: int = 0
