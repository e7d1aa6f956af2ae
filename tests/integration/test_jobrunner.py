"""The job runner over a real gRPC channel on loopback, next to a running lakeglue metastore.

One `lakeglue metastore serve` process (SQLite) and one in-process job runner sharing its
catalog database for the module. Real PySpark jobs go through pyspark's spark-submit
(local[1]): one writes a table that is then read back over Thrift, one times out and must
take its JVM down with it, one fails (and is retried) with a Python exception; one runs on
a real standalone cluster (spark://, a master and a worker started from pyspark's jars). Everything
else uses PYTHON_SHELL jobs (plain Python processes) to keep the Spark load low; the CLI
and `lakeglue serve` run as separate processes.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from jobrunner import processes
from jobrunner._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg
from jobrunner.server import JobRunnerConfig, JobRunnerServer
from tests.infra.ports import free_port
from tests.support.spark import REPO_ROOT, spark_conf
from tests.support.catalog import ThriftClient

SPARK_TIMEOUT = 900  # a loaded 2-core machine takes a minute or more per spark-submit

WRITE_TABLE = """
from pyspark.sql import SparkSession
from jobrunner.runtime import init_job

job = init_job()
spark = SparkSession.builder.enableHiveSupport().getOrCreate()  # no catalog configuration here
from jobs_it_helpers import table_name  # an extra Python file of the job (--py-files)
rows = int(job.args["rows"])
spark.sql("CREATE DATABASE IF NOT EXISTS jobs_it")
(spark.range(rows).selectExpr("id", "id * 2 AS doubled", "'%s' AS run_id" % job.run_id)
      .write.mode("overwrite").format("parquet").saveAsTable(table_name(job.args)))
table = spark.table(table_name(job.args))
print("ROWS=%d" % table.count(), flush=True)
# a table source of the job's bookmark: only ids above the committed maximum
new = job.bookmark("numbers").filter_dataframe(table, keys=["id"])
print("NEW=%s" % sorted(r.id for r in new.collect()), flush=True)
job.commit()
spark.stop()
"""

SLEEP_IN_SPARK = """
import time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("SPARK UP", flush=True)
time.sleep(3600)
"""

FAIL = """
import sys
print("attempt starting", sys.argv[1:], flush=True)
raise RuntimeError("the input is broken")
"""


def _spark_defaults(lakeglue_sqlite, scratch: Path) -> dict:
    conf = spark_conf(lakeglue_sqlite.uri, lakeglue_sqlite.warehouse, scratch)
    for key in ("spark.master", "spark.app.name", "spark.sql.catalogImplementation",
                "spark.hadoop.hive.metastore.uris", "spark.sql.warehouse.dir"):
        conf.pop(key)  # the runner injects the catalog settings itself
    return conf


@pytest.fixture(scope="module")
def runner(lakeglue_sqlite, tmp_path_factory):
    base = tmp_path_factory.mktemp("jobrunner")
    server = JobRunnerServer(JobRunnerConfig(
        port=0, db_url=lakeglue_sqlite.db_url, metastore_uri=lakeglue_sqlite.uri,
        state_dir=str(base / "state"), spark_conf=_spark_defaults(lakeglue_sqlite, base / "scratch"),
        stop_grace_seconds=3)).start()
    yield server
    server.stop(stop_runs=True)


@pytest.fixture(scope="module")
def stub(runner):
    channel = grpc.insecure_channel(runner.address)
    grpc.channel_ready_future(channel).result(timeout=10)
    yield pbg.JobRunnerStub(channel)
    channel.close()


@pytest.fixture
def script(tmp_path):
    def write(name: str, body: str) -> str:
        path = tmp_path / name
        path.write_text(body)
        return str(path)
    return write


def _wait(stub, run_id: str, timeout: float, follow_retries: bool = False) -> pb.JobRun:
    """Follow the run's state stream to its end (and its retries when asked)."""
    last = None
    for change in stub.WatchJobRun(pb.WatchJobRunRequest(run_id=run_id, follow_retries=follow_retries),
                                   timeout=timeout):
        last = change
    assert last is not None
    return stub.GetJobRun(pb.GetJobRunRequest(run_id=last.run_id))


def _log(stub, run_id: str) -> str:
    out, offset = b"", 0
    while True:
        chunk = stub.GetJobRunLogs(pb.GetJobRunLogsRequest(run_id=run_id, offset=offset, max_bytes=65536))
        out += chunk.data
        offset = chunk.next_offset
        if not chunk.data:
            return out.decode(errors="replace")


