"""A small client of the job runner's gRPC API (used by the `lakeglue jobs` commands)."""
from __future__ import annotations

import os
from typing import Dict, Iterator, List, Optional

import grpc
from google.protobuf import field_mask_pb2, json_format

from ._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg

DEFAULT_ADDRESS = "127.0.0.1:50051"
ENV_ADDRESS = "LAKEGLUE_JOBRUNNER"


def default_address() -> str:
    return os.environ.get(ENV_ADDRESS) or DEFAULT_ADDRESS


def to_dict(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     always_print_fields_with_no_presence=True)


def state_name(value: int) -> str:
    return pb.JobRun.State.Name(value)


class JobRunnerClient:
    def __init__(self, address: Optional[str] = None, timeout: float = 30.0):
        self.address = address or default_address()
        self.timeout = timeout
        self.channel = grpc.insecure_channel(self.address)
        self.stub = pbg.JobRunnerStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "JobRunnerClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def wait_ready(self, timeout: float = 10.0) -> None:
        grpc.channel_ready_future(self.channel).result(timeout=timeout)

    # --- jobs ------------------------------------------------------------------------------
    def get_job(self, name: str) -> pb.Job:
        return self.stub.GetJob(pb.GetJobRequest(name=name), timeout=self.timeout)

    def create_job(self, job: pb.Job) -> pb.Job:
        return self.stub.CreateJob(pb.CreateJobRequest(job=job), timeout=self.timeout)

    def update_job(self, job: pb.Job, fields: Optional[List[str]] = None) -> pb.Job:
        req = pb.UpdateJobRequest(job=job)
        if fields:
            req.update_mask.CopyFrom(field_mask_pb2.FieldMask(paths=list(fields)))
        return self.stub.UpdateJob(req, timeout=self.timeout)

    def upsert_job(self, job: pb.Job, fields: List[str]) -> pb.Job:
        """Create the job, or update `fields` of the existing one."""
        try:
            self.get_job(job.name)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                raise
            try:
                return self.create_job(job)
            except grpc.RpcError as e2:
                if e2.code() != grpc.StatusCode.ALREADY_EXISTS:
                    raise
        return self.update_job(job, fields)

    def list_jobs(self) -> List[pb.Job]:
        out, token = [], ""
        while True:
            resp = self.stub.ListJobs(pb.ListJobsRequest(page_size=1000, page_token=token), timeout=self.timeout)
            out.extend(resp.jobs)
            token = resp.next_page_token
            if not token:
                return out

    def delete_job(self, name: str) -> None:
        self.stub.DeleteJob(pb.DeleteJobRequest(name=name), timeout=self.timeout)

    # --- runs ------------------------------------------------------------------------------
    def start_job_run(self, job_name: str, arguments: Optional[Dict[str, str]] = None,
                      client_token: str = "", timeout_seconds: Optional[int] = None) -> pb.JobRun:
        req = pb.StartJobRunRequest(job_name=job_name, arguments=arguments or {}, client_token=client_token)
        if timeout_seconds is not None:
            req.timeout_seconds = timeout_seconds
        return self.stub.StartJobRun(req, timeout=self.timeout)

    def get_job_run(self, run_id: str) -> pb.JobRun:
        return self.stub.GetJobRun(pb.GetJobRunRequest(run_id=run_id), timeout=self.timeout)

    def list_job_runs(self, job_name: str = "", states=(), page_size: int = 100) -> List[pb.JobRun]:
        resp = self.stub.ListJobRuns(pb.ListJobRunsRequest(job_name=job_name, states=list(states),
                                                           page_size=page_size), timeout=self.timeout)
        return list(resp.job_runs)

    def stop_job_runs(self, run_ids: List[str], job_name: str = "") -> pb.BatchStopJobRunsResponse:
        return self.stub.BatchStopJobRuns(pb.BatchStopJobRunsRequest(job_name=job_name, run_ids=run_ids),
                                          timeout=self.timeout)

    def watch(self, run_id: str, follow_retries: bool = True) -> Iterator[pb.JobRunStateChange]:
        return self.stub.WatchJobRun(pb.WatchJobRunRequest(run_id=run_id, follow_retries=follow_retries))

    def logs(self, run_id: str, offset: int = 0, max_bytes: int = 0) -> pb.LogChunk:
        return self.stub.GetJobRunLogs(pb.GetJobRunLogsRequest(run_id=run_id, offset=offset, max_bytes=max_bytes),
                                       timeout=self.timeout)

    def follow_logs(self, run_id: str, offset: int = 0) -> Iterator[pb.LogChunk]:
        return self.stub.FollowJobRunLogs(pb.FollowJobRunLogsRequest(run_id=run_id, offset=offset))
