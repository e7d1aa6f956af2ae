"""Backend command lines (no process is started here) and application ids."""
import os
import sys

from jobrunner.backends import PythonShellBackend, SparkSubmitBackend, runtime_pythonpath
from jobrunner.backends.base import LaunchContext, parse_application_id
from jobrunner.backends.spark_submit import BOOTSTRAP, pyspark_spark_submit
from jobrunner.model import Job, JobRun, JobType, RunState
from jobrunner.service import last_exception


def _ctx(job, tmp_path, py_files=()):
    run = JobRun(id="jr_1", job_name=job.name, state=RunState.STARTING)
    return LaunchContext(job=job, run=run, resolved_arguments={"day": "2", "JOB_NAME": "x"}, run_dir=str(tmp_path),
                         script_path="/jobs/etl.py", py_files=list(py_files),
                         runtime_env={"LAKEGLUE_JOB_RUN_ID": "jr_1"})


def _confs(argv):
    return dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv) if a == "--conf")


def test_spark_submit_command_wires_in_the_catalog(tmp_path):
    backend = SparkSubmitBackend(metastore_uri="thrift://ms:9083", warehouse=lambda: "file:/wh",
                                 default_conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4"})
    job = Job(name="etl", script_location="/jobs/etl.py", spark_master="spark://m:7077",
              spark_conf={"spark.sql.shuffle.partitions": "2"})
    spec = backend.command(_ctx(job, tmp_path, ["/lib/a.py", "/lib/b.zip"]))
    argv = spec.argv
    assert argv[0] == pyspark_spark_submit() and argv[0].endswith(os.path.join("pyspark", "bin", "spark-submit"))
    assert argv[1:5] == ["--master", "spark://m:7077", "--name", "etl"]
    assert _confs(argv) == {"spark.sql.catalogImplementation": "hive",
                            "spark.hadoop.hive.metastore.uris": "thrift://ms:9083",
                            "spark.sql.warehouse.dir": "file:/wh", "spark.ui.enabled": "false",
                            "spark.sql.shuffle.partitions": "2"}   # the job's conf wins
    assert argv[argv.index("--py-files") + 1] == "/lib/a.py,/lib/b.zip"
    tail = argv[argv.index(BOOTSTRAP):]
    assert tail == [BOOTSTRAP, "/jobs/etl.py", "--JOB_NAME", "etl", "--JOB_RUN_ID", "jr_1", "--day", "2"]
    assert spec.cwd == str(tmp_path) and spec.env["LAKEGLUE_JOB_RUN_ID"] == "jr_1"
    assert spec.env["PYTHONPATH"].split(os.pathsep)[0] == runtime_pythonpath()
    assert spec.env["PYSPARK_PYTHON"]


def test_masters_are_passed_through_to_spark_submit(tmp_path):
    for master in ("local[2]", "spark://m:7077", "k8s://https://k8s.example:6443", "yarn"):
        job = Job(name="etl", script_location="/jobs/etl.py", spark_master=master)
        argv = SparkSubmitBackend(metastore_uri="thrift://ms:9083").command(_ctx(job, tmp_path)).argv
        assert argv[argv.index("--master") + 1] == master


def test_cluster_mode_submits_the_script_itself_and_passes_the_runtime_env(tmp_path):
    job = Job(name="etl", script_location="/jobs/etl.py", spark_master="yarn",
              spark_conf={"spark.submit.deployMode": "cluster"})
    argv = SparkSubmitBackend(metastore_uri="thrift://ms:9083").command(_ctx(job, tmp_path)).argv
    assert BOOTSTRAP not in argv and "/jobs/etl.py" in argv
    assert _confs(argv)["spark.yarn.appMasterEnv.LAKEGLUE_JOB_RUN_ID"] == "jr_1"


def test_python_shell_command(tmp_path):
    job = Job(name="py", script_location="/jobs/etl.py", job_type=JobType.PYTHON_SHELL)
    spec = PythonShellBackend().command(_ctx(job, tmp_path, ["/lib/helpers.py", "/lib/deps.zip"]))
    assert spec.argv[:3] == [sys.executable, "-u", "/jobs/etl.py"]
    assert spec.env["PYTHONPATH"].split(os.pathsep)[:3] == ["/jobs", "/lib", "/lib/deps.zip"]


def test_application_ids_from_logs():
    assert parse_application_id("x\nLAKEGLUE_SPARK_APPLICATION_ID=local-1795290441942\n") == "local-1795290441942"
    assert parse_application_id("Submitted application application_1700000000000_0042") == \
        "application_1700000000000_0042"
    assert parse_application_id("Connected to app-20261121120000-0007 on spark://m") == "app-20261121120000-0007"
    assert parse_application_id("nothing here") is None


def test_error_messages_from_logs():
    assert last_exception("Traceback (most recent call last):\n  File \"x\"\n    raise X\n"
                          "pyspark.errors.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] t\n"
                          "26/11/21 INFO ShutdownHookManager: done") == \
        "pyspark.errors.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] t"
    assert last_exception('Exception in thread "main" org.apache.spark.SparkException: bad master\n\tat x') == \
        "org.apache.spark.SparkException: bad master"


def test_secrets_are_redacted_from_the_logged_command_line():
    from jobrunner.service import redact_argv

    assert redact_argv(["spark-submit", "--conf", "spark.hadoop.fs.s3a.secret.key=abc", "--conf", "a=b", "s.py",
                        "--db_password", "hunter2", "--day", "1"]) == \
        ["spark-submit", "--conf", "spark.hadoop.fs.s3a.secret.key=***", "--conf", "a=b", "s.py",
         "--db_password", "***", "--day", "1"]
