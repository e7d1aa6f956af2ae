"""Persistence of jobs, runs, run events and bookmarks (SQLAlchemy Core).

Every method takes the `Connection` of a transaction the caller opened with `tx.read()` or
`tx.write()` (metastore.store.session.Transactions: BEGIN IMMEDIATE on SQLite, driver errors
translated), so the service composes several steps into one transaction. Rows are mapped to
the frozen objects of jobrunner.model; times are float seconds here, microseconds in SQL.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from metastore.store.session import Transactions, make_engine

from . import migrations
from .errors import AlreadyExists, InvalidArgument
from .model import (
    ACTIVE_STATES, BookmarkMode, ConcurrencyPolicy, Job, JobRun, JobType, RunEvent, RunFilter, RunState,
)
from .tables import (
    bookmark_history as BH, bookmark_staged as BS, bookmarks as B, job_run_events as E,
    job_runs as R, jobs as J,
)


# --- value mapping ------------------------------------------------------------------------

def to_us(t: Optional[float]) -> Optional[int]:
    return None if t is None else int(round(t * 1_000_000))


def from_us(v: Optional[int]) -> Optional[float]:
    return None if v is None else v / 1_000_000


def dumps(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def loads(s: Optional[str], default: Any = None) -> Any:
    if s is None or s == "":
        return default
    return json.loads(s)


def encode_token(value: Any) -> str:
    return base64.urlsafe_b64encode(dumps(value).encode()).decode().rstrip("=")


def decode_token(token: str) -> Any:
    try:
        pad = "=" * (-len(token) % 4)
        return json.loads(base64.urlsafe_b64decode(token + pad).decode())
    except Exception:
        raise InvalidArgument(f"Invalid page token {token!r}") from None


def _job_values(job: Job) -> Dict[str, Any]:
    return dict(
        name=job.name, description=job.description or "", job_type=job.job_type.value,
        script_location=job.script_location,
        default_arguments=dumps(dict(job.default_arguments)),
        non_overridable_arguments=dumps(dict(job.non_overridable_arguments)),
        extra_py_files=dumps(list(job.extra_py_files)), spark_conf=dumps(dict(job.spark_conf)),
        spark_master=job.spark_master, max_retries=job.max_retries, timeout_seconds=job.timeout_seconds,
        max_concurrent_runs=job.max_concurrent_runs, concurrency_policy=job.concurrency_policy.value,
        bookmark_mode=job.bookmark_mode.value, created_on=to_us(job.created_on),
        last_modified_on=to_us(job.last_modified_on),
    )


def _job(row) -> Job:
    return Job(
        name=row.name, description=row.description, job_type=JobType(row.job_type),
        script_location=row.script_location, default_arguments=loads(row.default_arguments, {}),
        non_overridable_arguments=loads(row.non_overridable_arguments, {}),
        extra_py_files=tuple(loads(row.extra_py_files, [])), spark_conf=loads(row.spark_conf, {}),
        spark_master=row.spark_master, max_retries=row.max_retries, timeout_seconds=row.timeout_seconds,
        max_concurrent_runs=row.max_concurrent_runs,
        concurrency_policy=ConcurrencyPolicy(row.concurrency_policy),
        bookmark_mode=BookmarkMode(row.bookmark_mode), created_on=from_us(row.created_on),
        last_modified_on=from_us(row.last_modified_on),
    )


_RUN_TIMES = ("queued_on", "started_on", "running_on", "completed_on", "last_modified_on", "log_pruned_on")
_RUN_JSON = ("arguments", "resolved_arguments")


def run_values(**values: Any) -> Dict[str, Any]:
    """Model field values → column values (times to µs, maps to JSON, enums to text)."""
    out: Dict[str, Any] = {}
    for k, v in values.items():
        if k in _RUN_TIMES:
            v = to_us(v)
        elif k in _RUN_JSON:
            v = dumps(dict(v or {}))
        elif k == "state":
            v = RunState(v).value
        out[k] = v
    return out


def _run(row) -> JobRun:
    return JobRun(
        id=row.id, job_name=row.job_name, state=RunState(row.state), attempt=row.attempt,
        previous_run_id=row.previous_run_id, next_run_id=row.next_run_id, trigger_name=row.trigger_name,
        arguments=loads(row.arguments, {}), resolved_arguments=loads(row.resolved_arguments, {}),
        client_token=row.client_token, queued_on=from_us(row.queued_on), started_on=from_us(row.started_on),
        running_on=from_us(row.running_on), completed_on=from_us(row.completed_on),
        last_modified_on=from_us(row.last_modified_on), error_message=row.error_message,
        exit_code=row.exit_code, spark_application_id=row.spark_application_id,
        timeout_seconds=row.timeout_seconds, max_retries=row.max_retries, pid=row.pid,
        process_start=row.process_start, host=row.host, run_dir=row.run_dir, log_path=row.log_path,
        workflow_name=row.workflow_name, workflow_run_id=row.workflow_run_id, runner_id=row.runner_id,
        log_pruned_on=from_us(row.log_pruned_on),
    )


class JobStore:
    """The runner's tables in one database. Use `open_store(url)` to get one."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.tx = Transactions(engine)
        self.dialect = engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def _lock(self, stmt):
        """SELECT … FOR UPDATE where the database has it (PostgreSQL); SQLite's BEGIN
        IMMEDIATE already serializes writers."""
        return stmt.with_for_update() if self.dialect == "postgresql" else stmt

    # --- jobs ------------------------------------------------------------------------------
    def insert_job(self, conn: Connection, job: Job) -> None:
        if conn.execute(select(J.c.name).where(J.c.name == job.name)).first() is not None:
            raise AlreadyExists(f"Job {job.name} already exists")
        conn.execute(insert(J).values(**_job_values(job)))

    def update_job(self, conn: Connection, job: Job) -> None:
        values = _job_values(job)
        values.pop("created_on")
        conn.execute(update(J).where(J.c.name == job.name).values(**values))

    def get_job(self, conn: Connection, name: str, *, lock: bool = False) -> Optional[Job]:
        stmt = select(J).where(J.c.name == name)
        row = conn.execute(self._lock(stmt) if lock else stmt).first()
        return _job(row) if row is not None else None

    def list_jobs(self, conn: Connection, after: Optional[str], limit: int) -> List[Job]:
        stmt = select(J).order_by(J.c.name).limit(limit)
        if after is not None:
            stmt = stmt.where(J.c.name > after)
        return [_job(r) for r in conn.execute(stmt)]

    def run_dirs(self, conn: Connection, job_name: str, host: str) -> List[str]:
        """The run directories of a job's runs on `host`."""
        rows = conn.execute(select(R.c.run_dir).where(R.c.job_name == job_name, R.c.host == host,
                                                      R.c.run_dir.is_not(None)))
        return [r.run_dir for r in rows]

    def delete_job(self, conn: Connection, name: str) -> None:
        run_ids = select(R.c.id).where(R.c.job_name == name)
        conn.execute(delete(E).where(E.c.run_id.in_(run_ids)))
        conn.execute(delete(R).where(R.c.job_name == name))
        conn.execute(delete(BS).where(BS.c.job_name == name))
        conn.execute(delete(BH).where(BH.c.job_name == name))
        conn.execute(delete(B).where(B.c.job_name == name))
        conn.execute(delete(J).where(J.c.name == name))

    # --- runs ------------------------------------------------------------------------------
    def insert_run(self, conn: Connection, run: JobRun) -> None:
        values = run_values(
            id=run.id, job_name=run.job_name, attempt=run.attempt, previous_run_id=run.previous_run_id,
            next_run_id=run.next_run_id, trigger_name=run.trigger_name, state=run.state,
            client_token=run.client_token, arguments=run.arguments, resolved_arguments=run.resolved_arguments,
            queued_on=run.queued_on, started_on=run.started_on, running_on=run.running_on,
            completed_on=run.completed_on, last_modified_on=run.last_modified_on or run.queued_on,
            error_message=run.error_message, exit_code=run.exit_code,
            spark_application_id=run.spark_application_id, timeout_seconds=run.timeout_seconds,
            max_retries=run.max_retries, pid=run.pid, process_start=run.process_start, host=run.host,
            run_dir=run.run_dir, log_path=run.log_path, workflow_name=run.workflow_name,
            workflow_run_id=run.workflow_run_id, runner_id=run.runner_id, log_pruned_on=run.log_pruned_on,
        )
        conn.execute(insert(R).values(**values))

    def get_run(self, conn: Connection, run_id: str, *, lock: bool = False) -> Optional[JobRun]:
        stmt = select(R).where(R.c.id == run_id)
        row = conn.execute(self._lock(stmt) if lock else stmt).first()
        return _run(row) if row is not None else None

    def get_runs(self, conn: Connection, run_ids: Sequence[str]) -> Dict[str, JobRun]:
        if not run_ids:
            return {}
        return {r.id: _run(r) for r in conn.execute(select(R).where(R.c.id.in_(list(run_ids))))}

    def run_by_token(self, conn: Connection, job_name: str, token: str) -> Optional[JobRun]:
        row = conn.execute(select(R).where(R.c.job_name == job_name, R.c.client_token == token)).first()
        return _run(row) if row is not None else None

    def update_run(self, conn: Connection, run_id: str, *, from_states: Optional[Iterable[RunState]] = None,
                   **values: Any) -> bool:
        """Set columns of one run, only if it is in one of `from_states` (when given)."""
        stmt = update(R).where(R.c.id == run_id)
        if from_states is not None:
            stmt = stmt.where(R.c.state.in_([RunState(s).value for s in from_states]))
        return conn.execute(stmt.values(**run_values(**values))).rowcount == 1

    def take_over_run(self, conn: Connection, run_id: str, owner: Optional[str], new_owner: str) -> bool:
        """Make `new_owner` the runner of an active run still owned by `owner` (None: nobody)."""
        stmt = update(R).where(R.c.id == run_id, R.c.state.in_([s.value for s in ACTIVE_STATES]),
                               R.c.runner_id.is_(None) if owner is None else R.c.runner_id == owner)
        return conn.execute(stmt.values(runner_id=new_owner)).rowcount == 1

    def count_runs(self, conn: Connection, job_name: str, states: Iterable[RunState]) -> int:
        return conn.execute(
            select(func.count()).select_from(R)
            .where(R.c.job_name == job_name, R.c.state.in_([RunState(s).value for s in states]))
        ).scalar_one()

    def waiting_runs(self, conn: Connection, job_name: str, limit: int) -> List[JobRun]:
        rows = conn.execute(
            select(R).where(R.c.job_name == job_name, R.c.state == RunState.WAITING.value)
            .order_by(R.c.queued_on, R.c.id).limit(limit))
        return [_run(r) for r in rows]

    def jobs_with_waiting_runs(self, conn: Connection) -> List[str]:
        rows = conn.execute(select(R.c.job_name).where(R.c.state == RunState.WAITING.value).distinct())
        return sorted(r.job_name for r in rows)

    def runs_in_states(self, conn: Connection, states: Iterable[RunState]) -> List[JobRun]:
        rows = conn.execute(select(R).where(R.c.state.in_([RunState(s).value for s in states]))
                            .order_by(R.c.queued_on, R.c.id))
        return [_run(r) for r in rows]

    def list_runs(self, conn: Connection, flt: RunFilter, cursor: Optional[Tuple[int, str]],
                  limit: int) -> List[JobRun]:
        """Newest first; `cursor` is (queued_on µs, id) of the last run of the previous page."""
        stmt = select(R)
        conds = []
        if flt.job_name:
            conds.append(R.c.job_name == flt.job_name)
        if flt.states:
            conds.append(R.c.state.in_([RunState(s).value for s in flt.states]))
        if flt.trigger_name:
            conds.append(R.c.trigger_name == flt.trigger_name)
        if flt.workflow_run_id:
            conds.append(R.c.workflow_run_id == flt.workflow_run_id)
        if flt.started_after is not None:
            conds.append(R.c.queued_on >= to_us(flt.started_after))
        if flt.started_before is not None:
            conds.append(R.c.queued_on < to_us(flt.started_before))
        if cursor is not None:
            q, rid = int(cursor[0]), str(cursor[1])
            conds.append(or_(R.c.queued_on < q, and_(R.c.queued_on == q, R.c.id < rid)))
        if conds:
            stmt = stmt.where(and_(*conds))
        stmt = stmt.order_by(R.c.queued_on.desc(), R.c.id.desc()).limit(limit)
        return [_run(r) for r in conn.execute(stmt)]

    @staticmethod
    def run_cursor(run: JobRun) -> Tuple[int, str]:
        return (to_us(run.queued_on), run.id)

    # --- run events ------------------------------------------------------------------------
    def add_event(self, conn: Connection, run_id: str, state: RunState, at: float,
                  message: Optional[str] = None) -> None:
        conn.execute(insert(E).values(run_id=run_id, state=RunState(state).value, at=to_us(at), message=message))

    def events(self, conn: Connection, run_id: str, after_seq: int = 0) -> List[RunEvent]:
        rows = conn.execute(select(E).where(E.c.run_id == run_id, E.c.seq > after_seq).order_by(E.c.seq))
        return [RunEvent(seq=r.seq, run_id=r.run_id, state=RunState(r.state), at=from_us(r.at), message=r.message)
                for r in rows]

    # --- bookmarks -------------------------------------------------------------------------
    def get_bookmark_row(self, conn: Connection, job_name: str, *, lock: bool = False):
        stmt = select(B).where(B.c.job_name == job_name)
        return conn.execute(self._lock(stmt) if lock else stmt).first()

    def put_bookmark(self, conn: Connection, job_name: str, *, version: int, entries: Dict[str, Any],
                     run_id: Optional[str], now_floor: Optional[float], at: float, action: str,
                     exists: bool) -> None:
        values = dict(version=version, entries=dumps(entries), run_id=run_id, now_floor=to_us(now_floor),
                      updated_on=to_us(at))
        if exists:
            conn.execute(update(B).where(B.c.job_name == job_name).values(**values))
        else:
            conn.execute(insert(B).values(job_name=job_name, **values))
        conn.execute(insert(BH).values(job_name=job_name, version=version, action=action, run_id=run_id,
                                       entries=dumps(entries), now_floor=to_us(now_floor), at=to_us(at)))

    def bookmark_committed_by(self, conn: Connection, job_name: str, run_id: str):
        return conn.execute(
            select(BH).where(BH.c.job_name == job_name, BH.c.run_id == run_id, BH.c.action == "commit")
            .order_by(BH.c.id.desc()).limit(1)).first()

    def stage_bookmark(self, conn: Connection, job_name: str, run_id: str, base_version: int,
                       entries: Dict[str, Any], at: float) -> None:
        conn.execute(delete(BS).where(BS.c.run_id == run_id))
        conn.execute(insert(BS).values(run_id=run_id, job_name=job_name, base_version=base_version,
                                       entries=dumps(entries), staged_on=to_us(at)))

    def take_staged_bookmark(self, conn: Connection, run_id: str):
        row = conn.execute(select(BS).where(BS.c.run_id == run_id)).first()
        if row is not None:
            conn.execute(delete(BS).where(BS.c.run_id == run_id))
        return row


def open_store(url: str, *, check_schema: bool = True, auto_upgrade_empty: bool = True) -> JobStore:
    """The runner's store in the database at `url`, its schema verified (and created when
    the database has no runner tables yet). Raises migrations.SchemaOutdated otherwise."""
    engine = make_engine(url)
    if check_schema:
        try:
            migrations.check(engine, auto_upgrade_empty=auto_upgrade_empty)
        except Exception:
            engine.dispose()
            raise
    return JobStore(engine)
