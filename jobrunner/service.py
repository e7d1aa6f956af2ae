"""The job runner: job definitions, runs and their lifecycle, without any protocol.

A run is created WAITING or STARTING in one write transaction that also decides admission
(max concurrent runs of its job, FIFO behind waiting runs, or refusal for REJECT jobs).
Every STARTING run gets a supervisor thread that prepares it (script staging, backend
command), spawns its process in a new session, and watches it: exit status, stop requests,
its timeout, the Spark application id in its log. The supervisor alone decides how a run it
watches ends; every state change is one conditional UPDATE plus a row in the run's event
history, in the same transaction. A FAILED attempt with retries left creates its retry in
the transaction that records the failure.

On start the service reconciles runs a previous runner left active: a process that still
runs is adopted and watched; one that is gone ends FAILED (STOPPED if it was stopping) with
the reason, or with what its exit-status file recorded. Closing the service leaves run
processes running (a restart adopts them) unless asked to stop them.

Several runners may share a database. Each run records the runner instance supervising it
(`runner_id`) and its host; each runner keeps a liveness lease (jobrunner.leases) and
reconciles only runs whose runner is gone — at start and then periodically — adopting
processes of its own host. The housekeeping thread also prunes old run logs
(jobrunner.retention).
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import shlex
import socket
import threading
import time
import uuid
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from . import leases, processes
from .backends.base import Backend, LaunchContext
from .bookmarks import Bookmarks
from .errors import (
    ConcurrentRunsExceeded, FailedPrecondition, InvalidArgument, JobRunnerError, LaunchError, NotFound,
)
from .model import (
    ACTIVE_STATES, Job, JobRun, JobType, LogChunk, RunEvent, RunFilter, RunState, check_name,
    effective_bookmark_mode, normalize_arguments, resolve_arguments, sources_of,
)
from .retention import LogRetention, prune_logs, pruned_message, remove_run_dirs
from .store import JobStore, decode_token, encode_token

log = logging.getLogger(__name__)

DEFAULT_PAGE = 100
MAX_PAGE = 1000
MAX_LOG_CHUNK = 16 << 20
LOG_NAME = "output.log"
EXIT_FILE = "exit_status"
ERROR_TAIL = 64 << 10


@dataclasses.dataclass
class RunnerConfig:
    """How the runner runs things (not what: that is the jobs)."""

    state_dir: str                          # run directories: logs, staged scripts, exit files
    advertise_address: Optional[str] = None  # host:port scripts dial for bookmarks (the gRPC server)
    metastore_uri: Optional[str] = None
    stop_grace_seconds: float = 10.0        # SIGTERM → SIGKILL on stop and timeout
    poll_interval: float = 0.1              # supervisor loop
    housekeeping_interval: float = 1.0      # dispatcher / trigger ticks
    host: str = dataclasses.field(default_factory=socket.gethostname)
    lease_seconds: float = 30.0             # runner liveness and scheduler leases (renewed every third)
    log_retention: LogRetention = dataclasses.field(default_factory=LogRetention)
    crawler_poll_interval: float = 5.0      # scheduler: ends of crawler runs read from the database
    crawler_notify_max_age: float = 600.0   # … of runs that ended at most this long ago
    # Fetching a run's script and extra files (fsspec) must end within this many seconds (and
    # within the run's own timeout, if shorter): else the run ends ERROR, never started.
    staging_timeout_seconds: float = 600.0


@dataclasses.dataclass
class _Supervision:
    stop: threading.Event
    thread: Optional[threading.Thread] = None


def new_run_id() -> str:
    return "jr_" + uuid.uuid4().hex


def new_runner_id(host: str) -> str:
    """This runner instance: host, pid and a random part (a restart is a new instance)."""
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:255]


def retry_run_id(run: JobRun) -> str:
    root = run.id.split("_attempt_")[0]
    return f"{root}_attempt_{run.attempt + 1}"


def _page_size(n: Optional[int]) -> int:
    if not n:
        return DEFAULT_PAGE
    if n < 0:
        raise InvalidArgument("page_size must not be negative")
    return min(int(n), MAX_PAGE)


class JobService:
    def __init__(self, store: JobStore, backends: Mapping[JobType, Backend], config: RunnerConfig,
                 clock: Callable[[], float] = time.time):
        self.store = store
        self.backends = dict(backends)
        self.config = config
        self.clock = clock
        self.bookmarks = Bookmarks(store, clock)
        self._supervised: Dict[str, _Supervision] = {}
        self._lock = threading.RLock()
        # Held while a run's final state is recorded and its listeners run, so triggers and
        # workflows see run completions one at a time, in order.
        self._settle = threading.RLock()
        self._changed = threading.Condition()
        self._change_seq = 0
        self._closing = threading.Event()
        self._draining = False  # closing: admit new runs and retries as WAITING only
        self._loop: Optional[threading.Thread] = None
        self._keeper: Optional[threading.Thread] = None
        self._finish_listeners: List[Callable[[JobRun], None]] = []
        self._tick_hooks: List[Callable[[], None]] = []
        self.runner_id = new_runner_id(config.host)
        self.liveness = leases.Lease(store, leases.runner_lease(self.runner_id), self.runner_id, clock,
                                     config.lease_seconds)
        self._next_reconcile = 0.0
        self._next_prune = 0.0
        os.makedirs(os.path.join(config.state_dir, "runs"), exist_ok=True)

    # =======================================================================================
    # lifecycle
    # =======================================================================================
    def start(self) -> "JobService":
        self.liveness.hold()
        # Its own thread, so slow housekeeping never lets the lease lapse (others would adopt our runs).
        self._keeper = threading.Thread(target=self._keep_alive, name="jobrunner-liveness", daemon=True)
        self._keeper.start()
        self.reconcile()
        self._next_reconcile = time.monotonic() + self.config.lease_seconds / 2
        self._dispatch_all()
        self._loop = threading.Thread(target=self._housekeeping, name="jobrunner-housekeeping", daemon=True)
        self._loop.start()
        return self

    def _keep_alive(self) -> None:
        while not self._closing.wait(min(1.0, self.config.lease_seconds / 6)):
            try:
                self.liveness.hold()  # writes only once a third of the lease has passed
            except Exception:  # never let the keeper die: the others would adopt our runs
                log.exception("renewing the runner's liveness lease failed")

    def close(self, *, stop_runs: bool = False, timeout: float = 60.0) -> None:
        """Stop supervising. Run processes keep running (a restarted runner adopts them)
        unless `stop_runs`, which stops them (state STOPPED) and waits for that."""
        self._draining = True
        if stop_runs:
            with self._lock:
                ids = list(self._supervised)
            for run_id in ids:
                try:
                    self.stop_job_run(run_id)
                except JobRunnerError:
                    pass
            deadline = time.monotonic() + timeout
            for run_id in ids:
                sup = self._supervised.get(run_id)
                if sup and sup.thread:
                    sup.thread.join(max(0.0, deadline - time.monotonic()))
        self._closing.set()
        self._notify()
        # Background threads notice _closing within a poll; all of them share one deadline so
        # a runner with many supervised runs still stops promptly (its runs keep running).
        deadline = time.monotonic() + 10.0
        with self._lock:
            threads = [s.thread for s in self._supervised.values() if s.thread]
        for t in [self._loop, self._keeper, *threads]:
            if t is not None:
                t.join(max(0.0, deadline - time.monotonic()))
        # Our runs are now up for adoption by whichever runner reconciles next (a restart).
        self.liveness.release(forget=True)

    def add_finish_listener(self, fn: Callable[[JobRun], None]) -> None:
        """`fn(run)` after a run reaches a final state (triggers, workflows)."""
        self._finish_listeners.append(fn)

    def add_tick_hook(self, fn: Callable[[], None]) -> None:
        self._tick_hooks.append(fn)

    def _housekeeping(self) -> None:
        while not self._closing.wait(self.config.housekeeping_interval):
            try:
                self._dispatch_all()
            except Exception:
                log.exception("dispatching waiting runs failed")
            if time.monotonic() >= self._next_reconcile:
                self._next_reconcile = time.monotonic() + self.config.lease_seconds / 2
                try:  # runs of runners that died (stopped renewing their liveness lease)
                    self.reconcile()
                except Exception:
                    log.exception("reconciling runs failed")
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + self.config.log_retention.interval
                try:
                    self.prune_logs()
                except Exception:
                    log.exception("pruning run logs failed")
            for hook in list(self._tick_hooks):
                try:
                    hook()
                except Exception:
                    log.exception("housekeeping hook failed")

    def _notify(self) -> None:
        with self._changed:
            self._change_seq += 1
            self._changed.notify_all()

    def _wait_change(self, seen: int, timeout: float) -> None:
        with self._changed:
            if self._change_seq == seen and not self._closing.is_set():
                self._changed.wait(timeout)

    # =======================================================================================
    # jobs
    # =======================================================================================
    def create_job(self, job: Job) -> Job:
        now = self.clock()
        job = dataclasses.replace(job.validated(), created_on=now, last_modified_on=now)
        with self.store.tx.write() as conn:
            self.store.insert_job(conn, job)
            return self.store.get_job(conn, job.name)

    def update_job(self, job: Job, fields: Optional[Sequence[str]] = None) -> Job:
        check_name("job", job.name)
        with self.store.tx.write() as conn:
            current = self.store.get_job(conn, job.name, lock=True)
            if current is None:
                raise NotFound(f"Job {job.name} not found")
            merged = dataclasses.replace(current.updated(job, list(fields) if fields else None).validated(),
                                         last_modified_on=self.clock())
            self.store.update_job(conn, merged)
            merged = self.store.get_job(conn, job.name)
        self._notify()
        return merged

    def get_job(self, name: str) -> Job:
        with self.store.tx.read() as conn:
            job = self.store.get_job(conn, name)
        if job is None:
            raise NotFound(f"Job {name} not found")
        return job

    def list_jobs(self, page_size: Optional[int] = None, page_token: Optional[str] = None) -> Tuple[List[Job], str]:
        size = _page_size(page_size)
        after = decode_token(page_token) if page_token else None
        with self.store.tx.read() as conn:
            jobs = self.store.list_jobs(conn, after, size + 1)
        more = len(jobs) > size
        jobs = jobs[:size]
        return jobs, (encode_token(jobs[-1].name) if more else "")

    def delete_job(self, name: str) -> None:
        """Delete a job with its runs, their history and bookmarks, and (on this host) the
        runs' directories."""
        with self.store.tx.write() as conn:
            if self.store.get_job(conn, name, lock=True) is None:
                raise NotFound(f"Job {name} not found")
            pending = self.store.count_runs(conn, name, list(ACTIVE_STATES) + [RunState.WAITING])
            if pending:
                raise FailedPrecondition(f"Job {name} has {pending} unfinished run(s); stop them before deleting it")
            dirs = self.store.run_dirs(conn, name, self.config.host)
            self.store.delete_job(conn, name)
        remove_run_dirs(dirs, state_dir=self.config.state_dir)

    # =======================================================================================
    # starting runs
    # =======================================================================================
    def _admit(self, conn, job: Job) -> Tuple[RunState, int]:
        active = self.store.count_runs(conn, job.name, ACTIVE_STATES)
        waiting = self.store.count_runs(conn, job.name, [RunState.WAITING])
        if active < job.max_concurrent_runs and waiting == 0 and not self._draining:
            return RunState.STARTING, active
        return RunState.WAITING, active

    def start_job_run(self, job_name: str, arguments: Optional[Mapping[str, str]] = None, *,
                      client_token: Optional[str] = None, trigger_name: Optional[str] = None,
                      timeout_seconds: Optional[int] = None, workflow_name: Optional[str] = None,
                      workflow_run_id: Optional[str] = None) -> JobRun:
        args = normalize_arguments(arguments)
        if timeout_seconds is not None and int(timeout_seconds) < 1:
            raise InvalidArgument("timeout_seconds must be at least 1")
        if client_token is not None and len(client_token) > 255:
            raise InvalidArgument("client_token is longer than 255 characters")
        now = self.clock()
        with self.store.tx.write() as conn:
            job = self.store.get_job(conn, job_name, lock=True)
            if job is None:
                raise NotFound(f"Job {job_name} not found")
            if client_token:
                existing = self.store.run_by_token(conn, job_name, client_token)
                if existing is not None:
                    return existing
            # Arguments must resolve (e.g. a valid --job-bookmark-option) before queueing.
            effective_bookmark_mode(job, resolve_arguments(job, args))
            state, active = self._admit(conn, job)
            if state is RunState.WAITING and job.concurrency_policy.value == "REJECT" and not self._draining:
                raise ConcurrentRunsExceeded(
                    f"Job {job_name} is at its limit of {job.max_concurrent_runs} concurrent run(s) "
                    f"({active} active) and its concurrency policy is REJECT; try again later")
            run = JobRun(
                id=new_run_id(), job_name=job_name, state=state, attempt=0, trigger_name=trigger_name,
                arguments=args, client_token=client_token or None, queued_on=now,
                started_on=now if state is RunState.STARTING else None, last_modified_on=now,
                timeout_seconds=int(timeout_seconds or job.timeout_seconds), max_retries=job.max_retries,
                workflow_name=workflow_name, workflow_run_id=workflow_run_id,
                runner_id=self.runner_id if state is RunState.STARTING else None,
            )
            self.store.insert_run(conn, run)
            self.store.add_event(conn, run.id, state, now)
        self._notify()
        if state is RunState.STARTING:
            self._supervise(run.id)
        return run

    def _dispatch(self, job_name: str) -> List[str]:
        """Start WAITING runs of the job, oldest first, while it has free slots."""
        now = self.clock()
        started: List[str] = []
        if self._draining:
            return started
        with self.store.tx.write() as conn:
            job = self.store.get_job(conn, job_name, lock=True)
            if job is None:
                return started
            free = job.max_concurrent_runs - self.store.count_runs(conn, job_name, ACTIVE_STATES)
            if free <= 0:
                return started
            for run in self.store.waiting_runs(conn, job_name, free):
                if self.store.update_run(conn, run.id, from_states=[RunState.WAITING], state=RunState.STARTING,
                                         started_on=now, last_modified_on=now, runner_id=self.runner_id):
                    self.store.add_event(conn, run.id, RunState.STARTING, now)
                    started.append(run.id)
        if started:
            self._notify()
        for run_id in started:
            self._supervise(run_id)
        return started

    def _dispatch_all(self) -> None:
        if self._closing.is_set():
            return
        with self.store.tx.read() as conn:
            names = self.store.jobs_with_waiting_runs(conn)
        for name in names:
            self._dispatch(name)

    # =======================================================================================
    # supervision
    # =======================================================================================
    def _supervise(self, run_id: str, handle: Optional[processes.Handle] = None) -> None:
        """A thread that launches (or, given a handle, adopts) the run and watches it."""
        with self._lock:
            if run_id in self._supervised or self._closing.is_set():
                return
            sup = _Supervision(stop=threading.Event())
            self._supervised[run_id] = sup
        sup.thread = threading.Thread(target=self._supervisor, args=(run_id, sup, handle),
                                      name=f"run-{run_id[:20]}", daemon=True)
        sup.thread.start()

    def _supervisor(self, run_id: str, sup: _Supervision, handle: Optional[processes.Handle]) -> None:
        try:
            if handle is None:
                handle = self._launch(run_id, sup.stop)
            if handle is not None:
                self._watch(run_id, handle, sup.stop)
        except Exception as e:  # never leave a run active because its supervisor broke
            log.exception("supervising run %s failed", run_id)
            try:
                self._finish(run_id, RunState.ERROR, f"Internal error of the job runner: {type(e).__name__}: {e}")
            except Exception:
                log.exception("could not record the failure of run %s", run_id)
        finally:
            with self._lock:
                self._supervised.pop(run_id, None)

    def _run_dir(self, run_id: str) -> str:
        return os.path.join(self.config.state_dir, "runs", run_id)

    def _runtime_env(self, job: Job, run: JobRun, resolved: Mapping[str, str]) -> Dict[str, str]:
        import json

        env = {
            "LAKEGLUE_JOB_NAME": job.name,
            "LAKEGLUE_JOB_RUN_ID": run.id,
            "LAKEGLUE_JOB_ATTEMPT": str(run.attempt),
            "LAKEGLUE_JOB_ARGUMENTS": json.dumps(dict(resolved), sort_keys=True),
            "LAKEGLUE_BOOKMARK_MODE": effective_bookmark_mode(job, resolved).value,
        }
        if self.config.advertise_address:
            env["LAKEGLUE_JOBRUNNER_ADDRESS"] = self.config.advertise_address
        if self.config.metastore_uri:
            env["LAKEGLUE_METASTORE_URI"] = self.config.metastore_uri
        if run.workflow_run_id:
            env["LAKEGLUE_WORKFLOW_NAME"] = run.workflow_name or ""
            env["LAKEGLUE_WORKFLOW_RUN_ID"] = run.workflow_run_id
        return env

    def _launch(self, run_id: str, stop: Optional[threading.Event] = None) -> Optional[processes.Handle]:
        with self.store.tx.read() as conn:
            run = self.store.get_run(conn, run_id)
            job = self.store.get_job(conn, run.job_name) if run else None
        if run is None:
            return None
        if run.state is RunState.STOPPING:
            self._finish(run_id, RunState.STOPPED, None)
            return None
        if run.state is not RunState.STARTING:
            return None
        run_dir = self._run_dir(run_id)
        os.makedirs(run_dir, exist_ok=True)
        log_path = os.path.join(run_dir, LOG_NAME)
        with self.store.tx.write() as conn:
            self.store.update_run(conn, run_id, run_dir=run_dir, log_path=log_path, host=self.config.host)
        try:
            if job is None:
                raise LaunchError(f"Job {run.job_name} no longer exists")
            resolved = resolve_arguments(job, run.arguments)
            backend = self.backends.get(job.job_type)
            if backend is None:
                raise LaunchError(f"This job runner has no backend for {job.job_type.value} jobs")
            staged = self._stage(run, job, os.path.join(run_dir, "staged"), log_path, stop)
            if staged is None:
                return None  # the run was ended (deadline, stop) or the runner is closing
            script, py_files = staged
            ctx = LaunchContext(job=job, run=run, resolved_arguments=resolved, run_dir=run_dir, script_path=script,
                                py_files=py_files, runtime_env=self._runtime_env(job, run, resolved))
            spec = backend.command(ctx)
        except (JobRunnerError, OSError) as e:
            msg = e.message if isinstance(e, JobRunnerError) else f"{type(e).__name__}: {e}"
            self._log_line(log_path, f"cannot start run {run_id}: {msg}")
            self._finish(run_id, RunState.ERROR, msg)
            return None
        self._log_line(log_path, f"run {run_id} (attempt {run.attempt}) of job {job.name} on {self.config.host}: "
                                 + " ".join(shlex.quote(a) for a in redact_argv(spec.argv)))
        try:
            handle = processes.spawn(spec.argv, env=spec.env, cwd=spec.cwd, log_path=log_path,
                                     exit_file=os.path.join(run_dir, EXIT_FILE))
        except OSError as e:
            self._log_line(log_path, f"cannot start the process: {e}")
            self._finish(run_id, RunState.ERROR, f"Cannot start the run's process: {e}")
            return None
        now = self.clock()
        with self.store.tx.write() as conn:
            self.store.update_run(conn, run_id, pid=handle.pid, process_start=handle.start,
                                  resolved_arguments=resolved, last_modified_on=now)
            running = self.store.update_run(conn, run_id, from_states=[RunState.STARTING], state=RunState.RUNNING,
                                            running_on=now, last_modified_on=now)
            if running:
                self.store.add_event(conn, run_id, RunState.RUNNING, now)
            else:  # stopped while it was being prepared: record when it ran, for execution time
                self.store.update_run(conn, run_id, running_on=now)
        self._notify()
        return handle

    def _stage(self, run: JobRun, job: Job, staged_dir: str, log_path: str,
               stop: Optional[threading.Event]) -> Optional[Tuple[str, List[str]]]:
        """The run's script and extra Python files on local disk (staging.py), fetched under a
        deadline: the runner's `staging_timeout_seconds`, or the run's timeout if shorter (a
        fetch can hang: an unresponsive HTTP server, a stuck object store). The fetch runs in
        a helper thread; past the deadline the run ends ERROR, unstarted, saying which limit
        passed and what was being fetched, and the thread is abandoned. A stop request ends
        the run STOPPED. LaunchError when a file cannot be read; None when the run was ended
        here, or the runner is closing (the run has no process yet: whoever reconciles it
        settles it)."""
        from .staging import materialize

        locations = [job.script_location, *job.extra_py_files]
        progress = {"current": None, "paths": [], "error": None}

        def fetch() -> None:
            try:
                for loc in locations:
                    progress["current"] = loc
                    progress["paths"].append(materialize(loc, staged_dir))
                progress["current"] = None
            except BaseException as e:  # handed to the supervisor
                progress["error"] = e

        limit = float(run.timeout_seconds)
        by_run_timeout = True
        if self.config.staging_timeout_seconds and self.config.staging_timeout_seconds < limit:
            limit, by_run_timeout = float(self.config.staging_timeout_seconds), False
        worker = threading.Thread(target=fetch, name=f"stage-{run.id[:20]}", daemon=True)
        worker.start()
        deadline = time.monotonic() + limit
        next_check = time.monotonic() + 1.0
        while True:
            worker.join(min(self.config.poll_interval, max(0.0, deadline - time.monotonic())))
            if not worker.is_alive():
                break
            if self._closing.is_set():
                return None
            stopping = stop is not None and stop.is_set()
            if not stopping and time.monotonic() >= next_check:  # stopped through another path
                next_check = time.monotonic() + 1.0
                with self.store.tx.read() as conn:
                    current = self.store.get_run(conn, run.id)
                stopping = current is None or current.state is not RunState.STARTING
            if stopping:
                self._log_line(log_path, f"stop requested while staging (fetching {progress['current']})")
                self._finish(run.id, RunState.STOPPED, None)
                return None
            if time.monotonic() >= deadline:
                what = progress["current"] or job.script_location
                if by_run_timeout:
                    msg = (f"Job run timed out after {run.timeout_seconds} seconds while staging its files "
                           f"(still fetching {what}); the run was not started")
                else:
                    msg = (f"Staging the run's files took longer than {limit:g} seconds (still fetching {what}); "
                           "the run was not started (the job runner's staging timeout)")
                self._log_line(log_path, msg)
                self._finish(run.id, RunState.ERROR, msg)  # a run that never ran ends ERROR
                return None
        if progress["error"] is not None:
            raise progress["error"]
        paths = list(progress["paths"])
        return paths[0], paths[1:]

    def _watch(self, run_id: str, handle: processes.Handle, stop: threading.Event) -> None:
        with self.store.tx.read() as conn:
            run = self.store.get_run(conn, run_id)
            job = self.store.get_job(conn, run.job_name) if run else None
        if run is None:
            return
        backend = self.backends.get(job.job_type) if job else None
        started = run.running_on if run.running_on is not None else self.clock()
        deadline = started + run.timeout_seconds
        log_path = run.log_path
        app_id = run.spark_application_id
        scanned = 0
        last_state_check = time.monotonic()
        if run.state is RunState.STOPPING:
            stop.set()
        while True:
            if self._closing.is_set():
                return  # the process keeps running; a restarted runner adopts it
            finished, code = handle.poll()
            if finished:
                break
            if stop.is_set():
                self._kill(run_id, handle, log_path, "stop requested")
                self._finish(run_id, RunState.STOPPED, None)
                return
            if self.clock() >= deadline:
                self._kill(run_id, handle, log_path, f"timeout of {run.timeout_seconds} s reached")
                self._finish(run_id, RunState.TIMEOUT,
                             f"Job run timed out after {run.timeout_seconds} seconds; its processes were killed")
                return
            if app_id is None and backend is not None and log_path:
                app_id, scanned = self._scan_application_id(run_id, backend, log_path, scanned)
            if time.monotonic() - last_state_check > 1.0:  # stop requested through another path
                last_state_check = time.monotonic()
                with self.store.tx.read() as conn:
                    current = self.store.get_run(conn, run_id)
                if current is None or current.state.terminal:
                    self._kill(run_id, handle, log_path, "run no longer active")
                    return
                if current.state is RunState.STOPPING:
                    stop.set()
                    continue
            stop.wait(self.config.poll_interval)
        # The run's leader exited; nothing it started may outlive it.
        rest = handle.leftovers()
        if rest:
            killed = processes.kill_tree(handle.pid, handle.start, grace=min(2.0, self.config.stop_grace_seconds))
            self._log_line(log_path, f"killed processes left behind by the run: {processes.describe(killed)}")
        if app_id is None and backend is not None and log_path:
            self._scan_application_id(run_id, backend, log_path, scanned)
        if stop.is_set():
            self._finish(run_id, RunState.STOPPED, None, exit_code=code)
        elif code == 0:
            self._finish(run_id, RunState.SUCCEEDED, None, exit_code=0)
        elif code is None:
            self._finish(run_id, RunState.FAILED,
                         f"The run's process (pid {handle.pid}) ended without recording an exit status")
        else:
            self._finish(run_id, RunState.FAILED, error_from_log(log_path, code), exit_code=code)

    def _kill(self, run_id: str, handle: processes.Handle, log_path: Optional[str], why: str) -> None:
        killed = handle.kill(self.config.stop_grace_seconds)
        self._log_line(log_path, f"{why}: killed {processes.describe(killed) or 'nothing (already gone)'}")

    def _scan_application_id(self, run_id: str, backend: Backend, log_path: str, scanned: int):
        try:
            with open(log_path, "rb") as f:
                f.seek(max(0, scanned - 200))
                text = f.read(4 << 20).decode(errors="replace")
                end = f.tell()
        except OSError:
            return None, scanned
        app_id = backend.application_id(text)
        if app_id:
            with self.store.tx.write() as conn:
                self.store.update_run(conn, run_id, spark_application_id=app_id)
            self._notify()
        return app_id, end

    def _log_line(self, log_path: Optional[str], text: str) -> None:
        if not log_path:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.clock()))
        try:
            with open(log_path, "ab") as f:
                f.write(f"[lakeglue {stamp}] {text}\n".encode())
        except OSError:
            log.warning("cannot write to %s", log_path)

    # =======================================================================================
    # finishing runs
    # =======================================================================================
    def _finish(self, run_id: str, state: RunState, error: Optional[str], *,
                exit_code: Optional[int] = None) -> Optional[JobRun]:
        """Record the run's final state (and its retry when it FAILED with retries left)."""
        with self._settle:
            return self._finish_locked(run_id, state, error, exit_code)

    def _finish_locked(self, run_id: str, state: RunState, error: Optional[str],
                       exit_code: Optional[int]) -> Optional[JobRun]:
        from .errors import Conflict

        now = self.clock()
        retry: Optional[JobRun] = None
        with self.store.tx.write() as conn:
            run = self.store.get_run(conn, run_id, lock=True)
            if run is None or run.state.terminal:
                return run
            job = self.store.get_job(conn, run.job_name, lock=True)
            if state is RunState.SUCCEEDED:
                try:
                    self.bookmarks.apply_staged(conn, run, now)
                except Conflict as e:
                    state, error = RunState.FAILED, e.message
            else:
                self.bookmarks.discard_staged(conn, run_id)
            if run.state not in sources_of(state):
                # e.g. a stop arrived while the process exited: a stopping run ends STOPPED.
                state = RunState.STOPPED if run.state is RunState.STOPPING else state
            values = dict(state=state, completed_on=now, last_modified_on=now, error_message=error)
            if exit_code is not None:
                values["exit_code"] = exit_code
            if run.started_on is None:
                values["started_on"] = now
            if not self.store.update_run(conn, run_id, from_states=sources_of(state), **values):
                log.error("run %s: cannot go from %s to %s", run_id, run.state.value, state.value)
                return run
            self.store.add_event(conn, run_id, state, now, error)
            if state is RunState.FAILED and job is not None and run.attempt < run.max_retries:
                admitted, _ = self._admit(conn, job)
                retry = JobRun(
                    id=retry_run_id(run), job_name=run.job_name, state=admitted, attempt=run.attempt + 1,
                    previous_run_id=run.id, trigger_name=run.trigger_name, arguments=run.arguments,
                    queued_on=now, started_on=now if admitted is RunState.STARTING else None,
                    last_modified_on=now, timeout_seconds=run.timeout_seconds, max_retries=run.max_retries,
                    workflow_name=run.workflow_name, workflow_run_id=run.workflow_run_id,
                    runner_id=self.runner_id if admitted is RunState.STARTING else None,
                )
                self.store.insert_run(conn, retry)
                self.store.add_event(conn, retry.id, admitted, now,
                                     f"retry {retry.attempt} of {run.max_retries} after {run.id} failed")
                self.store.update_run(conn, run_id, next_run_id=retry.id)
            final = self.store.get_run(conn, run_id)
        self._notify()
        if retry is not None and retry.state is RunState.STARTING:
            self._supervise(retry.id)
        try:
            self._dispatch(final.job_name)
        except Exception:
            log.exception("dispatching after run %s failed", run_id)
        for fn in list(self._finish_listeners):
            try:
                fn(final)
            except Exception:
                log.exception("run finish listener failed for %s", run_id)
        return final

    # =======================================================================================
    # stopping
    # =======================================================================================
    def stop_job_run(self, run_id: str, job_name: Optional[str] = None) -> JobRun:
        """WAITING → STOPPED at once; STARTING/RUNNING → STOPPING, then its supervisor kills
        the process tree (SIGTERM, SIGKILL after the grace period) and records STOPPED."""
        with self._settle:
            return self._stop_locked(run_id, job_name)

    def _stop_locked(self, run_id: str, job_name: Optional[str]) -> JobRun:
        now = self.clock()
        with self.store.tx.write() as conn:
            run = self.store.get_run(conn, run_id, lock=True)
            if run is None or (job_name and run.job_name != job_name):
                raise NotFound(f"Job run {run_id} not found" + (f" for job {job_name}" if job_name else ""))
            if run.state.terminal:
                raise FailedPrecondition(f"Job run {run_id} already finished ({run.state.value})")
            if run.state is RunState.WAITING:
                self.store.update_run(conn, run_id, from_states=[RunState.WAITING], state=RunState.STOPPED,
                                      completed_on=now, started_on=now, last_modified_on=now)
                self.store.add_event(conn, run_id, RunState.STOPPED, now, "stopped while waiting")
                self.bookmarks.discard_staged(conn, run_id)
            elif run.state is not RunState.STOPPING:
                self.store.update_run(conn, run_id, from_states=[RunState.STARTING, RunState.RUNNING],
                                      state=RunState.STOPPING, last_modified_on=now)
                self.store.add_event(conn, run_id, RunState.STOPPING, now)
            updated = self.store.get_run(conn, run_id)
        self._notify()
        with self._lock:
            sup = self._supervised.get(run_id)
        if sup is not None:
            sup.stop.set()
        if updated.state is RunState.STOPPED:
            for fn in list(self._finish_listeners):
                try:
                    fn(updated)
                except Exception:
                    log.exception("run finish listener failed for %s", run_id)
        return updated

    def batch_stop_job_runs(self, run_ids: Sequence[str], job_name: Optional[str] = None
                            ) -> Tuple[List[JobRun], List[Tuple[str, str, str]]]:
        if not run_ids:
            raise InvalidArgument("BatchStopJobRuns needs at least one run id")
        stopped, errors = [], []
        for run_id in run_ids:
            try:
                stopped.append(self.stop_job_run(run_id, job_name))
            except JobRunnerError as e:
                errors.append((run_id, e.code, e.message))
        return stopped, errors

    # =======================================================================================
    # reading runs
    # =======================================================================================
    def get_job_run(self, run_id: str) -> JobRun:
        with self.store.tx.read() as conn:
            run = self.store.get_run(conn, run_id)
        if run is None:
            raise NotFound(f"Job run {run_id} not found")
        return run

    def list_job_runs(self, flt: RunFilter = RunFilter(), page_size: Optional[int] = None,
                      page_token: Optional[str] = None) -> Tuple[List[JobRun], str]:
        size = _page_size(page_size)
        cursor = tuple(decode_token(page_token)) if page_token else None
        with self.store.tx.read() as conn:
            if flt.job_name and self.store.get_job(conn, flt.job_name) is None:
                raise NotFound(f"Job {flt.job_name} not found")
            runs = self.store.list_runs(conn, flt, cursor, size + 1)
        more = len(runs) > size
        runs = runs[:size]
        return runs, (encode_token(list(self.store.run_cursor(runs[-1]))) if more else "")

    def run_events(self, run_id: str, after_seq: int = 0) -> List[RunEvent]:
        with self.store.tx.read() as conn:
            return self.store.events(conn, run_id, after_seq)

    def watch_job_run(self, run_id: str, *, follow_retries: bool = False,
                      cancelled: Callable[[], bool] = lambda: False,
                      poll: float = 0.5) -> Iterator[Tuple[RunEvent, JobRun]]:
        """Every state change of the run from its first, then of its retries (when asked);
        ends after the final state."""
        current, after = run_id, 0
        first = True
        while not cancelled():
            seen = self._change_seq
            with self.store.tx.read() as conn:
                run = self.store.get_run(conn, current)
                events = self.store.events(conn, current, after) if run else []
            if run is None:
                if first:
                    raise NotFound(f"Job run {run_id} not found")
                return
            first = False
            for ev in events:
                yield ev, run
                after = ev.seq
            if run.state.terminal:
                if follow_retries and run.next_run_id:
                    current, after = run.next_run_id, 0
                    continue
                return
            if self._closing.is_set():
                return
            self._wait_change(seen, poll)

    def wait_for_run(self, run_id: str, timeout: float = 60.0, *, follow_retries: bool = False) -> JobRun:
        """Block until the run (and, when asked, its last retry) has finished."""
        deadline = time.monotonic() + timeout
        current = run_id
        while True:
            seen = self._change_seq
            run = self.get_job_run(current)
            if run.state.terminal:
                if follow_retries and run.next_run_id:
                    current = run.next_run_id
                    continue
                return run
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"run {current} is still {run.state.value} after {timeout} s")
            self._wait_change(seen, min(left, 0.5))

    # --- logs ------------------------------------------------------------------------------
    def read_log(self, run_id: str, offset: int = 0, max_bytes: Optional[int] = None) -> LogChunk:
        if offset < 0:
            raise InvalidArgument("offset must not be negative")
        if max_bytes is not None and max_bytes < 0:
            raise InvalidArgument("max_bytes must not be negative")
        limit = min(max_bytes or (1 << 20), MAX_LOG_CHUNK)
        run = self.get_job_run(run_id)
        if run.log_pruned_on is not None:
            raise FailedPrecondition(pruned_message(run_id, run.log_pruned_on, self.config.log_retention))
        data, size = b"", 0
        if run.log_path:
            try:
                with open(run.log_path, "rb") as f:
                    size = os.fstat(f.fileno()).st_size
                    f.seek(offset)
                    data = f.read(limit)
            except FileNotFoundError:
                pass
        nxt = offset + len(data)
        return LogChunk(run_id=run_id, offset=offset, data=data, next_offset=nxt,
                        complete=run.state.terminal and nxt >= size, state=run.state)

    def follow_log(self, run_id: str, offset: int = 0, *, cancelled: Callable[[], bool] = lambda: False,
                   poll: float = 0.25) -> Iterator[LogChunk]:
        while not cancelled():
            seen = self._change_seq
            chunk = self.read_log(run_id, offset)
            if chunk.data or chunk.complete:
                yield chunk
            offset = chunk.next_offset
            if chunk.complete:
                return
            if not chunk.data:
                if self._closing.is_set():
                    return
                self._wait_change(seen, poll)

    def prune_logs(self, now: Optional[float] = None) -> List[str]:
        """Apply the log retention now (the housekeeping thread does it every interval)."""
        return prune_logs(self.store, self.config.log_retention, state_dir=self.config.state_dir,
                          host=self.config.host, now=self.clock() if now is None else now)

    # =======================================================================================
    # reconciliation
    # =======================================================================================
    def reconcile(self) -> List[str]:
        """Settle active runs whose runner is gone (a previous runner, or one that stopped
        renewing its liveness lease); runs of this runner and of live runners are left to
        them. Returns what was done, per run."""
        report: List[str] = []
        now = self.clock()
        with self.store.tx.read() as conn:
            runs = self.store.runs_in_states(conn, ACTIVE_STATES)
            owners = {r.runner_id for r in runs if r.runner_id and r.runner_id != self.runner_id}
            alive = {o for o in owners if leases.holder(conn, leases.runner_lease(o), now) == o}
        for run in runs:
            if run.runner_id == self.runner_id or run.runner_id in alive:
                continue
            with self._lock:
                if run.id in self._supervised:
                    continue
            line, acted = self._reconcile_one(run)
            if line:
                report.append(line)
                (log.info if acted else log.debug)("reconcile: %s", line)
        with self.store.tx.write() as conn:
            leases.drop_expired_runner_leases(conn, now)
        return report

    def _reconcile_one(self, run: JobRun) -> Tuple[Optional[str], bool]:
        if run.pid is not None and run.host and run.host != self.config.host:
            return f"{run.id}: runs on host {run.host}, not ours; left alone", False
        with self.store.tx.write() as conn:  # one runner takes it over, even if several reconcile at once
            if not self.store.take_over_run(conn, run.id, run.runner_id, self.runner_id):
                return None, False
        return self._settle_orphan(run), True

    def _settle_orphan(self, run: JobRun) -> str:
        stopping = run.state is RunState.STOPPING
        if run.pid is None:
            if stopping:
                self._finish(run.id, RunState.STOPPED, None)
                return f"{run.id}: stopped before its process started → STOPPED"
            self._finish(run.id, RunState.FAILED,
                         "The job runner stopped before the run's process was started (reconciled on restart)")
            return f"{run.id}: never started → FAILED"
        exit_file = os.path.join(run.run_dir or self._run_dir(run.id), EXIT_FILE)
        if processes.is_alive(run.pid, run.process_start):
            self._supervise(run.id, processes.adopt(run.pid, run.process_start, exit_file))
            if stopping:
                with self._lock:
                    sup = self._supervised.get(run.id)
                if sup:
                    sup.stop.set()
            return f"{run.id}: process {run.pid} still running → watching it again"
        code = processes.read_exit_file(exit_file)
        self._log_line(run.log_path, "the job runner restarted; the run's process had ended "
                       + (f"with exit status {code}" if code is not None else "without recording an exit status"))
        if stopping:
            self._finish(run.id, RunState.STOPPED, None, exit_code=code)
            return f"{run.id}: was stopping, process gone → STOPPED"
        if code == 0:
            self._finish(run.id, RunState.SUCCEEDED, None, exit_code=0)
            return f"{run.id}: process ended with status 0 while the runner was down → SUCCEEDED"
        if code is not None:
            msg = error_from_log(run.log_path, code) + " (ended while the job runner was down)"
            self._finish(run.id, RunState.FAILED, msg, exit_code=code)
            return f"{run.id}: process ended with status {code} while the runner was down → FAILED"
        self._finish(run.id, RunState.FAILED,
                     f"The run's process (pid {run.pid}) disappeared while the job runner was down and recorded "
                     "no exit status (reconciled on restart)")
        return f"{run.id}: process {run.pid} is gone → FAILED"

    # =======================================================================================
    # bookmarks (see bookmarks.py)
    # =======================================================================================
    def get_job_bookmark(self, job_name: str):
        return self.bookmarks.get(job_name)

    def commit_job_bookmark(self, job_name: str, run_id: Optional[str], base_version: int,
                            states: Mapping[str, Mapping]) -> Dict:
        return self.bookmarks.commit(job_name, run_id, base_version, states)

    def reset_job_bookmark(self, job_name: str):
        return self.bookmarks.reset(job_name)

    def rewind_job_bookmark(self, job_name: str, run_id: str):
        return self.bookmarks.rewind(job_name, run_id)

    def set_job_bookmark_to_now(self, job_name: str):
        return self.bookmarks.set_to_now(job_name)


