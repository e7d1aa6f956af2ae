"""What a job script imports: its resolved arguments, identity and bookmarks.

    from jobrunner.runtime import init_job

    job = init_job()                       # job.name, job.run_id, job.attempt, job.args
    day = job.args.get("day", "today")
    raw = job.bookmark("raw").new_files("s3://bucket/landing/", "*.json")
    orders = job.bookmark("orders").filter_dataframe(spark.table("sales.orders"), keys=["id"])
    ...                                    # process raw and orders
    job.commit()                           # last step of a successful run

The runner starts scripts with `--JOB_NAME NAME --JOB_RUN_ID ID --KEY VALUE …` (Glue's
convention; `get_resolved_options(sys.argv, [...])` reads them as Glue's
`getResolvedOptions` does) and LAKEGLUE_* environment variables: the resolved arguments
(job defaults ← run arguments, non-overridable ones winning), the bookmark mode and the
address of the runner, which keeps the bookmarks. `commit()` sends the state of every
source the run read; the runner applies it only if the run then SUCCEEDS, and refuses it
(ABORTED) if another run committed since this one read the bookmark.

Run outside the runner (plain `spark-submit script.py --day 1`), a script gets its
arguments from sys.argv and bookmarks are disabled: every source returns everything.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, Dict, Mapping, Optional, Sequence

from .bookmarks import Source, list_files, select_new_files

__all__ = ["JobContext", "init_job", "get_resolved_options", "parse_job_arguments", "Source",
           "BookmarkConflict", "list_files", "select_new_files"]

log = logging.getLogger("lakeglue.job")

ENV_JOB_NAME = "LAKEGLUE_JOB_NAME"
ENV_RUN_ID = "LAKEGLUE_JOB_RUN_ID"
ENV_ATTEMPT = "LAKEGLUE_JOB_ATTEMPT"
ENV_ARGUMENTS = "LAKEGLUE_JOB_ARGUMENTS"
ENV_BOOKMARK_MODE = "LAKEGLUE_BOOKMARK_MODE"
ENV_ADDRESS = "LAKEGLUE_JOBRUNNER_ADDRESS"


class BookmarkConflict(RuntimeError):
    """Another run committed the job's bookmark after this run read it."""


def parse_job_arguments(argv: Sequence[str]) -> Dict[str, str]:
    """`--KEY VALUE` and `--KEY=VALUE` pairs of an argument vector (argv[0] excluded by the
    caller or not: a first token without dashes is skipped)."""
    out: Dict[str, str] = {}
    args = list(argv)
    i = 0
    while i < len(args):
        tok = args[i]
        if tok.startswith("--") and len(tok) > 2:
            key = tok[2:]
            if "=" in key:
                key, value = key.split("=", 1)
                i += 1
            else:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 2
            out[key] = value
        else:
            i += 1
    return out


def get_resolved_options(argv: Sequence[str], names: Sequence[str]) -> Dict[str, str]:
    """Glue's getResolvedOptions: the named arguments (without dashes), or SystemExit."""
    parsed = parse_job_arguments(argv[1:] if argv and not str(argv[0]).startswith("--") else argv)
    missing = [n for n in names if n not in parsed]
    if missing:
        raise SystemExit(f"missing required job argument(s): {', '.join('--' + m for m in missing)}")
    return {n: parsed[n] for n in names}


class _GrpcBookmarks:
    """The runner's bookmark RPCs over gRPC."""

    def __init__(self, address: str):
        import grpc

        from .._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg

        self._grpc = grpc
        self._pb = pb
        self._channel = grpc.insecure_channel(address)
        self._stub = pbg.JobRunnerStub(self._channel)

    def get(self, job_name: str) -> Dict[str, Any]:
        bm = self._stub.GetJobBookmark(self._pb.GetJobBookmarkRequest(job_name=job_name), timeout=60)
        return {
            "version": bm.version,
            "now_floor": bm.now_floor.ToDatetime().timestamp() if bm.HasField("now_floor") else None,
            "entries": {name: {"state": json.loads(e.state_json or "{}"),
                               "updated_on": (e.updated_on.seconds + e.updated_on.nanos / 1e9)
                               if e.HasField("updated_on") else None}
                        for name, e in bm.entries.items()},
        }

    def commit(self, job_name: str, run_id: Optional[str], base_version: int,
               states: Mapping[str, Mapping[str, Any]]) -> Dict[str, Any]:
        req = self._pb.CommitJobBookmarkRequest(
            job_name=job_name, run_id=run_id or "", base_version=base_version,
            entries_json={k: json.dumps(v, sort_keys=True) for k, v in states.items()})
        try:
            resp = self._stub.CommitJobBookmark(req, timeout=60)
        except self._grpc.RpcError as e:
            if e.code() == self._grpc.StatusCode.ABORTED:
                raise BookmarkConflict(e.details()) from None
            raise
        return {"staged": resp.staged, "version": resp.version}

    def close(self) -> None:
        self._channel.close()


