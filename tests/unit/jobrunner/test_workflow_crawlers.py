"""Crawlers as nodes of triggers and workflows in a job runner without a crawler daemon in
its process (`lakeglue jobrunner serve`): the runner runs the crawls its triggers and
workflows start (real crawls of a small local folder), lists them as CRAWLER nodes of a
workflow run with their statistics, re-runs failed crawler nodes on resume and stops the
crawls of a stopped workflow run."""
from __future__ import annotations

import json
import logging
import threading
import time

import grpc
import pytest

from crawler.model import CrawlerDef
from crawler.store import CrawlerStore
from jobrunner._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg
from jobrunner.crawlers import RunnerCrawlers
from jobrunner.orchestration import Action, Condition, Predicate, Trigger, Workflow
from jobrunner.server import JobRunnerConfig, JobRunnerServer
from tests.support.lake import write_parquet

from .conftest import RECORD_SCRIPT, python_job, wait_for




def _records(tmp_path):
    path = tmp_path / "record.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def standalone(db_url, tmp_path, monkeypatch):
    """A standalone runner's gRPC server, a crawler store on its database with `sales-crawler`
    (a folder with one partitioned parquet table) and `flaky` (a folder not there yet), and a
    PYTHON_SHELL job `load-sales` recording its arguments."""
    from metastore.app import build_services

    monkeypatch.setenv("RECORD_FILE", str(tmp_path / "record.jsonl"))
    build_services(db_url, f"file:{tmp_path}/wh").close()  # the catalog the runner's database holds
    server = JobRunnerServer(JobRunnerConfig(port=0, db_url=db_url, state_dir=str(tmp_path / "state"),
                                             warehouse=f"file:{tmp_path}/wh", stop_grace_seconds=1,
                                             crawler_poll_seconds=0.1)).start()
    channel = grpc.insecure_channel(server.address)
    store = CrawlerStore.open(db_url)  # as `lakeglue crawler create` does
    write_parquet(tmp_path / "lake" / "sales" / "ds=2024-01-01" / "p.parquet", {"id": [1, 2]})
    store.create(CrawlerDef(name="sales-crawler", paths=(str(tmp_path / "lake"),), database="lake"), time.time())
    store.create(CrawlerDef(name="flaky", paths=(str(tmp_path / "flaky"),), database="flaky"), time.time())
    stub = pbg.JobRunnerStub(channel)
    script = tmp_path / "rec.py"
    script.write_text(RECORD_SCRIPT)
    stub.CreateJob(pb.CreateJobRequest(job=pb.Job(name="load-sales", script_location=str(script),
                                                  job_type=pb.Job.PYTHON_SHELL, max_concurrent_runs=5)))
    try:
        yield server, stub, store, tmp_path
    finally:
        channel.close()
        server.stop(stop_runs=True)
        store.close()


def _finished(stub, name, run_id):
    run = stub.GetWorkflowRun(pb.GetWorkflowRunRequest(name=name, run_id=run_id))
    return run if run.status == pb.WorkflowRun.COMPLETED else None


def _nodes(run):
    return {(pb.WorkflowNode.Type.Name(n.type), n.name): n for n in run.nodes}


def _stats(run):
    s = run.statistics
    return dict(total=s.total_actions, running=s.running_actions, succeeded=s.succeeded_actions,
                failed=s.failed_actions, stopped=s.stopped_actions)


