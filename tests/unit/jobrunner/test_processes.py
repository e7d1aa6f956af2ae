"""Process sessions: the shim records exit status; kill_tree leaves nothing behind."""
import os
import sys
import time

from jobrunner import processes

TREE = ("import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True)\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n")


def _spawn(tmp_path, code):
    log = tmp_path / "out.log"
    return processes.spawn([sys.executable, "-c", code], env=dict(os.environ), cwd=str(tmp_path),
                           log_path=str(log), exit_file=str(tmp_path / "exit")), log


def test_exit_status_is_recorded_for_a_later_runner(tmp_path):
    handle, log = _spawn(tmp_path, "import sys; print('hi'); sys.exit(3)")
    while not handle.poll()[0]:
        time.sleep(0.02)
    assert handle.poll() == (True, 3)
    adopted = processes.adopt(handle.pid, handle.start, handle.exit_file)
    assert adopted.poll() == (True, 3)
    assert log.read_text().strip() == "hi"


def test_kill_tree_takes_down_children_and_escaped_sessions(tmp_path):
    handle, log = _spawn(tmp_path, TREE)
    deadline = time.time() + 20
    while "ready" not in log.read_text() and time.time() < deadline:
        time.sleep(0.05)
    members = processes.tree(handle.pid, handle.start)
    assert len(members) >= 4  # sh shim, python, two sleepers
    killed = handle.kill(grace=1)
    assert {p.pid for p in members} <= {p.pid for p in killed}
    assert not any(processes.is_alive(p.pid, p.start) for p in members)
    finished, code = handle.poll()
    assert finished and code != 0


def test_pid_reuse_is_not_mistaken_for_the_run(tmp_path):
    handle, _ = _spawn(tmp_path, "import time; time.sleep(5)")
    assert processes.is_alive(handle.pid, handle.start)
    assert not processes.is_alive(handle.pid, (handle.start or 0) + 1)
    handle.kill(grace=0)