class _ServiceBookmarks:
    """The same, calling a JobService in this process (tests, embedding)."""

    def __init__(self, service):
        self.service = service

    def get(self, job_name: str) -> Dict[str, Any]:
        bm = self.service.get_job_bookmark(job_name)
        return {"version": bm.version, "now_floor": bm.now_floor,
                "entries": {n: {"state": dict(e.state), "updated_on": e.updated_on} for n, e in bm.entries.items()}}

    def commit(self, job_name, run_id, base_version, states):
        from ..errors import Conflict

        try:
            return self.service.commit_job_bookmark(job_name, run_id, base_version, states)
        except Conflict as e:
            raise BookmarkConflict(e.message) from None

    def close(self) -> None:
        pass


class JobContext:
    """A job run as its script sees it."""

    def __init__(self, name: str, run_id: Optional[str], args: Mapping[str, str], *, attempt: int = 0,
                 bookmark_mode: str = "DISABLE", bookmarks=None):
        self.name = name
        self.run_id = run_id
        self.args: Dict[str, str] = dict(args)
        self.attempt = attempt
        self.bookmark_mode = bookmark_mode.upper()
        self._client = bookmarks
        self._loaded: Optional[Dict[str, Any]] = None
        self._sources: Dict[str, Source] = {}
        self._pending: Dict[str, Dict[str, Any]] = {}
        self.committed = False
        if self.bookmark_mode != "DISABLE" and self._client is None:
            log.warning("no job runner to keep bookmarks (%s unset): bookmarks are disabled for this run",
                        ENV_ADDRESS)
            self.bookmark_mode = "DISABLE"

    # --- identity ----------------------------------------------------------------------------
    @property
    def workflow_name(self) -> Optional[str]:
        return self.args.get("WORKFLOW_NAME") or os.environ.get("LAKEGLUE_WORKFLOW_NAME")

    @property
    def workflow_run_id(self) -> Optional[str]:
        return self.args.get("WORKFLOW_RUN_ID") or os.environ.get("LAKEGLUE_WORKFLOW_RUN_ID")

    # --- bookmarks ---------------------------------------------------------------------------
    def _bookmark(self) -> Dict[str, Any]:
        if self._loaded is None:
            if self.bookmark_mode == "DISABLE":
                self._loaded = {"version": 0, "now_floor": None, "entries": {}}
            else:
                self._loaded = self._client.get(self.name)
        return self._loaded

    @property
    def bookmark_version(self) -> int:
        return int(self._bookmark()["version"])

    def bookmark(self, source: str) -> Source:
        """The named source of this job's bookmark (files or table keys)."""
        if source not in self._sources:
            bm = self._bookmark()
            entry = bm["entries"].get(source) or {}
            self._sources[source] = Source(source, self.bookmark_mode, entry.get("state"), entry.get("updated_on"),
                                           bm.get("now_floor"), self._record)
        return self._sources[source]

    def _record(self, source: str, state: Dict[str, Any]) -> None:
        self._pending[source] = state

    def commit(self) -> bool:
        """Commit what this run read from its sources; call it last in a successful run.
        Returns False when nothing is committed (bookmarks disabled or paused, nothing read).
        Raises BookmarkConflict when another run committed since this one read the bookmark."""
        if self.bookmark_mode != "ENABLE":
            log.info("job bookmark mode %s: nothing committed", self.bookmark_mode)
            return False
        if not self._pending:
            return False
        self._client.commit(self.name, self.run_id, self.bookmark_version, self._pending)
        self.committed = True
        return True

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def init_job(argv: Optional[Sequence[str]] = None, *, service=None) -> JobContext:
    """The JobContext of this process's run, from LAKEGLUE_* variables and sys.argv.
    `service` (a JobService in this process) replaces the gRPC connection to the runner."""
    argv = list(sys.argv if argv is None else argv)
    parsed = parse_job_arguments(argv[1:] if argv and not str(argv[0]).startswith("--") else argv)
    env_args = os.environ.get(ENV_ARGUMENTS)
    args = json.loads(env_args) if env_args else {k: v for k, v in parsed.items()
                                                  if k not in ("JOB_NAME", "JOB_RUN_ID")}
    name = os.environ.get(ENV_JOB_NAME) or parsed.get("JOB_NAME") or (
        os.path.splitext(os.path.basename(argv[0]))[0] if argv else "job")
    run_id = os.environ.get(ENV_RUN_ID) or parsed.get("JOB_RUN_ID")
    mode = os.environ.get(ENV_BOOKMARK_MODE) or "DISABLE"
    if "job-bookmark-option" in args:
        from ..model import bookmark_mode_from_option

        mode = bookmark_mode_from_option(args["job-bookmark-option"]).value
    client = None
    if service is not None:
        client = _ServiceBookmarks(service)
    elif os.environ.get(ENV_ADDRESS) and mode != "DISABLE":
        client = _GrpcBookmarks(os.environ[ENV_ADDRESS])
    return JobContext(name, run_id, args, attempt=int(os.environ.get(ENV_ATTEMPT) or 0),
                      bookmark_mode=mode, bookmarks=client)
