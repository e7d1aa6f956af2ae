"""`lakeglue jobrunner …`, `lakeglue jobs …`, `lakeglue triggers …`, `lakeglue workflows …`.

lakeglue/cli.py registers these with `add_commands(subparsers)`; `lakeglue serve` starts
the runner next to the metastore with `start_embedded`.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from typing import Callable, Dict, List, Optional

DEFAULT_METASTORE = "thrift://127.0.0.1:9083"

log = logging.getLogger(__name__)


def _pairs(values: Optional[List[str]], what: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for item in values or []:
        if "=" not in item:
            raise SystemExit(f"lakeglue: {what} must be KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# =========================================================================================
# serve
# =========================================================================================

def _runner_config(args, metastore_uri: Optional[str]):
    from .server import JobRunnerConfig

    return JobRunnerConfig(host=args.host, port=args.port, db_url=args.db_url or "", metastore_uri=metastore_uri,
                           warehouse=args.warehouse or None, state_dir=getattr(args, "state_dir", None) or "",
                           spark_conf=_pairs(getattr(args, "spark_conf", None), "--spark-conf"),
                           stop_grace_seconds=getattr(args, "stop_grace", 10.0),
                           log_retention_days=getattr(args, "log_retention_days", 30.0),
                           log_retention_runs=getattr(args, "log_retention_runs", 0),
                           staging_timeout_seconds=_non_negative(args, "staging_timeout", 600.0),
                           crawler_max_concurrent=_positive(args, "crawler_max_concurrent", 2))


def _non_negative(args, name: str, default: float) -> float:
    value = float(getattr(args, name, default))
    if value < 0:
        raise SystemExit(f"lakeglue: --{name.replace('_', '-')} must not be negative")
    return value


def _positive(args, name: str, default: int) -> int:
    value = int(getattr(args, name, default))
    if value < 1:
        raise SystemExit(f"lakeglue: --{name.replace('_', '-')} must be at least 1")
    return value


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or name to listen on) is reachable from this machine only."""
    import ipaddress

    h = (host or "").strip().strip("[]")
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False  # "", a host name or an interface name: assume it is reachable from outside


def warn_if_exposed(host: str, port) -> None:
    """The job runner's API is unauthenticated and runs any script it is given."""
    if not is_loopback(host):
        log.warning("the job runner has no authentication; anyone who can reach %s:%s can run code "
                    "on this machine (listen on 127.0.0.1, or restrict access with a firewall)", host or "*", port)


def _serve(args) -> int:
    from metastore.errors import CatalogError

    from .errors import JobRunnerError
    from lakeglue.signals import stop_on_signals, wait_then_bound_shutdown

    from .server import JobRunnerServer

    try:
        server = JobRunnerServer(_runner_config(args, args.metastore))
    except (JobRunnerError, CatalogError) as e:
        print(f"lakeglue: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"lakeglue: {e}", file=sys.stderr)
        return 2
    warn_if_exposed(args.host, server.port)
    stop = stop_on_signals()
    server.start()
    cfg = server.config
    print(f"lakeglue jobrunner serving {server.address} (database {_safe(cfg.db_url)}, metastore "
          f"{cfg.metastore_uri or 'none'}, state {cfg.state_dir}, logs kept "
          f"{server.service.config.log_retention.describe()}, runner {server.service.runner_id})", flush=True)
    wait_then_bound_shutdown(stop)
    server.stop()
    return 0


def embedded_host(args) -> str:
    """Where `lakeglue serve`'s job runner listens: --jobrunner-host, else --host."""
    return getattr(args, "jobrunner_host", None) or args.host


def start_embedded(args, metastore_uri: str) -> Optional[Callable[[], None]]:
    """For `lakeglue serve`: the job runner on --jobrunner-host (default: --host) and
    --jobrunner-port next to the metastore. A failure to start it is reported and the
    metastore keeps serving. Returns a stop function."""
    if getattr(args, "no_jobrunner", False):
        return None
    from .server import JobRunnerServer

    host = embedded_host(args)
    ns = argparse.Namespace(host=host, port=args.jobrunner_port, db_url=args.db_url, warehouse=args.warehouse,
                            state_dir=None, spark_conf=None, stop_grace=10.0,
                            staging_timeout=getattr(args, "staging_timeout", 600.0))
    uri = metastore_uri.replace("://0.0.0.0:", "://127.0.0.1:")
    try:
        server = JobRunnerServer(_runner_config(ns, uri)).start()
    except Exception as e:
        print(f"lakeglue: the job runner did not start: {e} (the metastore keeps serving; "
              f"use --jobrunner-port PORT or --no-jobrunner)", file=sys.stderr, flush=True)
        return None
    warn_if_exposed(host, server.port)
    print(f"lakeglue jobrunner serving {server.address} (state {server.config.state_dir})", flush=True)
    args.jobrunner_server = server  # for services started next to it (crawler.embedded wires its triggers)
    return server.stop


def add_serve_args(p: argparse.ArgumentParser) -> None:
    """Options `lakeglue serve` gets for its embedded job runner."""
    p.add_argument("--jobrunner-host", default=None, metavar="HOST",
                   help="address the job runner listens on (default: --host). The job runner has no "
                        "authentication: keep it on 127.0.0.1 unless its network is trusted")
    p.add_argument("--jobrunner-port", type=int, default=50051, help="job runner gRPC port (default 50051)")
    p.add_argument("--no-jobrunner", action="store_true", help="serve only the metastore")
    _staging_timeout_arg(p)


def _staging_timeout_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--staging-timeout", type=float, default=600.0, metavar="SECONDS",
                   help="a run whose script and extra files (fsspec URIs) are not fetched within SECONDS "
                        "(or its own timeout, if shorter) ends ERROR without starting (default 600; "
                        "0: only the run's timeout)")


