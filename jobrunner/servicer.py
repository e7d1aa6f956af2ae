"""The gRPC adapter: requests → JobService / Orchestrator calls → responses.

Errors become gRPC status codes here and only here (`STATUS`, `_abort`): the service raises
jobrunner.errors (and the database layer metastore.errors) with a stable `code`, mapped to
NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED,
ABORTED or UNAVAILABLE; anything unexpected is INTERNAL (and logged).
"""
from __future__ import annotations

import functools
import logging

import grpc

from . import convert as cv
from ._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg
from .errors import InvalidArgument, JobRunnerError
from .model import RunFilter
from .orchestration import Orchestrator
from .service import JobService

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["JobRunner"].full_name

# Error `code` (jobrunner.errors and metastore.errors) → gRPC status.
STATUS = {
    "NOT_FOUND": grpc.StatusCode.NOT_FOUND,
    "NO_SUCH_LOCK": grpc.StatusCode.NOT_FOUND,
    "NO_SUCH_TXN": grpc.StatusCode.NOT_FOUND,
    "ALREADY_EXISTS": grpc.StatusCode.ALREADY_EXISTS,
    "INVALID_ARGUMENT": grpc.StatusCode.INVALID_ARGUMENT,
    "INVALID_INPUT": grpc.StatusCode.INVALID_ARGUMENT,
    "INVALID_OBJECT": grpc.StatusCode.INVALID_ARGUMENT,
    "FAILED_PRECONDITION": grpc.StatusCode.FAILED_PRECONDITION,
    "INVALID_OPERATION": grpc.StatusCode.FAILED_PRECONDITION,
    "SCHEMA_OUTDATED": grpc.StatusCode.FAILED_PRECONDITION,
    "RESOURCE_EXHAUSTED": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "ABORTED": grpc.StatusCode.ABORTED,
    "CONFLICT": grpc.StatusCode.ABORTED,
    "UNAVAILABLE": grpc.StatusCode.UNAVAILABLE,
    "STORE_ERROR": grpc.StatusCode.UNAVAILABLE,
}


def status_of(exc: BaseException) -> grpc.StatusCode:
    from metastore.errors import CatalogError

    if isinstance(exc, (JobRunnerError, CatalogError)):
        for cls in type(exc).__mro__:  # a subclass's own code, else its parent's
            code = STATUS.get(getattr(cls, "code", None))
            if code is not None:
                return code
    return grpc.StatusCode.INTERNAL


def _abort(context: grpc.ServicerContext, exc: BaseException, method: str):
    code = status_of(exc)
    if code is grpc.StatusCode.INTERNAL:
        log.exception("%s failed", method)
        message = f"Internal error: {type(exc).__name__}: {exc}"
    else:
        message = getattr(exc, "message", str(exc))
    context.abort(code, message)


def unary(fn):
    @functools.wraps(fn)
    def wrapper(self, request, context):
        try:
            return fn(self, request, context)
        except grpc.RpcError:
            raise
        except Exception as e:  # one place maps every error to a status
            if context.code() is not None:
                raise
            _abort(context, e, fn.__name__)
    return wrapper


def stream(fn):
    @functools.wraps(fn)
    def wrapper(self, request, context):
        try:
            yield from fn(self, request, context)
        except grpc.RpcError:
            raise
        except Exception as e:
            _abort(context, e, fn.__name__)
    return wrapper


def _mask(m) -> list:
    return list(m.update_mask.paths) if m.HasField("update_mask") else []


def _require(value: str, what: str) -> str:
    if not value:
        raise InvalidArgument(f"{what} is required")
    return value


