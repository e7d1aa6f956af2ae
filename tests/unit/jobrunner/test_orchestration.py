"""Triggers (cron with time zone on an injected clock, conditional, on-demand, event) and
workflows (run properties, statistics, resume after a failure)."""
import datetime as dt
import json
import time

import pytest

from jobrunner.errors import FailedPrecondition, InvalidArgument, NotFound
from jobrunner.model import RunFilter, RunState
from jobrunner.orchestration import Action, Condition, Predicate, Trigger, Workflow, cron_expression, next_fire_time

from .conftest import python_job, wait_for

RECORD = """
import json, os, sys
from jobrunner.runtime import init_job
job = init_job()
with open(os.environ["RECORD_FILE"], "a") as f:
    f.write(json.dumps({"job": job.name, "args": job.args}) + "\\n")
if job.args.get("must_exist") and not os.path.exists(job.args["must_exist"]):
    raise SystemExit("missing " + job.args["must_exist"])
"""


class Clock:
    def __init__(self, t: float):
        self.t = t

    def __call__(self) -> float:
        return self.t


def _utc(*args) -> float:
    return dt.datetime(*args, tzinfo=dt.timezone.utc).timestamp()


@pytest.fixture
def record(tmp_path, monkeypatch):
    path = tmp_path / "record.jsonl"
    monkeypatch.setenv("RECORD_FILE", str(path))

    def read():
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return read


def _runs(svc, job):
    return svc.list_job_runs(RunFilter(job_name=job))[0]



def test_cron_expressions_and_time_zones():
    assert cron_expression("cron(0 3 ? * 2-6 *)") == "0 3 * * 1-5"
    jan = _utc(2026, 1, 10, 12, 0)
    assert next_fire_time("0 3 * * *", "America/New_York", jan) == _utc(2026, 1, 11, 8, 0)   # EST
    assert next_fire_time("0 3 * * *", "America/New_York", _utc(2026, 7, 10, 12)) == _utc(2026, 7, 11, 7, 0)  # EDT
    with pytest.raises(InvalidArgument):
        next_fire_time("61 * * * *", None, jan)
    with pytest.raises(InvalidArgument):
        next_fire_time("0 3 * * *", "Mars/Olympus", jan)


def test_a_scheduled_trigger_fires_on_the_injected_clock(make_runner, scripts, record):
    clock = Clock(_utc(2026, 3, 1, 10, 2, 30))
    r = make_runner(clock=clock).start()
    r.service.create_job(python_job("nightly", scripts("rec.py", RECORD), max_concurrent_runs=5))
    orch = r.orchestrator
    orch.create_trigger(Trigger(name="every5", type="SCHEDULED", schedule="*/5 * * * *", timezone="Europe/Berlin",
                                actions=(Action(job_name="nightly", arguments={"kind": "cron"}),)))
    assert orch.tick() == [] and _runs(r.service, "nightly") == []   # CREATED: not active yet
    t = orch.start_trigger("every5")
    assert t.state == "ACTIVATED" and t.next_fire_time == _utc(2026, 3, 1, 10, 5)
    assert orch.tick(_utc(2026, 3, 1, 10, 4, 59)) == []
    clock.t = _utc(2026, 3, 1, 10, 5, 0)
    assert orch.tick() == ["every5"]
    assert orch.tick() == []                                        # fires once per due time
    runs = _runs(r.service, "nightly")
    assert len(runs) == 1 and runs[0].trigger_name == "every5" and runs[0].arguments == {"kind": "cron"}
    assert orch.get_trigger("every5").next_fire_time == _utc(2026, 3, 1, 10, 10)
    clock.t = _utc(2026, 3, 1, 11, 7)                               # missed fires are not replayed
    assert orch.tick() == ["every5"] and len(_runs(r.service, "nightly")) == 2
    assert orch.get_trigger("every5").next_fire_time == _utc(2026, 3, 1, 11, 10)
    orch.stop_trigger("every5")
    clock.t = _utc(2026, 3, 1, 12, 0)
    assert orch.tick() == []


def test_a_conditional_trigger_chains_two_jobs(runner, scripts, record):
    svc, orch = runner.service, runner.orchestrator
    script = scripts("rec.py", RECORD)
    svc.create_job(python_job("extract", script))
    svc.create_job(python_job("load", script))
    orch.create_trigger(Trigger(
        name="after-extract", type="CONDITIONAL",
        predicate=Predicate(conditions=(Condition(job_name="extract", state="SUCCEEDED"),)),
        actions=(Action(job_name="load", arguments={"from": "extract"}),)), start_on_creation=True)
    first = svc.start_job_run("extract")
    assert svc.wait_for_run(first.id, 30).state is RunState.SUCCEEDED
    load = wait_for(lambda: _runs(svc, "load"), what="the load run")[0]
    assert load.trigger_name == "after-extract"
    assert svc.wait_for_run(load.id, 30).state is RunState.SUCCEEDED
    assert [(x["job"], x["args"].get("from")) for x in record()] == [("extract", None), ("load", "extract")]


