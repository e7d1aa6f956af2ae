#!/usr/bin/env python
"""Job runner benchmarks (not timed tests): numbers to watch, printed as a table.

    python scripts/bench-jobrunner.py                 # StartJobRun latency under 100 queued runs
    python scripts/bench-jobrunner.py --spark         # + runner overhead over a bare spark-submit

1. StartJobRun latency: one run holds a job's only slot, then 100 StartJobRun calls over gRPC
   queue behind it (WAITING); p50 / p95 / max of the calls.
2. Runner overhead (--spark): the same trivial PySpark script, once through a bare
   `spark-submit --master local[1]` and once through the runner (StartJobRun → SUCCEEDED),
   both with the same confs; the difference is the runner's overhead (staging, the bootstrap,
   supervision, state writes).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TRIVIAL_SPARK = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print(spark.range(10).count())
spark.stop()
"""


def bench_start_latency(base: Path, n: int) -> None:
    import grpc

    from jobrunner._proto import jobrunner_pb2 as pb, jobrunner_pb2_grpc as pbg
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    script = base / "hold.py"
    script.write_text("import time\ntime.sleep(600)\n")
    server = JobRunnerServer(JobRunnerConfig(port=0, db_url=f"sqlite:///{base}/bench.db",
                                             state_dir=str(base / "state"), stop_grace_seconds=1)).start()
    try:
        with grpc.insecure_channel(server.address) as ch:
            stub = pbg.JobRunnerStub(ch)
            stub.CreateJob(pb.CreateJobRequest(job=pb.Job(name="hold", script_location=str(script),
                                                          job_type=pb.Job.PYTHON_SHELL, max_concurrent_runs=1)))
            stub.StartJobRun(pb.StartJobRunRequest(job_name="hold"))
            lat = []
            for i in range(n):
                t = time.perf_counter()
                run = stub.StartJobRun(pb.StartJobRunRequest(job_name="hold", arguments={"i": str(i)}))
                lat.append((time.perf_counter() - t) * 1000)
                assert run.state == pb.JobRun.WAITING
        lat.sort()
        print(f"StartJobRun with 1..{n} queued runs: p50 {statistics.median(lat):.1f} ms, "
              f"p95 {lat[int(len(lat) * 0.95) - 1]:.1f} ms, max {lat[-1]:.1f} ms")
    finally:
        server.stop(stop_runs=True)


def bench_spark_overhead(base: Path, repeat: int) -> None:
    from jobrunner._proto import jobrunner_pb2 as pb
    from jobrunner.backends.spark_submit import pyspark_spark_submit
    from jobrunner.client import JobRunnerClient
    from jobrunner.server import JobRunnerConfig, JobRunnerServer

    script = base / "trivial.py"
    script.write_text(TRIVIAL_SPARK)
    conf = {"spark.ui.enabled": "false", "spark.sql.catalogImplementation": "in-memory"}
    argv = [pyspark_spark_submit(), "--master", "local[1]"]
    for k, v in conf.items():
        argv += ["--conf", f"{k}={v}"]
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    server = JobRunnerServer(JobRunnerConfig(port=0, db_url=f"sqlite:///{base}/bench.db", metastore_uri=None,
                                             state_dir=str(base / "state"), spark_conf=conf)).start()
    bare, via = [], []
    try:
        with JobRunnerClient(server.address) as c:
            c.create_job(pb.Job(name="trivial", script_location=str(script), spark_master="local[1]"))
            for _ in range(repeat):  # interleaved, so both see the same machine load
                t = time.perf_counter()
                subprocess.run(argv + [str(script)], cwd=str(base), env=env, check=True, capture_output=True)
                bare.append(time.perf_counter() - t)
                t = time.perf_counter()
                done = server.service.wait_for_run(c.start_job_run("trivial").id, 1800)
                via.append(time.perf_counter() - t)
                assert done.state.value == "SUCCEEDED", done.error_message
    finally:
        server.stop(stop_runs=True)
    b, v = statistics.median(bare), statistics.median(via)
    print(f"trivial PySpark job, median of {repeat}: bare spark-submit {b:.1f} s, through the runner {v:.1f} s, "
          f"overhead {v - b:+.1f} s ({(v - b) / b * 100:+.0f} %)  [bare {', '.join(f'{x:.1f}' for x in bare)}; "
          f"runner {', '.join(f'{x:.1f}' for x in via)}]")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--queued", type=int, default=100)
    p.add_argument("--spark", action="store_true", help="also measure the overhead over a bare spark-submit")
    p.add_argument("--repeat", type=int, default=3, help="spark-submit runs of each kind (default 3)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="lakeglue-bench-") as tmp:
        base = Path(tmp)
        bench_start_latency(base, args.queued)
        if args.spark:
            bench_spark_overhead(base, args.repeat)


if __name__ == "__main__":
    main()
