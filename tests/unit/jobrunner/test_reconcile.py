"""A restarted runner settles the runs its predecessor left active: never left RUNNING."""
import time

from jobrunner import processes
from jobrunner.model import JobRun, RunState

from .conftest import python_job

SLEEP = """
import sys, time
seconds = float(sys.argv[sys.argv.index("--seconds") + 1])
time.sleep(seconds)
if "--fail" in sys.argv:
    raise RuntimeError("failed while nobody watched")
print("done sleeping")
"""


def _wait_state(svc, run_id, state, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = svc.get_job_run(run_id)
        if run.state is state:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} is {svc.get_job_run(run_id).state}, expected {state}")


def test_a_still_running_process_is_adopted_and_watched_to_the_end(make_runner, scripts, db_url):
    first = make_runner(db_url).start()
    first.service.create_job(python_job("s", scripts("sleep.py", SLEEP)))
    run = first.service.start_job_run("s", {"seconds": "5"})
    running = _wait_state(first.service, run.id, RunState.RUNNING)
    first.close(stop_runs=False)  # the runner goes away; the process does not
    assert processes.is_alive(running.pid, running.process_start)

    second = make_runner(db_url)
    report = second.service.reconcile()
    assert any("still running" in line for line in report)
    second.start()
    done = second.service.wait_for_run(run.id, 30)
    assert done.state is RunState.SUCCEEDED and done.exit_code == 0
    assert "done sleeping" in second.service.read_log(run.id).data.decode()


def test_a_process_that_disappeared_ends_failed_with_the_reason(make_runner, scripts):
    first = make_runner().start()
    first.service.create_job(python_job("s", scripts("sleep.py", SLEEP)))
    run = first.service.start_job_run("s", {"seconds": "600"})
    running = _wait_state(first.service, run.id, RunState.RUNNING)
    first.close(stop_runs=False)
    processes.kill_tree(running.pid, running.process_start, grace=0)  # e.g. the machine rebooted

    second = make_runner().start()
    done = second.service.get_job_run(run.id)
    assert done.state is RunState.FAILED
    assert "disappeared while the job runner was down" in done.error_message


def test_a_process_that_finished_while_the_runner_was_down_keeps_its_outcome(make_runner, scripts):
    first = make_runner().start()
    first.service.create_job(python_job("s", scripts("sleep.py", SLEEP), max_concurrent_runs=5))
    ok = first.service.start_job_run("s", {"seconds": "0.5"})
    bad = first.service.start_job_run("s", {"seconds": "0.5", "fail": "1"})
    running = [_wait_state(first.service, r.id, RunState.RUNNING) for r in (ok, bad)]
    first.close(stop_runs=False)
    deadline = time.time() + 30
    while any(processes.is_alive(r.pid, r.process_start) for r in running) and time.time() < deadline:
        time.sleep(0.05)

    second = make_runner().start()
    assert second.service.get_job_run(ok.id).state is RunState.SUCCEEDED
    failed = second.service.get_job_run(bad.id)
    assert failed.state is RunState.FAILED
    assert "RuntimeError: failed while nobody watched" in failed.error_message
    assert "while the job runner was down" in failed.error_message


def test_runs_that_never_got_a_process_fail_and_are_retried(make_runner, scripts):
    r = make_runner()
    r.service.create_job(python_job("s", scripts("sleep.py", SLEEP), max_retries=1))
    now = time.time()
    with r.store.tx.write() as conn:  # what a runner killed between admission and spawn leaves
        r.store.insert_run(conn, JobRun(id="jr_orphan", job_name="s", state=RunState.STARTING,
                                        arguments={"seconds": "0"}, queued_on=now, started_on=now,
                                        max_retries=1, timeout_seconds=60))
    r.start()
    orphan = r.service.get_job_run("jr_orphan")
    assert orphan.state is RunState.FAILED and "before the run's process was started" in orphan.error_message
    retry = r.service.wait_for_run(orphan.next_run_id, 30)
    assert retry.state is RunState.SUCCEEDED and retry.attempt == 1 and retry.previous_run_id == "jr_orphan"


def test_an_adopted_run_still_times_out(make_runner, scripts):
    first = make_runner().start()
    first.service.create_job(python_job("s", scripts("sleep.py", SLEEP), timeout_seconds=3))
    run = first.service.start_job_run("s", {"seconds": "600"})
    running = _wait_state(first.service, run.id, RunState.RUNNING)
    first.close(stop_runs=False)

    second = make_runner().start()
    done = second.service.wait_for_run(run.id, 30)
    assert done.state is RunState.TIMEOUT
    assert not processes.is_alive(running.pid, running.process_start)


def test_a_run_stopped_while_the_runner_was_down_ends_stopped(make_runner, scripts):
    first = make_runner().start()
    first.service.create_job(python_job("s", scripts("sleep.py", SLEEP)))
    run = first.service.start_job_run("s", {"seconds": "600"})
    running = _wait_state(first.service, run.id, RunState.RUNNING)
    first.close(stop_runs=False)
    with first.store.tx.write() as conn:  # a stop recorded, its supervisor gone
        first.store.update_run(conn, run.id, state=RunState.STOPPING)

    second = make_runner().start()
    assert second.service.wait_for_run(run.id, 30).state is RunState.STOPPED
    assert not processes.is_alive(running.pid, running.process_start)