# =========================================================================================
# client helpers
# =========================================================================================

def _client(args):
    from .client import JobRunnerClient

    return JobRunnerClient(args.jobrunner)


def _rpc_errors(fn):
    def wrapper(args):
        import grpc

        try:
            return fn(args)
        except BrokenPipeError:  # `lakeglue jobs logs … | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except grpc.RpcError as e:
            code = e.code()
            print(f"lakeglue: {code.name}: {e.details()}", file=sys.stderr)
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                print(f"lakeglue: is the job runner running at {args.jobrunner}? "
                      "(lakeglue jobrunner serve, or --jobrunner HOST:PORT)", file=sys.stderr)
                return 2
            return 1
    return wrapper


def _print_json(message) -> None:
    from .client import to_dict

    print(json.dumps(to_dict(message), indent=2, sort_keys=True))


def _job_name_for(script: str) -> str:
    base = os.path.basename(script.rstrip("/")) or "job"
    stem = os.path.splitext(base)[0]
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", stem)[:255] or "job"


def _job_message(args, name: str, script: Optional[str]):
    """A Job message from command-line options, and the fields they set."""
    from ._proto import jobrunner_pb2 as pb

    job = pb.Job(name=name)
    fields: List[str] = []
    if script is not None:
        job.script_location = script
        fields.append("script_location")
    if getattr(args, "type", None):
        job.job_type = pb.Job.PYTHON_SHELL if args.type == "python" else pb.Job.SPARK
        fields.append("job_type")
    if getattr(args, "max_retries", None) is not None:
        job.max_retries = args.max_retries
        fields.append("max_retries")
    if getattr(args, "timeout", None) is not None:
        job.timeout_seconds = args.timeout
        fields.append("timeout_seconds")
    if getattr(args, "master", None):
        job.spark_master = args.master
        fields.append("spark_master")
    if getattr(args, "conf", None):
        job.spark_conf.update(_pairs(args.conf, "--conf"))
        fields.append("spark_conf")
    if getattr(args, "py_files", None):
        job.extra_py_files.extend([p if "://" in p else os.path.abspath(p) for p in args.py_files.split(",") if p])
        fields.append("extra_py_files")
    if getattr(args, "default_arg", None):
        job.default_arguments.update(_pairs(args.default_arg, "--default-arg"))
        fields.append("default_arguments")
    if getattr(args, "fixed_arg", None):
        job.non_overridable_arguments.update(_pairs(args.fixed_arg, "--fixed-arg"))
        fields.append("non_overridable_arguments")
    if getattr(args, "max_concurrent_runs", None) is not None:
        job.max_concurrent_runs = args.max_concurrent_runs
        fields.append("max_concurrent_runs")
    if getattr(args, "reject_when_busy", False):
        job.concurrency_policy = pb.Job.REJECT
        fields.append("concurrency_policy")
    if getattr(args, "bookmarks", None):
        job.bookmark_mode = pb.Job.BookmarkMode.Value(args.bookmarks.upper())
        fields.append("bookmark_mode")
    if getattr(args, "description", None) is not None:
        job.description = args.description
        fields.append("description")
    return job, fields