def test_a_standalone_runner_crawls_for_its_workflow_and_resumes_a_failed_crawler_node(standalone):
    server, stub, store, tmp_path = standalone
    stub.CreateWorkflow(pb.CreateWorkflowRequest(workflow=pb.Workflow(name="ingest",
                                                                      default_run_properties={"env": "prod"})))
    stub.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.Trigger(
        name="ingest-start", workflow_name="ingest", type=pb.Trigger.ON_DEMAND,
        actions=[pb.Action(crawler_name="sales-crawler"), pb.Action(crawler_name="flaky")])))
    stub.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.Trigger(
        name="ingest-load", workflow_name="ingest", type=pb.Trigger.CONDITIONAL,
        predicate=pb.Predicate(logical=pb.Predicate.AND, conditions=[
            pb.Condition(logical_operator=pb.Condition.EQUALS, crawler_name=c, crawl_state="SUCCEEDED")
            for c in ("sales-crawler", "flaky")]),
        actions=[pb.Action(job_name="load-sales")])))

    first = stub.StartWorkflowRun(pb.StartWorkflowRunRequest(name="ingest"))
    done = wait_for(lambda: _finished(stub, "ingest", first.id), what="the first workflow run")
    nodes = _nodes(done)
    assert set(nodes) == {("TRIGGER", "ingest-start"), ("TRIGGER", "ingest-load"), ("JOB", "load-sales"),
                          ("CRAWLER", "sales-crawler"), ("CRAWLER", "flaky")}
    sales = nodes["CRAWLER", "sales-crawler"].crawls
    assert [(c.state, c.trigger_name) for c in sales] == [("SUCCEEDED", "ingest-start")]
    assert store.get_run(sales[0].id).metrics["tables_created"] == 1      # the crawl wrote the catalog
    assert [c.state for c in nodes["CRAWLER", "flaky"].crawls] == ["FAILED"]
    assert nodes["CRAWLER", "flaky"].crawls[0].message                   # why it failed
    assert list(nodes["JOB", "load-sales"].job_runs) == []                # AND: flaky did not succeed
    assert _stats(done) == dict(total=2, running=0, succeeded=1, failed=1, stopped=0)
    assert done.error_message == ""

    with pytest.raises(grpc.RpcError) as e:                               # sales-crawler did not fail
        stub.ResumeWorkflowRun(pb.ResumeWorkflowRunRequest(name="ingest", run_id=first.id,
                                                           node_names=["sales-crawler"]))
    assert e.value.code() is grpc.StatusCode.INVALID_ARGUMENT

    write_parquet(tmp_path / "flaky" / "events" / "p.parquet", {"id": [3]})
    resumed = stub.ResumeWorkflowRun(pb.ResumeWorkflowRunRequest(name="ingest", run_id=first.id))
    done = wait_for(lambda: _finished(stub, "ingest", resumed.id), what="the resumed workflow run")
    assert done.previous_run_id == first.id
    nodes = _nodes(done)
    assert [(c.state, c.trigger_name) for c in nodes["CRAWLER", "flaky"].crawls] == [("SUCCEEDED", "ingest-start")]
    assert list(nodes["CRAWLER", "sales-crawler"].crawls) == []           # only the failed node re-ran
    [load] = nodes["JOB", "load-sales"].job_runs                          # its other condition carried over
    assert load.state == pb.JobRun.SUCCEEDED and load.trigger_name == "ingest-load"
    assert _stats(done) == dict(total=2, running=0, succeeded=2, failed=0, stopped=0)
    [record] = _records(tmp_path)
    assert record["args"]["WORKFLOW_RUN_ID"] == resumed.id and record["args"]["env"] == "prod"


