"""Named crawlers, their runs and manifests in the catalog database (SQLAlchemy Core).

`CrawlerStore.open(url)` verifies the crawler's schema (creating it in a database that has
no crawler tables yet). Every method opens its own transaction through
metastore.store.session.Transactions (BEGIN IMMEDIATE on SQLite, driver errors raised as
metastore.errors.StoreError). Lookups of absent crawlers raise CrawlerNotFound; starting a
crawler whose run is in progress raises CrawlerRunning. Times are float seconds here,
microseconds in SQL.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Engine

from metastore.store.lease import RowLease
from metastore.store.session import Transactions, make_engine

from . import migrations
from .manifest import Manifest
from .model import FAILED, FINAL_STATES, METRICS, RUNNING, CrawlerDef, CrawlerRun, next_run_time
from .tables import crawlers as C
from .tables import manifests as M
from .tables import runs as R

# The run guard: cr_crawlers.run_id holds the crawler while its lease_until is in the future.
_GUARD = RowLease(C.c.run_id, C.c.lease_until)

log = logging.getLogger(__name__)


class CrawlerNotFound(LookupError):
    """No crawler of that name."""


class CrawlerExists(ValueError):
    """A crawler of that name already exists."""


class CrawlerRunning(RuntimeError):
    """The crawler has a run in progress (in this or another process)."""


def to_us(t: Optional[float]) -> Optional[int]:
    return None if t is None else int(round(t * 1_000_000))


def from_us(v: Optional[int]) -> Optional[float]:
    return None if v is None else v / 1_000_000


def _dumps(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def _crawler(row) -> CrawlerDef:
    return CrawlerDef(name=row.name, paths=tuple(json.loads(row.paths)), database=row.database_name,
                      schedule=row.schedule, options=json.loads(row.options), description=row.description,
                      metastore_uri=row.metastore_uri, created_on=from_us(row.created_on),
                      last_modified_on=from_us(row.last_modified_on), run_id=row.run_id,
                      next_run_on=from_us(row.next_run_on))


def _run(row) -> CrawlerRun:
    return CrawlerRun(id=row.id, crawler_name=row.crawler_name, state=row.state, started_by=row.started_by,
                      started_on=from_us(row.started_on), finished_on=from_us(row.finished_on),
                      trigger_name=row.trigger_name, workflow_run_id=row.workflow_run_id, host=row.host,
                      pid=row.pid, metrics={k: getattr(row, k) for k in METRICS},
                      errors=tuple(json.loads(row.errors or "[]")), message=row.message,
                      cancel_requested=bool(row.cancel_requested), notified_on=from_us(row.notified_on))


class CrawlerStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.tx = Transactions(engine)

    @classmethod
    def open(cls, url: str, *, check_schema: bool = True) -> "CrawlerStore":
        """The store on the database at `url`. Raises migrations.SchemaOutdated, StoreError."""
        engine = make_engine(url, pool_size=4)
        if check_schema:
            try:
                migrations.check(engine)
            except Exception:
                engine.dispose()
                raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # --- crawlers ----------------------------------------------------------------------------
    def create(self, crawler: CrawlerDef, now: float) -> CrawlerDef:
        """Raises CrawlerConfigError, CrawlerExists."""
        c = crawler.validated()
        nxt = next_run_time(c.schedule, now) if c.schedule else None
        with self.tx.write() as conn:
            if conn.execute(select(C.c.name).where(C.c.name == c.name)).first() is not None:
                raise CrawlerExists(f"crawler {c.name} already exists")
            conn.execute(insert(C).values(
                name=c.name, description=c.description, paths=_dumps(list(c.paths)), database_name=c.database,
                schedule=c.schedule, options=_dumps(dict(c.options)), metastore_uri=c.metastore_uri,
                next_run_on=to_us(nxt), created_on=to_us(now), last_modified_on=to_us(now)))
        return self.get(c.name)

    def update(self, name: str, changes: Mapping[str, Any], now: float) -> CrawlerDef:
        """Change some of CrawlerDef.UPDATABLE (`options` are merged: a None value resets an
        option). Raises CrawlerNotFound, CrawlerConfigError."""
        from .model import CrawlerConfigError

        bad = set(changes) - set(CrawlerDef.UPDATABLE)
        if bad:
            raise CrawlerConfigError(f"cannot update {', '.join(sorted(bad))} of a crawler")
        with self.tx.write() as conn:
            cur = self._get(conn, name)
            fields = dict(changes)
            if "options" in fields:
                merged = dict(cur.options)
                for k, v in dict(fields["options"]).items():
                    if v is None:
                        merged.pop(k, None)
                    else:
                        merged[k] = v
                fields["options"] = merged
            new = replace(cur, **fields).validated()
            nxt = cur.next_run_on
            if new.schedule != cur.schedule:
                nxt = next_run_time(new.schedule, now) if new.schedule else None
            conn.execute(update(C).where(C.c.name == name).values(
                description=new.description, paths=_dumps(list(new.paths)), database_name=new.database,
                schedule=new.schedule, options=_dumps(dict(new.options)), metastore_uri=new.metastore_uri,
                next_run_on=to_us(nxt), last_modified_on=to_us(now)))
        return self.get(name)

    def _get(self, conn, name: str) -> CrawlerDef:
        row = conn.execute(select(C).where(C.c.name == name)).first()
        if row is None:
            raise CrawlerNotFound(f"no crawler named {name!r}")
        return _crawler(row)

    def get(self, name: str) -> CrawlerDef:
        """Raises CrawlerNotFound."""
        with self.tx.read() as conn:
            return self._get(conn, name)

    def list(self) -> List[CrawlerDef]:
        with self.tx.read() as conn:
            return [_crawler(r) for r in conn.execute(select(C).order_by(C.c.name))]

    def delete(self, name: str, now: float) -> None:
        """Delete a crawler with its runs and manifests. Raises CrawlerNotFound, CrawlerRunning."""
        with self.tx.write() as conn:
            c = self._get(conn, name)
            if c.run_id is not None and self._lease_alive(conn, name, now):
                raise CrawlerRunning(f"crawler {name} is running (run {c.run_id}); stop it first")
            conn.execute(delete(R).where(R.c.crawler_name == name))
            conn.execute(delete(M).where(M.c.crawler_name == name))
            conn.execute(delete(C).where(C.c.name == name))

    # --- the run guard -----------------------------------------------------------------------
    def _lease_alive(self, conn, name: str, now: float) -> bool:
        row = conn.execute(select(C.c.lease_until).where(C.c.name == name)).first()
        return bool(row and row.lease_until is not None and row.lease_until > to_us(now))

    def begin_run(self, name: str, now: float, lease_seconds: float, *, started_by: str = "MANUAL",
                  trigger_name: Optional[str] = None, workflow_run_id: Optional[str] = None) -> CrawlerRun:
        """Start a run: claim the crawler (only when no run holds an unexpired lease) and
        record the run as RUNNING, in one transaction. A run whose lease ran out (its process
        died) is closed as FAILED first. Raises CrawlerNotFound, CrawlerRunning."""
        run_id = "cr_" + uuid.uuid4().hex
        with self.tx.write() as conn:
            c = self._get(conn, name)
            if c.run_id is not None:
                if self._lease_alive(conn, name, now):
                    raise CrawlerRunning(f"crawler {name} is already running (run {c.run_id})")
                conn.execute(update(R).where(R.c.id == c.run_id, R.c.state == RUNNING).values(
                    state=FAILED, finished_on=to_us(now),
                    message="abandoned: the process running it stopped renewing its lease"))
            if not _GUARD.claim(conn, C.c.name == name, run_id, now, lease_seconds):
                raise CrawlerRunning(f"crawler {name} is already running")
            conn.execute(insert(R).values(
                id=run_id, crawler_name=name, state=RUNNING, started_by=started_by, trigger_name=trigger_name,
                workflow_run_id=workflow_run_id, host=socket.gethostname()[:255], pid=os.getpid(),
                started_on=to_us(now), errors="[]", message="", cancel_requested=0,
                **{k: 0 for k in METRICS}, error_count=0))
        return self.get_run(run_id)

    def renew(self, name: str, run_id: str, now: float, lease_seconds: float) -> Optional[bool]:
        """Extend a run's lease. Returns whether a stop was requested, or None when the run
        no longer holds the crawler."""
        with self.tx.write() as conn:
            if not _GUARD.renew(conn, C.c.name == name, run_id, now, lease_seconds):
                return None
            row = conn.execute(select(R.c.cancel_requested).where(R.c.id == run_id)).first()
        return bool(row and row.cancel_requested)

    def finish_run(self, name: str, run_id: str, state: str, now: float, *, metrics: Mapping[str, int] = None,
                   errors: Sequence[str] = (), message: str = "", notified: bool = False) -> CrawlerRun:
        """Record a run's end and release the crawler."""
        if state not in FINAL_STATES:
            raise ValueError(f"not a final state: {state}")
        values: Dict[str, Any] = dict(state=state, finished_on=to_us(now), errors=_dumps(list(errors)[:1000]),
                                      error_count=len(errors), message=message or "")
        values.update({k: int(v) for k, v in (metrics or {}).items() if k in METRICS})
        if notified:
            values["notified_on"] = to_us(now)
        with self.tx.write() as conn:
            conn.execute(update(R).where(R.c.id == run_id).values(**values))
            _GUARD.release(conn, C.c.name == name, run_id)
        return self.get_run(run_id)

    def request_stop(self, name: str, run_id: Optional[str] = None) -> CrawlerRun:
        """Ask the crawler's run in progress (only when it is `run_id`, if given) to stop (its
        process notices at its next lease renewal). Raises CrawlerNotFound; LookupError when
        it is not running (that run)."""
        with self.tx.write() as conn:
            c = self._get(conn, name)
            if c.run_id is None or (run_id is not None and c.run_id != run_id):
                raise LookupError(f"crawler {name} is not running" + (f" run {run_id}" if run_id else ""))
            conn.execute(update(R).where(R.c.id == c.run_id).values(cancel_requested=1))
            run_id = c.run_id
        return self.get_run(run_id)

    # --- runs --------------------------------------------------------------------------------
    def get_run(self, run_id: str) -> CrawlerRun:
        """Raises LookupError."""
        with self.tx.read() as conn:
            row = conn.execute(select(R).where(R.c.id == run_id)).first()
        if row is None:
            raise LookupError(f"no crawler run {run_id}")
        return _run(row)

    def runs(self, name: Optional[str] = None, limit: int = 20) -> List[CrawlerRun]:
        """Most recent first."""
        stmt = select(R).order_by(R.c.started_on.desc(), R.c.id.desc()).limit(max(1, limit))
        if name is not None:
            stmt = stmt.where(R.c.crawler_name == name)
        with self.tx.read() as conn:
            return [_run(r) for r in conn.execute(stmt)]

    def last_runs(self) -> Dict[str, CrawlerRun]:
        """Each crawler's most recent run."""
        latest = select(R.c.crawler_name, func.max(R.c.started_on).label("s")).group_by(R.c.crawler_name).subquery()
        stmt = select(R).join(latest, and_(R.c.crawler_name == latest.c.crawler_name, R.c.started_on == latest.c.s))
        with self.tx.read() as conn:
            return {r.crawler_name: _run(r) for r in conn.execute(stmt)}

    def unfinished_runs(self, workflow_run_id: str) -> int:
        with self.tx.read() as conn:
            return conn.execute(select(func.count()).select_from(R).where(
                R.c.workflow_run_id == workflow_run_id, R.c.state == RUNNING)).scalar_one()

    def workflow_runs(self, workflow_run_id: str) -> List[CrawlerRun]:
        """The runs started inside a job runner's workflow run, oldest first."""
        with self.tx.read() as conn:
            return [_run(r) for r in conn.execute(select(R).where(R.c.workflow_run_id == workflow_run_id)
                                                  .order_by(R.c.started_on, R.c.id))]

    def claim_notifications(self, now: float, max_age: float, limit: int = 100) -> List[CrawlerRun]:
        """Finished runs (of the last `max_age` seconds) whose end no one handed to the job
        runner yet, marked as handed over by this call: each run is returned to one caller
        only, also when processes claim at the same time (the marking UPDATE … RETURNING
        reports just the rows this transaction changed; PostgreSQL skips rows another claimer
        has locked; SQLite serializes writers). Older ends not handed over are marked too
        and dropped, with a warning each."""
        pending = and_(R.c.notified_on.is_(None), R.c.state.in_(FINAL_STATES))
        with self.tx.write() as conn:
            dropped = conn.execute(update(R).where(pending, R.c.finished_on < to_us(now - max_age))
                                   .values(notified_on=to_us(now))
                                   .returning(R.c.id, R.c.crawler_name, R.c.state, R.c.finished_on)).fetchall()
            candidates = select(R.c.id).where(pending, R.c.finished_on >= to_us(now - max_age)) \
                .order_by(R.c.finished_on).limit(limit)
            if conn.dialect.name == "postgresql":
                candidates = candidates.with_for_update(skip_locked=True)
            ids = [r.id for r in conn.execute(candidates)]
            rows = conn.execute(update(R).where(R.c.id.in_(ids), R.c.notified_on.is_(None))
                                .values(notified_on=to_us(now)).returning(*R.c)).fetchall() if ids else []
        for r in dropped:
            log.warning("crawler %s: the end of run %s (%s, %.0f s ago) was not handed to the job runner's "
                        "triggers in time (at most %.0f s late); dropped", r.crawler_name, r.id, r.state,
                        now - from_us(r.finished_on), max_age)
        return sorted((_run(r) for r in rows), key=lambda run: (run.finished_on, run.id))

    # --- schedules ---------------------------------------------------------------------------
    def due(self, now: float) -> List[CrawlerDef]:
        with self.tx.read() as conn:
            return [_crawler(r) for r in conn.execute(select(C).where(
                C.c.schedule.is_not(None), C.c.next_run_on.is_not(None), C.c.next_run_on <= to_us(now))
                .order_by(C.c.next_run_on))]

    def claim_schedule(self, c: CrawlerDef, now: float) -> bool:
        """Advance a due crawler's next run time past `now`; True for the one caller that did
        (missed times are skipped, not queued)."""
        nxt = next_run_time(c.schedule, now)
        with self.tx.write() as conn:
            return conn.execute(update(C).where(C.c.name == c.name, C.c.next_run_on == to_us(c.next_run_on))
                                .values(next_run_on=to_us(nxt))).rowcount == 1

    def next_due(self) -> Optional[float]:
        with self.tx.read() as conn:
            v = conn.execute(select(func.min(C.c.next_run_on)).where(C.c.schedule.is_not(None))).scalar()
        return from_us(v)

    # --- manifests ---------------------------------------------------------------------------
    def manifest_store(self) -> "DbManifestStore":
        return DbManifestStore(self)