RECONNECT_SECONDS = 120.0  # how long a follow keeps trying to reach a runner that went away (restart)


class _Reconnect:
    """Bounded retries of a follow whose stream broke (runner restarted, connection lost):
    UNAVAILABLE / CANCELLED errors, or a stream that ended before the run did, are retried
    with a growing pause for up to `window` seconds; any other error is raised."""

    def __init__(self, window: float = RECONNECT_SECONDS, err=None, sleep=None):
        import time

        self.window = window
        self.err = err
        self.sleep = sleep or time.sleep
        self.clock = time.monotonic
        self.since: Optional[float] = None
        self.pause = 0.2

    def ok(self) -> None:
        self.since, self.pause = None, 0.2

    def broken(self, error=None) -> None:
        import grpc

        if error is not None and error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
            raise error
        now = self.clock()
        if self.since is None:
            self.since = now
            why = f"{error.code().name}: {error.details()}" if error is not None else "the stream ended early"
            print(f"lakeglue: lost the job runner ({why}); reconnecting for up to {self.window:g} s",
                  file=self.err or sys.stderr, flush=True)
        elif now - self.since > self.window:
            if error is not None:
                raise error
            raise SystemExit(f"lakeglue: the job runner kept ending the stream early for {self.window:g} s")
        self.sleep(self.pause)
        self.pause = min(self.pause * 2, 2.0)


def _copy_log(client, run_id: str, out, offset: int = 0, reconnect: Optional[_Reconnect] = None) -> int:
    """Write the run's log from `offset` to `out` (bytes) until the run has ended and all of
    it was sent; after a stream break, resume at the next offset (nothing twice). Returns
    the offset reached."""
    import grpc

    reconnect = reconnect or _Reconnect()
    while True:
        try:
            for chunk in client.follow_logs(run_id, offset):
                reconnect.ok()
                if chunk.data:
                    out.write(chunk.data)
                    out.flush()
                offset = chunk.next_offset
                if chunk.complete:
                    return offset
        except grpc.RpcError as e:
            reconnect.broken(e)
            continue
        reconnect.broken(None)  # ended before the run did (the runner is closing): resume


def _follow(client, run_id: str, show_logs: bool, *, log_out=None, err=None,
            reconnect: Optional[_Reconnect] = None) -> int:
    """Follow a run and its retries to the end: logs (or state changes) to stderr, one line
    per attempt and the final state to stdout. 0 only when it SUCCEEDED. A stream that
    breaks (runner restart) is resumed where it stopped: log bytes and state changes are
    shown once."""
    import grpc

    from .client import state_name

    err = err or sys.stderr
    reconnect = reconnect or _Reconnect(err=err)
    current = run_id
    offset = 0  # log bytes of `current` shown so far
    seen = 0    # state changes of `current` shown so far (a watch replays them from the first)
    final = None
    while True:
        try:
            if show_logs:
                offset = _copy_log(client, current, log_out or sys.stderr.buffer, offset, reconnect)
            else:
                for i, change in enumerate(client.watch(current, follow_retries=False)):
                    reconnect.ok()
                    if i < seen:
                        continue
                    print(f"{change.run_id}: {state_name(change.state)}"
                          + (f" ({change.message})" if change.message else ""), file=err, flush=True)
                    seen = i + 1
            run = client.get_job_run(current)
        except grpc.RpcError as e:
            reconnect.broken(e)
            continue
        reconnect.ok()
        if state_name(run.state) not in ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"):
            reconnect.broken(None)  # the stream ended early (runner restart): keep following
            continue
        line = f"attempt {run.attempt} {run.id} {state_name(run.state)}"
        if run.error_message:
            line += f": {run.error_message}"
        print(line, flush=True)
        final = run
        if run.next_run_id:
            current, offset, seen = run.next_run_id, 0, 0
            continue
        break
    print(state_name(final.state), flush=True)
    return 0 if state_name(final.state) == "SUCCEEDED" else 1


