"""Assembly: config → store → service (+ triggers/workflows, the runner's own crawls) →
gRPC server with health checking and server reflection."""
from __future__ import annotations

import dataclasses
import logging
import os
import threading
from concurrent import futures
from typing import Callable, Dict, Mapping, Optional

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ._proto import jobrunner_pb2_grpc as pbg
from .backends import PythonShellBackend, SparkSubmitBackend
from .crawlers import RunnerCrawlers
from .model import JobType
from .orchestration import Orchestrator
from .retention import LogRetention
from .service import JobService, RunnerConfig
from .servicer import SERVICE_NAME, JobRunnerServicer
from .store import open_store

log = logging.getLogger(__name__)

DEFAULT_PORT = 50051


def default_state_dir() -> str:
    from metastore.config import data_dir

    return os.path.join(data_dir(), "jobrunner")


@dataclasses.dataclass
class JobRunnerConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    db_url: str = ""                       # default: the catalog's (metastore.config.default_db_url)
    metastore_uri: Optional[str] = None    # thrift://HOST:PORT given to every Spark job
    warehouse: Optional[str] = None        # default: asked from the metastore
    state_dir: str = ""                    # default: <data dir>/jobrunner
    spark_conf: Mapping[str, str] = dataclasses.field(default_factory=dict)  # defaults for every Spark job
    stop_grace_seconds: float = 10.0
    max_workers: int = 64
    python: Optional[str] = None
    log_retention_days: float = 30.0       # delete run directories of runs older than this (0: never)
    log_retention_runs: int = 0            # … and beyond each job's last N runs (0: no limit)
    lease_seconds: float = 30.0            # scheduler / liveness leases among runners sharing the database
    crawler_poll_seconds: float = 5.0      # how often the scheduler reads ends of crawler runs from the database
    crawler_max_concurrent: int = 2        # crawls at a time that this runner's triggers and workflows start
    staging_timeout_seconds: float = 600.0  # fetching a run's script and files (0: the run's timeout only)

    def resolved(self) -> "JobRunnerConfig":
        from metastore.config import default_db_url

        return dataclasses.replace(self, db_url=self.db_url or default_db_url(),
                                   state_dir=os.path.abspath(self.state_dir or default_state_dir()))


def metastore_warehouse(uri: str) -> Optional[str]:
    """`hive.metastore.warehouse.dir` as the metastore at thrift://HOST:PORT reports it."""
    from urllib.parse import urlparse

    from hive_metastore import ThriftHiveMetastore
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport

    u = urlparse(uri)
    sock = TSocket.TSocket(u.hostname or "127.0.0.1", u.port or 9083)
    sock.setTimeout(10000)
    transport = TTransport.TBufferedTransport(sock)
    client = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    try:
        return client.get_config_value("hive.metastore.warehouse.dir", "") or None
    finally:
        transport.close()


class _Warehouse:
    """The warehouse for Spark jobs and the runner's crawls: configured, or asked from the metastore."""

    def __init__(self, configured: Optional[str], metastore_uri: Optional[str]):
        self.value, self.uri = configured, metastore_uri
        self._lock = threading.Lock()

    def __call__(self) -> Optional[str]:
        with self._lock:
            if self.value is None and self.uri:
                try:
                    self.value = metastore_warehouse(self.uri)
                except Exception as e:
                    log.warning("cannot ask %s for its warehouse (%s); Spark jobs and crawls use their default",
                                self.uri, e)
            return self.value


class JobRunnerServer:
    """The job runner service and its gRPC server on host:port (port 0 picks a free one)."""

    def __init__(self, config: JobRunnerConfig, *, clock: Callable[[], float] = None,
                 backends: Optional[Dict[JobType, object]] = None):
        import time

        self.config = config = config.resolved()
        self.store = open_store(config.db_url)
        # SO_REUSEPORT off: a second runner on the same port must fail, not share it.
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=config.max_workers,
                                                             thread_name_prefix="jobrunner-grpc"),
                                  options=[("grpc.so_reuseport", 0)])
        try:
            self.port = self.server.add_insecure_port(f"{config.host}:{config.port}")
        except RuntimeError as e:
            self.store.close()
            raise OSError(f"cannot listen on {config.host}:{config.port}: {e}") from e
        if self.port == 0:
            self.store.close()
            raise OSError(f"cannot listen on {config.host}:{config.port}")
        connect_host = "127.0.0.1" if config.host in ("0.0.0.0", "::", "") else config.host
        runner_config = RunnerConfig(
            state_dir=config.state_dir, advertise_address=f"{connect_host}:{self.port}",
            metastore_uri=config.metastore_uri, stop_grace_seconds=config.stop_grace_seconds,
            lease_seconds=config.lease_seconds, crawler_poll_interval=config.crawler_poll_seconds,
            staging_timeout_seconds=config.staging_timeout_seconds,
            log_retention=LogRetention(days=config.log_retention_days, runs_per_job=config.log_retention_runs))
        warehouse = _Warehouse(config.warehouse, config.metastore_uri)
        if backends is None:
            backends = {
                JobType.SPARK: SparkSubmitBackend(
                    metastore_uri=config.metastore_uri,
                    warehouse=warehouse,
                    default_conf=config.spark_conf, python=config.python),
                JobType.PYTHON_SHELL: PythonShellBackend(python=config.python),
            }
        self.service = JobService(self.store, backends, runner_config, clock=clock or time.time)
        self.orchestrator = Orchestrator(self.service, clock=clock or time.time)
        # crawlers that triggers and workflows start run here (crawler.embedded.wire hands
        # them to the crawler daemon instead inside `lakeglue serve`)
        self.crawlers = RunnerCrawlers(self.store.engine, config.db_url, clock=clock or time.time,
                                       warehouse=warehouse, max_concurrent=config.crawler_max_concurrent
                                       ).attach(self.orchestrator)
        pbg.add_JobRunnerServicer_to_server(JobRunnerServicer(self.service, self.orchestrator), self.server)
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
            self.server)

    @property
    def address(self) -> str:
        host = "127.0.0.1" if self.config.host in ("0.0.0.0", "::", "") else self.config.host
        return f"{host}:{self.port}"

    def start(self) -> "JobRunnerServer":
        self.service.start()
        self.server.start()
        for name in ("", SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        return self

    def stop(self, *, stop_runs: bool = False, grace: float = 2.0) -> None:
        """Stop serving. Runs keep running unless `stop_runs` (a restart adopts them)."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait(grace + 5)
        self.crawlers.close()  # its crawls end CANCELLED, handed to the triggers while the service still runs
        self.service.close(stop_runs=stop_runs)
        self.orchestrator.close()
        self.store.close()
