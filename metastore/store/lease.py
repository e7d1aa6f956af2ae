"""Leases: time-limited claims on a database row, held across processes and hosts.

A lease is two columns of some row — who holds it, and until when (integer microseconds
since the epoch) — changed only by conditional UPDATEs inside the caller's transaction, so
whoever shares the database agrees on one holder:

- `claim`: take the row when nobody holds it or the holder's lease ran out;
- `renew`: extend it, only while still the holder;
- `release`: give it up, only while still the holder.

The holder renews well before the lease runs out; a holder that dies simply stops renewing
and the next claimant takes over once `until` has passed. Times come from the callers'
clocks, so hosts sharing a database need roughly synchronized clocks (skew eats into the
lease). Used by the crawler (one run per crawler: cr_crawlers.run_id / lease_until) and the
job runner (which runner fires triggers: jr_leases).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement


def _us(t: float) -> int:
    return int(round(t * 1_000_000))


@dataclass(frozen=True)
class RowLease:
    """The lease columns of one table; `where` picks the row (e.g. `table.c.name == name`)."""

    holder: Any  # Column: who holds it (NULL: nobody)
    until: Any   # Column: BigInteger µs since the epoch

    @property
    def table(self):
        return self.holder.table

    def claim(self, conn: Connection, where: ColumnElement, holder: str, now: float, seconds: float) -> bool:
        """Take the lease when it is free or ran out. True when `holder` holds it now."""
        free = or_(self.holder.is_(None), self.until.is_(None), self.until <= _us(now))
        return conn.execute(update(self.table).where(where, free)
                            .values({self.holder: holder, self.until: _us(now + seconds)})).rowcount == 1

    def renew(self, conn: Connection, where: ColumnElement, holder: str, now: float, seconds: float) -> bool:
        """Extend the lease; False when `holder` no longer holds it."""
        return conn.execute(update(self.table).where(where, self.holder == holder)
                            .values({self.until: _us(now + seconds)})).rowcount == 1

    def release(self, conn: Connection, where: ColumnElement, holder: str) -> bool:
        """Give the lease up; False when `holder` did not hold it."""
        return conn.execute(update(self.table).where(where, self.holder == holder)
                            .values({self.holder: None, self.until: None})).rowcount == 1

    def holder_at(self, conn: Connection, where: ColumnElement, now: float) -> Optional[str]:
        """Who holds an unexpired lease on the row at `now` (None: free or ran out)."""
        row = conn.execute(select(self.holder, self.until).where(where)).first()
        if row is None or row[0] is None or row[1] is None or row[1] <= _us(now):
            return None
        return row[0]


__all__ = ["RowLease"]
