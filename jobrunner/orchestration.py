"""Triggers and workflows on top of the job service.

Triggers start jobs (and, through a pluggable hook, crawlers):
- SCHEDULED: a cron expression in a time zone (five fields, or AWS's `cron(m h dom mon dow
  year)`), fired by `tick(now)` when its next fire time has come (missed fires are not
  replayed: one fire, then the next time after now);
- CONDITIONAL: when all (AND) or any (ANY) of its conditions — job X reached state S, crawler
  C reached state S — have been met since it last fired; inside a workflow, per workflow run;
- ON_DEMAND: when started (StartTrigger) or when its workflow is started;
- EVENT: when `batch_size` events were published to it, or `batch_window_seconds` after the
  first event of a batch.
A failed run that is retried does not count as FAILED for conditions; its last attempt does.

A workflow is the graph of the triggers that name it. StartWorkflowRun fires its
non-conditional triggers inside a new workflow run; conditional triggers of the workflow
react to job and crawler runs of that workflow run only; every job run gets the workflow
run's properties (and WORKFLOW_NAME / WORKFLOW_RUN_ID) as arguments. Crawler runs started in
a workflow run carry its id (crawler tables, read through jobrunner.crawler_runs): they are
nodes of the run and count in its statistics like job runs. A workflow run is COMPLETED when
none of its job or crawler runs is unfinished; StopWorkflowRun stops both; ResumeWorkflowRun
re-runs chosen failed job and crawler nodes in a new workflow run that carries over which
conditions were already met.

The clock is injectable and `tick(now)` is public, so schedules and event windows are
tested without sleeping. The job service's housekeeping thread calls `scheduler_tick()`,
which does the time-driven work — `tick()`, and handing the ends of crawler runs recorded
in the database to conditional triggers (jobrunner.crawler_runs) — only in the runner that
holds the "scheduler" lease (jobrunner.leases), so runners sharing a database fire each
schedule once. Conditions on job runs are evaluated by the runner whose run finished;
API calls (StartTrigger, NotifyEvent, workflows) by the runner that received them.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import logging
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import and_, delete, func, insert, select, update

from . import leases
from .crawler_runs import CrawlerRuns
from .errors import (
    AlreadyExists, ConcurrentRunsExceeded, FailedPrecondition, InvalidArgument, JobRunnerError, NotFound,
)
from .model import ACTIVE_STATES, JobRun, RunFilter, RunState, check_name, normalize_arguments
from .store import decode_token, dumps, encode_token, from_us, loads, to_us
from .tables import (
    job_runs as R, trigger_events as TE, trigger_progress as TP, triggers as T, workflow_runs as WR,
    workflows as W,
)

log = logging.getLogger(__name__)

TRIGGER_TYPES = ("SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT")
TRIGGER_STATES = ("CREATED", "ACTIVATED", "DEACTIVATED")
CRAWL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
DEFAULT_BATCH_WINDOW = 900


# =========================================================================================
# domain
# =========================================================================================

@dataclasses.dataclass(frozen=True)
class Condition:
    state: str
    job_name: Optional[str] = None
    crawler_name: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Predicate:
    logical: str = "AND"  # AND | ANY
    conditions: Tuple[Condition, ...] = ()


@dataclasses.dataclass(frozen=True)
class Action:
    job_name: Optional[str] = None
    crawler_name: Optional[str] = None
    arguments: Mapping[str, str] = dataclasses.field(default_factory=dict)
    timeout_seconds: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class Trigger:
    name: str
    type: str
    actions: Tuple[Action, ...]
    state: str = "CREATED"
    workflow_name: Optional[str] = None
    description: str = ""
    schedule: Optional[str] = None
    timezone: Optional[str] = None
    predicate: Predicate = Predicate()
    batch_size: Optional[int] = None
    batch_window_seconds: Optional[int] = None
    next_fire_time: Optional[float] = None
    last_fired_on: Optional[float] = None
    created_on: Optional[float] = None
    last_modified_on: Optional[float] = None

    UPDATABLE = ("description", "schedule", "timezone", "predicate", "actions", "batch_size",
                 "batch_window_seconds")


@dataclasses.dataclass(frozen=True)
class Workflow:
    name: str
    description: str = ""
    default_run_properties: Mapping[str, str] = dataclasses.field(default_factory=dict)
    max_concurrent_runs: int = 0
    created_on: Optional[float] = None
    last_modified_on: Optional[float] = None


@dataclasses.dataclass(frozen=True)
class WorkflowRun:
    id: str
    workflow_name: str
    status: str  # RUNNING | COMPLETED | STOPPING | STOPPED | ERROR
    run_properties: Mapping[str, str]
    started_on: float
    completed_on: Optional[float] = None
    error_message: Optional[str] = None
    previous_run_id: Optional[str] = None


# a crawler run's state → the job run state it counts as in workflow run statistics
CRAWL_AS_JOB_STATE = {"RUNNING": "RUNNING", "SUCCEEDED": "SUCCEEDED", "FAILED": "FAILED", "CANCELLED": "STOPPED"}
FAILED_CRAWL_STATES = ("FAILED", "CANCELLED")


@dataclasses.dataclass(frozen=True)
class WorkflowRunStatistics:
    total: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    stopped: int = 0
    timeout: int = 0
    errored: int = 0
    waiting: int = 0


# --- cron ---------------------------------------------------------------------------------

def cron_expression(schedule: str) -> str:
    """Five-field cron from `0 3 * * *` or AWS's `cron(0 3 * * ? *)` (dow 1-7 = SUN-SAT)."""
    s = (schedule or "").strip()
    if s.lower().startswith("cron(") and s.endswith(")"):
        parts = s[5:-1].split()
        if len(parts) != 6:
            raise InvalidArgument(f"Invalid schedule {schedule!r}: cron() takes 6 fields")
        minute, hour, dom, month, dow, year = parts
        if year not in ("*", "?"):
            raise InvalidArgument(f"Invalid schedule {schedule!r}: only * is supported for the year")
        dom = "*" if dom == "?" else dom
        dow = "*" if dow == "?" else _aws_dow(dow)
        s = " ".join([minute, hour, dom, month, dow])
    return s


