"""The `lakeglue jobrunner|jobs|triggers|workflows` commands: parsing and helpers."""
import subprocess
import sys
from pathlib import Path

import pytest

from jobrunner.cli import _job_message, _job_name_for, _pairs
from lakeglue.cli import build_parser

REPO = Path(__file__).resolve().parents[3]


def test_documented_command_lines_parse():
    p = build_parser()
    a = p.parse_args(["jobrunner", "serve", "--host", "0.0.0.0", "--port", "6000", "--metastore",
                      "thrift://ms:9083", "--db-url", "sqlite:////tmp/x.db"])
    assert (a.host, a.port, a.metastore, a.db_url) == ("0.0.0.0", 6000, "thrift://ms:9083", "sqlite:////tmp/x.db")
    a = p.parse_args(["jobs", "run", "etl.py", "--jobrunner", "h:1", "--arg", "day=1", "--arg", "x=a=b",
                      "--max-retries", "2", "--timeout", "30", "--wait"])
    assert (a.script, a.jobrunner, a.max_retries, a.timeout, a.wait) == ("etl.py", "h:1", 2, 30, True)
    assert _pairs(a.arg, "--arg") == {"day": "1", "x": "a=b"}
    a = p.parse_args(["serve"])
    assert a.jobrunner_port == 50051 and not a.no_jobrunner
    for argv in (["jobs", "logs", "jr_1", "--follow"], ["jobs", "show", "jr_1"], ["jobs", "list"],
                 ["jobs", "stop", "jr_1", "jr_2"], ["jobs", "create", "n", "--script", "s.py"],
                 ["jobs", "start", "n", "--arg", "a=1"], ["jobs", "bookmark", "reset", "n"],
                 ["triggers", "create", "t", "--type", "SCHEDULED", "--schedule", "0 3 * * *", "--job", "n"],
                 ["workflows", "resume", "wf", "wr_1", "--node", "n"]):
        p.parse_args(argv)


def test_job_names_and_messages_from_options():
    assert _job_name_for("/x/daily etl.v2.py") == "daily_etl.v2"
    a = build_parser().parse_args(["jobs", "run", "s.py", "--max-retries", "0", "--conf", "spark.a=b",
                                   "--type", "python"])
    job, fields = _job_message(a, "s", "/abs/s.py")
    assert fields == ["script_location", "job_type", "max_retries", "spark_conf"]
    assert job.max_retries == 0 and job.HasField("max_retries") and dict(job.spark_conf) == {"spark.a": "b"}
    with pytest.raises(SystemExit):
        _pairs(["novalue"], "--arg")


def test_jobs_run_reports_an_unreachable_runner_and_a_missing_script(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "lakeglue", "jobs", "run", *args], capture_output=True,
                              text=True, cwd=str(REPO), timeout=120)

    res = run(str(tmp_path / "missing.py"))
    assert res.returncode == 2 and "no such script" in res.stderr
    from tests.infra.ports import free_port

    res = run(str(script), "--jobrunner", f"127.0.0.1:{free_port()}")
    assert res.returncode == 2 and "is the job runner running" in res.stderr


def test_a_second_runner_on_a_busy_port_is_refused(tmp_path):
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    first = JobRunnerServer(JobRunnerConfig(port=0, db_url=f"sqlite:///{tmp_path}/a.db",
                                            state_dir=str(tmp_path / "a"))).start()
    try:
        with pytest.raises(OSError, match="cannot listen"):
            JobRunnerServer(JobRunnerConfig(port=first.port, db_url=f"sqlite:///{tmp_path}/b.db",
                                            state_dir=str(tmp_path / "b")))
    finally:
        first.stop()


