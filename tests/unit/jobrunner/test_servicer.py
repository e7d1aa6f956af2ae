"""The gRPC adapter over a real channel: conversions, status codes, streams, health and
reflection."""
import time

import grpc
import pytest
from google.protobuf import field_mask_pb2

from jobrunner._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg
from jobrunner.servicer import status_of


@pytest.fixture
def server(tmp_path):
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    srv = JobRunnerServer(JobRunnerConfig(port=0, db_url=f"sqlite:///{tmp_path}/c.db",
                                          state_dir=str(tmp_path / "state"), stop_grace_seconds=1)).start()
    yield srv
    srv.stop(stop_runs=True)


@pytest.fixture
def stub(server):
    channel = grpc.insecure_channel(server.address)
    yield pbg.JobRunnerStub(channel)
    channel.close()


def _job(tmp_path, name="j", body="print('hello from the job')\n", **kw):
    script = tmp_path / f"{name}.py"
    script.write_text(body)
    return pb.Job(name=name, script_location=str(script), job_type=pb.Job.PYTHON_SHELL, **kw)


def _code(call, *args):
    with pytest.raises(grpc.RpcError) as e:
        call(*args)
    return e.value.code(), e.value.details()


def test_job_round_trip_defaults_and_update_mask(stub, tmp_path):
    created = stub.CreateJob(pb.CreateJobRequest(job=_job(tmp_path, default_arguments={"--day": "1"},
                                                         spark_conf={"spark.x": "y"}, extra_py_files=["/a.py"])))
    assert created.spark_master == "local[*]" and created.max_retries == 0 and created.max_concurrent_runs == 1
    assert created.timeout_seconds == 2880 * 60 and created.concurrency_policy == pb.Job.WAIT
    assert created.default_arguments == {"day": "1"} and created.HasField("created_on")
    got = stub.GetJob(pb.GetJobRequest(name="j"))
    assert got == created
    upd = stub.UpdateJob(pb.UpdateJobRequest(job=pb.Job(name="j", max_retries=4, script_location="ignored"),
                                             update_mask=field_mask_pb2.FieldMask(paths=["max_retries"])))
    assert upd.max_retries == 4 and upd.script_location == created.script_location
    listed = stub.ListJobs(pb.ListJobsRequest())
    assert [j.name for j in listed.jobs] == ["j"] and listed.next_page_token == ""