# =========================================================================================
# jobs
# =========================================================================================

@_rpc_errors
def _jobs_run(args) -> int:
    script = args.script
    if "://" not in script and not script.startswith("file:"):
        if not os.path.isfile(script):
            print(f"lakeglue: no such script: {script}", file=sys.stderr)
            return 2
        script = os.path.abspath(script)
    name = args.name or _job_name_for(args.script)
    with _client(args) as client:
        job, fields = _job_message(args, name, script)
        client.upsert_job(job, fields)
        run = client.start_job_run(name, _pairs(args.arg, "--arg"))
        print(run.id, flush=True)
        if not args.wait:
            return 0
        return _follow(client, run.id, show_logs=not args.quiet)


@_rpc_errors
def _jobs_create(args) -> int:
    with _client(args) as client:
        script = args.script if "://" in args.script else os.path.abspath(args.script)
        job, _ = _job_message(args, args.name, script)
        _print_json(client.create_job(job))
    return 0


@_rpc_errors
def _jobs_update(args) -> int:
    with _client(args) as client:
        script = None
        if args.script:
            script = args.script if "://" in args.script else os.path.abspath(args.script)
        job, fields = _job_message(args, args.name, script)
        if not fields:
            print("lakeglue: nothing to update", file=sys.stderr)
            return 2
        _print_json(client.update_job(job, fields))
    return 0


@_rpc_errors
def _jobs_start(args) -> int:
    with _client(args) as client:
        run = client.start_job_run(args.name, _pairs(args.arg, "--arg"), client_token=args.client_token or "",
                                   timeout_seconds=args.timeout)
        print(run.id, flush=True)
        if not args.wait:
            return 0
        return _follow(client, run.id, show_logs=not args.quiet)


@_rpc_errors
def _jobs_get(args) -> int:
    with _client(args) as client:
        _print_json(client.get_job(args.name))
    return 0


@_rpc_errors
def _jobs_delete(args) -> int:
    with _client(args) as client:
        client.delete_job(args.name)
    print(f"deleted job {args.name}")
    return 0


@_rpc_errors
def _jobs_list(args) -> int:
    with _client(args) as client:
        jobs = client.list_jobs()
    if args.json:
        from .client import to_dict

        print(json.dumps([to_dict(j) for j in jobs], indent=2, sort_keys=True))
        return 0
    for j in jobs:
        kind = "python" if j.job_type == 2 else "spark"
        print(f"{j.name}\t{kind}\t{j.script_location}")
    return 0


@_rpc_errors
def _jobs_runs(args) -> int:
    from ._proto import jobrunner_pb2 as pb
    from .client import state_name, to_dict

    states = [pb.JobRun.State.Value(s.upper()) for s in (args.state or [])]
    with _client(args) as client:
        runs = client.list_job_runs(args.name or "", states, page_size=args.limit)
    if args.json:
        print(json.dumps([to_dict(r) for r in runs], indent=2, sort_keys=True))
        return 0
    for r in runs:
        started = r.started_on.ToJsonString() if r.HasField("started_on") else "-"
        print(f"{r.id}\t{r.job_name}\t{state_name(r.state)}\tattempt {r.attempt}\t{started}"
              + (f"\t{r.error_message}" if r.error_message else ""))
    return 0


@_rpc_errors
def _jobs_show(args) -> int:
    with _client(args) as client:
        _print_json(client.get_job_run(args.run_id))
    return 0


@_rpc_errors
def _jobs_logs(args) -> int:
    out = sys.stdout.buffer
    with _client(args) as client:
        if args.follow:
            _copy_log(client, args.run_id, out)
            return 0
        offset = 0
        while True:
            chunk = client.logs(args.run_id, offset)
            out.write(chunk.data)
            offset = chunk.next_offset
            if not chunk.data:
                break
        out.flush()
    return 0