def test_serve_retention_options_reach_the_runner_config():
    from jobrunner.cli import _runner_config

    p = build_parser()
    a = p.parse_args(["jobrunner", "serve", "--log-retention-days", "7", "--log-retention-runs", "50"])
    cfg = _runner_config(a, a.metastore)
    assert (cfg.log_retention_days, cfg.log_retention_runs) == (7.0, 50)
    d = _runner_config(p.parse_args(["jobrunner", "serve"]), None)
    assert (d.log_retention_days, d.log_retention_runs) == (30.0, 0)
    a = p.parse_args(["triggers", "create", "t", "--type", "CONDITIONAL", "--watch-crawler", "sales=FAILED",
                      "--watch", "load", "--crawler", "other", "--job", "j"])
    assert (a.watch_crawler, a.watch, a.crawler, a.job) == (["sales=FAILED"], ["load"], ["other"], ["j"])


# --- lakeglue serve: where the embedded job runner listens ---------------------------------

def test_serve_jobrunner_host_defaults_to_host_and_can_be_narrowed():
    from jobrunner.cli import embedded_host

    p = build_parser()
    a = p.parse_args(["serve", "--host", "0.0.0.0"])
    assert a.jobrunner_host is None and embedded_host(a) == "0.0.0.0"   # as before (docker-style setups)
    a = p.parse_args(["serve", "--host", "0.0.0.0", "--jobrunner-host", "127.0.0.1", "--jobrunner-port", "6001"])
    assert (embedded_host(a), a.jobrunner_port, a.host) == ("127.0.0.1", 6001, "0.0.0.0")
    assert embedded_host(p.parse_args(["serve"])) == "127.0.0.1"


def test_a_job_runner_on_a_non_loopback_address_is_warned_about(tmp_path, monkeypatch, caplog):
    from jobrunner.cli import is_loopback, start_embedded

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "", "10.1.2.3", "myhost"))
    monkeypatch.setenv("LAKEGLUE_HOME", str(tmp_path / "home"))
    p = build_parser()
    for argv, bound, warned in ((["--jobrunner-host", "127.0.0.1"], "127.0.0.1", False), ([], "0.0.0.0", True)):
        args = p.parse_args(["serve", "--host", "0.0.0.0", "--jobrunner-port", "0",
                             "--db-url", f"sqlite:///{tmp_path}/c.db", "--warehouse", f"file:{tmp_path}/wh", *argv])
        caplog.clear()
        with caplog.at_level("WARNING", logger="jobrunner.cli"):
            stop = start_embedded(args, "thrift://0.0.0.0:9083")
        try:
            server = args.jobrunner_server
            assert server.config.host == bound
            msgs = [r.getMessage() for r in caplog.records if r.name == "jobrunner.cli"]
            if warned:
                assert msgs == [f"the job runner has no authentication; anyone who can reach 0.0.0.0:{server.port} "
                                "can run code on this machine (listen on 127.0.0.1, or restrict access with a "
                                "firewall)"]
            else:
                assert msgs == []
        finally:
            stop()


# --- following a run across a runner restart ---------------------------------------------

TWO_PARTS = """
import os, time
print("part one", flush=True)
while not os.path.exists(os.environ["GO_FILE"]):
    time.sleep(0.05)
print("part two", flush=True)
"""


class _Sink:
    """A stream the follow writes to, that a test can wait on."""

    def __init__(self, binary: bool):
        import threading

        self.binary, self.parts, self.cond = binary, [], threading.Condition()

    def write(self, data):
        with self.cond:
            self.parts.append(data)
            self.cond.notify_all()
        return len(data)

    def flush(self):
        pass

    def value(self):
        with self.cond:
            return (b"" if self.binary else "").join(self.parts)

    def wait_for(self, needle, timeout=60):
        with self.cond:
            assert self.cond.wait_for(lambda: needle in (b"" if self.binary else "").join(self.parts), timeout), \
                f"{needle!r} never came: {self.value()!r}"


