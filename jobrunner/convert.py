"""Protobuf messages ⇄ domain objects (the only place that knows both)."""
from __future__ import annotations

import json
from typing import Dict, List, Optional, Sequence

from google.protobuf import duration_pb2, timestamp_pb2

from ._proto import jobrunner_pb2 as pb
from .bookmarks import JobBookmark
from .errors import InvalidArgument
from .model import (
    DEFAULT_MASTER, DEFAULT_TIMEOUT_SECONDS, BookmarkMode, ConcurrencyPolicy, Job, JobRun, JobType, LogChunk,
    RunEvent, RunState,
)
from .orchestration import (
    Action, Condition, Predicate, Trigger, Workflow, WorkflowRun, WorkflowRunStatistics,
)


# --- scalars ------------------------------------------------------------------------------

def ts(t: Optional[float]) -> Optional[timestamp_pb2.Timestamp]:
    if t is None:
        return None
    out = timestamp_pb2.Timestamp()
    seconds = int(t // 1)
    out.seconds, out.nanos = seconds, int(round((t - seconds) * 1e9)) % 1_000_000_000
    return out


def from_ts(msg, field: str) -> Optional[float]:
    if not msg.HasField(field):
        return None
    v = getattr(msg, field)
    return v.seconds + v.nanos / 1e9


def duration(seconds: Optional[float]) -> Optional[duration_pb2.Duration]:
    if seconds is None:
        return None
    out = duration_pb2.Duration()
    out.FromNanoseconds(int(seconds * 1e9))
    return out


def _opt(msg, field: str):
    return getattr(msg, field) if msg.HasField(field) else None


# --- jobs ---------------------------------------------------------------------------------

_JOB_TYPES = {pb.Job.JOB_TYPE_UNSPECIFIED: JobType.SPARK, pb.Job.SPARK: JobType.SPARK,
              pb.Job.PYTHON_SHELL: JobType.PYTHON_SHELL}
_POLICIES = {pb.Job.CONCURRENCY_POLICY_UNSPECIFIED: ConcurrencyPolicy.WAIT, pb.Job.WAIT: ConcurrencyPolicy.WAIT,
             pb.Job.REJECT: ConcurrencyPolicy.REJECT}
_BOOKMARK = {pb.Job.BOOKMARK_MODE_UNSPECIFIED: BookmarkMode.DISABLE, pb.Job.DISABLE: BookmarkMode.DISABLE,
             pb.Job.ENABLE: BookmarkMode.ENABLE, pb.Job.PAUSE: BookmarkMode.PAUSE}


def _enum(table, value, what: str):
    try:
        return table[value]
    except KeyError:
        raise InvalidArgument(f"Unknown {what} {value}") from None


def job_from_pb(m: pb.Job) -> Job:
    """A Job from a request message; unset fields take their defaults."""
    return Job(
        name=m.name, description=m.description, job_type=_enum(_JOB_TYPES, m.job_type, "job type"),
        script_location=m.script_location, default_arguments=dict(m.default_arguments),
        non_overridable_arguments=dict(m.non_overridable_arguments), extra_py_files=tuple(m.extra_py_files),
        spark_conf=dict(m.spark_conf), spark_master=m.spark_master or DEFAULT_MASTER,
        max_retries=m.max_retries if m.HasField("max_retries") else 0,
        timeout_seconds=m.timeout_seconds if m.HasField("timeout_seconds") else DEFAULT_TIMEOUT_SECONDS,
        max_concurrent_runs=m.max_concurrent_runs if m.HasField("max_concurrent_runs") else 1,
        concurrency_policy=_enum(_POLICIES, m.concurrency_policy, "concurrency policy"),
        bookmark_mode=_enum(_BOOKMARK, m.bookmark_mode, "bookmark mode"),
    )


def job_to_pb(j: Job) -> pb.Job:
    return pb.Job(
        name=j.name, description=j.description, job_type=pb.Job.JobType.Value(j.job_type.value),
        script_location=j.script_location, default_arguments=dict(j.default_arguments),
        non_overridable_arguments=dict(j.non_overridable_arguments), extra_py_files=list(j.extra_py_files),
        spark_conf=dict(j.spark_conf), spark_master=j.spark_master, max_retries=j.max_retries,
        timeout_seconds=j.timeout_seconds, max_concurrent_runs=j.max_concurrent_runs,
        concurrency_policy=pb.Job.ConcurrencyPolicy.Value(j.concurrency_policy.value),
        bookmark_mode=pb.Job.BookmarkMode.Value(j.bookmark_mode.value),
        created_on=ts(j.created_on), last_modified_on=ts(j.last_modified_on),
    )


# --- runs ---------------------------------------------------------------------------------

def state_to_pb(s: RunState) -> int:
    return pb.JobRun.State.Value(s.value)


def state_from_pb(v: int) -> RunState:
    name = pb.JobRun.State.Name(v) if v in pb.JobRun.State.values() else None
    if not name or name == "STATE_UNSPECIFIED":
        raise InvalidArgument(f"Invalid job run state {v}")
    return RunState(name)


def run_to_pb(r: JobRun) -> pb.JobRun:
    m = pb.JobRun(
        id=r.id, job_name=r.job_name, attempt=r.attempt, previous_run_id=r.previous_run_id or "",
        next_run_id=r.next_run_id or "", trigger_name=r.trigger_name or "", state=state_to_pb(r.state),
        queued_on=ts(r.queued_on), started_on=ts(r.started_on), completed_on=ts(r.completed_on),
        last_modified_on=ts(r.last_modified_on), execution_time=duration(r.execution_time),
        error_message=r.error_message or "", spark_application_id=r.spark_application_id or "",
        arguments=dict(r.arguments), resolved_arguments=dict(r.resolved_arguments),
        timeout_seconds=r.timeout_seconds, max_retries=r.max_retries,
        workflow_name=r.workflow_name or "", workflow_run_id=r.workflow_run_id or "",
        runner_id=r.runner_id or "", log_pruned_on=ts(r.log_pruned_on),
    )
    if r.exit_code is not None:
        m.exit_code = r.exit_code
    return m


def event_to_pb(e: RunEvent, run: JobRun) -> pb.JobRunStateChange:
    return pb.JobRunStateChange(run_id=e.run_id, attempt=run.attempt, state=state_to_pb(e.state), at=ts(e.at),
                                message=e.message or "", job_run=run_to_pb(run))


def log_to_pb(c: LogChunk) -> pb.LogChunk:
    return pb.LogChunk(run_id=c.run_id, offset=c.offset, data=c.data, next_offset=c.next_offset,
                       complete=c.complete, state=state_to_pb(c.state))


def bookmark_to_pb(b: JobBookmark) -> pb.JobBookmark:
    return pb.JobBookmark(
        job_name=b.job_name, version=b.version, run_id=b.run_id or "",
        entries={name: pb.BookmarkEntry(source=name, state_json=json.dumps(dict(e.state), sort_keys=True),
                                        run_id=e.run_id or "", updated_on=ts(e.updated_on))
                 for name, e in b.entries.items()},
        now_floor=ts(b.now_floor), mode=pb.Job.BookmarkMode.Value(b.mode.value),
    )


def bookmark_states_from_pb(entries_json) -> Dict[str, dict]:
    out = {}
    for name, text in entries_json.items():
        try:
            state = json.loads(text or "{}")
        except ValueError:
            raise InvalidArgument(f"Bookmark state of source {name!r} is not valid JSON") from None
        if not isinstance(state, dict):
            raise InvalidArgument(f"Bookmark state of source {name!r} must be a JSON object")
        out[name] = state
    return out


# --- triggers -----------------------------------------------------------------------------

def trigger_from_pb(m: pb.Trigger, *, require_type: bool = True) -> Trigger:
    ttype = pb.Trigger.Type.Name(m.type) if m.type in pb.Trigger.Type.values() else "TYPE_UNSPECIFIED"
    if ttype == "TYPE_UNSPECIFIED":
        if require_type:
            raise InvalidArgument("Trigger type is required: SCHEDULED, CONDITIONAL, ON_DEMAND or EVENT")
        ttype = "ON_DEMAND"  # updates cannot change the type; the stored one is kept
    logical = pb.Predicate.Logical.Name(m.predicate.logical) if m.HasField("predicate") else "AND"
    conditions = []
    for c in m.predicate.conditions:
        state = (pb.JobRun.State.Name(c.state) if c.job_name else c.crawl_state) or ""
        conditions.append(Condition(state=state, job_name=c.job_name or None, crawler_name=c.crawler_name or None))
    actions = tuple(Action(job_name=a.job_name or None, crawler_name=a.crawler_name or None,
                           arguments=dict(a.arguments), timeout_seconds=_opt(a, "timeout_seconds"))
                    for a in m.actions)
    ebc = m.event_batching_condition if m.HasField("event_batching_condition") else None
    return Trigger(
        name=m.name, type=ttype, actions=actions, workflow_name=m.workflow_name or None, description=m.description,
        schedule=m.schedule or None, timezone=m.timezone or None,
        predicate=Predicate(logical="AND" if logical == "LOGICAL_UNSPECIFIED" else logical,
                            conditions=tuple(conditions)),
        batch_size=(ebc.batch_size or None) if ebc else None,
        batch_window_seconds=(ebc.batch_window_seconds or None) if ebc else None,
    )


def trigger_to_pb(t: Trigger) -> pb.Trigger:
    conds = []
    for c in t.predicate.conditions:
        cm = pb.Condition(logical_operator=pb.Condition.EQUALS, job_name=c.job_name or "",
                          crawler_name=c.crawler_name or "")
        if c.job_name:
            cm.state = pb.JobRun.State.Value(c.state)
        else:
            cm.crawl_state = c.state
        conds.append(cm)
    m = pb.Trigger(
        name=t.name, workflow_name=t.workflow_name or "", type=pb.Trigger.Type.Value(t.type),
        state=pb.Trigger.State.Value(t.state), description=t.description, schedule=t.schedule or "",
        timezone=t.timezone or "", predicate=pb.Predicate(logical=pb.Predicate.Logical.Value(t.predicate.logical),
                                                          conditions=conds),
        next_fire_time=ts(t.next_fire_time), last_fired_on=ts(t.last_fired_on),
    )
    for a in t.actions:
        am = m.actions.add(job_name=a.job_name or "", crawler_name=a.crawler_name or "", arguments=dict(a.arguments))
        if a.timeout_seconds is not None:
            am.timeout_seconds = a.timeout_seconds
    if t.type == "EVENT":
        m.event_batching_condition.CopyFrom(pb.EventBatchingCondition(
            batch_size=t.batch_size or 1, batch_window_seconds=t.batch_window_seconds or 0))
    return m


# --- workflows ----------------------------------------------------------------------------

def workflow_from_pb(m: pb.Workflow) -> Workflow:
    return Workflow(name=m.name, description=m.description, default_run_properties=dict(m.default_run_properties),
                    max_concurrent_runs=m.max_concurrent_runs)


def workflow_to_pb(w: Workflow, triggers: List[Trigger], last_run: Optional[pb.WorkflowRun] = None) -> pb.Workflow:
    m = pb.Workflow(name=w.name, description=w.description, default_run_properties=dict(w.default_run_properties),
                    max_concurrent_runs=w.max_concurrent_runs, trigger_names=[t.name for t in triggers],
                    created_on=ts(w.created_on), last_modified_on=ts(w.last_modified_on))
    if last_run is not None:
        m.last_run.CopyFrom(last_run)
    return m


def crawl_run_to_pb(c) -> pb.CrawlRun:
    """A crawler run (crawler.model.CrawlerRun) of a workflow run."""
    return pb.CrawlRun(id=c.id, crawler_name=c.crawler_name, state=c.state, started_on=ts(c.started_on),
                       completed_on=ts(c.finished_on), trigger_name=c.trigger_name or "", message=c.message or "",
                       error_count=len(c.errors))


def workflow_run_to_pb(r: WorkflowRun, stats: WorkflowRunStatistics, triggers: List[Trigger],
                       job_runs: List[JobRun], crawler_runs: Sequence = ()) -> pb.WorkflowRun:
    """Nodes: the workflow's triggers, then the jobs and the crawlers its triggers name (and
    any other crawler that ran in this workflow run), each with its runs in this run."""
    nodes = [pb.WorkflowNode(type=pb.WorkflowNode.TRIGGER, name=t.name) for t in triggers]
    job_names: List[str] = []
    crawler_names: List[str] = []
    for t in triggers:
        for c in t.predicate.conditions:
            if c.job_name and c.job_name not in job_names:
                job_names.append(c.job_name)
            if c.crawler_name and c.crawler_name not in crawler_names:
                crawler_names.append(c.crawler_name)
        for a in t.actions:
            if a.job_name and a.job_name not in job_names:
                job_names.append(a.job_name)
            if a.crawler_name and a.crawler_name not in crawler_names:
                crawler_names.append(a.crawler_name)
    for c in crawler_runs:
        if c.crawler_name not in crawler_names:
            crawler_names.append(c.crawler_name)
    for name in job_names:
        nodes.append(pb.WorkflowNode(type=pb.WorkflowNode.JOB, name=name,
                                     job_runs=[run_to_pb(j) for j in job_runs if j.job_name == name]))
    for name in crawler_names:
        nodes.append(pb.WorkflowNode(type=pb.WorkflowNode.CRAWLER, name=name,
                                     crawls=[crawl_run_to_pb(c) for c in crawler_runs if c.crawler_name == name]))
    return pb.WorkflowRun(
        id=r.id, workflow_name=r.workflow_name, status=pb.WorkflowRun.Status.Value(r.status),
        run_properties=dict(r.run_properties), started_on=ts(r.started_on), completed_on=ts(r.completed_on),
        statistics=pb.WorkflowRunStatistics(
            total_actions=stats.total, running_actions=stats.running, succeeded_actions=stats.succeeded,
            failed_actions=stats.failed, stopped_actions=stats.stopped, timeout_actions=stats.timeout,
            errored_actions=stats.errored, waiting_actions=stats.waiting),
        error_message=r.error_message or "", nodes=nodes, previous_run_id=r.previous_run_id or "",
    )
