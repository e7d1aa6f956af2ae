"""Crawlers and the job runner's triggers in one process (as inside `lakeglue serve`):
"when crawler X SUCCEEDED start job Y", a trigger's action starting a crawler, a workflow
that waits for its crawler, and run ends that reach the triggers from another process."""
from __future__ import annotations

import argparse
import json
import time

import pytest

from crawler.embedded import start_with_jobrunner, wire
from crawler.model import CrawlerDef
from crawler.service import CrawlerService
from crawler.store import CrawlerStore
from jobrunner.model import RunFilter, RunState
from jobrunner.orchestration import Action, Condition, Predicate, Trigger, Workflow
from tests.support.lake import write_parquet
from tests.unit.jobrunner.conftest import RECORD_SCRIPT, Runner, python_job, wait_for, write_script




@pytest.fixture
def env(tmp_path, monkeypatch):
    """A started job runner, and a crawler service wired to it, on one database."""
    monkeypatch.setenv("RECORD_FILE", str(tmp_path / "record.jsonl"))
    db_url = f"sqlite:///{tmp_path}/catalog.db"
    runner = Runner(db_url, tmp_path / "state").start()
    store = CrawlerStore.open(db_url)
    service = CrawlerService(store, db_url, warehouse=f"file:{tmp_path}/wh", poll_seconds=0.05)
    wire(service, runner.orchestrator)
    write_parquet(tmp_path / "lake" / "sales" / "ds=2024-01-01" / "p.parquet", {"id": [1, 2]})
    store.create(CrawlerDef(name="sales-crawler", paths=(str(tmp_path / "lake"),), database="lake"), time.time())
    store.create(CrawlerDef(name="broken", paths=(str(tmp_path / "missing"),), database="lake"), time.time())
    script = write_script(tmp_path, "rec.py", RECORD_SCRIPT)
    runner.service.create_job(python_job("load-sales", script, max_concurrent_runs=5))
    yield runner, service, store, tmp_path
    service.close()
    store.close()
    runner.close()


def _records(tmp_path):
    path = tmp_path / "record.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _job_runs(runner, job="load-sales"):
    return runner.service.list_job_runs(RunFilter(job_name=job))[0]


def test_when_crawler_succeeded_start_job(env):
    runner, service, store, tmp_path = env
    orch = runner.orchestrator
    orch.create_trigger(Trigger(
        name="after-crawl", type="CONDITIONAL",
        predicate=Predicate(conditions=(Condition(crawler_name="sales-crawler", state="SUCCEEDED"),)),
        actions=(Action(job_name="load-sales", arguments={"source": "crawler"}),)), start_on_creation=True)
    orch.create_trigger(Trigger(
        name="after-broken", type="CONDITIONAL",
        predicate=Predicate(conditions=(Condition(crawler_name="broken", state="SUCCEEDED"),)),
        actions=(Action(job_name="load-sales", arguments={"source": "broken"}),)), start_on_creation=True)
    assert service.run("broken").state == "FAILED"          # a FAILED crawl does not meet "SUCCEEDED"
    assert service.run("sales-crawler").state == "SUCCEEDED"
    run = wait_for(lambda: _job_runs(runner), what="the load-sales run")[0]
    assert run.trigger_name == "after-crawl"
    assert runner.service.wait_for_run(run.id, 30).state is RunState.SUCCEEDED
    assert [r["args"].get("source") for r in _records(tmp_path)] == ["crawler"]
    assert len(_job_runs(runner)) == 1


def test_a_trigger_action_starts_a_crawler(env):
    runner, service, store, _ = env
    runner.orchestrator.create_trigger(Trigger(name="crawl-now", type="ON_DEMAND",
                                               actions=(Action(crawler_name="sales-crawler"),)))
    runner.orchestrator.start_trigger("crawl-now")
    run = wait_for(lambda: [r for r in store.runs("sales-crawler") if r.finished], what="the crawl")[0]
    assert (run.state, run.started_by, run.trigger_name) == ("SUCCEEDED", "TRIGGER", "crawl-now")


def test_a_workflow_waits_for_its_crawler_then_runs_the_job(env):
    runner, service, store, tmp_path = env
    orch = runner.orchestrator
    orch.create_workflow(Workflow(name="ingest"))
    orch.create_trigger(Trigger(name="ingest-start", type="ON_DEMAND", workflow_name="ingest",
                                actions=(Action(crawler_name="sales-crawler"),)))
    orch.create_trigger(Trigger(
        name="ingest-load", type="CONDITIONAL", workflow_name="ingest",
        predicate=Predicate(conditions=(Condition(crawler_name="sales-crawler", state="SUCCEEDED"),)),
        actions=(Action(job_name="load-sales"),)))
    wf_run = orch.start_workflow_run("ingest")
    crawl = store.runs("sales-crawler")[0]
    assert crawl.workflow_run_id == wf_run.id
    done = wait_for(lambda: (lambda r: r if r.status == "COMPLETED" else None)(
        orch.get_workflow_run("ingest", wf_run.id)), what="the workflow run")
    assert done.error_message is None
    job = _job_runs(runner)[0]
    assert job.workflow_run_id == wf_run.id and job.state is RunState.SUCCEEDED
    assert store.get_run(crawl.id).state == "SUCCEEDED"


def test_run_ends_from_another_process_reach_the_triggers(env, tmp_path):
    runner, service, store, _ = env
    runner.orchestrator.create_trigger(Trigger(
        name="after-crawl", type="CONDITIONAL",
        predicate=Predicate(conditions=(Condition(crawler_name="sales-crawler", state="SUCCEEDED"),)),
        actions=(Action(job_name="load-sales"),)), start_on_creation=True)
    elsewhere = CrawlerService(store, service.db_url, warehouse=f"file:{tmp_path}/wh")  # `lakeglue crawler start`
    try:
        assert elsewhere.run("sales-crawler").state == "SUCCEEDED"
    finally:
        elsewhere.close()
    assert _job_runs(runner) == []
    assert len(service.deliver_pending()) == 1   # what the daemon in `lakeglue serve` does every poll
    run = wait_for(lambda: _job_runs(runner), what="the load-sales run")[0]
    assert runner.service.wait_for_run(run.id, 30).state is RunState.SUCCEEDED


def test_serve_starts_the_crawler_daemon_wired_to_the_job_runner(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEGLUE_HOME", str(tmp_path / "home"))
    db_url = f"sqlite:///{tmp_path}/serve.db"
    args = argparse.Namespace(host="127.0.0.1", jobrunner_port=0, db_url=db_url, warehouse=f"file:{tmp_path}/wh",
                              no_jobrunner=False, no_crawler=False, crawler_max_concurrent=1)
    stop = start_with_jobrunner(args, "thrift://127.0.0.1:9")
    try:
        server = args.jobrunner_server
        orch = server.orchestrator
        assert orch.crawler_starter is not None and orch.crawler_starter != server.crawlers.start_for_trigger
        assert orch.crawler_stopper is not None and not orch.poll_crawler_ends  # the daemon delivers ends
    finally:
        stop()
    args = argparse.Namespace(**{**vars(args), "no_crawler": True, "jobrunner_server": None})
    stop = start_with_jobrunner(args, "thrift://127.0.0.1:9")
    try:  # without the daemon the runner runs the crawls its triggers start, and polls for ends
        server = args.jobrunner_server
        assert server.orchestrator.crawler_starter == server.crawlers.start_for_trigger
        assert server.orchestrator.poll_crawler_ends
    finally:
        stop()
