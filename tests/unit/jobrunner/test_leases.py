"""Several runners on one database: one holds the scheduler lease and alone fires schedules
(another takes over when it closes or stops renewing); each runner's liveness lease keeps
the others away from its runs until it is gone."""
import datetime as dt
import time

from jobrunner import leases
from jobrunner.leases import Lease
from jobrunner.model import RunFilter, RunState
from jobrunner.orchestration import Action, Trigger
from jobrunner.store import open_store

from .conftest import Clock, python_job


def _utc(*args) -> float:
    return dt.datetime(*args, tzinfo=dt.timezone.utc).timestamp()


def test_a_lease_has_one_holder_until_released_or_expired(db_url):
    store = open_store(db_url)
    clock = Clock(1_800_000_000.0)
    try:
        a = Lease(store, leases.SCHEDULER, "runner-a", clock, 30)
        b = Lease(store, leases.SCHEDULER, "runner-b", clock, 30)
        assert a.hold() and not b.hold()
        clock.t += 20
        assert a.hold() and not b.hold()              # a renewed: now held until +50
        clock.t += 25
        assert not b.hold()                           # still a's (a missed a renewal, but not the expiry)
        with store.tx.read() as conn:
            assert leases.holder(conn, leases.SCHEDULER, clock()) == "runner-a"
        clock.t += 10                                 # a stopped renewing past its expiry (crashed, hung)
        assert b.hold() and not a.hold() and not a.held
        b.release()                                   # closing hands it over at once
        assert a.hold() and not b.hold()
    finally:
        store.close()


SLEEP = "import time\ntime.sleep(600)\n"


def test_only_the_scheduler_lease_holder_fires_schedules(db_url, make_runner, scripts):
    clock = Clock(_utc(2026, 3, 1, 10, 4, 50))
    # Housekeeping threads idle (interval 1 h): the test drives their scheduler ticks itself.
    a = make_runner(db_url, clock=clock, housekeeping_interval=3600).start()
    b = make_runner(db_url, clock=clock, housekeeping_interval=3600).start()
    svc = b.service
    svc.create_job(python_job("nightly", scripts("noop.py", "pass\n"), max_concurrent_runs=10))
    a.orchestrator.create_trigger(Trigger(name="every5", type="SCHEDULED", schedule="*/5 * * * *",
                                          actions=(Action(job_name="nightly"),)), start_on_creation=True)

    def runs():
        return svc.list_job_runs(RunFilter(job_name="nightly"))[0]

    assert a.orchestrator.scheduler_tick() == []      # a takes the lease (until 10:05:20); nothing due yet
    assert b.orchestrator.scheduler_tick() is None    # b follows
    clock.t = _utc(2026, 3, 1, 10, 5)
    assert b.orchestrator.scheduler_tick() is None    # due, but b is not the scheduler
    assert len(runs()) == 0
    assert a.orchestrator.scheduler_tick() == ["every5"]
    assert b.orchestrator.scheduler_tick() is None and len(runs()) == 1

    a.close()                                         # the scheduler closes: b takes over at once
    clock.t = _utc(2026, 3, 1, 10, 10)
    assert b.orchestrator.scheduler_tick() == ["every5"]
    assert [r.runner_id for r in runs()][0] == b.service.runner_id

    c = make_runner(db_url, clock=clock, housekeeping_interval=3600).start()
    clock.t = _utc(2026, 3, 1, 10, 14, 50)
    assert b.orchestrator.scheduler_tick() == []      # b renews (held until 10:15:20) …
    clock.t = _utc(2026, 3, 1, 10, 15, 10)
    assert c.orchestrator.scheduler_tick() is None    # … so c waits, although every5 is due
    # b hangs: no more renewals. Once its lease ran out, c fires what is due.
    clock.t = _utc(2026, 3, 1, 10, 15, 21)
    assert c.orchestrator.scheduler_tick() == ["every5"]
    assert b.orchestrator.scheduler_tick() is None    # b notices it lost the lease
    assert len(runs()) == 3 and all(r.trigger_name == "every5" for r in runs())
    for r in runs():
        svc.wait_for_run(r.id, 30)


def test_runs_of_a_live_runner_are_left_alone_until_it_stops_renewing(db_url, make_runner, scripts, monkeypatch):
    clock = Clock(time.time())
    a = make_runner(db_url, service_clock=clock, lease_seconds=10, housekeeping_interval=3600).start()
    a.service.create_job(python_job("sleeper", scripts("sleep.py", SLEEP)))
    run = a.service.start_job_run("sleeper")
    deadline = time.time() + 20
    while a.service.get_job_run(run.id).state is not RunState.RUNNING and time.time() < deadline:
        time.sleep(0.05)
    assert a.service.get_job_run(run.id).runner_id == a.service.runner_id

    b = make_runner(db_url, service_clock=clock, lease_seconds=10, housekeeping_interval=3600).start()
    assert b.service.reconcile() == []                # a is alive: its running run is not b's business
    assert b.service.get_job_run(run.id).runner_id == a.service.runner_id

    # a dies without a word: it stops watching and never releases its liveness lease
    monkeypatch.setattr(a.service.liveness, "release", lambda **kw: None)
    a.service.close(stop_runs=False)
    clock.t += 5
    assert b.service.reconcile() == []                # its lease has not run out yet
    clock.t += 6
    report = b.service.reconcile()
    assert len(report) == 1 and "still running" in report[0]
    assert b.service.get_job_run(run.id).runner_id == b.service.runner_id
    assert b.service.reconcile() == []                # adopted once
    b.service.stop_job_run(run.id)                    # b supervises it now: stop kills it
    assert b.service.wait_for_run(run.id, 30).state is RunState.STOPPED