def error_from_log(log_path: Optional[str], code: int) -> str:
    """The script's exception (the last line of its last Python traceback), else the status."""
    tail = ""
    if log_path:
        try:
            with open(log_path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                f.seek(max(0, size - ERROR_TAIL))
                tail = f.read().decode(errors="replace")
        except OSError:
            pass
    exc = last_exception(tail)
    status = f"exit code {code}" if code < 128 else f"exit code {code}, killed by signal {code - 128}"
    return f"{exc} ({status})" if exc else f"Script failed with {status}"


_SECRET_KEY = re.compile(r"(secret|password|passwd|token|credential|access\.key|private)", re.IGNORECASE)


def redact(arg: str) -> str:
    """`spark.hadoop.fs.s3a.secret.key=…` → `…=***` for the logged command line."""
    key, sep, _ = arg.partition("=")
    return f"{key}=***" if sep and _SECRET_KEY.search(key) else arg


def redact_argv(argv: Sequence[str]) -> List[str]:
    """The command line as logged: values of secret-looking confs and `--KEY VALUE`
    arguments (password, token, secret …) replaced by ***."""
    out: List[str] = []
    for i, a in enumerate(argv):
        prev = argv[i - 1] if i else ""
        if prev.startswith("--") and prev not in ("--conf", "--master", "--name", "--py-files") \
                and _SECRET_KEY.search(prev) and not a.startswith("--"):
            out.append("***")
        else:
            out.append(redact(a))
    return out


_JVM_EXCEPTION = re.compile(r"^(?:Exception in thread \"[^\"]*\" )?((?:[\w$]+\.)+[\w$]*(?:Exception|Error)\b.*)$")


def last_exception(text: str) -> Optional[str]:
    """The last Python traceback's exception line, else the last JVM exception line."""
    lines = text.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("Traceback (most recent call last):"):
            for line in lines[i + 1:]:
                if line and not line[0].isspace():
                    return line.strip()[:2000]
            return None
    for line in reversed(lines):
        m = _JVM_EXCEPTION.match(line.strip())
        if m:
            return m.group(1)[:2000]
    return None