def test_errors_map_to_status_codes(stub, tmp_path):
    stub.CreateJob(pb.CreateJobRequest(job=_job(tmp_path, body="import time; time.sleep(60)\n",
                                                concurrency_policy=pb.Job.REJECT)))
    assert _code(stub.GetJob, pb.GetJobRequest(name="nope"))[0] == grpc.StatusCode.NOT_FOUND
    assert _code(stub.GetJobRun, pb.GetJobRunRequest(run_id="jr_x"))[0] == grpc.StatusCode.NOT_FOUND
    assert _code(stub.CreateJob, pb.CreateJobRequest(job=_job(tmp_path)))[0] == grpc.StatusCode.ALREADY_EXISTS
    code, details = _code(stub.CreateJob, pb.CreateJobRequest(job=pb.Job(name="bad name!", script_location="x")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "Invalid job name" in details
    assert _code(stub.UpdateJob, pb.UpdateJobRequest(
        job=pb.Job(name="j"), update_mask=field_mask_pb2.FieldMask(paths=["name"])))[0] == grpc.StatusCode.INVALID_ARGUMENT
    assert _code(stub.ListJobRuns, pb.ListJobRunsRequest(page_token="%%%"))[0] == grpc.StatusCode.INVALID_ARGUMENT
    run = stub.StartJobRun(pb.StartJobRunRequest(job_name="j"))
    code, details = _code(stub.StartJobRun, pb.StartJobRunRequest(job_name="j"))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "REJECT" in details
    assert _code(stub.DeleteJob, pb.DeleteJobRequest(name="j"))[0] == grpc.StatusCode.FAILED_PRECONDITION
    stopped = stub.BatchStopJobRuns(pb.BatchStopJobRunsRequest(run_ids=[run.id, "jr_missing"]))
    assert [r.id for r in stopped.stopping] == [run.id]
    assert [(e.run_id, e.code) for e in stopped.errors] == [("jr_missing", "NOT_FOUND")]
    assert _code(stub.RewindJobBookmark, pb.RewindJobBookmarkRequest(
        job_name="j", run_id=run.id))[0] == grpc.StatusCode.FAILED_PRECONDITION
    assert _code(stub.CommitJobBookmark, pb.CommitJobBookmarkRequest(
        job_name="j", base_version=5, entries_json={"s": "{}"}))[0] == grpc.StatusCode.ABORTED


def test_every_error_code_has_a_status():
    from jobrunner import errors
    from metastore import errors as catalog_errors

    for module in (errors, catalog_errors):
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, Exception) and hasattr(cls, "code") and cls.code != "INTERNAL":
                assert status_of(cls("x")) != grpc.StatusCode.INTERNAL, cls
    assert status_of(ValueError("x")) == grpc.StatusCode.INTERNAL


def test_run_watch_and_logs_streams(stub, tmp_path):
    stub.CreateJob(pb.CreateJobRequest(job=_job(tmp_path, body="import sys\nprint('out', sys.argv[-1])\n")))
    run = stub.StartJobRun(pb.StartJobRunRequest(job_name="j", arguments={"day": "7"}, client_token="t1"))
    again = stub.StartJobRun(pb.StartJobRunRequest(job_name="j", client_token="t1"))
    assert again.id == run.id
    changes = list(stub.WatchJobRun(pb.WatchJobRunRequest(run_id=run.id)))
    assert [pb.JobRun.State.Name(c.state) for c in changes] == ["STARTING", "RUNNING", "SUCCEEDED"]
    final = changes[-1].job_run
    assert final.state == pb.JobRun.SUCCEEDED and final.exit_code == 0 and final.execution_time.ToTimedelta()
    assert final.arguments == {"day": "7"} and final.resolved_arguments == {"day": "7"}
    chunks = list(stub.FollowJobRunLogs(pb.FollowJobRunLogsRequest(run_id=run.id)))
    assert chunks[-1].complete and b"out 7" in b"".join(c.data for c in chunks)
    page = stub.GetJobRunLogs(pb.GetJobRunLogsRequest(run_id=run.id, offset=0, max_bytes=5))
    assert len(page.data) == 5 and page.next_offset == 5 and not page.complete
    runs = stub.ListJobRuns(pb.ListJobRunsRequest(job_name="j", states=[pb.JobRun.SUCCEEDED]))
    assert [r.id for r in runs.job_runs] == [run.id]


def test_health_and_reflection(server):
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

    channel = grpc.insecure_channel(server.address)
    try:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", "lakeglue.jobrunner.v1.JobRunner"):
            assert health.Check(health_pb2.HealthCheckRequest(service=name)).status == \
                health_pb2.HealthCheckResponse.SERVING
        services = set(ProtoReflectionDescriptorDatabase(channel).get_services())
        assert {"lakeglue.jobrunner.v1.JobRunner", "grpc.health.v1.Health"} <= services
    finally:
        channel.close()


def test_triggers_and_workflows_over_grpc(stub, tmp_path):
    stub.CreateJob(pb.CreateJobRequest(job=_job(tmp_path, name="a")))
    stub.CreateJob(pb.CreateJobRequest(job=_job(tmp_path, name="b")))
    cond = pb.Trigger(name="a-then-b", type=pb.Trigger.CONDITIONAL, start_on_creation=True,
                      predicate=pb.Predicate(logical=pb.Predicate.AND, conditions=[
                          pb.Condition(logical_operator=pb.Condition.EQUALS, job_name="a", state=pb.JobRun.SUCCEEDED)]),
                      actions=[pb.Action(job_name="b", arguments={"x": "1"}, timeout_seconds=60)])
    created = stub.CreateTrigger(pb.CreateTriggerRequest(trigger=cond))
    assert created.state == pb.Trigger.ACTIVATED and created.actions[0].timeout_seconds == 60
    assert created.predicate.conditions[0].state == pb.JobRun.SUCCEEDED
    sched = stub.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.Trigger(
        name="nightly", type=pb.Trigger.SCHEDULED, schedule="cron(0 3 * * ? *)", timezone="Europe/Paris",
        start_on_creation=True, actions=[pb.Action(job_name="a")])))
    assert sched.HasField("next_fire_time")
    upd = stub.UpdateTrigger(pb.UpdateTriggerRequest(
        trigger=pb.Trigger(name="nightly", schedule="30 4 * * *"),
        update_mask=field_mask_pb2.FieldMask(paths=["schedule"])))
    assert upd.schedule == "30 4 * * *" and upd.type == pb.Trigger.SCHEDULED and upd.timezone == "Europe/Paris"
    code, details = _code(stub.CreateTrigger, pb.CreateTriggerRequest(trigger=pb.Trigger(
        name="bad", type=pb.Trigger.SCHEDULED, schedule="every day", actions=[pb.Action(job_name="a")])))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "cron" in details
    assert [t.name for t in stub.ListTriggers(pb.ListTriggersRequest(dependent_job_name="b")).triggers] == ["a-then-b"]

    run = stub.StartJobRun(pb.StartJobRunRequest(job_name="a"))
    list(stub.WatchJobRun(pb.WatchJobRunRequest(run_id=run.id)))
    deadline = time.time() + 30
    while not stub.ListJobRuns(pb.ListJobRunsRequest(job_name="b")).job_runs and time.time() < deadline:
        time.sleep(0.1)
    b_run = stub.ListJobRuns(pb.ListJobRunsRequest(job_name="b")).job_runs[0]
    assert b_run.trigger_name == "a-then-b" and b_run.arguments == {"x": "1"} and b_run.timeout_seconds == 60

    stub.CreateWorkflow(pb.CreateWorkflowRequest(workflow=pb.Workflow(name="wf", default_run_properties={"p": "1"})))
    stub.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.Trigger(
        name="wf-start", type=pb.Trigger.ON_DEMAND, workflow_name="wf", actions=[pb.Action(job_name="a")])))
    wf_run = stub.StartWorkflowRun(pb.StartWorkflowRunRequest(name="wf", run_properties={"q": "2"}))
    assert wf_run.run_properties == {"p": "1", "q": "2"} and wf_run.status == pb.WorkflowRun.RUNNING
    deadline = time.time() + 30
    while time.time() < deadline:
        got = stub.GetWorkflowRun(pb.GetWorkflowRunRequest(name="wf", run_id=wf_run.id))
        if got.status == pb.WorkflowRun.COMPLETED:
            break
        time.sleep(0.1)
    assert got.status == pb.WorkflowRun.COMPLETED and got.statistics.succeeded_actions == 1
    job_nodes = [n for n in got.nodes if n.type == pb.WorkflowNode.JOB]
    assert [n.name for n in job_nodes] == ["a"] and job_nodes[0].job_runs[0].workflow_run_id == wf_run.id
    wf = stub.GetWorkflow(pb.GetWorkflowRequest(name="wf"))
    assert list(wf.trigger_names) == ["wf-start"] and wf.last_run.id == wf_run.id


