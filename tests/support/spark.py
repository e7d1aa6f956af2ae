"""Spark against a lakeglue metastore, for the integration tests.

One JVM can hold one SparkContext, and Spark's Hive client reads the metastore URI once,
so a test module gets one SparkSession (`start_spark` / `stop_spark`) pointed at one
lakeglue server (`Lakeglue`, a separate `lakeglue metastore serve` process that can be
restarted). Scenarios needing another metastore run Spark in a subprocess
(`run_spark_script`).

Everything Spark, Hive and Derby would write (warehouse, scratch dirs, derby.log,
metastore_db, spark-warehouse, local dirs) goes to a temporary directory, never the repo.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

from tests.infra.ports import free_port
from tests.support.catalog import MetastoreProcess

REPO_ROOT = Path(__file__).resolve().parents[2]


def spark_conf(metastore_uri: str, warehouse_uri: str, scratch: Path) -> Dict[str, str]:
    """SparkSession settings for a Hive-catalog session against `metastore_uri`."""
    scratch.mkdir(parents=True, exist_ok=True)
    for sub in ("local", "hive-scratch", "hive-local-scratch", "hive-resources", "derby", "ivy", "tmp"):
        (scratch / sub).mkdir(exist_ok=True)
    java_opts = " ".join([
        f"-Dderby.system.home={scratch / 'derby'}",
        f"-Dderby.stream.error.file={scratch / 'derby' / 'derby.log'}",
        f"-Djava.io.tmpdir={scratch / 'tmp'}",
        # Short-lived test JVMs: the C1-only JIT and serial GC halve Spark's CPU time here.
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
    ])
    return {
        "spark.master": "local[2]",
        "spark.app.name": "lakeglue-spark-it",
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.hive.metastore.uris": metastore_uri,
        "spark.sql.warehouse.dir": warehouse_uri,
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.local.dir": str(scratch / "local"),
        "spark.driver.extraJavaOptions": java_opts,
        "spark.jars.ivy": str(scratch / "ivy"),
        "spark.sql.session.timeZone": "UTC",
        # Hive client state the session would otherwise put in /tmp or the working dir.
        "spark.hadoop.hive.exec.scratchdir": str(scratch / "hive-scratch"),
        "spark.hadoop.hive.exec.local.scratchdir": str(scratch / "hive-local-scratch"),
        "spark.hadoop.hive.downloaded.resources.dir": str(scratch / "hive-resources"),
        "spark.hadoop.hive.querylog.location": str(scratch / "hive-local-scratch"),
        # A restarted metastore must be reconnected to, not reported as an error.
        "spark.hadoop.hive.metastore.failure.retries": "3",
        "spark.hadoop.hive.metastore.client.connect.retry.delay": "1s",
        "spark.hadoop.hive.metastore.client.socket.timeout": "60s",
        # Fail loudly rather than fall back to listing every partition when the
        # metastore rejects a pushed-down partition filter.
        "spark.sql.hive.metastorePartitionPruningFallbackOnException": "false",
        "spark.sql.hive.metastorePartitionPruning": "true",
    }


def _spark_env(scratch: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    env["SPARK_LOCAL_DIRS"] = str(scratch / "local")
    env["TMPDIR"] = str(scratch / "tmp")
    return env


def start_spark(conf: Dict[str, str], scratch: Path):
    """Create the process's one SparkSession (Hive support on) with `conf`."""
    from pyspark.sql import SparkSession

    for key, value in _spark_env(scratch).items():
        if key in ("SPARK_LOCAL_IP", "SPARK_LOCAL_DIRS", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON"):
            os.environ[key] = value
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.enableHiveSupport().getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session


def stop_spark(session) -> None:
    """Stop the session and forget it, so a later module can create a fresh one."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    session.stop()
    SparkContext._active_spark_context = None
    SparkSession._instantiatedSession = None
    SparkSession._activeSession = None


def run_spark_script(code: str, args: Dict[str, object], scratch: Path, timeout: float = 300) -> dict:
    """Run `code` in a fresh Python process (its own JVM and SparkSession).

    The script gets `ARGS` (the `args` dict) and `start_spark` in its globals and must
    print one JSON object on its last stdout line; that object is returned.
    """
    prelude = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from tests.support.spark import spark_conf, start_spark, stop_spark\n"
        "ARGS = json.loads(sys.argv[1])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", prelude + code, json.dumps(args)],
        cwd=str(REPO_ROOT), env=_spark_env(scratch), capture_output=True, text=True, timeout=timeout,
    )
    if proc.returncode != 0:
        raise AssertionError(f"spark script failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


class Lakeglue:
    """A `lakeglue metastore serve` process with its catalog database and warehouse."""

    def __init__(self, base: Path, db_url: str):
        self.base = base
        self.warehouse_dir = base / "warehouse"
        self.warehouse_dir.mkdir(parents=True, exist_ok=True)
        self.warehouse = "file:" + str(self.warehouse_dir)
        self.db_url = db_url
        self.log_path = str(base / "metastore.log")
        self.process = MetastoreProcess(
            db_url, self.warehouse, free_port(), self.log_path,
            extra_env={"LAKEGLUE_HOME": str(base / "home")},
        )

    @property
    def uri(self) -> str:
        return self.process.uri

    @property
    def port(self) -> int:
        return self.process.port

    def start(self) -> "Lakeglue":
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()

    def restart(self) -> None:
        self.process.stop()
        self.process.start()

    def log_tail(self, n: int = 80) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"
