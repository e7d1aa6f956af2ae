"""A job runner without a crawler service in its process (`lakeglue jobrunner serve`) reads
the ends of crawler runs from the database, so "when crawler X SUCCEEDED start job Y"
works standalone: each end is delivered once, by the scheduler-lease holder only."""
import json
import time

import grpc
import pytest

from crawler.model import CrawlerDef
from crawler.store import CrawlerStore
from jobrunner.model import RunFilter, RunState
from jobrunner.orchestration import Action, Condition, Predicate, Trigger

from .conftest import RECORD_SCRIPT, python_job



@pytest.fixture
def lake(tmp_path, monkeypatch):
    monkeypatch.setenv("RECORD_FILE", str(tmp_path / "record.jsonl"))
    return tmp_path


def _crawlers(db_url, lake):
    """The crawler's store, as `lakeglue crawler create|start` use it."""
    store = CrawlerStore.open(db_url)
    for name in ("sales-crawler", "broken"):
        store.create(CrawlerDef(name=name, paths=(str(lake / "lake"),), database="lake"), time.time())
    return store


def _crawl(store, name: str, state: str):
    """What a crawl in another process records (crawler.service.CrawlerService._execute with no
    listeners): the run begins, then ends not handed over to any job runner."""
    run = store.begin_run(name, time.time(), 60.0)
    return store.finish_run(name, run.id, state, time.time(), message="crawled elsewhere")


def _records(lake):
    path = lake / "record.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_crawler_run_ends_in_the_database_reach_conditional_triggers(db_url, make_runner, scripts, lake):
    r = make_runner(db_url, housekeeping_interval=3600, crawler_poll_interval=0).start()
    svc, orch = r.service, r.orchestrator
    assert orch.deliver_crawler_runs() == 0           # no crawler tables in this database yet
    svc.create_job(python_job("load-sales", scripts("rec.py", RECORD_SCRIPT), max_concurrent_runs=5))
    for name, crawler, state in (("after-crawl", "sales-crawler", "SUCCEEDED"), ("after-broken", "broken", "SUCCEEDED"),
                                 ("broken-failed", "broken", "FAILED")):
        orch.create_trigger(Trigger(
            name=name, type="CONDITIONAL", predicate=Predicate(conditions=(Condition(crawler_name=crawler, state=state),)),
            actions=(Action(job_name="load-sales", arguments={"by": name}),)), start_on_creation=True)
    store = _crawlers(db_url, lake)
    try:
        _crawl(store, "broken", "FAILED")
        ok = _crawl(store, "sales-crawler", "SUCCEEDED")
        assert ok.notified_on is None                     # nobody in that process to tell

        orch.poll_crawler_ends = False                    # as when wired to a crawler daemon in-process:
        assert orch.scheduler_tick() == []                # … that daemon delivers, not the database poll
        assert store.get_run(ok.id).notified_on is None
        orch.poll_crawler_ends = True

        assert orch.scheduler_tick() == []                # the scheduler delivers both ends …
        assert store.get_run(ok.id).notified_on is not None
        runs = svc.list_job_runs(RunFilter(job_name="load-sales"))[0]
        assert sorted(x.trigger_name for x in runs) == ["after-crawl", "broken-failed"]
        for x in runs:
            assert svc.wait_for_run(x.id, 30).state is RunState.SUCCEEDED
        assert orch.deliver_crawler_runs() == 0           # … once
        assert len(svc.list_job_runs(RunFilter(job_name="load-sales"))[0]) == 2
        assert sorted(x["args"]["by"] for x in _records(lake)) == ["after-crawl", "broken-failed"]
    finally:
        store.close()


def test_a_standalone_runner_server_chains_a_job_to_a_crawler(tmp_path, lake):
    from jobrunner._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    db_url = f"sqlite:///{tmp_path}/catalog.db"
    server = JobRunnerServer(JobRunnerConfig(port=0, db_url=db_url, state_dir=str(tmp_path / "state"),
                                             stop_grace_seconds=1, crawler_poll_seconds=0.1)).start()
    channel = grpc.insecure_channel(server.address)
    store = None
    try:
        stub = pbg.JobRunnerStub(channel)
        script = tmp_path / "rec.py"
        script.write_text(RECORD_SCRIPT)
        stub.CreateJob(pb.CreateJobRequest(job=pb.Job(name="load-sales", script_location=str(script),
                                                      job_type=pb.Job.PYTHON_SHELL)))
        stub.CreateTrigger(pb.CreateTriggerRequest(trigger=pb.Trigger(
            name="after-crawl", type=pb.Trigger.CONDITIONAL, start_on_creation=True,
            predicate=pb.Predicate(conditions=[pb.Condition(logical_operator=pb.Condition.EQUALS,
                                                            crawler_name="sales-crawler", crawl_state="SUCCEEDED")]),
            actions=[pb.Action(job_name="load-sales")])))
        store = _crawlers(db_url, lake)
        _crawl(store, "sales-crawler", "SUCCEEDED")
        deadline = time.time() + 30                   # the runner's housekeeping thread polls every 0.1 s
        while not stub.ListJobRuns(pb.ListJobRunsRequest(job_name="load-sales")).job_runs:
            assert time.time() < deadline, "the crawler's end never reached the trigger"
            time.sleep(0.05)
        run = stub.ListJobRuns(pb.ListJobRunsRequest(job_name="load-sales")).job_runs[0]
        assert run.trigger_name == "after-crawl"
        assert server.service.wait_for_run(run.id, 30).state is RunState.SUCCEEDED
    finally:
        channel.close()
        if store:
            store.close()
        server.stop(stop_runs=True)
