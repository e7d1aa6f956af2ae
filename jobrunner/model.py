"""The job runner's domain: jobs, runs, their states and the rules between them.

Protocol-free (no gRPC, no SQL): the store persists these objects, the service applies
the rules, the servicer converts them to and from protobuf messages.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

from .errors import InvalidArgument


class JobType(str, Enum):
    SPARK = "SPARK"
    PYTHON_SHELL = "PYTHON_SHELL"


class ConcurrencyPolicy(str, Enum):
    WAIT = "WAIT"
    REJECT = "REJECT"


class BookmarkMode(str, Enum):
    DISABLE = "DISABLE"
    ENABLE = "ENABLE"
    PAUSE = "PAUSE"


class RunState(str, Enum):
    WAITING = "WAITING"
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"
    ERROR = "ERROR"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def active(self) -> bool:
        """Holds one of the job's concurrency slots (a process exists or is being made)."""
        return self in ACTIVE_STATES


ACTIVE_STATES: FrozenSet[RunState] = frozenset({RunState.STARTING, RunState.RUNNING, RunState.STOPPING})
TERMINAL_STATES: FrozenSet[RunState] = frozenset(
    {RunState.STOPPED, RunState.SUCCEEDED, RunState.FAILED, RunState.TIMEOUT, RunState.ERROR})

# The run state machine. A run is created WAITING (queued behind max concurrency) or
# STARTING (a slot was free); STARTING → RUNNING once its process exists. Stop requests
# go through STOPPING (the process group is being killed) except for WAITING runs, which
# have no process. FAILED from STARTING covers a runner restart before the process began.
TRANSITIONS: Mapping[RunState, FrozenSet[RunState]] = {
    RunState.WAITING: frozenset({RunState.STARTING, RunState.STOPPED}),
    RunState.STARTING: frozenset({RunState.RUNNING, RunState.STOPPING, RunState.ERROR, RunState.FAILED}),
    RunState.RUNNING: frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.TIMEOUT, RunState.STOPPING,
                                 RunState.ERROR}),
    RunState.STOPPING: frozenset({RunState.STOPPED}),
    RunState.STOPPED: frozenset(),
    RunState.SUCCEEDED: frozenset(),
    RunState.FAILED: frozenset(),
    RunState.TIMEOUT: frozenset(),
    RunState.ERROR: frozenset(),
}


def can_transition(src: RunState, dst: RunState) -> bool:
    return dst in TRANSITIONS[src]


def sources_of(dst: RunState) -> Tuple[RunState, ...]:
    """Every state a run may move to `dst` from (for conditional UPDATEs)."""
    return tuple(s for s, targets in TRANSITIONS.items() if dst in targets)


# --- jobs ---------------------------------------------------------------------------------

DEFAULT_MASTER = "local[*]"
DEFAULT_TIMEOUT_SECONDS = 2880 * 60  # Glue's default: 48 hours
MAX_RETRIES_LIMIT = 10
NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,255}$")
BOOKMARK_OPTION_ARG = "job-bookmark-option"
RESERVED_ARGUMENTS = ("JOB_NAME", "JOB_RUN_ID")


def check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name or ""):
        raise InvalidArgument(f"Invalid {kind} name {name!r}: use 1 to 255 letters, digits, '_', '.' or '-'")
    return name


@dataclass(frozen=True)
class Job:
    name: str
    script_location: str
    description: str = ""
    job_type: JobType = JobType.SPARK
    default_arguments: Mapping[str, str] = field(default_factory=dict)
    non_overridable_arguments: Mapping[str, str] = field(default_factory=dict)
    extra_py_files: Tuple[str, ...] = ()
    spark_conf: Mapping[str, str] = field(default_factory=dict)
    spark_master: str = DEFAULT_MASTER
    max_retries: int = 0
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    max_concurrent_runs: int = 1
    concurrency_policy: ConcurrencyPolicy = ConcurrencyPolicy.WAIT
    bookmark_mode: BookmarkMode = BookmarkMode.DISABLE
    created_on: Optional[float] = None
    last_modified_on: Optional[float] = None

    # Fields a client may set (UpdateJob masks name these).
    UPDATABLE = ("description", "job_type", "script_location", "default_arguments",
                 "non_overridable_arguments", "extra_py_files", "spark_conf", "spark_master",
                 "max_retries", "timeout_seconds", "max_concurrent_runs", "concurrency_policy",
                 "bookmark_mode")

    def validated(self) -> "Job":
        """Normalized copy (argument keys without leading dashes), or InvalidArgument."""
        check_name("job", self.name)
        if not (self.script_location or "").strip():
            raise InvalidArgument(f"Job {self.name}: script_location is required")
        if not (self.spark_master or "").strip():
            raise InvalidArgument(f"Job {self.name}: spark_master must not be empty")
        if not 0 <= int(self.max_retries) <= MAX_RETRIES_LIMIT:
            raise InvalidArgument(f"Job {self.name}: max_retries must be between 0 and {MAX_RETRIES_LIMIT}")
        if int(self.timeout_seconds) < 1:
            raise InvalidArgument(f"Job {self.name}: timeout_seconds must be at least 1")
        if int(self.max_concurrent_runs) < 1:
            raise InvalidArgument(f"Job {self.name}: max_concurrent_runs must be at least 1")
        for key in self.spark_conf:
            if not key or not key.strip() or any(c.isspace() for c in key):
                raise InvalidArgument(f"Job {self.name}: invalid Spark conf key {key!r}")
        for f in self.extra_py_files:
            if not (f or "").strip():
                raise InvalidArgument(f"Job {self.name}: empty entry in extra_py_files")
        bm = (dict(self.default_arguments).get(BOOKMARK_OPTION_ARG)
              or dict(self.non_overridable_arguments).get(BOOKMARK_OPTION_ARG))
        if bm is not None:
            bookmark_mode_from_option(bm)
        return dataclasses.replace(
            self,
            script_location=self.script_location.strip(),
            job_type=JobType(self.job_type),
            default_arguments=normalize_arguments(self.default_arguments),
            non_overridable_arguments=normalize_arguments(self.non_overridable_arguments),
            extra_py_files=tuple(f.strip() for f in self.extra_py_files),
            spark_conf={str(k): str(v) for k, v in self.spark_conf.items()},
            spark_master=self.spark_master.strip(),
            max_retries=int(self.max_retries), timeout_seconds=int(self.timeout_seconds),
            max_concurrent_runs=int(self.max_concurrent_runs),
            concurrency_policy=ConcurrencyPolicy(self.concurrency_policy),
            bookmark_mode=BookmarkMode(self.bookmark_mode),
        )

    def updated(self, other: "Job", fields: Optional[List[str]] = None) -> "Job":
        """This job with `other`'s values for `fields` (all updatable fields when None)."""
        names = list(self.UPDATABLE) if not fields else list(fields)
        unknown = [f for f in names if f not in self.UPDATABLE]
        if unknown:
            raise InvalidArgument(f"Cannot update job field(s) {', '.join(unknown)}; "
                                  f"updatable: {', '.join(self.UPDATABLE)}")
        return dataclasses.replace(self, **{f: getattr(other, f) for f in names})


