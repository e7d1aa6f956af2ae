"""Job runner unit fixtures: a started JobService over a fresh database, running jobs as
real (short) Python processes through the PYTHON_SHELL backend."""
from __future__ import annotations

import textwrap
import time
from pathlib import Path
from typing import Callable, List

import pytest

from jobrunner.backends import PythonShellBackend
from jobrunner.model import Job, JobType
from jobrunner.orchestration import Orchestrator
from jobrunner.service import JobService, RunnerConfig
from jobrunner.store import open_store


#: a job script that appends its name and arguments to $RECORD_FILE (one JSON line per run)
RECORD_SCRIPT = """
import json, os
from jobrunner.runtime import init_job
job = init_job()
with open(os.environ["RECORD_FILE"], "a") as f:
    f.write(json.dumps({"job": job.name, "args": job.args}) + "\\n")
"""


def wait_for(pred, timeout: float = 60, what: str = "condition"):
    """pred()'s first truthy value, polled every 50 ms; AssertionError after `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def write_script(directory: Path, name: str, body: str) -> str:
    path = directory / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def python_job(name: str, script: str, **kw) -> Job:
    return Job(name=name, script_location=script, job_type=JobType.PYTHON_SHELL, **kw)


class Clock:
    """An injectable clock: tests move `t`."""

    def __init__(self, t: float):
        self.t = t

    def __call__(self) -> float:
        return self.t


class Runner:
    """A JobService (and its Orchestrator) over one database and state directory."""

    def __init__(self, db_url: str, state_dir: Path, *, clock=None, service_clock=None, advertise_address=None,
                 **config):
        import time

        self.db_url, self.state_dir = db_url, state_dir
        self.store = open_store(db_url)
        cfg = RunnerConfig(state_dir=str(state_dir), stop_grace_seconds=config.pop("stop_grace_seconds", 1.0),
                           poll_interval=0.05, housekeeping_interval=config.pop("housekeeping_interval", 0.2),
                           advertise_address=advertise_address, **config)
        self.service = JobService(self.store, {JobType.PYTHON_SHELL: PythonShellBackend()}, cfg,
                                  clock=service_clock or time.time)
        self.orchestrator = Orchestrator(self.service, clock=clock or time.time)

    def start(self) -> "Runner":
        self.service.start()
        return self

    def close(self, stop_runs: bool = True) -> None:
        self.service.close(stop_runs=stop_runs)
        self.orchestrator.close()
        self.store.close()


@pytest.fixture
def scripts(tmp_path) -> Callable[[str, str], str]:
    d = tmp_path / "scripts"
    d.mkdir()
    return lambda name, body: write_script(d, name, body)


@pytest.fixture
def make_runner(tmp_path):
    made: List[Runner] = []

    def make(db_url: str = None, **kw) -> Runner:
        url = db_url or "sqlite:///" + str(tmp_path / "catalog.db")
        r = Runner(url, tmp_path / "state", **kw)
        made.append(r)
        return r

    yield make
    for r in made:
        try:
            r.close()
        except Exception:
            pass


@pytest.fixture
def runner(make_runner) -> Runner:
    return make_runner().start()
