"""Log retention: run directories of old runs (by age, and beyond each job's last N runs)
are deleted, active runs and other hosts' runs never; reading a pruned log says so."""
import os
import time
import uuid

import grpc
import pytest

from jobrunner.errors import FailedPrecondition, InvalidArgument
from jobrunner.model import JobRun, RunState
from jobrunner.retention import LogRetention

from .conftest import python_job


def _wait_running(svc, run_id, timeout=20):
    deadline = time.time() + timeout
    while svc.get_job_run(run_id).state is not RunState.RUNNING:
        assert time.time() < deadline
        time.sleep(0.05)


def test_old_logs_and_logs_beyond_the_last_runs_of_a_job_are_deleted(db_url, make_runner, scripts, tmp_path):
    r = make_runner(db_url, housekeeping_interval=3600, log_retention=LogRetention(days=1, runs_per_job=2)).start()
    svc = r.service
    hello = scripts("hello.py", "print('hello')\n")
    svc.create_job(python_job("a", hello))
    svc.create_job(python_job("b", hello))
    svc.create_job(python_job("hold", scripts("hold.py", "import time\ntime.sleep(600)\n")))
    a = []
    for _ in range(4):
        a.append(svc.wait_for_run(svc.start_job_run("a").id, 30))
    b = svc.wait_for_run(svc.start_job_run("b").id, 30)
    hold = svc.start_job_run("hold")
    _wait_running(svc, hold.id)
    assert all(run.state is RunState.SUCCEEDED and os.path.isdir(run.run_dir) for run in a + [b])
    # a finished run recorded by a runner on another host: its directory is not ours to delete
    foreign_dir = r.state_dir / "runs" / ("jr_" + uuid.uuid4().hex)
    foreign_dir.mkdir()
    with svc.store.tx.write() as conn:
        svc.store.insert_run(conn, JobRun(id=foreign_dir.name, job_name="b", state=RunState.SUCCEEDED,
                                          queued_on=1.0, completed_on=2.0, host="elsewhere",
                                          run_dir=str(foreign_dir), log_path=str(foreign_dir / "output.log")))

    # a run of another runner on this host, with its own state directory: not ours either
    other_dir = tmp_path / "other-state" / "runs" / ("jr_" + uuid.uuid4().hex)
    other_dir.mkdir(parents=True)
    with svc.store.tx.write() as conn:
        svc.store.insert_run(conn, JobRun(id=other_dir.name, job_name="b", state=RunState.SUCCEEDED,
                                          queued_on=1.0, completed_on=2.0, host=svc.config.host,
                                          run_dir=str(other_dir), log_path=str(other_dir / "output.log")))

    assert sorted(svc.prune_logs()) == sorted([a[0].id, a[1].id])   # a keeps its last 2 runs
    for run in a[:2]:
        assert not os.path.exists(run.run_dir)
        assert svc.get_job_run(run.id).log_pruned_on is not None
        with pytest.raises(FailedPrecondition, match="deleted by the job runner's log retention"):
            svc.read_log(run.id)
    assert b"hello" in svc.read_log(a[3].id).data
    assert svc.prune_logs() == []

    two_days_later = time.time() + 2 * 86400
    assert sorted(svc.prune_logs(now=two_days_later)) == sorted([a[2].id, a[3].id, b.id])
    running = svc.get_job_run(hold.id)                 # running: never pruned
    assert os.path.isdir(running.run_dir) and running.log_pruned_on is None
    assert svc.read_log(hold.id).data.startswith(b"[lakeglue ")
    assert foreign_dir.is_dir() and other_dir.is_dir()
    assert svc.get_job_run(other_dir.name).log_pruned_on is None

    svc.stop_job_run(hold.id)
    held = svc.wait_for_run(hold.id, 30)
    svc.delete_job("hold")                             # deleting a job deletes its runs' directories …
    assert not os.path.exists(held.run_dir)
    svc.delete_job("b")                                # … on this host only
    assert foreign_dir.is_dir()


def test_retention_rules_are_validated_and_can_be_switched_off(make_runner, scripts):
    with pytest.raises(InvalidArgument):
        LogRetention(days=-1)
    assert LogRetention().describe() == "30 days" and LogRetention(days=0, runs_per_job=5).describe() == \
        "the last 5 runs per job"
    r = make_runner(housekeeping_interval=3600, log_retention=LogRetention(days=0, runs_per_job=0)).start()
    svc = r.service
    svc.create_job(python_job("a", scripts("hello.py", "print('hello')\n")))
    run = svc.wait_for_run(svc.start_job_run("a").id, 30)
    assert svc.prune_logs(now=time.time() + 3650 * 86400) == [] and os.path.isdir(run.run_dir)


def test_the_housekeeping_thread_prunes_on_its_interval(make_runner, scripts):
    r = make_runner(log_retention=LogRetention(days=0, runs_per_job=1, interval=0.2)).start()
    svc = r.service
    svc.create_job(python_job("a", scripts("hello.py", "print('hello')\n")))
    first = svc.wait_for_run(svc.start_job_run("a").id, 30)
    svc.wait_for_run(svc.start_job_run("a").id, 30)
    deadline = time.time() + 30
    while svc.get_job_run(first.id).log_pruned_on is None:
        assert time.time() < deadline, "the housekeeping thread did not prune"
        time.sleep(0.05)
    assert not os.path.exists(first.run_dir)


def test_a_pruned_log_is_failed_precondition_over_grpc(tmp_path):
    from jobrunner._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    script = tmp_path / "hello.py"
    script.write_text("print('hello')\n")
    server = JobRunnerServer(JobRunnerConfig(port=0, db_url=f"sqlite:///{tmp_path}/c.db", state_dir=str(tmp_path / "s"),
                                             log_retention_runs=1)).start()
    channel = grpc.insecure_channel(server.address)
    try:
        stub = pbg.JobRunnerStub(channel)
        stub.CreateJob(pb.CreateJobRequest(job=pb.Job(name="j", script_location=str(script),
                                                      job_type=pb.Job.PYTHON_SHELL)))
        first = stub.StartJobRun(pb.StartJobRunRequest(job_name="j"))
        server.service.wait_for_run(first.id, 30)
        second = stub.StartJobRun(pb.StartJobRunRequest(job_name="j"))
        server.service.wait_for_run(second.id, 30)
        server.service.prune_logs()
        assert stub.GetJobRun(pb.GetJobRunRequest(run_id=first.id)).HasField("log_pruned_on")
        for call in (lambda: stub.GetJobRunLogs(pb.GetJobRunLogsRequest(run_id=first.id)),
                     lambda: list(stub.FollowJobRunLogs(pb.FollowJobRunLogsRequest(run_id=first.id)))):
            with pytest.raises(grpc.RpcError) as e:
                call()
            assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "log retention" in e.value.details()
        assert b"hello" in stub.GetJobRunLogs(pb.GetJobRunLogsRequest(run_id=second.id)).data
        assert stub.GetJobRun(pb.GetJobRunRequest(run_id=second.id)).runner_id == server.service.runner_id
    finally:
        channel.close()
        server.stop(stop_runs=True)