def _aws_dow(field: str) -> str:
    import re

    return re.sub(r"\d+", lambda m: str((int(m.group()) - 1) % 7), field)


def _zone(tz: Optional[str]):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(f"Unknown time zone {tz!r}") from None


def next_fire_time(schedule: str, tz: Optional[str], after: float) -> float:
    from croniter import croniter

    expr = cron_expression(schedule)
    if not croniter.is_valid(expr):
        raise InvalidArgument(f"Invalid cron schedule {schedule!r}")
    start = _dt.datetime.fromtimestamp(after, _zone(tz))
    return croniter(expr, start).get_next(_dt.datetime).timestamp()


# --- validation ---------------------------------------------------------------------------

def validate_trigger(t: Trigger) -> Trigger:
    check_name("trigger", t.name)
    if t.type not in TRIGGER_TYPES:
        raise InvalidArgument(f"Trigger {t.name}: type must be one of {', '.join(TRIGGER_TYPES)}")
    if not t.actions:
        raise InvalidArgument(f"Trigger {t.name}: at least one action is required")
    actions = []
    for a in t.actions:
        if bool(a.job_name) == bool(a.crawler_name):
            raise InvalidArgument(f"Trigger {t.name}: each action names exactly one job or one crawler")
        if a.timeout_seconds is not None and a.timeout_seconds < 1:
            raise InvalidArgument(f"Trigger {t.name}: action timeout_seconds must be at least 1")
        actions.append(dataclasses.replace(a, arguments=normalize_arguments(a.arguments)))
    out = dataclasses.replace(t, actions=tuple(actions))
    if t.type == "SCHEDULED":
        if not t.schedule:
            raise InvalidArgument(f"Trigger {t.name}: SCHEDULED triggers need a schedule")
        next_fire_time(t.schedule, t.timezone, time.time())  # validates expression and zone
    if t.type == "CONDITIONAL":
        if not t.predicate.conditions:
            raise InvalidArgument(f"Trigger {t.name}: CONDITIONAL triggers need at least one condition")
        if t.predicate.logical not in ("AND", "ANY"):
            raise InvalidArgument(f"Trigger {t.name}: predicate logical must be AND or ANY")
        for c in t.predicate.conditions:
            if bool(c.job_name) == bool(c.crawler_name):
                raise InvalidArgument(f"Trigger {t.name}: each condition names exactly one job or one crawler")
            if c.job_name:
                try:
                    st = RunState(c.state)
                except ValueError:
                    raise InvalidArgument(f"Trigger {t.name}: invalid job state {c.state!r}") from None
                if not st.terminal:
                    raise InvalidArgument(f"Trigger {t.name}: conditions watch final states "
                                          "(SUCCEEDED, FAILED, TIMEOUT, STOPPED, ERROR)")
            elif c.state not in CRAWL_STATES:
                raise InvalidArgument(f"Trigger {t.name}: crawler state must be one of {', '.join(CRAWL_STATES)}")
    if t.type == "EVENT":
        size = t.batch_size or 1
        window = t.batch_window_seconds or DEFAULT_BATCH_WINDOW
        if not 1 <= size <= 100:
            raise InvalidArgument(f"Trigger {t.name}: batch_size must be between 1 and 100")
        if not 1 <= window <= 900:
            raise InvalidArgument(f"Trigger {t.name}: batch_window_seconds must be between 1 and 900")
        out = dataclasses.replace(out, batch_size=size, batch_window_seconds=window)
    if t.workflow_name:
        check_name("workflow", t.workflow_name)
    return out


# --- row mapping --------------------------------------------------------------------------

def _predicate_json(p: Predicate) -> str:
    return dumps({"logical": p.logical, "conditions": [dataclasses.asdict(c) for c in p.conditions]})


def _predicate(raw: str) -> Predicate:
    d = loads(raw, {}) or {}
    return Predicate(logical=d.get("logical", "AND"),
                     conditions=tuple(Condition(**c) for c in d.get("conditions", [])))


def _actions_json(actions: Sequence[Action]) -> str:
    return dumps([dict(dataclasses.asdict(a), arguments=dict(a.arguments)) for a in actions])


def _actions(raw: str) -> Tuple[Action, ...]:
    return tuple(Action(**a) for a in loads(raw, []) or [])


def _trigger(row) -> Trigger:
    return Trigger(
        name=row.name, type=row.type, state=row.state, workflow_name=row.workflow_name,
        description=row.description, schedule=row.schedule, timezone=row.timezone,
        predicate=_predicate(row.predicate), actions=_actions(row.actions), batch_size=row.batch_size,
        batch_window_seconds=row.batch_window_seconds, next_fire_time=from_us(row.next_fire_time),
        last_fired_on=from_us(row.last_fired_on), created_on=from_us(row.created_on),
        last_modified_on=from_us(row.last_modified_on),
    )


