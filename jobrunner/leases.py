"""Named leases among the runners sharing one database (table jr_leases).

The mechanism is the crawler's run guard, shared in metastore.store.lease.RowLease: a
holder and an expiry per row, changed by conditional UPDATEs. Two kinds of rows here:

- "scheduler": the one runner that fires SCHEDULED triggers, closes EVENT batch windows
  and hands crawler-run ends to CONDITIONAL triggers (orchestration.Orchestrator). The
  others keep serving the API and running jobs; when the holder stops renewing (closed or
  crashed) another takes over once the lease has run out.
- "runner:<id>": each runner's liveness, renewed while it runs and dropped when it closes,
  so a runner starting next to a live one leaves that one's runs alone (service.reconcile).
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from sqlalchemy import delete, insert, select

from metastore.errors import CatalogError
from metastore.store.lease import RowLease

from .store import JobStore, to_us
from .tables import leases as L

log = logging.getLogger(__name__)

LEASE = RowLease(L.c.holder, L.c.lease_until)
SCHEDULER = "scheduler"
RUNNER_PREFIX = "runner:"


def runner_lease(runner_id: str) -> str:
    return RUNNER_PREFIX + runner_id


def holder(conn, name: str, now: float) -> Optional[str]:
    """Who holds the unexpired lease `name` at `now` (None: nobody)."""
    return LEASE.holder_at(conn, L.c.name == name, now)


def drop_expired_runner_leases(conn, now: float) -> int:
    """Forget liveness rows of runners that stopped renewing (a missing row means dead too)."""
    return conn.execute(delete(L).where(L.c.name.like(RUNNER_PREFIX + "%"), L.c.lease_until <= to_us(now))).rowcount


class Lease:
    """One named lease that this runner (`holder`) holds or wants.

    `hold()` claims it when free, renews it once a third of its time has passed, and says
    whether this runner holds it; followers only read the row. Database errors are logged
    and count as not holding it for that call."""

    def __init__(self, store: JobStore, name: str, holder: str, clock: Callable[[], float], seconds: float):
        self.store, self.name, self.holder, self.clock = store, name, holder, clock
        self.seconds = float(seconds)
        self._until: Optional[float] = None  # our lease's expiry, while we hold it
        self._renewed = 0.0

    @property
    def held(self) -> bool:
        return self._until is not None and self.clock() < self._until

    def hold(self) -> bool:
        now = self.clock()
        if self._until is not None and now < self._until and now - self._renewed < self.seconds / 3:
            return True
        where = L.c.name == self.name
        try:
            if self._until is None:  # followers only read, unless the lease looks free
                with self.store.tx.read() as conn:
                    if holder(conn, self.name, now) not in (None, self.holder):
                        return False
            with self.store.tx.write() as conn:
                if self._until is not None:  # ours: extend it, unless someone took it over
                    ok = LEASE.renew(conn, where, self.holder, now, self.seconds)
                else:
                    current = conn.execute(select(L.c.name).where(where)).first()
                    if current is None:
                        conn.execute(insert(L).values(name=self.name, holder=None, lease_until=None))
                    elif holder(conn, self.name, now) not in (None, self.holder):
                        return False
                    ok = LEASE.claim(conn, where, self.holder, now, self.seconds)
                    if ok:
                        conn.execute(L.update().where(where).values(acquired_on=to_us(now)))
        except CatalogError as e:  # e.g. two runners inserting the row at once; retried next time
            log.warning("lease %s: %s", self.name, e)
            return False
        if ok:
            if self._until is None:
                log.info("lease %s acquired by %s", self.name, self.holder)
            self._until, self._renewed = now + self.seconds, now
        else:
            if self._until is not None:
                log.warning("lease %s lost by %s", self.name, self.holder)
            self._until = None
        return ok

    def release(self, *, forget: bool = False) -> None:
        """Give the lease up (`forget`: delete its row too) so another runner may take it now."""
        if self._until is None and not forget:
            return
        self._until = None
        try:
            with self.store.tx.write() as conn:
                if forget:
                    conn.execute(delete(L).where(L.c.name == self.name, L.c.holder == self.holder))
                else:
                    LEASE.release(conn, L.c.name == self.name, self.holder)
        except CatalogError as e:
            log.warning("lease %s: could not release it: %s", self.name, e)