# --- runs ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobRun:
    id: str
    job_name: str
    state: RunState
    attempt: int = 0
    previous_run_id: Optional[str] = None
    next_run_id: Optional[str] = None
    trigger_name: Optional[str] = None
    arguments: Mapping[str, str] = field(default_factory=dict)
    resolved_arguments: Mapping[str, str] = field(default_factory=dict)
    client_token: Optional[str] = None
    queued_on: Optional[float] = None
    started_on: Optional[float] = None
    running_on: Optional[float] = None
    completed_on: Optional[float] = None
    last_modified_on: Optional[float] = None
    error_message: Optional[str] = None
    exit_code: Optional[int] = None
    spark_application_id: Optional[str] = None
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    max_retries: int = 0
    pid: Optional[int] = None
    process_start: Optional[int] = None
    host: Optional[str] = None
    run_dir: Optional[str] = None
    log_path: Optional[str] = None
    workflow_name: Optional[str] = None
    workflow_run_id: Optional[str] = None
    runner_id: Optional[str] = None           # the runner instance supervising it
    log_pruned_on: Optional[float] = None     # when the log retention deleted its run directory

    @property
    def execution_time(self) -> Optional[float]:
        """Seconds from process start to end (to now while running)."""
        if self.running_on is None:
            return None
        import time

        end = self.completed_on if self.completed_on is not None else time.time()
        return max(0.0, end - self.running_on)


@dataclass(frozen=True)
class RunEvent:
    """One state change of a run, in the order they happened."""

    seq: int
    run_id: str
    state: RunState
    at: float
    message: Optional[str] = None


@dataclass(frozen=True)
class RunFilter:
    job_name: Optional[str] = None
    states: Tuple[RunState, ...] = ()
    trigger_name: Optional[str] = None
    started_after: Optional[float] = None
    started_before: Optional[float] = None
    workflow_run_id: Optional[str] = None


@dataclass(frozen=True)
class LogChunk:
    run_id: str
    offset: int
    data: bytes
    next_offset: int
    complete: bool
    state: RunState


# --- arguments ----------------------------------------------------------------------------

def normalize_key(key: str) -> str:
    """`--day`, `-day` and `day` all name the argument `day`."""
    k = str(key).strip().lstrip("-")
    if not k or any(c.isspace() for c in k):
        raise InvalidArgument(f"Invalid argument name {key!r}")
    return k


def normalize_arguments(args: Optional[Mapping[str, str]]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for k, v in (args or {}).items():
        out[normalize_key(k)] = "" if v is None else str(v)
    return out


def resolve_arguments(job: Job, run_arguments: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """job defaults ← run arguments, then non-overridable arguments win."""
    resolved = dict(normalize_arguments(job.default_arguments))
    resolved.update(normalize_arguments(run_arguments))
    resolved.update(normalize_arguments(job.non_overridable_arguments))
    return resolved


def arguments_to_argv(job_name: str, run_id: str, resolved: Mapping[str, str]) -> List[str]:
    """What a script's sys.argv[1:] gets: `--JOB_NAME n --JOB_RUN_ID id --KEY VALUE …`
    (Glue's convention; the runner's JOB_NAME/JOB_RUN_ID cannot be overridden)."""
    argv = ["--JOB_NAME", job_name, "--JOB_RUN_ID", run_id]
    for k, v in resolved.items():
        if k in RESERVED_ARGUMENTS:
            continue
        argv += [f"--{k}", v]
    return argv


def bookmark_mode_from_option(value: str) -> BookmarkMode:
    """Glue's `--job-bookmark-option job-bookmark-enable|disable|pause` (or enable/…)."""
    v = str(value).strip().lower()
    if v.startswith("job-bookmark-"):
        v = v[len("job-bookmark-"):]
    try:
        return BookmarkMode(v.upper())
    except ValueError:
        raise InvalidArgument(
            f"Invalid {BOOKMARK_OPTION_ARG} {value!r}: use job-bookmark-enable, "
            "job-bookmark-disable or job-bookmark-pause") from None


def effective_bookmark_mode(job: Job, resolved: Mapping[str, str]) -> BookmarkMode:
    if BOOKMARK_OPTION_ARG in resolved:
        return bookmark_mode_from_option(resolved[BOOKMARK_OPTION_ARG])
    return job.bookmark_mode