def _trigger_values(t: Trigger) -> Dict[str, Any]:
    return dict(
        name=t.name, type=t.type, state=t.state, workflow_name=t.workflow_name, description=t.description or "",
        schedule=t.schedule, timezone=t.timezone, predicate=_predicate_json(t.predicate),
        actions=_actions_json(t.actions), batch_size=t.batch_size, batch_window_seconds=t.batch_window_seconds,
        next_fire_time=to_us(t.next_fire_time), last_fired_on=to_us(t.last_fired_on),
        created_on=to_us(t.created_on), last_modified_on=to_us(t.last_modified_on),
    )


def _workflow(row) -> Workflow:
    return Workflow(name=row.name, description=row.description,
                    default_run_properties=loads(row.default_run_properties, {}),
                    max_concurrent_runs=row.max_concurrent_runs, created_on=from_us(row.created_on),
                    last_modified_on=from_us(row.last_modified_on))


def _wf_run(row) -> WorkflowRun:
    return WorkflowRun(id=row.id, workflow_name=row.workflow_name, status=row.status,
                       run_properties=loads(row.run_properties, {}), started_on=from_us(row.started_on),
                       completed_on=from_us(row.completed_on), error_message=row.error_message,
                       previous_run_id=row.previous_run_id)


def _page(n: Optional[int]) -> int:
    if not n:
        return 100
    if n < 0:
        raise InvalidArgument("page_size must not be negative")
    return min(int(n), 1000)


class _BatchTaken(Exception):
    """Another runner claimed events of the batch first (the claiming transaction rolls back)."""


# =========================================================================================
# the orchestrator
# =========================================================================================