def test_all_conditions_must_be_met_and_failures_count_after_retries(runner, scripts, record):
    svc, orch = runner.service, runner.orchestrator
    script = scripts("rec.py", RECORD)
    for name in ("a", "b", "after"):
        svc.create_job(python_job(name, script, max_retries=1 if name == "b" else 0))
    orch.create_trigger(Trigger(
        name="both", type="CONDITIONAL",
        predicate=Predicate(logical="AND", conditions=(Condition(job_name="a", state="SUCCEEDED"),
                                                       Condition(job_name="b", state="FAILED"))),
        actions=(Action(job_name="after"),)), start_on_creation=True)
    svc.wait_for_run(svc.start_job_run("a").id, 30)
    time.sleep(0.5)
    assert _runs(svc, "after") == []
    b = svc.start_job_run("b", {"must_exist": "/nonexistent"})
    last = svc.wait_for_run(b.id, 60, follow_retries=True)
    assert last.state is RunState.FAILED and last.attempt == 1
    after = wait_for(lambda: _runs(svc, "after"), what="the trigger")
    assert len(after) == 1


def test_an_event_trigger_fires_per_batch_or_window(make_runner, scripts, record):
    clock = Clock(1_800_000_000.0)
    r = make_runner(clock=clock).start()
    svc, orch = r.service, r.orchestrator
    svc.create_job(python_job("on-event", scripts("rec.py", RECORD), max_concurrent_runs=10))
    orch.create_trigger(Trigger(name="ev", type="EVENT", batch_size=3, batch_window_seconds=60,
                                actions=(Action(job_name="on-event"),)))
    with pytest.raises(FailedPrecondition):
        orch.notify_event("ev", "e0")
    orch.start_trigger("ev")
    assert orch.notify_event("ev", "e1") == (1, False)
    assert orch.notify_event("ev", "e1") == (1, False)   # duplicate ids count once
    assert orch.notify_event("ev", "e2") == (2, False)
    assert orch.notify_event("ev", "e3") == (0, True)
    runs = _runs(svc, "on-event")
    assert len(runs) == 1 and json.loads(runs[0].arguments["TRIGGER_EVENT_IDS"]) == ["e1", "e2", "e3"]
    orch.notify_event("ev", "e4")
    clock.t += 59
    assert orch.tick() == []
    clock.t += 1
    assert orch.tick() == ["ev"]
    assert len(_runs(svc, "on-event")) == 2


def test_on_demand_trigger_and_reference_checks(runner, scripts, record):
    svc, orch = runner.service, runner.orchestrator
    svc.create_job(python_job("j", scripts("rec.py", RECORD)))
    with pytest.raises(NotFound):
        orch.create_trigger(Trigger(name="t", type="ON_DEMAND", actions=(Action(job_name="missing"),)))
    with pytest.raises(InvalidArgument):
        orch.create_trigger(Trigger(name="t", type="CONDITIONAL", actions=(Action(job_name="j"),)))
    orch.create_trigger(Trigger(name="t", type="ON_DEMAND", actions=(Action(job_name="j", arguments={"x": "1"}),)))
    orch.start_trigger("t")
    run = _runs(svc, "j")[0]
    assert run.trigger_name == "t" and svc.wait_for_run(run.id, 30).state is RunState.SUCCEEDED


