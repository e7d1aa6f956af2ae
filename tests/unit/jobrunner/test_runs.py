"""Runs as real processes: success, arguments, retries, timeouts, stop, concurrency,
idempotency, logs and the event history."""
import os
import time

import pytest

from jobrunner import processes
from jobrunner.errors import ConcurrentRunsExceeded, FailedPrecondition, InvalidArgument, NotFound
from jobrunner.model import ConcurrencyPolicy, RunFilter, RunState

from .conftest import python_job

OK = """
import json, os, sys
from jobrunner.runtime import init_job
job = init_job()
print("ARGS=" + json.dumps(job.args, sort_keys=True))
print("ARGV=" + json.dumps(sys.argv[1:]))
print("ID=" + job.name + "/" + str(job.run_id) + "/" + str(job.attempt))
"""

FAIL = """
import sys
print("about to fail", flush=True)
raise ValueError("boom on purpose")
"""

# Starts a grandchild in the same session and one that escapes into its own session, then
# sleeps: a timeout or stop must take all three down.
TREE = """
import os, subprocess, sys, time
here = os.path.dirname(os.path.abspath(__file__))
a = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
b = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
with open(os.path.join(os.environ["PIDS_DIR"], os.environ["LAKEGLUE_JOB_RUN_ID"]), "w") as f:
    f.write(f"{os.getpid()} {a.pid} {b.pid}")
print("sleeping", flush=True)
time.sleep(600)
"""

SLEEP = """
import sys, time
time.sleep(float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 600)
print("slept")
"""


def _pids(pids_dir, run_id, timeout=20):
    path = os.path.join(pids_dir, run_id)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            text = open(path).read().split()
            if len(text) == 3:
                return [int(p) for p in text]
        time.sleep(0.05)
    raise AssertionError("the script did not record its pids")


def test_a_run_succeeds_with_resolved_arguments(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("ok", scripts("ok.py", OK), default_arguments={"day": "1", "env": "dev"},
                              non_overridable_arguments={"env": "prod"}))
    run = svc.start_job_run("ok", {"--day": "2", "env": "test", "x": "y"})
    assert run.state is RunState.STARTING and run.attempt == 0
    done = svc.wait_for_run(run.id, 30)
    assert done.state is RunState.SUCCEEDED, done.error_message
    assert done.exit_code == 0 and done.error_message is None
    assert done.arguments == {"day": "2", "env": "test", "x": "y"}
    assert done.resolved_arguments == {"day": "2", "env": "prod", "x": "y"}
    assert done.started_on <= done.running_on <= done.completed_on
    assert 0 <= done.execution_time < 30
    text = svc.read_log(run.id).data.decode()
    assert 'ARGS={"day": "2", "env": "prod", "x": "y"}' in text
    assert '"--JOB_NAME", "ok", "--JOB_RUN_ID", "%s"' % run.id in text
    assert f"ID=ok/{run.id}/0" in text
    states = [e.state for e in svc.run_events(run.id)]
    assert states == [RunState.STARTING, RunState.RUNNING, RunState.SUCCEEDED]


def test_a_failed_run_is_retried_as_linked_attempts_then_fails(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("flaky", scripts("fail.py", FAIL), max_retries=2))
    first = svc.start_job_run("flaky", {"k": "v"}, trigger_name="manual")
    last = svc.wait_for_run(first.id, 60, follow_retries=True)
    assert last.state is RunState.FAILED and last.attempt == 2
    assert "ValueError: boom on purpose" in last.error_message and last.exit_code == 1
    chain = [svc.get_job_run(first.id)]
    while chain[-1].next_run_id:
        chain.append(svc.get_job_run(chain[-1].next_run_id))
    assert [r.attempt for r in chain] == [0, 1, 2]
    assert [r.id for r in chain] == [first.id, f"{first.id}_attempt_1", f"{first.id}_attempt_2"]
    assert chain[1].previous_run_id == first.id and chain[2].previous_run_id == chain[1].id
    assert all(r.state is RunState.FAILED and r.arguments == {"k": "v"} and r.trigger_name == "manual"
               for r in chain)
    assert "about to fail" in svc.read_log(chain[2].id).data.decode()


def test_a_run_that_succeeds_is_not_retried(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("ok", scripts("ok.py", OK), max_retries=3))
    done = svc.wait_for_run(svc.start_job_run("ok").id, 30)
    assert done.state is RunState.SUCCEEDED and done.next_run_id is None


