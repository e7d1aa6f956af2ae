"""The notification log: one row per committed catalog change, written in the same
transaction as the change (so a failed write leaves no event, and no change goes
unrecorded). Ids only grow; consumers poll with the last id they saw."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.engine import Connection

from .session import PreparedStatement
from .tables import notifications as N

MESSAGE_FORMAT = "lakeglue-json-1.0"


@dataclass(frozen=True)
class Event:
    id: int
    time: int
    type: str
    db_name: Optional[str]
    table_name: Optional[str]
    message: str
    message_format: str = MESSAGE_FORMAT
    catalog: str = "hive"


def append(conn: Connection, event_type: str, db_name: Optional[str], table_name: Optional[str],
           payload: Dict[str, Any]) -> None:
    append_many(conn, event_type, db_name, table_name, [payload])


def append_many(conn: Connection, event_type: str, db_name: Optional[str], table_name: Optional[str],
                payloads: Sequence[Dict[str, Any]]) -> None:
    """One event per payload, in order, in one batched statement."""
    if not payloads:
        return
    now = int(time.time())
    rows = [dict(
        event_time=now, event_type=event_type, catalog="hive", db_name=db_name, table_name=table_name,
        message_format=MESSAGE_FORMAT,
        message=json.dumps(dict(payload, eventType=event_type, db=db_name, table=table_name, timestamp=now),
                           separators=(",", ":"), sort_keys=True, default=str),
    ) for payload in payloads]
    if len(rows) == 1:  # the common case: one prepared statement
        _INSERT_ONE.execute(conn, rows[0], defer=True)
    else:
        conn.execute(insert(N), rows)


_INSERT_ONE = PreparedStatement(insert(N).values({
    c: bindparam(c) for c in ("event_time", "event_type", "catalog", "db_name", "table_name",
                              "message_format", "message")}))


def _row(r) -> Event:
    return Event(r.id, r.event_time, r.event_type, r.db_name, r.table_name, r.message, r.message_format,
                 r.catalog or "hive")


class EventLog:
    def __init__(self, tx):
        self.tx = tx

    def after(self, last_id: int, limit: int = -1, skip_types: Optional[Sequence[str]] = None) -> List[Event]:
        """Events with id > last_id, oldest first, leaving out `skip_types`."""
        with self.tx.read() as conn:
            q = select(N).where(N.c.id > last_id).order_by(N.c.id)
            if skip_types:
                q = q.where(N.c.event_type.not_in(list(skip_types)))
            if limit is not None and limit > 0:
                q = q.limit(limit)
            return [_row(r) for r in conn.execute(q)]

    def current_id(self) -> int:
        with self.tx.read() as conn:
            return conn.execute(select(func.max(N.c.id))).scalar() or 0

    def count(self, from_id: int, db_name: Optional[str], to_id: Optional[int] = None) -> int:
        with self.tx.read() as conn:
            q = select(func.count()).select_from(N).where(N.c.id > from_id)
            if db_name:
                q = q.where(N.c.db_name == db_name)
            if to_id:
                q = q.where(N.c.id <= to_id)
            return conn.execute(q).scalar_one()