def test_a_workflow_passes_run_properties_and_resumes_from_a_failed_node(runner, scripts, record, tmp_path):
    svc, orch = runner.service, runner.orchestrator
    script = scripts("rec.py", RECORD)
    marker = tmp_path / "marker"
    svc.create_job(python_job("extract", script))
    svc.create_job(python_job("transform", script, default_arguments={"must_exist": str(marker)}))
    svc.create_job(python_job("load", script))
    orch.create_workflow(Workflow(name="etl", default_run_properties={"day": "2026-03-01", "env": "dev"}))
    orch.create_trigger(Trigger(name="etl-start", type="ON_DEMAND", workflow_name="etl",
                                actions=(Action(job_name="extract"),)))
    orch.create_trigger(Trigger(name="etl-transform", type="CONDITIONAL", workflow_name="etl",
                                predicate=Predicate(conditions=(Condition(job_name="extract", state="SUCCEEDED"),)),
                                actions=(Action(job_name="transform"),)))
    orch.create_trigger(Trigger(name="etl-load", type="CONDITIONAL", workflow_name="etl",
                                predicate=Predicate(conditions=(Condition(job_name="transform", state="SUCCEEDED"),)),
                                actions=(Action(job_name="load"),)))

    wf_run = orch.start_workflow_run("etl", {"env": "prod"})
    done = wait_for(lambda: (lambda w: w if w.status == "COMPLETED" else None)(
        orch.get_workflow_run("etl", wf_run.id)), what="the workflow run")
    stats = orch.statistics(done.id)
    assert (stats.total, stats.succeeded, stats.failed) == (2, 1, 1)
    assert [x["job"] for x in record()] == ["extract", "transform"]
    props = record()[0]["args"]
    assert props["day"] == "2026-03-01" and props["env"] == "prod" and props["WORKFLOW_RUN_ID"] == wf_run.id

    marker.touch()
    resumed = orch.resume_workflow_run("etl", wf_run.id, ["transform"])
    assert resumed.previous_run_id == wf_run.id
    final = wait_for(lambda: (lambda w: w if w.status == "COMPLETED" else None)(
        orch.get_workflow_run("etl", resumed.id)), what="the resumed run")
    stats = orch.statistics(final.id)
    assert (stats.total, stats.succeeded, stats.failed) == (2, 2, 0)
    assert [x["job"] for x in record()] == ["extract", "transform", "transform", "load"]
    assert record()[-1]["args"]["WORKFLOW_RUN_ID"] == resumed.id and record()[-1]["args"]["env"] == "prod"
    with pytest.raises(FailedPrecondition, match="no failed job or crawler nodes"):
        orch.resume_workflow_run("etl", resumed.id)


def test_a_stopped_workflow_run_stops_its_jobs_and_starts_nothing_more(runner, scripts, record):
    svc, orch = runner.service, runner.orchestrator
    svc.create_job(python_job("slow", scripts("slow.py", "import time\ntime.sleep(600)\n")))
    svc.create_job(python_job("cleanup", scripts("rec.py", RECORD)))
    orch.create_workflow(Workflow(name="wf"))
    orch.create_trigger(Trigger(name="wf-start", type="ON_DEMAND", workflow_name="wf",
                                actions=(Action(job_name="slow"),)))
    orch.create_trigger(Trigger(name="wf-after", type="CONDITIONAL", workflow_name="wf",
                                predicate=Predicate(conditions=(Condition(job_name="slow", state="STOPPED"),)),
                                actions=(Action(job_name="cleanup"),)))
    wf_run = orch.start_workflow_run("wf")
    slow = orch.workflow_job_runs(wf_run.id)[0]
    wait_for(lambda: svc.get_job_run(slow.id).state is RunState.RUNNING, what="the slow run")
    assert orch.stop_workflow_run("wf", wf_run.id).status in ("STOPPING", "STOPPED")
    done = wait_for(lambda: (lambda w: w if w.status == "STOPPED" else None)(orch.get_workflow_run("wf", wf_run.id)),
                     what="the stopped workflow run")
    assert done.completed_on is not None and svc.get_job_run(slow.id).state is RunState.STOPPED
    stats = orch.statistics(wf_run.id)
    assert (stats.total, stats.stopped, stats.running) == (1, 1, 0)
    assert _runs(svc, "cleanup") == []        # the condition was met, but the run was stopping
    with pytest.raises(FailedPrecondition):
        orch.stop_workflow_run("wf", wf_run.id)


def test_an_any_trigger_fires_on_each_condition_met(runner, scripts, record):
    svc, orch = runner.service, runner.orchestrator
    script = scripts("rec.py", RECORD)
    for name in ("a", "b"):
        svc.create_job(python_job(name, script))
    svc.create_job(python_job("after", script, max_concurrent_runs=5))
    orch.create_trigger(Trigger(
        name="either", type="CONDITIONAL",
        predicate=Predicate(logical="ANY", conditions=(Condition(job_name="a", state="SUCCEEDED"),
                                                       Condition(job_name="b", state="FAILED"))),
        actions=(Action(job_name="after"),)), start_on_creation=True)
    assert svc.wait_for_run(svc.start_job_run("a").id, 30).state is RunState.SUCCEEDED
    wait_for(lambda: len(_runs(svc, "after")) == 1, what="the first firing")
    assert svc.wait_for_run(svc.start_job_run("b", {"must_exist": "/nonexistent"}).id, 30).state is RunState.FAILED
    wait_for(lambda: len(_runs(svc, "after")) == 2, what="the second firing")
    assert all(r.trigger_name == "either" for r in _runs(svc, "after"))