def test_health_check_is_serving(runner):
    channel = grpc.insecure_channel(runner.address)
    try:
        check = health_pb2_grpc.HealthStub(channel).Check
        assert check(health_pb2.HealthCheckRequest(service="")).status == health_pb2.HealthCheckResponse.SERVING
        assert check(health_pb2.HealthCheckRequest(service="lakeglue.jobrunner.v1.JobRunner")).status == \
            health_pb2.HealthCheckResponse.SERVING
    finally:
        channel.close()


@pytest.mark.spark
def test_a_pyspark_job_writes_a_table_visible_over_thrift(stub, lakeglue_sqlite, script):
    helpers = script("jobs_it_helpers.py", "def table_name(args):\n    return 'jobs_it.' + args['table']\n")
    stub.CreateJob(pb.CreateJobRequest(job=pb.Job(
        name="write-table", script_location=script("write_table.py", WRITE_TABLE), spark_master="local[1]",
        default_arguments={"rows": "3", "table": "ignored"}, non_overridable_arguments={"table": "numbers"},
        extra_py_files=[helpers], bookmark_mode=pb.Job.ENABLE)))
    # as if an earlier run had processed ids up to 3
    stub.CommitJobBookmark(pb.CommitJobBookmarkRequest(job_name="write-table", base_version=0, entries_json={
        "numbers": json.dumps({"kind": "table", "keys": ["id"], "last": [3]})}))
    run = stub.StartJobRun(pb.StartJobRunRequest(job_name="write-table", arguments={"rows": "7", "table": "x"}))
    done = _wait(stub, run.id, SPARK_TIMEOUT)
    log = _log(stub, run.id)
    assert done.state == pb.JobRun.SUCCEEDED, f"{done.error_message}\n{log[-6000:]}"
    assert done.spark_application_id.startswith("local-")
    assert done.resolved_arguments == {"rows": "7", "table": "numbers"}
    assert "ROWS=7" in log and "NEW=[4, 5, 6]" in log
    bookmark = stub.GetJobBookmark(pb.GetJobBookmarkRequest(job_name="write-table"))
    assert bookmark.version == 2 and bookmark.run_id == run.id  # committed by the successful run
    assert json.loads(bookmark.entries["numbers"].state_json)["last"] == [6]
    assert "spark.hadoop.hive.metastore.uris=" + lakeglue_sqlite.uri in log  # the command line, logged first
    assert "--py-files " + helpers in log

    client = ThriftClient("127.0.0.1", lakeglue_sqlite.port)
    try:
        table = client.get_table("jobs_it", "numbers")
        assert [c.name for c in table.sd.cols] == ["id", "doubled", "run_id"]
        location = table.sd.location
    finally:
        client.close()
    path = location.split(":", 1)[1] if location.startswith("file:") else location
    assert any(name.endswith(".parquet") for name in os.listdir(path))
    assert path.startswith(str(lakeglue_sqlite.warehouse_dir))

    # logs are readable as a follow stream too, ending with the run
    chunks = list(stub.FollowJobRunLogs(pb.FollowJobRunLogsRequest(run_id=run.id)))
    assert chunks[-1].complete and "ROWS=7" in b"".join(c.data for c in chunks).decode(errors="replace")


@pytest.mark.spark
def test_a_spark_job_past_its_timeout_is_killed_with_its_jvm(stub, script):
    stub.CreateJob(pb.CreateJobRequest(job=pb.Job(
        name="sleepy-spark", script_location=script("sleepy.py", SLEEP_IN_SPARK), spark_master="local[1]",
        timeout_seconds=40, max_retries=2)))
    run = stub.StartJobRun(pb.StartJobRunRequest(job_name="sleepy-spark"))
    done = _wait(stub, run.id, SPARK_TIMEOUT)
    assert done.state == pb.JobRun.TIMEOUT and "timed out after 40 seconds" in done.error_message
    assert not done.next_run_id  # timeouts are not retried
    log = _log(stub, run.id)
    killed = re.search(r"timeout of 40 s reached: killed (.*)", log).group(1)
    victims = re.findall(r"([\w.\-]+)\((\d+)\)", killed)
    assert any(name.startswith("java") for name, _ in victims), killed
    assert not any(processes.is_alive(int(pid)) and processes.proc_info(int(pid)).comm == name
                   for name, pid in victims)