def test_a_standalone_runner_trigger_starts_a_crawler_unless_it_runs_elsewhere(standalone, caplog):
    server, stub, store, tmp_path = standalone
    stub.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.Trigger(
        name="crawl-now", type=pb.Trigger.ON_DEMAND, actions=[pb.Action(crawler_name="sales-crawler")])))
    stub.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.Trigger(
        name="after-crawl", type=pb.Trigger.CONDITIONAL, start_on_creation=True,
        predicate=pb.Predicate(conditions=[pb.Condition(logical_operator=pb.Condition.EQUALS,
                                                        crawler_name="sales-crawler", crawl_state="SUCCEEDED")]),
        actions=[pb.Action(job_name="load-sales")])))

    elsewhere = store.begin_run("sales-crawler", time.time(), 60.0)       # e.g. `lakeglue crawler start`
    with caplog.at_level(logging.WARNING, logger="jobrunner.orchestration"):
        stub.StartTrigger(pb.StartTriggerRequest(name="crawl-now"))
    assert [r.id for r in store.runs("sales-crawler")] == [elsewhere.id]  # the run guard held
    assert any("could not start crawler sales-crawler" in r.getMessage() for r in caplog.records)
    store.finish_run("sales-crawler", elsewhere.id, "CANCELLED", time.time())

    stub.StartTrigger(pb.StartTriggerRequest(name="crawl-now"))
    crawl = wait_for(lambda: [r for r in store.runs("sales-crawler") if r.id != elsewhere.id and r.finished],
                      what="the crawl")[0]
    assert (crawl.state, crawl.started_by, crawl.trigger_name) == ("SUCCEEDED", "TRIGGER", "crawl-now")
    assert crawl.notified_on is not None                                  # handed over in-process
    run = wait_for(lambda: stub.ListJobRuns(pb.ListJobRunsRequest(job_name="load-sales")).job_runs,
                    what="the job after the crawl")[0]
    assert run.trigger_name == "after-crawl"
    assert server.service.wait_for_run(run.id, 30).state.value == "SUCCEEDED"
    time.sleep(0.5)                                                       # several database polls later …
    assert len(stub.ListJobRuns(pb.ListJobRunsRequest(job_name="load-sales")).job_runs) == 1  # … still once


class _Blocking:
    """A catalog target whose first read waits for `release` (holds a crawl mid-run)."""

    def __init__(self, inner, started, release):
        self.inner, self.started, self.release = inner, started, release

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def database_exists(self, name):
        self.started.set()
        assert self.release.wait(30)
        return self.inner.database_exists(name)


def test_stopping_a_workflow_run_cancels_its_crawls(db_url, make_runner, scripts, tmp_path):
    from crawler.targets.service import ServiceTarget

    r = make_runner(db_url).start()
    orch = r.orchestrator
    started, release = threading.Event(), threading.Event()
    catalog = ServiceTarget.open(db_url, f"file:{tmp_path}/wh")  # for the one crawl this test expects
    crawlers = RunnerCrawlers(r.store.engine, db_url, clock=time.time,
                              open_target=lambda c: _Blocking(catalog, started, release)).attach(orch)
    store = CrawlerStore.open(db_url)
    try:
        write_parquet(tmp_path / "lake" / "sales" / "p.parquet", {"id": [1]})
        store.create(CrawlerDef(name="sales-crawler", paths=(str(tmp_path / "lake"),), database="lake"), time.time())
        r.service.create_job(python_job("sleeper", scripts("sleep.py", "import time\ntime.sleep(600)\n")))
        orch.create_workflow(Workflow(name="ingest"))
        orch.create_trigger(Trigger(name="ingest-start", type="ON_DEMAND", workflow_name="ingest",
                                    actions=(Action(crawler_name="sales-crawler"), Action(job_name="sleeper"))))
        orch.create_trigger(Trigger(
            name="after-cancel", type="CONDITIONAL", workflow_name="ingest",
            predicate=Predicate(conditions=(Condition(crawler_name="sales-crawler", state="CANCELLED"),)),
            actions=(Action(crawler_name="sales-crawler"),)))
        wf_run = orch.start_workflow_run("ingest")
        assert started.wait(30)
        assert orch.statistics(wf_run.id).running == 2
        assert orch.stop_workflow_run("ingest", wf_run.id).status == "STOPPING"
        release.set()
        done = wait_for(lambda: (lambda w: w if w.status == "STOPPED" else None)(
            orch.get_workflow_run("ingest", wf_run.id)), what="the stopped workflow run")
        [crawl] = orch.workflow_crawler_runs(done.id)                     # nothing started after the stop
        assert crawl.state == "CANCELLED"
        stats = orch.statistics(done.id)
        assert (stats.total, stats.stopped, stats.running) == (2, 2, 0)
    finally:
        release.set()
        crawlers.close()
        store.close()