@_rpc_errors
def _jobs_stop(args) -> int:
    from .client import state_name

    with _client(args) as client:
        resp = client.stop_job_runs(list(args.run_ids), args.job or "")
    for r in resp.stopping:
        print(f"{r.id}\t{state_name(r.state)}")
    for e in resp.errors:
        print(f"{e.run_id}\t{e.code}: {e.message}", file=sys.stderr)
    return 1 if resp.errors else 0


@_rpc_errors
def _jobs_bookmark(args) -> int:
    from ._proto import jobrunner_pb2 as pb

    with _client(args) as client:
        s = client.stub
        if args.action == "show":
            bm = s.GetJobBookmark(pb.GetJobBookmarkRequest(job_name=args.name), timeout=client.timeout)
        elif args.action == "reset":
            bm = s.ResetJobBookmark(pb.ResetJobBookmarkRequest(job_name=args.name), timeout=client.timeout)
        elif args.action == "rewind":
            if not args.run_id:
                print("lakeglue: rewind needs --run-id", file=sys.stderr)
                return 2
            bm = s.RewindJobBookmark(pb.RewindJobBookmarkRequest(job_name=args.name, run_id=args.run_id),
                                     timeout=client.timeout)
        else:
            bm = s.SetJobBookmarkToNow(pb.SetJobBookmarkToNowRequest(job_name=args.name), timeout=client.timeout)
        _print_json(bm)
    return 0


# =========================================================================================
# triggers and workflows
# =========================================================================================

@_rpc_errors
def _triggers(args) -> int:
    from ._proto import jobrunner_pb2 as pb

    with _client(args) as client:
        s, t = client.stub, client.timeout
        a = args.action
        if a == "create":
            trig = pb.Trigger(name=args.name, type=pb.Trigger.Type.Value(args.type.upper()),
                              workflow_name=args.workflow or "", schedule=args.schedule or "",
                              timezone=args.timezone or "", description=args.description or "",
                              start_on_creation=args.start)
            for job in args.job or []:
                trig.actions.add(job_name=job, arguments=_pairs(args.arg, "--arg"))
            for crawler in args.crawler or []:
                trig.actions.add(crawler_name=crawler)
            if args.watch or args.watch_crawler:
                trig.predicate.logical = pb.Predicate.ANY if args.any else pb.Predicate.AND
                for item in args.watch or []:
                    job, _, state = item.partition("=")
                    try:
                        value = pb.JobRun.State.Value((state or "SUCCEEDED").upper())
                    except ValueError:
                        print(f"lakeglue: --watch {item}: unknown job state {state!r}", file=sys.stderr)
                        return 2
                    trig.predicate.conditions.add(logical_operator=pb.Condition.EQUALS, job_name=job, state=value)
                for item in args.watch_crawler or []:
                    crawler, _, state = item.partition("=")
                    trig.predicate.conditions.add(logical_operator=pb.Condition.EQUALS, crawler_name=crawler,
                                                  crawl_state=(state or "SUCCEEDED").upper())
            if args.batch_size or args.batch_window:
                trig.event_batching_condition.batch_size = args.batch_size or 1
                trig.event_batching_condition.batch_window_seconds = args.batch_window or 0
            _print_json(s.CreateTrigger(pb.CreateTriggerRequest(trigger=trig), timeout=t))
        elif a == "list":
            resp = s.ListTriggers(pb.ListTriggersRequest(page_size=1000), timeout=t)
            for trig in resp.triggers:
                print(f"{trig.name}\t{pb.Trigger.Type.Name(trig.type)}\t{pb.Trigger.State.Name(trig.state)}"
                      f"\t{trig.workflow_name or '-'}")
        elif a == "get":
            _print_json(s.GetTrigger(pb.GetTriggerRequest(name=args.name), timeout=t))
        elif a == "start":
            _print_json(s.StartTrigger(pb.StartTriggerRequest(name=args.name), timeout=t))
        elif a == "stop":
            _print_json(s.StopTrigger(pb.StopTriggerRequest(name=args.name), timeout=t))
        elif a == "delete":
            s.DeleteTrigger(pb.DeleteTriggerRequest(name=args.name), timeout=t)
            print(f"deleted trigger {args.name}")
        elif a == "notify":
            _print_json(s.NotifyEvent(pb.NotifyEventRequest(trigger_name=args.name, event_id=args.event_id or "",
                                                            payload_json=args.payload or ""), timeout=t))
    return 0