def test_list_job_runs_filters(stub, server, tmp_path):
    from google.protobuf import timestamp_pb2

    stub.CreateJob(pb.CreateJobRequest(job=_job(tmp_path, name="f", max_concurrent_runs=5)))
    stub.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.Trigger(
        name="go", type=pb.Trigger.ON_DEMAND, actions=[pb.Action(job_name="f")])))
    manual = stub.StartJobRun(pb.StartJobRunRequest(job_name="f"))
    server.service.wait_for_run(manual.id, 30)
    between = timestamp_pb2.Timestamp()
    between.GetCurrentTime()
    time.sleep(0.01)
    stub.StartTrigger(pb.StartTriggerRequest(name="go"))
    triggered = [r for r in stub.ListJobRuns(pb.ListJobRunsRequest(job_name="f")).job_runs if r.trigger_name == "go"]
    assert len(triggered) == 1
    server.service.wait_for_run(triggered[0].id, 30)

    def ids(**kw):
        return [r.id for r in stub.ListJobRuns(pb.ListJobRunsRequest(**kw)).job_runs]

    assert ids(job_name="f", trigger_name="go") == [triggered[0].id]
    assert ids(job_name="f", started_after=between) == [triggered[0].id]
    assert ids(job_name="f", started_before=between) == [manual.id]
    assert ids(job_name="f", states=[pb.JobRun.FAILED]) == []
    assert ids(workflow_run_id="wr_none") == []
    assert _code(stub.ListJobRuns, pb.ListJobRunsRequest(job_name="nope"))[0] == grpc.StatusCode.NOT_FOUND