class JobRunnerServicer(pbg.JobRunnerServicer):
    def __init__(self, service: JobService, orchestrator: Orchestrator):
        self.service = service
        self.orch = orchestrator

    # --- jobs ------------------------------------------------------------------------------
    @unary
    def CreateJob(self, request, context):
        return cv.job_to_pb(self.service.create_job(cv.job_from_pb(request.job)))

    @unary
    def UpdateJob(self, request, context):
        return cv.job_to_pb(self.service.update_job(cv.job_from_pb(request.job), _mask(request) or None))

    @unary
    def GetJob(self, request, context):
        return cv.job_to_pb(self.service.get_job(_require(request.name, "name")))

    @unary
    def ListJobs(self, request, context):
        jobs, token = self.service.list_jobs(request.page_size, request.page_token or None)
        return pb.ListJobsResponse(jobs=[cv.job_to_pb(j) for j in jobs], next_page_token=token)

    @unary
    def DeleteJob(self, request, context):
        self.service.delete_job(_require(request.name, "name"))
        return pb.DeleteJobResponse(name=request.name)

    # --- runs ------------------------------------------------------------------------------
    @unary
    def StartJobRun(self, request, context):
        run = self.service.start_job_run(
            _require(request.job_name, "job_name"), dict(request.arguments),
            client_token=request.client_token or None,
            timeout_seconds=request.timeout_seconds if request.HasField("timeout_seconds") else None)
        return cv.run_to_pb(run)

    @unary
    def GetJobRun(self, request, context):
        return cv.run_to_pb(self.service.get_job_run(_require(request.run_id, "run_id")))

    @unary
    def ListJobRuns(self, request, context):
        flt = RunFilter(
            job_name=request.job_name or None, states=tuple(cv.state_from_pb(s) for s in request.states),
            trigger_name=request.trigger_name or None, started_after=cv.from_ts(request, "started_after"),
            started_before=cv.from_ts(request, "started_before"), workflow_run_id=request.workflow_run_id or None)
        runs, token = self.service.list_job_runs(flt, request.page_size, request.page_token or None)
        return pb.ListJobRunsResponse(job_runs=[cv.run_to_pb(r) for r in runs], next_page_token=token)

    @unary
    def BatchStopJobRuns(self, request, context):
        stopped, errors = self.service.batch_stop_job_runs(list(request.run_ids), request.job_name or None)
        return pb.BatchStopJobRunsResponse(
            stopping=[cv.run_to_pb(r) for r in stopped],
            errors=[pb.BatchStopJobRunsResponse.Error(run_id=rid, code=code, message=msg)
                    for rid, code, msg in errors])

    @stream
    def WatchJobRun(self, request, context):
        for event, run in self.service.watch_job_run(_require(request.run_id, "run_id"),
                                                     follow_retries=request.follow_retries,
                                                     cancelled=lambda: not context.is_active()):
            yield cv.event_to_pb(event, run)

    @unary
    def GetJobRunLogs(self, request, context):
        return cv.log_to_pb(self.service.read_log(_require(request.run_id, "run_id"), request.offset,
                                                  request.max_bytes or None))

    @stream
    def FollowJobRunLogs(self, request, context):
        for chunk in self.service.follow_log(_require(request.run_id, "run_id"), request.offset,
                                             cancelled=lambda: not context.is_active()):
            yield cv.log_to_pb(chunk)

    # --- bookmarks -------------------------------------------------------------------------
    @unary
    def GetJobBookmark(self, request, context):
        return cv.bookmark_to_pb(self.service.get_job_bookmark(_require(request.job_name, "job_name")))

    @unary
    def CommitJobBookmark(self, request, context):
        out = self.service.commit_job_bookmark(_require(request.job_name, "job_name"), request.run_id or None,
                                               request.base_version, cv.bookmark_states_from_pb(request.entries_json))
        return pb.CommitJobBookmarkResponse(staged=out["staged"], version=out["version"])

    @unary
    def ResetJobBookmark(self, request, context):
        return cv.bookmark_to_pb(self.service.reset_job_bookmark(_require(request.job_name, "job_name")))

    @unary
    def RewindJobBookmark(self, request, context):
        return cv.bookmark_to_pb(self.service.rewind_job_bookmark(_require(request.job_name, "job_name"),
                                                                  _require(request.run_id, "run_id")))

    @unary
    def SetJobBookmarkToNow(self, request, context):
        return cv.bookmark_to_pb(self.service.set_job_bookmark_to_now(_require(request.job_name, "job_name")))

    # --- triggers --------------------------------------------------------------------------
    @unary
    def CreateTrigger(self, request, context):
        t = self.orch.create_trigger(cv.trigger_from_pb(request.trigger),
                                     start_on_creation=request.trigger.start_on_creation)
        return cv.trigger_to_pb(t)

    @unary
    def UpdateTrigger(self, request, context):
        return cv.trigger_to_pb(self.orch.update_trigger(cv.trigger_from_pb(request.trigger, require_type=False),
                                                         _mask(request) or None))

    @unary
    def GetTrigger(self, request, context):
        return cv.trigger_to_pb(self.orch.get_trigger(_require(request.name, "name")))

    @unary
    def ListTriggers(self, request, context):
        triggers, token = self.orch.list_triggers(request.dependent_job_name or None, request.page_size,
                                                  request.page_token or None)
        return pb.ListTriggersResponse(triggers=[cv.trigger_to_pb(t) for t in triggers], next_page_token=token)

    @unary
    def DeleteTrigger(self, request, context):
        self.orch.delete_trigger(_require(request.name, "name"))
        return pb.DeleteTriggerResponse(name=request.name)

    @unary
    def StartTrigger(self, request, context):
        return cv.trigger_to_pb(self.orch.start_trigger(_require(request.name, "name")))

    @unary
    def StopTrigger(self, request, context):
        return cv.trigger_to_pb(self.orch.stop_trigger(_require(request.name, "name")))

    @unary
    def NotifyEvent(self, request, context):
        pending, fired = self.orch.notify_event(_require(request.trigger_name, "trigger_name"),
                                                request.event_id or None, request.payload_json or None)
        return pb.NotifyEventResponse(pending_events=pending, fired=fired)

    # --- workflows -------------------------------------------------------------------------
    def _workflow_run_pb(self, run) -> pb.WorkflowRun:
        jobs, crawls = self.orch.workflow_job_runs(run.id), self.orch.workflow_crawler_runs(run.id)
        return cv.workflow_run_to_pb(run, self.orch.statistics(run.id, jobs, crawls),
                                     self.orch.workflow_triggers(run.workflow_name), jobs, crawls)

    def _workflow_pb(self, wf) -> pb.Workflow:
        runs, _ = self.orch.list_workflow_runs(wf.name, page_size=1)
        return cv.workflow_to_pb(wf, self.orch.workflow_triggers(wf.name),
                                 self._workflow_run_pb(runs[0]) if runs else None)

    @unary
    def CreateWorkflow(self, request, context):
        return self._workflow_pb(self.orch.create_workflow(cv.workflow_from_pb(request.workflow)))

    @unary
    def UpdateWorkflow(self, request, context):
        return self._workflow_pb(self.orch.update_workflow(cv.workflow_from_pb(request.workflow)))

    @unary
    def GetWorkflow(self, request, context):
        return self._workflow_pb(self.orch.get_workflow(_require(request.name, "name")))

    @unary
    def ListWorkflows(self, request, context):
        wfs, token = self.orch.list_workflows(request.page_size, request.page_token or None)
        return pb.ListWorkflowsResponse(workflows=[self._workflow_pb(w) for w in wfs], next_page_token=token)

    @unary
    def DeleteWorkflow(self, request, context):
        self.orch.delete_workflow(_require(request.name, "name"))
        return pb.DeleteWorkflowResponse(name=request.name)

    @unary
    def StartWorkflowRun(self, request, context):
        return self._workflow_run_pb(self.orch.start_workflow_run(_require(request.name, "name"),
                                                                  dict(request.run_properties)))

    @unary
    def GetWorkflowRun(self, request, context):
        return self._workflow_run_pb(self.orch.get_workflow_run(_require(request.name, "name"),
                                                                _require(request.run_id, "run_id")))

    @unary
    def ListWorkflowRuns(self, request, context):
        runs, token = self.orch.list_workflow_runs(_require(request.name, "name"), request.page_size,
                                                   request.page_token or None)
        return pb.ListWorkflowRunsResponse(runs=[self._workflow_run_pb(r) for r in runs], next_page_token=token)

    @unary
    def StopWorkflowRun(self, request, context):
        return self._workflow_run_pb(self.orch.stop_workflow_run(_require(request.name, "name"),
                                                                 _require(request.run_id, "run_id")))

    @unary
    def ResumeWorkflowRun(self, request, context):
        return self._workflow_run_pb(self.orch.resume_workflow_run(_require(request.name, "name"),
                                                                   _require(request.run_id, "run_id"),
                                                                   list(request.node_names)))