@_rpc_errors
def _workflows(args) -> int:
    from ._proto import jobrunner_pb2 as pb

    with _client(args) as client:
        s, t = client.stub, client.timeout
        a = args.action
        if a == "create":
            wf = pb.Workflow(name=args.name, description=args.description or "",
                             default_run_properties=_pairs(args.property, "--property"),
                             max_concurrent_runs=args.max_concurrent_runs or 0)
            _print_json(s.CreateWorkflow(pb.CreateWorkflowRequest(workflow=wf), timeout=t))
        elif a == "list":
            for wf in s.ListWorkflows(pb.ListWorkflowsRequest(page_size=1000), timeout=t).workflows:
                print(f"{wf.name}\t{','.join(wf.trigger_names)}")
        elif a == "get":
            _print_json(s.GetWorkflow(pb.GetWorkflowRequest(name=args.name), timeout=t))
        elif a == "delete":
            s.DeleteWorkflow(pb.DeleteWorkflowRequest(name=args.name), timeout=t)
            print(f"deleted workflow {args.name}")
        elif a == "start":
            run = s.StartWorkflowRun(pb.StartWorkflowRunRequest(
                name=args.name, run_properties=_pairs(args.property, "--property")), timeout=t)
            print(run.id)
        elif a == "runs":
            for r in s.ListWorkflowRuns(pb.ListWorkflowRunsRequest(name=args.name, page_size=100), timeout=t).runs:
                print(f"{r.id}\t{pb.WorkflowRun.Status.Name(r.status)}\t{r.statistics.succeeded_actions} succeeded"
                      f"\t{r.statistics.failed_actions} failed")
        elif a == "show":
            _print_json(s.GetWorkflowRun(pb.GetWorkflowRunRequest(name=args.name, run_id=args.run_id), timeout=t))
        elif a == "stop":
            _print_json(s.StopWorkflowRun(pb.StopWorkflowRunRequest(name=args.name, run_id=args.run_id), timeout=t))
        elif a == "resume":
            run = s.ResumeWorkflowRun(pb.ResumeWorkflowRunRequest(name=args.name, run_id=args.run_id,
                                                                  node_names=args.node or []), timeout=t)
            print(run.id)
    return 0


# =========================================================================================
# parser
# =========================================================================================

def _client_arg(p: argparse.ArgumentParser) -> None:
    from .client import default_address

    p.add_argument("--jobrunner", default=default_address(), metavar="HOST:PORT",
                   help="job runner address (default $LAKEGLUE_JOBRUNNER or 127.0.0.1:50051)")


def _job_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", choices=["spark", "python"], help="spark (spark-submit, default) or python (no Spark)")
    p.add_argument("--max-retries", type=int, default=None, help="retries after a failed run (0-10)")
    p.add_argument("--timeout", type=int, default=None, metavar="SECONDS", help="run timeout")
    p.add_argument("--master", default=None, help="Spark master (default local[*])")
    p.add_argument("--conf", action="append", metavar="KEY=VALUE", help="Spark conf (repeatable)")
    p.add_argument("--py-files", default=None, help="comma-separated extra Python files")