class Orchestrator:
    def __init__(self, service, *, clock: Callable[[], float] = time.time,
                 crawler_starter: Optional[Callable[..., Any]] = None,
                 crawler_runs: Optional[CrawlerRuns] = None):
        self.service = service
        self.store = service.store
        self.clock = clock
        #: a crawler service in this process, which starts crawlers for trigger actions and
        #: resumed workflow nodes, and hands the ends of its runs over itself:
        #: `crawler_starter(name, trigger_name=, workflow_run_id=, arguments=)` and
        #: `crawler_stopper(name, run_id)`. Set by jobrunner.crawlers (the runner's own crawls)
        #: or crawler.embedded.wire (the crawler daemon of `lakeglue serve`).
        self.crawler_starter = crawler_starter
        self.crawler_stopper: Optional[Callable[[str, str], Any]] = None
        #: whether the scheduler reads ends of crawler runs from the database; off when a
        #: crawler daemon in this process does (crawler.embedded.wire)
        self.poll_crawler_ends = True
        cfg = service.config
        self.crawler_runs = crawler_runs if crawler_runs is not None else CrawlerRuns(
            self.store.engine, clock, max_age=cfg.crawler_notify_max_age)
        self.leadership = leases.Lease(self.store, leases.SCHEDULER, service.runner_id, clock, cfg.lease_seconds)
        self._next_crawler_poll = 0.0
        self._fire_lock = threading.RLock()
        service.add_finish_listener(self.on_run_finished)
        service.add_tick_hook(self.scheduler_tick)

    def close(self) -> None:
        """Hand the scheduler lease over (another runner takes it at its next tick)."""
        self.leadership.release()

    def scheduler_tick(self) -> Optional[List[str]]:
        """The housekeeping thread's call: as the scheduler-lease holder, fire what is due
        (`tick`) and deliver crawler-run ends; otherwise nothing (None)."""
        if not self.leadership.hold():
            return None
        fired = self.tick()
        if self.poll_crawler_ends and time.monotonic() >= self._next_crawler_poll:
            self._next_crawler_poll = time.monotonic() + self.service.config.crawler_poll_interval
            self.deliver_crawler_runs()
        return fired

    def deliver_crawler_runs(self) -> int:
        """Hand the ends of crawler runs recorded in the database (and not handed over yet)
        to the conditional triggers. Returns how many."""
        runs = self.crawler_runs.claim()
        for run in runs:
            try:
                self.notify_crawler_finished(run.crawler_name, run.state, run.workflow_run_id)
            except JobRunnerError as e:  # e.g. its workflow run was deleted
                log.warning("crawler run %s of %s: %s", run.id, run.crawler_name, e.message)
        return len(runs)

    # --- triggers: CRUD --------------------------------------------------------------------
    def _check_refs(self, conn, t: Trigger) -> None:
        for a in t.actions:
            if a.job_name and self.store.get_job(conn, a.job_name) is None:
                raise NotFound(f"Trigger {t.name}: job {a.job_name} not found")
        for c in t.predicate.conditions:
            if c.job_name and self.store.get_job(conn, c.job_name) is None:
                raise NotFound(f"Trigger {t.name}: job {c.job_name} (in a condition) not found")
        if t.workflow_name and conn.execute(select(W.c.name).where(W.c.name == t.workflow_name)).first() is None:
            raise NotFound(f"Trigger {t.name}: workflow {t.workflow_name} not found")

    def create_trigger(self, t: Trigger, *, start_on_creation: bool = False) -> Trigger:
        now = self.clock()
        t = dataclasses.replace(validate_trigger(t), state="CREATED", created_on=now, last_modified_on=now,
                                next_fire_time=None, last_fired_on=None)
        with self.store.tx.write() as conn:
            self._check_refs(conn, t)
            if conn.execute(select(T.c.name).where(T.c.name == t.name)).first() is not None:
                raise AlreadyExists(f"Trigger {t.name} already exists")
            conn.execute(insert(T).values(**_trigger_values(t)))
        if start_on_creation and t.type != "ON_DEMAND":
            return self.start_trigger(t.name)
        return t

    def update_trigger(self, t: Trigger, fields: Optional[Sequence[str]] = None) -> Trigger:
        names = list(fields) if fields else list(Trigger.UPDATABLE)
        bad = [f for f in names if f not in Trigger.UPDATABLE]
        if bad:
            raise InvalidArgument(f"Cannot update trigger field(s) {', '.join(bad)}; "
                                  f"updatable: {', '.join(Trigger.UPDATABLE)}")
        now = self.clock()
        with self.store.tx.write() as conn:
            cur = self._get_trigger(conn, t.name)
            merged = validate_trigger(dataclasses.replace(cur, **{f: getattr(t, f) for f in names}))
            nft = merged.next_fire_time
            if merged.type == "SCHEDULED" and merged.state == "ACTIVATED":
                nft = next_fire_time(merged.schedule, merged.timezone, now)
            merged = dataclasses.replace(merged, last_modified_on=now, next_fire_time=nft)
            self._check_refs(conn, merged)
            conn.execute(update(T).where(T.c.name == t.name).values(**_trigger_values(merged)))
        return merged

    def _get_trigger(self, conn, name: str) -> Trigger:
        row = conn.execute(select(T).where(T.c.name == name)).first()
        if row is None:
            raise NotFound(f"Trigger {name} not found")
        return _trigger(row)

    def get_trigger(self, name: str) -> Trigger:
        with self.store.tx.read() as conn:
            return self._get_trigger(conn, name)

    def list_triggers(self, dependent_job_name: Optional[str] = None, page_size: Optional[int] = None,
                      page_token: Optional[str] = None) -> Tuple[List[Trigger], str]:
        size = _page(page_size)
        after = decode_token(page_token) if page_token else None
        stmt = select(T).order_by(T.c.name)
        if after is not None:
            stmt = stmt.where(T.c.name > after)
        with self.store.tx.read() as conn:
            rows = [_trigger(r) for r in conn.execute(stmt)]
        if dependent_job_name:
            rows = [t for t in rows if any(a.job_name == dependent_job_name for a in t.actions)]
        more = len(rows) > size
        rows = rows[:size]
        return rows, (encode_token(rows[-1].name) if more else "")

    def delete_trigger(self, name: str) -> None:
        with self.store.tx.write() as conn:
            self._get_trigger(conn, name)
            conn.execute(delete(TP).where(TP.c.trigger_name == name))
            conn.execute(delete(TE).where(TE.c.trigger_name == name))
            conn.execute(delete(T).where(T.c.name == name))

    def start_trigger(self, name: str) -> Trigger:
        """Activate it; an ON_DEMAND trigger fires right away instead."""
        now = self.clock()
        with self.store.tx.write() as conn:
            t = self._get_trigger(conn, name)
            if t.type == "ON_DEMAND":
                pass
            else:
                nft = next_fire_time(t.schedule, t.timezone, now) if t.type == "SCHEDULED" else None
                conn.execute(update(T).where(T.c.name == name).values(state="ACTIVATED", next_fire_time=to_us(nft),
                                                                      last_modified_on=to_us(now)))
        if t.type == "ON_DEMAND":
            if t.workflow_name:
                self.start_workflow_run(t.workflow_name, only_trigger=name)
            else:
                self._fire(t, scope=None, extra={})
        return self.get_trigger(name)

    def stop_trigger(self, name: str) -> Trigger:
        now = self.clock()
        with self.store.tx.write() as conn:
            t = self._get_trigger(conn, name)
            if t.type == "ON_DEMAND":
                raise FailedPrecondition(f"Trigger {name} is ON_DEMAND: there is nothing to deactivate")
            conn.execute(update(T).where(T.c.name == name).values(state="DEACTIVATED", next_fire_time=None,
                                                                  last_modified_on=to_us(now)))
        return self.get_trigger(name)

    # --- firing ----------------------------------------------------------------------------
    def _fire(self, t: Trigger, scope: Optional[str], extra: Mapping[str, str]) -> List[str]:
        """Start the trigger's actions; inside workflow run `scope` when given. A trigger of
        a workflow fired outside a workflow run (schedule, event) starts a new workflow run."""
        if t.workflow_name and scope is None:
            wf_run = self.start_workflow_run(t.workflow_name, only_trigger=t.name, extra=extra)
            return [wf_run.id]
        props: Dict[str, str] = {}
        wf_name = None
        if scope:
            wf = self.get_workflow_run_by_id(scope)
            if wf.status not in ("RUNNING",):
                log.info("trigger %s: workflow run %s is %s; not firing", t.name, scope, wf.status)
                return []
            props = dict(wf.run_properties)
            wf_name = wf.workflow_name
            props.update({"WORKFLOW_NAME": wf.workflow_name, "WORKFLOW_RUN_ID": wf.id})
        started: List[str] = []
        now = self.clock()
        with self.store.tx.write() as conn:
            conn.execute(update(T).where(T.c.name == t.name).values(last_fired_on=to_us(now)))
        for a in t.actions:
            if a.job_name:
                args = dict(props)
                args.update(a.arguments)
                args.update(extra)
                try:
                    run = self.service.start_job_run(a.job_name, args, trigger_name=t.name,
                                                     timeout_seconds=a.timeout_seconds,
                                                     workflow_name=wf_name, workflow_run_id=scope)
                    started.append(run.id)
                except JobRunnerError as e:
                    log.warning("trigger %s could not start job %s: %s", t.name, a.job_name, e.message)
                    if scope:
                        self._set_wf_error(scope, f"trigger {t.name} could not start job {a.job_name}: {e.message}")
            elif a.crawler_name:
                if self.crawler_starter is None:
                    log.warning("trigger %s: no crawler service to start crawler %s", t.name, a.crawler_name)
                    if scope:
                        self._set_wf_error(scope, f"no crawler service to start crawler {a.crawler_name}")
                    continue
                try:
                    crawl = self.crawler_starter(a.crawler_name, trigger_name=t.name, workflow_run_id=scope,
                                                 arguments=dict(a.arguments))
                    started.append(getattr(crawl, "id", a.crawler_name))
                except Exception as e:  # CrawlerNotFound, CrawlerRunning, a closing service …
                    log.warning("trigger %s could not start crawler %s: %s", t.name, a.crawler_name, e)
                    if scope:
                        self._set_wf_error(scope, f"trigger {t.name} could not start crawler {a.crawler_name}: {e}")
        log.info("trigger %s fired%s: %s", t.name, f" in workflow run {scope}" if scope else "",
                 ", ".join(started) or "no runs")
        return started

    def tick(self, now: Optional[float] = None) -> List[str]:
        """Fire due SCHEDULED triggers and EVENT batches whose window closed. Returns the
        names of the triggers that fired."""
        now = self.clock() if now is None else now
        fired: List[str] = []
        with self._fire_lock:
            with self.store.tx.read() as conn:
                due = [_trigger(r) for r in conn.execute(
                    select(T).where(T.c.type == "SCHEDULED", T.c.state == "ACTIVATED",
                                    T.c.next_fire_time.is_not(None), T.c.next_fire_time <= to_us(now)))]
                events = [_trigger(r) for r in conn.execute(select(T).where(T.c.type == "EVENT",
                                                                            T.c.state == "ACTIVATED"))]
            for t in due:
                nxt = next_fire_time(t.schedule, t.timezone, now)
                with self.store.tx.write() as conn:
                    claimed = conn.execute(
                        update(T).where(T.c.name == t.name, T.c.next_fire_time == to_us(t.next_fire_time))
                        .values(next_fire_time=to_us(nxt))).rowcount == 1
                if claimed:
                    self._fire(t, scope=None, extra={})
                    fired.append(t.name)
            for t in events:
                if self._fire_event_batch(t, now, force_window=True):
                    fired.append(t.name)
        return fired

    # --- events ----------------------------------------------------------------------------
    def notify_event(self, trigger_name: str, event_id: Optional[str] = None, payload: Optional[str] = None
                     ) -> Tuple[int, bool]:
        now = self.clock()
        if payload:
            try:
                json.loads(payload)
            except ValueError:
                raise InvalidArgument("payload_json is not valid JSON") from None
        with self._fire_lock:
            with self.store.tx.write() as conn:
                t = self._get_trigger(conn, trigger_name)
                if t.type != "EVENT":
                    raise FailedPrecondition(f"Trigger {trigger_name} is {t.type}, not EVENT")
                if t.state != "ACTIVATED":
                    raise FailedPrecondition(f"Trigger {trigger_name} is {t.state}: start it to receive events")
                dup = event_id and conn.execute(
                    select(TE.c.id).where(TE.c.trigger_name == trigger_name, TE.c.event_id == event_id)).first()
                if not dup:
                    conn.execute(insert(TE).values(trigger_name=trigger_name, event_id=event_id or None,
                                                   payload=payload or "{}", received_on=to_us(now)))
            fired = self._fire_event_batch(t, now, force_window=False)
            with self.store.tx.read() as conn:
                pending = conn.execute(select(func.count()).select_from(TE).where(
                    TE.c.trigger_name == trigger_name, TE.c.batch_fired_on.is_(None))).scalar_one()
        return pending, fired

    def _fire_event_batch(self, t: Trigger, now: float, *, force_window: bool) -> bool:
        try:
            batch = self._claim_event_batch(t, now, force_window=force_window)
        except _BatchTaken:
            return False
        if not batch:
            return False
        ids = [r.event_id or str(r.id) for r in batch]
        self._fire(t, scope=None, extra={"TRIGGER_EVENT_IDS": json.dumps(ids)})
        return True

    def _claim_event_batch(self, t: Trigger, now: float, *, force_window: bool) -> list:
        size = t.batch_size or 1
        window = t.batch_window_seconds or DEFAULT_BATCH_WINDOW
        with self.store.tx.write() as conn:
            rows = conn.execute(select(TE).where(TE.c.trigger_name == t.name, TE.c.batch_fired_on.is_(None))
                                .order_by(TE.c.id)).fetchall()
            if not rows:
                return []
            first = from_us(rows[0].received_on)
            if len(rows) < size and not (force_window and now - first >= window):
                return []
            batch = rows[:size] if len(rows) >= size else rows
            claimed = conn.execute(update(TE).where(TE.c.id.in_([r.id for r in batch]), TE.c.batch_fired_on.is_(None))
                                   .values(batch_fired_on=to_us(now))).rowcount
            if claimed != len(batch):  # another runner fired (part of) this batch meanwhile: undo
                raise _BatchTaken()
        return batch

    # --- conditional -----------------------------------------------------------------------
    def on_run_finished(self, run: JobRun) -> None:
        if run.next_run_id:
            return  # a retry follows: its outcome is what counts
        self._on_node_finished(job_name=run.job_name, crawler_name=None, state=run.state.value,
                               scope=run.workflow_run_id, workflow_name=run.workflow_name)
        if run.workflow_run_id:
            self._check_workflow_run(run.workflow_run_id)

    def notify_crawler_finished(self, crawler_name: str, state: str, workflow_run_id: Optional[str] = None) -> None:
        """For the crawler service: a crawl of `crawler_name` ended in SUCCEEDED/FAILED/CANCELLED."""
        wf_name = self.get_workflow_run_by_id(workflow_run_id).workflow_name if workflow_run_id else None
        self._on_node_finished(job_name=None, crawler_name=crawler_name, state=state, scope=workflow_run_id,
                               workflow_name=wf_name)
        if workflow_run_id:
            self._check_workflow_run(workflow_run_id)

    def _on_node_finished(self, *, job_name, crawler_name, state, scope, workflow_name) -> None:
        to_fire: List[Trigger] = []
        with self._fire_lock:
            with self.store.tx.write() as conn:
                stmt = select(T).where(T.c.type == "CONDITIONAL")
                if workflow_name:  # the workflow's graph: every trigger not switched off
                    stmt = stmt.where(T.c.workflow_name == workflow_name, T.c.state != "DEACTIVATED")
                else:
                    stmt = stmt.where(T.c.workflow_name.is_(None), T.c.state == "ACTIVATED")
                # Runners sharing a PostgreSQL database may settle runs at the same time: lock
                # the triggers so their progress rows are read-modify-written one at a time.
                for t in (_trigger(r) for r in conn.execute(self.store._lock(stmt.order_by(T.c.name)))):
                    hits = [i for i, c in enumerate(t.predicate.conditions)
                            if c.state == state and ((job_name and c.job_name == job_name)
                                                     or (crawler_name and c.crawler_name == crawler_name))]
                    if not hits:
                        continue
                    key = scope or ""
                    row = conn.execute(select(TP).where(TP.c.trigger_name == t.name, TP.c.scope == key)).first()
                    satisfied = set(loads(row.satisfied, [])) if row else set()
                    already_fired = bool(row.fired) if row else False
                    satisfied.update(hits)
                    if t.predicate.logical == "AND":
                        met = len(satisfied) >= len(t.predicate.conditions)
                    else:
                        met = bool(satisfied)
                    if scope and already_fired:
                        met = False  # inside a workflow run a trigger fires once
                    if met and not scope:
                        values = dict(satisfied=dumps([]), fired=0)  # start collecting again
                    else:
                        values = dict(satisfied=dumps(sorted(satisfied)), fired=1 if (met or already_fired) else 0)
                    if row is None:
                        conn.execute(insert(TP).values(trigger_name=t.name, scope=key, **values))
                    else:
                        conn.execute(update(TP).where(TP.c.trigger_name == t.name, TP.c.scope == key).values(**values))
                    if met:
                        to_fire.append(t)
            for t in to_fire:
                self._fire(t, scope=scope, extra={})

    # --- workflows: CRUD -------------------------------------------------------------------
    def create_workflow(self, wf: Workflow) -> Workflow:
        check_name("workflow", wf.name)
        if wf.max_concurrent_runs < 0:
            raise InvalidArgument("max_concurrent_runs must not be negative")
        now = self.clock()
        wf = dataclasses.replace(wf, default_run_properties=dict(wf.default_run_properties), created_on=now,
                                 last_modified_on=now)
        with self.store.tx.write() as conn:
            if conn.execute(select(W.c.name).where(W.c.name == wf.name)).first() is not None:
                raise AlreadyExists(f"Workflow {wf.name} already exists")
            conn.execute(insert(W).values(name=wf.name, description=wf.description or "",
                                          default_run_properties=dumps(dict(wf.default_run_properties)),
                                          max_concurrent_runs=wf.max_concurrent_runs, created_on=to_us(now),
                                          last_modified_on=to_us(now)))
        return wf

    def update_workflow(self, wf: Workflow) -> Workflow:
        now = self.clock()
        with self.store.tx.write() as conn:
            self._get_workflow(conn, wf.name)
            conn.execute(update(W).where(W.c.name == wf.name).values(
                description=wf.description or "", default_run_properties=dumps(dict(wf.default_run_properties)),
                max_concurrent_runs=wf.max_concurrent_runs, last_modified_on=to_us(now)))
        return self.get_workflow(wf.name)

    def _get_workflow(self, conn, name: str) -> Workflow:
        row = conn.execute(select(W).where(W.c.name == name)).first()
        if row is None:
            raise NotFound(f"Workflow {name} not found")
        return _workflow(row)

    def get_workflow(self, name: str) -> Workflow:
        with self.store.tx.read() as conn:
            return self._get_workflow(conn, name)

    def workflow_triggers(self, name: str) -> List[Trigger]:
        with self.store.tx.read() as conn:
            return [_trigger(r) for r in conn.execute(select(T).where(T.c.workflow_name == name).order_by(T.c.name))]

    def list_workflows(self, page_size: Optional[int] = None, page_token: Optional[str] = None
                       ) -> Tuple[List[Workflow], str]:
        size = _page(page_size)
        after = decode_token(page_token) if page_token else None
        stmt = select(W).order_by(W.c.name).limit(size + 1)
        if after is not None:
            stmt = stmt.where(W.c.name > after)
        with self.store.tx.read() as conn:
            rows = [_workflow(r) for r in conn.execute(stmt)]
        more = len(rows) > size
        rows = rows[:size]
        return rows, (encode_token(rows[-1].name) if more else "")

    def delete_workflow(self, name: str) -> None:
        with self.store.tx.write() as conn:
            self._get_workflow(conn, name)
            running = conn.execute(select(func.count()).select_from(WR).where(
                WR.c.workflow_name == name, WR.c.status.in_(["RUNNING", "STOPPING"]))).scalar_one()
            if running:
                raise FailedPrecondition(f"Workflow {name} has {running} run(s) in progress; stop them first")
            names = [r.name for r in conn.execute(select(T.c.name).where(T.c.workflow_name == name))]
            if names:
                conn.execute(delete(TP).where(TP.c.trigger_name.in_(names)))
                conn.execute(delete(TE).where(TE.c.trigger_name.in_(names)))
                conn.execute(delete(T).where(T.c.name.in_(names)))
            conn.execute(delete(WR).where(WR.c.workflow_name == name))
            conn.execute(delete(W).where(W.c.name == name))

    # --- workflow runs ---------------------------------------------------------------------
    def start_workflow_run(self, name: str, run_properties: Optional[Mapping[str, str]] = None, *,
                           only_trigger: Optional[str] = None, extra: Optional[Mapping[str, str]] = None,
                           previous_run_id: Optional[str] = None, start_nodes: bool = True) -> WorkflowRun:
        now = self.clock()
        with self.store.tx.write() as conn:
            wf = self._get_workflow(conn, name)
            starts = [_trigger(r) for r in conn.execute(select(T).where(T.c.workflow_name == name))]
            starts = [t for t in starts if t.type != "CONDITIONAL" and (only_trigger is None or t.name == only_trigger)]
            if start_nodes and not starts:
                raise FailedPrecondition(f"Workflow {name} has no start trigger (a non-CONDITIONAL trigger)")
            if wf.max_concurrent_runs:
                running = conn.execute(select(func.count()).select_from(WR).where(
                    WR.c.workflow_name == name, WR.c.status.in_(["RUNNING", "STOPPING"]))).scalar_one()
                if running >= wf.max_concurrent_runs:
                    raise ConcurrentRunsExceeded(
                        f"Workflow {name} is at its limit of {wf.max_concurrent_runs} concurrent run(s)")
            props = dict(wf.default_run_properties)
            props.update(normalize_arguments(run_properties))
            run = WorkflowRun(id="wr_" + uuid.uuid4().hex, workflow_name=name, status="RUNNING",
                              run_properties=props, started_on=now, previous_run_id=previous_run_id)
            conn.execute(insert(WR).values(id=run.id, workflow_name=name, status="RUNNING",
                                           run_properties=dumps(props), started_on=to_us(now),
                                           previous_run_id=previous_run_id))
        if start_nodes:
            for t in starts:
                self._fire(t, scope=run.id, extra=dict(extra or {}))
            self._check_workflow_run(run.id)
        return self.get_workflow_run_by_id(run.id)

    def get_workflow_run_by_id(self, run_id: str) -> WorkflowRun:
        with self.store.tx.read() as conn:
            row = conn.execute(select(WR).where(WR.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"Workflow run {run_id} not found")
        return _wf_run(row)

    def get_workflow_run(self, name: str, run_id: str) -> WorkflowRun:
        run = self.get_workflow_run_by_id(run_id)
        if run.workflow_name != name:
            raise NotFound(f"Workflow run {run_id} of {name} not found")
        return run

    def list_workflow_runs(self, name: str, page_size: Optional[int] = None, page_token: Optional[str] = None
                           ) -> Tuple[List[WorkflowRun], str]:
        size = _page(page_size)
        self.get_workflow(name)
        stmt = select(WR).where(WR.c.workflow_name == name).order_by(WR.c.started_on.desc(), WR.c.id.desc())
        if page_token:
            started, rid = decode_token(page_token)
            stmt = stmt.where((WR.c.started_on < started) | and_(WR.c.started_on == started, WR.c.id < rid))
        with self.store.tx.read() as conn:
            rows = [_wf_run(r) for r in conn.execute(stmt.limit(size + 1))]
        more = len(rows) > size
        rows = rows[:size]
        return rows, (encode_token([to_us(rows[-1].started_on), rows[-1].id]) if more else "")

    def workflow_job_runs(self, run_id: str) -> List[JobRun]:
        runs: List[JobRun] = []
        token = None
        while True:
            page, token = self.service.list_job_runs(RunFilter(workflow_run_id=run_id), 1000, token)
            runs.extend(page)
            if not token:
                return list(reversed(runs))

    def workflow_crawler_runs(self, run_id: str) -> List[Any]:
        """The crawler runs (crawler.model.CrawlerRun) started in a workflow run, oldest first."""
        return self.crawler_runs.of_workflow_run(run_id)

    def statistics(self, run_id: str, job_runs: Optional[List[JobRun]] = None,
                   crawler_runs: Optional[List[Any]] = None) -> WorkflowRunStatistics:
        """Counts of the workflow run's job runs (not the attempts a retry superseded) and
        crawler runs (CANCELLED counts as stopped)."""
        states = [r.state.value for r in (self.workflow_job_runs(run_id) if job_runs is None else job_runs)
                  if not r.next_run_id]
        states += [CRAWL_AS_JOB_STATE.get(c.state, c.state)
                   for c in (self.workflow_crawler_runs(run_id) if crawler_runs is None else crawler_runs)]
        counts: Dict[str, int] = {}
        for state in states:
            counts[state] = counts.get(state, 0) + 1
        total = len(states)
        return WorkflowRunStatistics(
            total=total, running=sum(counts.get(s.value, 0) for s in ACTIVE_STATES),
            succeeded=counts.get("SUCCEEDED", 0), failed=counts.get("FAILED", 0), stopped=counts.get("STOPPED", 0),
            timeout=counts.get("TIMEOUT", 0), errored=counts.get("ERROR", 0), waiting=counts.get("WAITING", 0))

    def _set_wf_error(self, run_id: str, message: str) -> None:
        with self.store.tx.write() as conn:
            conn.execute(update(WR).where(WR.c.id == run_id).values(error_message=message))

    def _check_workflow_run(self, run_id: str) -> None:
        """Close the workflow run when none of its job runs (nor crawler runs) is unfinished."""
        now = self.clock()
        if self.crawler_runs.unfinished(run_id):
            return
        with self.store.tx.write() as conn:
            row = conn.execute(select(WR).where(WR.c.id == run_id)).first()
            if row is None or row.status not in ("RUNNING", "STOPPING"):
                return
            unfinished = conn.execute(select(func.count()).select_from(R).where(
                R.c.workflow_run_id == run_id,
                R.c.state.in_([s.value for s in ACTIVE_STATES] + [RunState.WAITING.value]))).scalar_one()
            if unfinished:
                return
            status = "STOPPED" if row.status == "STOPPING" else "COMPLETED"
            conn.execute(update(WR).where(WR.c.id == run_id, WR.c.status == row.status)
                         .values(status=status, completed_on=to_us(now)))

    def stop_workflow_run(self, name: str, run_id: str) -> WorkflowRun:
        run = self.get_workflow_run(name, run_id)
        if run.status != "RUNNING":
            raise FailedPrecondition(f"Workflow run {run_id} is {run.status}")
        with self.store.tx.write() as conn:
            conn.execute(update(WR).where(WR.c.id == run_id, WR.c.status == "RUNNING").values(status="STOPPING"))
        for r in self.workflow_job_runs(run_id):
            if not r.state.terminal:
                try:
                    self.service.stop_job_run(r.id)
                except JobRunnerError:
                    pass
        for c in self.workflow_crawler_runs(run_id):
            if c.state == "RUNNING":  # it ends CANCELLED; its end closes the workflow run
                try:
                    (self.crawler_stopper or self.crawler_runs.request_stop)(c.crawler_name, c.id)
                except LookupError:
                    log.debug("workflow run %s: crawl %s ended before it could be stopped", run_id, c.id)
                except RuntimeError as e:  # the runner's crawler service is closing (it cancels its crawls)
                    log.warning("workflow run %s: could not stop crawl %s: %s", run_id, c.id, e)
        self._check_workflow_run(run_id)
        return self.get_workflow_run_by_id(run_id)

    def resume_workflow_run(self, name: str, run_id: str, node_names: Sequence[str] = ()) -> WorkflowRun:
        """Re-run chosen failed nodes — jobs whose last run FAILED, TIMEOUT, ERROR or STOPPED,
        crawlers whose last crawl FAILED or was CANCELLED; default all of them — in a new
        workflow run. A name that is both a failed job and a failed crawler re-runs both."""
        old = self.get_workflow_run(name, run_id)
        if old.status in ("RUNNING", "STOPPING"):
            raise FailedPrecondition(f"Workflow run {run_id} is {old.status}; resume it once it has finished")
        last: Dict[str, JobRun] = {}
        for r in self.workflow_job_runs(run_id):
            if not r.next_run_id:
                last[r.job_name] = r
        failed = {n: r for n, r in last.items()
                  if r.state in (RunState.FAILED, RunState.TIMEOUT, RunState.ERROR, RunState.STOPPED)}
        last_crawls = {c.crawler_name: c for c in self.workflow_crawler_runs(run_id)}  # oldest first: last wins
        failed_crawls = {n: c for n, c in last_crawls.items() if c.state in FAILED_CRAWL_STATES}
        chosen = list(dict.fromkeys(node_names)) or sorted(set(failed) | set(failed_crawls))
        if not chosen:
            raise FailedPrecondition(f"Workflow run {run_id} has no failed job or crawler nodes to resume")
        for n in chosen:
            if n not in failed and n not in failed_crawls:
                raise InvalidArgument(f"Node {n} is not a failed job or crawler node of workflow run {run_id}")
        if self.crawler_starter is None and any(n in failed_crawls for n in chosen):
            raise FailedPrecondition(f"No crawler service in this job runner to re-run the crawler node(s) of "
                                     f"workflow run {run_id}")
        new = self.start_workflow_run(name, old.run_properties, previous_run_id=run_id, start_nodes=False)
        with self.store.tx.write() as conn:
            for row in conn.execute(select(TP).where(TP.c.scope == run_id)).fetchall():
                conn.execute(insert(TP).values(trigger_name=row.trigger_name, scope=new.id,
                                               satisfied=row.satisfied, fired=row.fired))
        for n in chosen:
            if n in failed:
                prev = failed[n]
                args = dict(prev.arguments)
                args["WORKFLOW_RUN_ID"] = new.id
                self.service.start_job_run(n, args, trigger_name=prev.trigger_name, workflow_name=name,
                                           workflow_run_id=new.id)
            if n in failed_crawls:
                try:
                    self.crawler_starter(n, trigger_name=failed_crawls[n].trigger_name, workflow_run_id=new.id,
                                         arguments={})
                except Exception as e:  # CrawlerNotFound (deleted since), CrawlerRunning (started elsewhere)
                    log.warning("workflow run %s could not re-run crawler %s: %s", new.id, n, e)
                    self._set_wf_error(new.id, f"could not re-run crawler {n}: {e}")
        self._check_workflow_run(new.id)
        return self.get_workflow_run_by_id(new.id)