@pytest.mark.parametrize("show_logs", [True, False], ids=["logs", "states"])
def test_a_follow_resumes_after_the_runner_restarts_without_repeating(tmp_path, monkeypatch, capsys, show_logs):
    """`jobs run --wait` / `jobs start --wait` (--quiet) / `jobs logs --follow`: the runner
    goes away mid-stream and comes back; the follow resumes at the next offset (the next
    state change) and shows everything exactly once."""
    import threading

    from jobrunner._proto import jobrunner_pb2 as pb
    from jobrunner.cli import _follow, _Reconnect
    from jobrunner.client import JobRunnerClient
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    go = tmp_path / "go"
    monkeypatch.setenv("GO_FILE", str(go))
    script = tmp_path / "two_parts.py"
    script.write_text(TWO_PARTS)

    def serve(port=0):
        return JobRunnerServer(JobRunnerConfig(port=port, db_url=f"sqlite:///{tmp_path}/c.db",
                                               state_dir=str(tmp_path / "state"), stop_grace_seconds=1)).start()

    server = serve()
    client = JobRunnerClient(server.address)
    logs, notes = _Sink(binary=True), _Sink(binary=False)
    result = {}
    try:
        client.create_job(pb.Job(name="two", script_location=str(script), job_type=pb.Job.PYTHON_SHELL))
        run = client.start_job_run("two")
        follower = threading.Thread(target=lambda: result.update(code=_follow(
            client, run.id, show_logs, log_out=logs, err=notes, reconnect=_Reconnect(window=60, err=notes))))
        follower.start()
        if show_logs:
            logs.wait_for(b"part one\n")
        else:
            notes.wait_for(f"{run.id}: RUNNING")
        server.stop(grace=0.2)            # the stream breaks; the run's process keeps running
        notes.wait_for("lost the job runner")
        server = serve(server.port)       # … and the restarted runner adopts it
        go.touch()
        follower.join(60)
        assert not follower.is_alive() and result["code"] == 0
    finally:
        client.close()
        server.stop(stop_runs=True)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"attempt 0 {run.id} SUCCEEDED", "SUCCEEDED"]
    if show_logs:
        log = (tmp_path / "state" / "runs" / run.id / "output.log").read_bytes()
        assert logs.value() == log and log.count(b"part one") == 1 and b"part two" in log
    else:
        states = [line.split(": ", 1)[1] for line in notes.value().splitlines() if line.startswith(run.id)]
        assert states == ["STARTING", "RUNNING", "SUCCEEDED"]


def test_serve_staging_timeout_and_crawl_limit_reach_the_service(tmp_path, monkeypatch):
    from jobrunner.cli import _runner_config, start_embedded
    from jobrunner.server import JobRunnerServer

    p = build_parser()
    defaults = p.parse_args(["jobrunner", "serve"])
    assert (defaults.staging_timeout, defaults.crawler_max_concurrent) == (600.0, 2)
    a = p.parse_args(["jobrunner", "serve", "--port", "0", "--db-url", f"sqlite:///{tmp_path}/c.db",
                      "--state-dir", str(tmp_path / "state"), "--staging-timeout", "2.5",
                      "--crawler-max-concurrent", "3"])
    server = JobRunnerServer(_runner_config(a, None))
    try:
        assert server.service.config.staging_timeout_seconds == 2.5
        assert server.config.crawler_max_concurrent == 3
    finally:
        server.stop()
    for bad in (["--staging-timeout", "-1"], ["--crawler-max-concurrent", "0"]):
        with pytest.raises(SystemExit):
            _runner_config(p.parse_args(["jobrunner", "serve", *bad]), None)
    # `lakeglue serve` passes its --staging-timeout to the embedded runner
    monkeypatch.setenv("LAKEGLUE_HOME", str(tmp_path / "home"))
    args = p.parse_args(["serve", "--jobrunner-port", "0", "--db-url", f"sqlite:///{tmp_path}/e.db",
                         "--warehouse", f"file:{tmp_path}/wh", "--staging-timeout", "7"])
    stop = start_embedded(args, "thrift://127.0.0.1:9083")
    try:
        assert args.jobrunner_server.service.config.staging_timeout_seconds == 7.0
    finally:
        stop()