def add_commands(sub) -> None:
    # lakeglue jobrunner serve
    jr = sub.add_parser("jobrunner", help="the gRPC job runner")
    jr_sub = jr.add_subparsers(dest="jobrunner_command", required=True)
    serve = jr_sub.add_parser("serve", help="serve the job runner")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; the job runner has no authentication)")
    serve.add_argument("--port", type=int, default=50051, help="gRPC port (default 50051)")
    serve.add_argument("--metastore", default=DEFAULT_METASTORE,
                       help=f"metastore URI given to Spark jobs (default {DEFAULT_METASTORE})")
    serve.add_argument("--db-url", default=None, help="database URL (default: the catalog's)")
    serve.add_argument("--warehouse", default=None, help="warehouse URI for Spark jobs (default: the metastore's)")
    serve.add_argument("--state-dir", default=None, help="run logs and files (default <data dir>/jobrunner)")
    serve.add_argument("--spark-conf", action="append", metavar="KEY=VALUE", help="default Spark conf for every job")
    serve.add_argument("--stop-grace", type=float, default=10.0,
                       help="seconds between SIGTERM and SIGKILL when stopping or timing out a run")
    _staging_timeout_arg(serve)
    serve.add_argument("--crawler-max-concurrent", type=int, default=2, metavar="N",
                       help="crawls at a time that this runner's triggers and workflows start (default 2; "
                            "inside `lakeglue serve` the crawler daemon runs them)")
    serve.add_argument("--log-retention-days", type=float, default=30.0, metavar="DAYS",
                       help="delete the logs (run directories) of runs that ended more than DAYS ago "
                            "(default 30; 0 keeps them)")
    serve.add_argument("--log-retention-runs", type=int, default=0, metavar="N",
                       help="keep the logs of at most the last N runs of each job (default 0: no limit)")
    serve.set_defaults(func=_serve)

    # lakeglue jobs …
    jobs = sub.add_parser("jobs", help="define, run and watch jobs")
    js = jobs.add_subparsers(dest="jobs_command", required=True)

    run = js.add_parser("run", help="register (or update) a job for SCRIPT and start a run")
    run.add_argument("script", help="local path or fsspec URI of the script")
    _client_arg(run)
    run.add_argument("--name", default=None, help="job name (default: the script's base name)")
    run.add_argument("--arg", action="append", metavar="KEY=VALUE", help="run argument, reaches the script as --KEY VALUE")
    _job_options(run)
    run.add_argument("--wait", action="store_true", help="follow the run (and retries); exit 0 only on SUCCEEDED")
    run.add_argument("--quiet", action="store_true", help="with --wait: state changes instead of the logs")
    run.set_defaults(func=_jobs_run)

    create = js.add_parser("create", help="create a job")
    create.add_argument("name")
    create.add_argument("--script", required=True)
    _client_arg(create)
    _job_options(create)
    create.add_argument("--default-arg", action="append", metavar="KEY=VALUE")
    create.add_argument("--fixed-arg", action="append", metavar="KEY=VALUE", help="non-overridable argument")
    create.add_argument("--max-concurrent-runs", type=int, default=None)
    create.add_argument("--reject-when-busy", action="store_true", help="refuse runs beyond max concurrency")
    create.add_argument("--bookmarks", choices=["enable", "disable", "pause"], default=None)
    create.add_argument("--description", default=None)
    create.set_defaults(func=_jobs_create)

    upd = js.add_parser("update", help="change fields of a job")
    upd.add_argument("name")
    upd.add_argument("--script", default=None)
    _client_arg(upd)
    _job_options(upd)
    upd.add_argument("--default-arg", action="append", metavar="KEY=VALUE")
    upd.add_argument("--fixed-arg", action="append", metavar="KEY=VALUE")
    upd.add_argument("--max-concurrent-runs", type=int, default=None)
    upd.add_argument("--reject-when-busy", action="store_true")
    upd.add_argument("--bookmarks", choices=["enable", "disable", "pause"], default=None)
    upd.add_argument("--description", default=None)
    upd.set_defaults(func=_jobs_update)

    start = js.add_parser("start", help="start a run of a job")
    start.add_argument("name")
    _client_arg(start)
    start.add_argument("--arg", action="append", metavar="KEY=VALUE")
    start.add_argument("--client-token", default=None, help="idempotency token")
    start.add_argument("--timeout", type=int, default=None, metavar="SECONDS", help="timeout of this run")
    start.add_argument("--wait", action="store_true")
    start.add_argument("--quiet", action="store_true")
    start.set_defaults(func=_jobs_start)

    for cmd, fn, helptext in (("get", _jobs_get, "a job's definition (JSON)"), ("delete", _jobs_delete, "delete a job")):
        p = js.add_parser(cmd, help=helptext)
        p.add_argument("name")
        _client_arg(p)
        p.set_defaults(func=fn)

    lst = js.add_parser("list", help="list jobs")
    _client_arg(lst)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_jobs_list)

    runs = js.add_parser("runs", help="list runs (newest first)")
    runs.add_argument("name", nargs="?", help="only this job's runs")
    _client_arg(runs)
    runs.add_argument("--state", action="append", help="only runs in this state (repeatable)")
    runs.add_argument("--limit", type=int, default=50)
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(func=_jobs_runs)

    show = js.add_parser("show", help="a run (JSON)")
    show.add_argument("run_id")
    _client_arg(show)
    show.set_defaults(func=_jobs_show)

    logs = js.add_parser("logs", help="a run's log")
    logs.add_argument("run_id")
    _client_arg(logs)
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing until the run ends")
    logs.set_defaults(func=_jobs_logs)

    stop = js.add_parser("stop", help="stop runs")
    stop.add_argument("run_ids", nargs="+")
    stop.add_argument("--job", default=None)
    _client_arg(stop)
    stop.set_defaults(func=_jobs_stop)

    bm = js.add_parser("bookmark", help="show, reset, rewind or set-to-now a job's bookmark")
    bm.add_argument("action", choices=["show", "reset", "rewind", "set-to-now"])
    bm.add_argument("name")
    bm.add_argument("--run-id", default=None, help="for rewind: the run whose committed state to restore")
    _client_arg(bm)
    bm.set_defaults(func=_jobs_bookmark)

    # lakeglue triggers …
    tr = sub.add_parser("triggers", help="scheduled, conditional, on-demand and event triggers")
    tr.add_argument("action", choices=["create", "list", "get", "start", "stop", "delete", "notify"])
    tr.add_argument("name", nargs="?")
    _client_arg(tr)
    tr.add_argument("--type", default="ON_DEMAND", choices=["SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT",
                                                            "scheduled", "conditional", "on_demand", "event"])
    tr.add_argument("--job", action="append", help="job the trigger starts (repeatable)")
    tr.add_argument("--crawler", action="append",
                    help="crawler the trigger starts (repeatable; run by the crawler daemon of `lakeglue serve`, "
                         "else in the job runner)")
    tr.add_argument("--arg", action="append", metavar="KEY=VALUE", help="arguments for the started jobs")
    tr.add_argument("--schedule", help="cron: '0 3 * * *' or 'cron(0 3 * * ? *)'")
    tr.add_argument("--timezone", help="IANA time zone of the schedule (default UTC)")
    tr.add_argument("--watch", action="append", metavar="JOB=STATE",
                    help="condition: job JOB reached STATE (default SUCCEEDED; repeatable)")
    tr.add_argument("--watch-crawler", action="append", metavar="CRAWLER=STATE",
                    help="condition: a run of CRAWLER ended in SUCCEEDED (default), FAILED or CANCELLED (repeatable)")
    tr.add_argument("--any", action="store_true", help="fire when any condition is met (default: all)")
    tr.add_argument("--workflow", help="the workflow the trigger belongs to")
    tr.add_argument("--batch-size", type=int, help="EVENT: events per firing")
    tr.add_argument("--batch-window", type=int, help="EVENT: seconds after the first event of a batch")
    tr.add_argument("--start", action="store_true", help="activate on creation")
    tr.add_argument("--description")
    tr.add_argument("--event-id")
    tr.add_argument("--payload", help="notify: JSON payload")
    tr.set_defaults(func=_triggers)

    wf = sub.add_parser("workflows", help="workflows: graphs of triggers, jobs and crawlers")
    wf.add_argument("action", choices=["create", "list", "get", "delete", "start", "runs", "show", "stop", "resume"])
    wf.add_argument("name", nargs="?")
    wf.add_argument("run_id", nargs="?")
    _client_arg(wf)
    wf.add_argument("--property", action="append", metavar="KEY=VALUE", help="run property (repeatable)")
    wf.add_argument("--max-concurrent-runs", type=int)
    wf.add_argument("--node", action="append",
                    help="resume: failed job or crawler node to re-run (repeatable; default: all failed nodes)")
    wf.add_argument("--description")
    wf.set_defaults(func=_workflows)
