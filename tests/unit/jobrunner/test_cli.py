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