def test_timeout_kills_the_whole_process_tree(runner, scripts, tmp_path, monkeypatch):
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    monkeypatch.setenv("PIDS_DIR", str(pids_dir))
    svc = runner.service
    svc.create_job(python_job("slow", scripts("tree.py", TREE), timeout_seconds=5, max_retries=2))
    run = svc.start_job_run("slow")
    pids = _pids(pids_dir, run.id)
    assert all(processes.is_alive(p) for p in pids)
    done = svc.wait_for_run(run.id, 30)
    assert done.state is RunState.TIMEOUT
    assert "timed out after 5 seconds" in done.error_message
    assert done.next_run_id is None  # timeouts are not retried
    assert not any(processes.is_alive(p) for p in pids)
    assert "timeout of 5 s reached: killed" in svc.read_log(run.id).data.decode()


def test_stop_kills_the_tree_and_ends_stopped(runner, scripts, tmp_path, monkeypatch):
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    monkeypatch.setenv("PIDS_DIR", str(pids_dir))
    svc = runner.service
    svc.create_job(python_job("slow", scripts("tree.py", TREE), max_retries=1))
    run = svc.start_job_run("slow")
    pids = _pids(pids_dir, run.id)
    stopping = svc.stop_job_run(run.id)
    assert stopping.state is RunState.STOPPING
    done = svc.wait_for_run(run.id, 30)
    assert done.state is RunState.STOPPED and done.next_run_id is None
    assert not any(processes.is_alive(p) for p in pids)
    assert [e.state for e in svc.run_events(run.id)][-2:] == [RunState.STOPPING, RunState.STOPPED]
    with pytest.raises(FailedPrecondition, match="already finished"):
        svc.stop_job_run(run.id)


def test_runs_beyond_max_concurrency_wait_in_order(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("one", scripts("sleep.py", SLEEP), max_concurrent_runs=1))
    a = svc.start_job_run("one", {"seconds": "1"})
    b = svc.start_job_run("one", {"seconds": "0"})
    c = svc.start_job_run("one", {"seconds": "0"})
    assert (a.state, b.state, c.state) == (RunState.STARTING, RunState.WAITING, RunState.WAITING)
    assert svc.get_job_run(b.id).started_on is None
    for r in (a, b, c):
        assert svc.wait_for_run(r.id, 60).state is RunState.SUCCEEDED
    a, b, c = (svc.get_job_run(r.id) for r in (a, b, c))
    assert a.completed_on <= b.started_on and b.completed_on <= c.started_on
    assert [e.state for e in svc.run_events(b.id)] == [RunState.WAITING, RunState.STARTING, RunState.RUNNING,
                                                       RunState.SUCCEEDED]


def test_a_waiting_run_can_be_stopped_before_it_starts(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("one", scripts("sleep.py", SLEEP)))
    a = svc.start_job_run("one")
    b = svc.start_job_run("one", {"seconds": "0"})
    stopped, errors = svc.batch_stop_job_runs([b.id, "jr_nope"])
    assert [r.state for r in stopped] == [RunState.STOPPED] and errors[0][:2] == ("jr_nope", "NOT_FOUND")
    svc.stop_job_run(a.id)
    assert svc.wait_for_run(a.id, 30).state is RunState.STOPPED
    assert svc.get_job_run(b.id).running_on is None


def test_reject_policy_refuses_runs_beyond_the_limit(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("busy", scripts("sleep.py", SLEEP), max_concurrent_runs=2,
                              concurrency_policy=ConcurrencyPolicy.REJECT))
    a, b = svc.start_job_run("busy"), svc.start_job_run("busy")
    with pytest.raises(ConcurrentRunsExceeded, match="limit of 2 concurrent"):
        svc.start_job_run("busy")
    svc.stop_job_run(a.id)
    assert svc.wait_for_run(a.id, 30).state is RunState.STOPPED
    c = svc.start_job_run("busy")
    assert c.state is RunState.STARTING
    for r in (b, c):
        svc.stop_job_run(r.id)


def test_client_token_makes_start_idempotent(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("ok", scripts("ok.py", OK)))
    a = svc.start_job_run("ok", {"a": "1"}, client_token="tok-1")
    b = svc.start_job_run("ok", {"a": "2"}, client_token="tok-1")
    c = svc.start_job_run("ok", client_token="tok-2")
    assert a.id == b.id != c.id
    runs, _ = svc.list_job_runs(RunFilter(job_name="ok"))
    assert len(runs) == 2


def test_missing_script_ends_in_error(runner, tmp_path):
    svc = runner.service
    svc.create_job(python_job("ghost", str(tmp_path / "nope.py"), max_retries=2))
    done = svc.wait_for_run(svc.start_job_run("ghost").id, 30)
    assert done.state is RunState.ERROR and "not found" in done.error_message
    assert done.next_run_id is None
    assert "cannot start run" in svc.read_log(done.id).data.decode()