class DbManifestStore:
    """ManifestStore's interface over cr_manifests: the head read with the crawl, the files
    part only when a recrawl needs it."""

    def __init__(self, store: CrawlerStore, clock=None):
        import time

        self.store = store
        self.clock = clock or time.time

    def load(self, crawler_name: str, database: str) -> Manifest:
        tx = self.store.tx
        key = and_(M.c.crawler_name == crawler_name, M.c.database_name == database)
        with tx.read() as conn:
            head = conn.execute(select(M.c.head).where(key)).scalar()
        if head is None:
            return Manifest()

        def load_files() -> Dict[str, list]:
            with tx.read() as conn:
                text = conn.execute(select(M.c.files).where(key)).scalar()
            data = json.loads(text or "{}")
            return data if isinstance(data, dict) else {}

        try:
            return Manifest.from_head(json.loads(head), load_files)
        except ValueError:
            return Manifest()

    def save(self, crawler_name: str, database: str, manifest: Manifest) -> None:
        from .manifest import dumps

        head, files = dumps(manifest.head_json()), dumps(manifest.files)
        now = to_us(self.clock())
        with self.store.tx.write() as conn:
            key = and_(M.c.crawler_name == crawler_name, M.c.database_name == database)
            if conn.execute(select(M.c.crawler_name).where(key)).first() is None:
                conn.execute(insert(M).values(crawler_name=crawler_name, database_name=database, head=head,
                                              files=files, updated_on=now))
            else:
                conn.execute(update(M).where(key).values(head=head, files=files, updated_on=now))


__all__ = ["CrawlerStore", "DbManifestStore", "CrawlerNotFound", "CrawlerExists", "CrawlerRunning"]
