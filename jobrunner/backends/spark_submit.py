"""SPARK jobs: pyspark's own `spark-submit`, with the catalog wired in.

The command is

    <pyspark>/bin/spark-submit --master M --name JOB
        --conf spark.sql.catalogImplementation=hive
        --conf spark.hadoop.hive.metastore.uris=<the runner's metastore>
        --conf spark.sql.warehouse.dir=<the catalog's warehouse>
        [--conf <runner defaults>] [--conf <job spark_conf>] [--py-files a.py,b.zip]
        <spark_bootstrap.py> <script> --JOB_NAME JOB --JOB_RUN_ID RUN [--KEY VALUE …]

so a script's plain `SparkSession.builder.enableHiveSupport().getOrCreate()` reads and
writes lakeglue tables. Job conf wins over the runner's. The bootstrap runs the script as
`__main__` and prints the Spark application id once the SparkContext exists; in cluster
deploy mode (no bootstrap: the driver is remote) the id is parsed from spark-submit's
output. `spark://`, `k8s://` and `yarn` masters are passed through untouched.
"""
from __future__ import annotations

import os
import sys
from typing import Callable, Dict, Mapping, Optional, Union

from ..errors import LaunchError
from ..model import arguments_to_argv
from .base import LaunchContext, LaunchSpec, base_env, parse_application_id

BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spark_bootstrap.py")


def pyspark_spark_submit() -> str:
    """`bin/spark-submit` of the installed pyspark package."""
    try:
        import pyspark
    except ImportError as e:  # pragma: no cover - pyspark is a dependency
        raise LaunchError("pyspark is not installed; SPARK jobs need it (pip install pyspark)") from e
    path = os.path.join(os.path.dirname(os.path.abspath(pyspark.__file__)), "bin", "spark-submit")
    if not os.path.exists(path):
        raise LaunchError(f"pyspark's spark-submit is missing at {path}")
    return path


class SparkSubmitBackend:
    name = "spark-submit"

    def __init__(self, metastore_uri: Optional[str] = None,
                 warehouse: Union[None, str, Callable[[], Optional[str]]] = None,
                 default_conf: Optional[Mapping[str, str]] = None, spark_submit: Optional[str] = None,
                 python: Optional[str] = None):
        self.metastore_uri = metastore_uri
        self._warehouse = warehouse
        self.default_conf = dict(default_conf or {})
        self._spark_submit = spark_submit
        self.python = python or sys.executable

    @property
    def warehouse(self) -> Optional[str]:
        return self._warehouse() if callable(self._warehouse) else self._warehouse

    def conf(self, job_conf: Mapping[str, str]) -> Dict[str, str]:
        conf: Dict[str, str] = {"spark.sql.catalogImplementation": "hive"}
        if self.metastore_uri:
            conf["spark.hadoop.hive.metastore.uris"] = self.metastore_uri
        if "spark.sql.warehouse.dir" not in job_conf and "spark.sql.warehouse.dir" not in self.default_conf:
            wh = self.warehouse
            if wh:
                conf["spark.sql.warehouse.dir"] = wh
        conf.update(self.default_conf)
        conf.update(job_conf)
        return conf

    def command(self, ctx: LaunchContext) -> LaunchSpec:
        job = ctx.job
        conf = self.conf(job.spark_conf)
        cluster = conf.get("spark.submit.deployMode", "client") == "cluster"
        env = base_env(ctx, self.python)
        if cluster:
            # The driver runs elsewhere: hand it the runtime's variables the cluster's way.
            for k, v in ctx.runtime_env.items():
                if job.spark_master.startswith("yarn"):
                    conf.setdefault(f"spark.yarn.appMasterEnv.{k}", v)
                elif job.spark_master.startswith("k8s://"):
                    conf.setdefault(f"spark.kubernetes.driverEnv.{k}", v)
        argv = [self._spark_submit or pyspark_spark_submit(), "--master", job.spark_master, "--name", job.name]
        for k, v in conf.items():
            argv += ["--conf", f"{k}={v}"]
        if ctx.py_files:
            argv += ["--py-files", ",".join(ctx.py_files)]
        if not cluster:
            argv.append(BOOTSTRAP)
        argv.append(ctx.script_path)
        argv += arguments_to_argv(job.name, ctx.run.id, ctx.resolved_arguments)
        return LaunchSpec(argv=argv, env=env, cwd=ctx.run_dir)

    def application_id(self, log_text: str) -> Optional[str]:
        return parse_application_id(log_text)