def test_scripts_from_fsspec_uris_are_staged(runner):
    import fsspec

    with fsspec.open("memory://jobs/ok.py", "w") as f:
        f.write("print('from memory')\n")
    svc = runner.service
    svc.create_job(python_job("mem", "memory://jobs/ok.py"))
    done = svc.wait_for_run(svc.start_job_run("mem").id, 30)
    assert done.state is RunState.SUCCEEDED, done.error_message
    assert "from memory" in svc.read_log(done.id).data.decode()


def test_logs_by_offset_and_follow(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("chatty", scripts("chatty.py", """
        import time
        for i in range(5):
            print(f"line {i}", flush=True)
            time.sleep(0.2)
    """)))
    run = svc.start_job_run("chatty")
    followed = b"".join(c.data for c in svc.follow_log(run.id))
    assert all(f"line {i}".encode() in followed for i in range(5))
    assert svc.get_job_run(run.id).state is RunState.SUCCEEDED
    whole = svc.read_log(run.id)
    assert whole.complete and whole.data == followed
    part = svc.read_log(run.id, offset=10, max_bytes=7)
    assert part.data == whole.data[10:17] and part.next_offset == 17 and not part.complete
    with pytest.raises(InvalidArgument):
        svc.read_log(run.id, offset=-1)


def test_watch_streams_every_state_change_across_retries(runner, scripts):
    svc = runner.service
    svc.create_job(python_job("flaky", scripts("fail.py", FAIL), max_retries=1))
    run = svc.start_job_run("flaky")
    seen = [(ev.run_id, ev.state) for ev, _ in svc.watch_job_run(run.id, follow_retries=True)]
    retry = f"{run.id}_attempt_1"
    assert seen == [(run.id, RunState.STARTING), (run.id, RunState.RUNNING), (run.id, RunState.FAILED),
                    (retry, RunState.STARTING), (retry, RunState.RUNNING), (retry, RunState.FAILED)]
    with pytest.raises(NotFound):
        list(svc.watch_job_run("jr_missing"))


def test_jobs_and_runs_are_paged(runner, scripts):
    svc = runner.service
    script = scripts("ok.py", OK)
    for i in range(5):
        svc.create_job(python_job(f"job{i}", script, max_concurrent_runs=10))
    page1, token = svc.list_jobs(page_size=2)
    page2, token2 = svc.list_jobs(page_size=2, page_token=token)
    page3, token3 = svc.list_jobs(page_size=2, page_token=token2)
    assert [j.name for j in page1 + page2 + page3] == [f"job{i}" for i in range(5)] and token3 == ""
    ids = [svc.start_job_run("job0").id for _ in range(5)]
    got, token = [], None
    while True:
        page, token = svc.list_job_runs(RunFilter(job_name="job0"), page_size=2, page_token=token)
        got += [r.id for r in page]
        if not token:
            break
    assert got == list(reversed(ids))
    for r in ids:
        svc.wait_for_run(r, 30)
    done, _ = svc.list_job_runs(RunFilter(states=(RunState.SUCCEEDED,)))
    assert len(done) == 5
    with pytest.raises(InvalidArgument):
        svc.list_jobs(page_token="not-a-token!")


def test_job_crud_rules(runner, scripts):
    svc = runner.service
    script = scripts("sleep.py", SLEEP)
    svc.create_job(python_job("j", script))
    from jobrunner.errors import AlreadyExists

    with pytest.raises(AlreadyExists):
        svc.create_job(python_job("j", script))
    updated = svc.update_job(python_job("j", "/elsewhere.py", max_retries=3), ["max_retries"])
    assert updated.max_retries == 3 and updated.script_location == script
    run = svc.start_job_run("j")
    with pytest.raises(FailedPrecondition, match="unfinished"):
        svc.delete_job("j")
    svc.stop_job_run(run.id)
    svc.wait_for_run(run.id, 30)
    svc.delete_job("j")
    with pytest.raises(NotFound):
        svc.get_job("j")
    with pytest.raises(NotFound):
        svc.get_job_run(run.id)
    with pytest.raises(NotFound):
        svc.start_job_run("j")


def test_extra_python_files_are_staged_and_importable(runner, scripts):
    import fsspec

    with fsspec.open("memory://libs/shared_helpers.py", "w") as f:
        f.write("def greet(name):\n    return 'hello ' + name\n")
    svc = runner.service
    svc.create_job(python_job("uses-lib", scripts("uses_lib.py", "import shared_helpers\n"
                                                                "print(shared_helpers.greet('lib'))\n"),
                              extra_py_files=("memory://libs/shared_helpers.py",)))
    done = svc.wait_for_run(svc.start_job_run("uses-lib").id, 30)
    assert done.state is RunState.SUCCEEDED, done.error_message
    assert "hello lib" in svc.read_log(done.id).data.decode()
    assert os.path.isfile(os.path.join(done.run_dir, "staged", "shared_helpers.py"))