ON_CLUSTER = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.enableHiveSupport().getOrCreate()
sc = spark.sparkContext
spark.sql("CREATE DATABASE IF NOT EXISTS jobs_it")
df = spark.range(100).selectExpr("id", "id % 7 AS k")
df.write.mode("overwrite").format("parquet").saveAsTable("jobs_it.on_cluster")
executors = sc._jsc.sc().getExecutorIds().size()  # the driver is not among them
print("EXECUTORS=%d SUM=%d" % (executors, spark.table("jobs_it.on_cluster").groupBy().sum("id").first()[0]),
      flush=True)
spark.stop()
"""


@pytest.fixture(scope="module")
def standalone_cluster(tmp_path_factory):
    """A real Spark standalone cluster on loopback — a master and one worker (1 core, 1 GB)
    started from pyspark's own jars (bin/spark-class) — for a job with a `spark://` master."""
    import urllib.request

    import pyspark

    home = os.path.dirname(pyspark.__file__)
    base = tmp_path_factory.mktemp("standalone")
    port, ui, worker_ui = free_port(), free_port(), free_port()
    env = dict(os.environ, SPARK_HOME=home, SPARK_LOCAL_IP="127.0.0.1", SPARK_LOG_DIR=str(base),
               SPARK_WORKER_DIR=str(base / "work"))
    spark_class = os.path.join(home, "bin", "spark-class")
    procs = []
    for name, argv in (("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                   "--port", str(port), "--webui-port", str(ui)]),
                       ("worker", ["org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}",
                                   "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                                   "--webui-port", str(worker_ui), "--work-dir", str(base / "work")])):
        with open(base / f"{name}.log", "wb") as log:
            procs.append(subprocess.Popen([spark_class, *argv], stdout=log, stderr=subprocess.STDOUT, env=env,
                                          stdin=subprocess.DEVNULL, start_new_session=True))
    state = {}
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json", timeout=5) as r:
                state = json.load(r)
            if state.get("aliveworkers", 0) >= 1:
                break
        except OSError:
            pass
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(1)
    try:
        if state.get("aliveworkers", 0) < 1:
            logs = "\n".join((base / f"{n}.log").read_text(errors="replace")[-3000:] for n in ("master", "worker"))
            pytest.fail(f"the standalone Spark cluster did not come up: {state}\n{logs}")
        yield f"spark://127.0.0.1:{port}", ui
    finally:
        for p in procs:  # spark-class execs the JVM in the process it started
            processes.kill_tree(p.pid, grace=10, reap=p.poll)
            p.wait(30)


@pytest.mark.spark
def test_a_pyspark_job_runs_on_a_standalone_spark_cluster(stub, lakeglue_sqlite, script, standalone_cluster):
    """`spark://` passed through to spark-submit: the driver runs here (client mode), its
    executors on the cluster's worker, and the job reads and writes the catalog as in local mode."""
    import urllib.request

    master, ui = standalone_cluster
    stub.CreateJob(pb.CreateJobRequest(job=pb.Job(
        name="on-cluster", script_location=script("on_cluster.py", ON_CLUSTER), spark_master=master,
        spark_conf={"spark.executor.memory": "512m", "spark.cores.max": "1"})))
    run = stub.StartJobRun(pb.StartJobRunRequest(job_name="on-cluster"))
    done = _wait(stub, run.id, SPARK_TIMEOUT)
    log = _log(stub, run.id)
    assert done.state == pb.JobRun.SUCCEEDED, f"{done.error_message}\n{log[-6000:]}"
    assert "--master " + master in log
    assert done.spark_application_id.startswith("app-"), done.spark_application_id  # a standalone app id
    assert "EXECUTORS=1 SUM=4950" in log
    with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json", timeout=10) as r:
        apps = json.load(r)
    ran = [a for a in apps.get("completedapps", []) + apps.get("activeapps", [])
           if a.get("id") == done.spark_application_id]
    assert ran and ran[0]["name"] == "on-cluster"  # the master ran it, under the job's name
    client = ThriftClient("127.0.0.1", lakeglue_sqlite.port)
    try:
        table = client.get_table("jobs_it", "on_cluster")
        assert [c.name for c in table.sd.cols] == ["id", "k"]
    finally:
        client.close()


RAISE_IN_SPARK = """
import os
from pyspark.sql import SparkSession
from pyspark.sql.functions import udf
spark = SparkSession.builder.getOrCreate()
print("ROWS=%d" % spark.range(3).count(), flush=True)
if os.environ["LAKEGLUE_JOB_ATTEMPT"] == "0":
    raise ValueError("partition 2026-11-21 has no rows")   # in the driver, after Spark ran a job

@udf("long")
def check(x):
    if x == 2:
        raise KeyError("row 2")
    return x

spark.range(3).select(check("id")).collect()  # in a Python worker: reaches the driver through Py4J
"""


@pytest.mark.spark
def test_a_failing_pyspark_job_is_retried_and_reports_the_python_exception(stub, script):
    stub.CreateJob(pb.CreateJobRequest(job=pb.Job(
        name="raising-spark", script_location=script("raising.py", RAISE_IN_SPARK), spark_master="local[1]",
        max_retries=1)))
    run = stub.StartJobRun(pb.StartJobRunRequest(job_name="raising-spark"))
    last = _wait(stub, run.id, 2 * SPARK_TIMEOUT, follow_retries=True)
    first = stub.GetJobRun(pb.GetJobRunRequest(run_id=run.id))
    runs = stub.ListJobRuns(pb.ListJobRunsRequest(job_name="raising-spark")).job_runs
    assert [(r.id, r.attempt, pb.JobRun.State.Name(r.state)) for r in runs] == \
        [(last.id, 1, "FAILED"), (run.id, 0, "FAILED")], f"{first.error_message}\n{_log(stub, run.id)[-6000:]}"
    assert first.next_run_id == last.id and last.previous_run_id == run.id and not last.next_run_id
    for r in (first, last):
        assert "ROWS=3" in _log(stub, r.id) and r.spark_application_id.startswith("local-") and r.exit_code == 1
    # the exception itself, not the JVM's or Py4J's account of it
    assert first.error_message == "ValueError: partition 2026-11-21 has no rows (exit code 1)"
    assert last.error_message == "KeyError: 'row 2' (exit code 1)", _log(stub, last.id)[-6000:]


def test_a_failing_script_is_retried_then_fails_with_its_error(stub, script):
    stub.CreateJob(pb.CreateJobRequest(job=pb.Job(
        name="broken", script_location=script("broken.py", FAIL), job_type=pb.Job.PYTHON_SHELL, max_retries=2)))
    run = stub.StartJobRun(pb.StartJobRunRequest(job_name="broken", arguments={"day": "2026-11-21"}))
    last = _wait(stub, run.id, 120, follow_retries=True)
    assert last.state == pb.JobRun.FAILED and last.attempt == 2
    assert "RuntimeError: the input is broken" in last.error_message and last.exit_code == 1
    runs = stub.ListJobRuns(pb.ListJobRunsRequest(job_name="broken")).job_runs
    assert [(r.attempt, pb.JobRun.State.Name(r.state)) for r in runs] == [(2, "FAILED"), (1, "FAILED"), (0, "FAILED")]
    assert runs[0].previous_run_id == runs[1].id and runs[1].previous_run_id == runs[2].id == run.id
    assert "attempt starting" in _log(stub, last.id) and "--day" in _log(stub, last.id)


def _lakeglue(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "lakeglue", *args], capture_output=True, text=True,
                          cwd=str(REPO_ROOT), env=dict(os.environ, **(env or {})), timeout=timeout)


def test_cli_jobs_run_waits_and_reports(runner, script):
    ok = script("hello.py", "import sys\nprint('hello', sys.argv[1:])\n")
    res = _lakeglue("jobs", "run", ok, "--type", "python", "--jobrunner", runner.address,
                    "--arg", "day=2026-11-21", "--arg=--mode=full", "--wait")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("jr_") and lines[-1] == "SUCCEEDED"
    assert "'--day', '2026-11-21', '--mode', 'full'" in res.stderr  # the run's log, followed
    shown = json.loads(_lakeglue("jobs", "show", lines[0], "--jobrunner", runner.address).stdout)
    assert shown["state"] == "SUCCEEDED" and shown["job_name"] == "hello"

    bad = script("broken_cli.py", FAIL)
    res = _lakeglue("jobs", "run", bad, "--type", "python", "--jobrunner", runner.address, "--max-retries", "1",
                    "--timeout", "60", "--wait", "--quiet")
    assert res.returncode == 1
    lines = res.stdout.strip().splitlines()
    assert lines[-1] == "FAILED" and len([x for x in lines if x.startswith("attempt ")]) == 2
    assert "RuntimeError: the input is broken" in lines[-2]
    logs = _lakeglue("jobs", "logs", lines[0], "--jobrunner", runner.address)
    assert "the input is broken" in logs.stdout


def _wait_health(port: int, proc, log: Path, timeout: float = 60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
                status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=2).status
            if status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.RpcError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"not serving: {log.read_text()[-3000:]}")


def _terminate(proc, log: Path, timeout: float = 60) -> None:
    """SIGTERM a server process and require a clean exit. A stuck shutdown ends in the
    server's own watchdog (lakeglue/signals.py), whose thread dump is then in the log."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"still running {timeout} s after SIGTERM: {log.read_text()[-6000:]}")
    assert proc.returncode == 0, f"exit status {proc.returncode} after SIGTERM: {log.read_text()[-6000:]}"


def test_lakeglue_serve_starts_the_job_runner_next_to_the_metastore(tmp_path):
    ms_port, jr_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    env = dict(os.environ, LAKEGLUE_HOME=str(tmp_path / "home"))
    proc = subprocess.Popen([sys.executable, "-m", "lakeglue", "serve", "--port", str(ms_port),
                             "--jobrunner-port", str(jr_port)], cwd=str(REPO_ROOT), env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        _wait_health(jr_port, proc, log)
        client = ThriftClient("127.0.0.1", ms_port)
        assert "default" in client.get_all_databases()
        client.close()
        ok = tmp_path / "ok.py"
        ok.write_text("print('embedded runner')\n")
        res = _lakeglue("jobs", "run", str(ok), "--type", "python", "--jobrunner", f"127.0.0.1:{jr_port}", "--wait",
                        env={"LAKEGLUE_HOME": str(tmp_path / "home")})
        assert res.returncode == 0 and res.stdout.strip().endswith("SUCCEEDED"), res.stderr
        assert (tmp_path / "home" / "jobrunner" / "runs").is_dir()
        assert f"lakeglue jobrunner serving 127.0.0.1:{jr_port}" in log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=90)  # the metastore's worker processes can take ~20 s to wind down


def test_a_restarted_runner_process_keeps_watching_a_run(tmp_path):
    port = free_port()
    db = f"sqlite:///{tmp_path}/catalog.db"
    log = tmp_path / "runner.log"
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text("import time\ntime.sleep(6)\nprint('finished after the restart')\n")

    def start():
        p = subprocess.Popen([sys.executable, "-m", "lakeglue", "jobrunner", "serve", "--port", str(port),
                              "--db-url", db, "--state-dir", str(tmp_path / "state")], cwd=str(REPO_ROOT),
                             stdout=open(log, "ab"), stderr=subprocess.STDOUT)
        _wait_health(port, p, log)
        return p

    first = start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            s = pbg.JobRunnerStub(ch)
            s.CreateJob(pb.CreateJobRequest(job=pb.Job(name="sleeper", script_location=str(sleeper),
                                                       job_type=pb.Job.PYTHON_SHELL)))
            run = s.StartJobRun(pb.StartJobRunRequest(job_name="sleeper"))
            while s.GetJobRun(pb.GetJobRunRequest(run_id=run.id)).state != pb.JobRun.RUNNING:
                time.sleep(0.1)
    finally:
        _terminate(first, log)
    second = start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            s = pbg.JobRunnerStub(ch)
            assert s.GetJobRun(pb.GetJobRunRequest(run_id=run.id)).state == pb.JobRun.RUNNING
            done = _wait(s, run.id, 60)
            assert done.state == pb.JobRun.SUCCEEDED
            assert "finished after the restart" in _log(s, run.id)
    finally:
        _terminate(second, log)


RECORD = """
import json, os, sys
from jobrunner.runtime import init_job
job = init_job()
with open(os.environ["RECORD_FILE"], "a") as f:
    f.write(json.dumps({"job": job.name, "run": job.run_id, "args": job.args}) + "\\n")
if job.args.get("must_exist") and not os.path.exists(job.args["must_exist"]):
    raise SystemExit("missing " + job.args["must_exist"])
print("recorded", job.name, flush=True)
"""


def test_cli_commands_against_a_standalone_runner_process(tmp_path):
    """`lakeglue jobrunner serve` as its own process, driven only through the CLI: jobs
    create/start/list/runs/show/stop/logs --follow, triggers (conditional on a job and on a
    crawler run by `lakeglue crawler start`, event), workflows start/runs/show/resume, and a
    workflow whose crawler node the runner crawls itself."""
    from tests.support.lake import write_parquet

    port = free_port()
    db = f"sqlite:///{tmp_path}/catalog.db"
    log = tmp_path / "runner.log"
    records = tmp_path / "records.jsonl"
    env = {"RECORD_FILE": str(records), "LAKEGLUE_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "lakeglue", "jobrunner", "serve", "--port", str(port),
                             "--db-url", db, "--state-dir", str(tmp_path / "state"), "--log-retention-days", "7"],
                            cwd=str(REPO_ROOT), env=dict(os.environ, **env), stdout=open(log, "ab"),
                            stderr=subprocess.STDOUT)
    jr = ["--jobrunner", f"127.0.0.1:{port}"]

    def cli(*args, ok=True):
        res = _lakeglue(*args, env=env)
        if ok:
            assert res.returncode == 0, f"{args}: {res.stdout}\n{res.stderr}"
        return res

    def records_of(job):
        lines = records.read_text().splitlines() if records.exists() else []
        return [r for r in map(json.loads, lines) if r["job"] == job]

    def wait_for(pred, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = pred()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}: {log.read_text()[-3000:]}")

    try:
        _wait_health(port, proc, log)
        rec = tmp_path / "rec.py"
        rec.write_text(RECORD)
        sleeper = tmp_path / "sleeper.py"
        sleeper.write_text("import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n")
        marker = tmp_path / "marker"

        # jobs create / start --wait / list / runs / show
        cli("jobs", "create", "extract", "--script", str(rec), "--type", "python", "--default-arg", "day=1", *jr)
        cli("jobs", "create", "load", "--script", str(rec), "--type", "python", "--max-concurrent-runs", "5", *jr)
        cli("jobs", "create", "transform", "--script", str(rec), "--type", "python",
            "--default-arg", f"must_exist={marker}", *jr)
        cli("jobs", "create", "sleeper", "--script", str(sleeper), "--type", "python", *jr)
        assert [x.split("\t")[0] for x in cli("jobs", "list", *jr).stdout.splitlines()] == \
            ["extract", "load", "sleeper", "transform"]

        # a conditional trigger on a job, and one on a crawler
        cli("triggers", "create", "after-extract", "--type", "CONDITIONAL", "--watch", "extract=SUCCEEDED",
            "--job", "load", "--arg", "by=extract", "--start", *jr)
        cli("triggers", "create", "after-crawl", "--type", "CONDITIONAL", "--watch-crawler", "sales=SUCCEEDED",
            "--job", "load", "--arg", "by=crawler", "--start", *jr)
        assert "after-crawl\tCONDITIONAL\tACTIVATED" in cli("triggers", "list", *jr).stdout
        got = json.loads(cli("triggers", "get", "after-crawl", *jr).stdout)
        cond = got["predicate"]["conditions"][0]
        assert (cond["crawler_name"], cond["crawl_state"], cond["job_name"]) == ("sales", "SUCCEEDED", "")

        res = cli("jobs", "start", "extract", "--arg", "day=2", "--wait", "--quiet", *jr)
        run_id = res.stdout.splitlines()[0]
        assert res.stdout.strip().endswith("SUCCEEDED")
        shown = json.loads(cli("jobs", "show", run_id, *jr).stdout)
        assert shown["resolved_arguments"] == {"day": "2"} and shown["runner_id"]
        wait_for(lambda: [r for r in records_of("load") if r["args"].get("by") == "extract"], "the chained load")

        # the crawler, as its own process: its end reaches the standalone runner's trigger
        write_parquet(tmp_path / "lake" / "sales" / "ds=2024-01-01" / "p.parquet", {"id": [1, 2]})
        cli("crawler", "create", "sales", "--path", str(tmp_path / "lake"), "--database", "lake", "--db-url", db)
        cli("crawler", "start", "sales", "--no-progress", "--db-url", db, "--warehouse", f"file:{tmp_path}/wh")
        wait_for(lambda: [r for r in records_of("load") if r["args"].get("by") == "crawler"], "the crawler's trigger")

        # a workflow that starts with the crawler: the standalone runner runs the crawl itself
        cli("workflows", "create", "ingest", *jr)
        cli("triggers", "create", "ingest-start", "--workflow", "ingest", "--crawler", "sales", *jr)
        cli("triggers", "create", "ingest-load", "--workflow", "ingest", "--type", "CONDITIONAL",
            "--watch-crawler", "sales=SUCCEEDED", "--job", "load", "--arg", "by=ingest", *jr)
        ingest = cli("workflows", "start", "ingest", *jr).stdout.strip()
        shown = wait_for(lambda: (lambda s: s if s["status"] == "COMPLETED" else None)(
            json.loads(cli("workflows", "show", "ingest", ingest, *jr).stdout)), "the ingest workflow")
        crawled = [(n["name"], [(c["state"], c["trigger_name"]) for c in n["crawls"]])
                   for n in shown["nodes"] if n["type"] == "CRAWLER"]
        assert crawled == [("sales", [("SUCCEEDED", "ingest-start")])], shown
        assert shown["statistics"]["succeeded_actions"] == 2 and not shown.get("error_message")
        assert [r for r in records_of("load") if r["args"].get("by") == "ingest"]

        # stop a run, then follow its log to the end
        sleeping = cli("jobs", "start", "sleeper", *jr).stdout.strip()
        wait_for(lambda: json.loads(cli("jobs", "show", sleeping, *jr).stdout)["state"] == "RUNNING", "RUNNING")
        assert f"{sleeping}\tSTOPPING" in cli("jobs", "stop", sleeping, *jr).stdout
        followed = cli("jobs", "logs", sleeping, "--follow", *jr).stdout
        assert "sleeping" in followed and "stop requested: killed" in followed
        assert json.loads(cli("jobs", "show", sleeping, *jr).stdout)["state"] == "STOPPED"
        stopped_again = cli("jobs", "stop", sleeping, *jr, ok=False)
        assert stopped_again.returncode == 1 and "FAILED_PRECONDITION" in stopped_again.stderr
        runs = json.loads(cli("jobs", "runs", "sleeper", "--json", *jr).stdout)
        assert [r["state"] for r in runs] == ["STOPPED"]

        # an event trigger fires per batch of two events
        cli("triggers", "create", "on-files", "--type", "EVENT", "--job", "load", "--arg", "by=event",
            "--batch-size", "2", "--start", *jr)
        first_event = json.loads(cli("triggers", "notify", "on-files", "--event-id", "f1", *jr).stdout)
        assert first_event["pending_events"] == 1 and not first_event["fired"]
        assert json.loads(cli("triggers", "notify", "on-files", "--event-id", "f2", *jr).stdout)["fired"] is True
        wait_for(lambda: [r for r in records_of("load") if r["args"].get("by") == "event"], "the event run")
        cli("triggers", "stop", "on-files", *jr)

        # a workflow fails at transform, is resumed from it and completes
        cli("workflows", "create", "etl", "--property", "env=prod", *jr)
        cli("triggers", "create", "etl-start", "--workflow", "etl", "--job", "extract", *jr)
        cli("triggers", "create", "etl-transform", "--workflow", "etl", "--type", "CONDITIONAL",
            "--watch", "extract=SUCCEEDED", "--job", "transform", *jr)
        wf_run = cli("workflows", "start", "etl", *jr).stdout.strip()

        def status(run):
            return json.loads(cli("workflows", "show", "etl", run, *jr).stdout)

        first = wait_for(lambda: (lambda s: s if s["status"] == "COMPLETED" else None)(status(wf_run)), "the workflow")
        assert first["statistics"]["failed_actions"] == 1 and first["run_properties"] == {"env": "prod"}
        marker.touch()
        resumed = cli("workflows", "resume", "etl", wf_run, "--node", "transform", *jr).stdout.strip()
        done = wait_for(lambda: (lambda s: s if s["status"] == "COMPLETED" else None)(status(resumed)), "resumed")
        assert done["statistics"]["succeeded_actions"] == 1 and done["previous_run_id"] == wf_run
        listed = cli("workflows", "runs", "etl", *jr).stdout
        assert wf_run in listed and resumed in listed
        assert records_of("transform")[-1]["args"]["env"] == "prod"
    finally:
        _terminate(proc, log)
