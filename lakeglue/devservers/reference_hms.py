"""The reference Apache Hive Metastore (2.3.10, from pyspark's bundled jars).

    from lakeglue.devservers.reference_hms import ReferenceHiveMetastore

    with ReferenceHiveMetastore() as hms:            # embedded Derby backend
        with hms.client() as c:                      # pyiceberg's Thrift bindings
            assert "default" in c.get_all_databases()
        spark_conf = {"spark.hadoop.hive.metastore.uris": hms.uri}

    with PostgresServer() as pg, ReferenceHiveMetastore(postgres=pg) as hms:
        ...                                          # backing store in PostgreSQL

Runs ``java -cp "<conf>:<pyspark>/jars/*" org.apache.hadoop.hive.metastore.HiveMetaStore
-p PORT`` in its own process group with a generated hive-site.xml and a log4j2
config that logs to ``<tmp>/logs/hive.log`` (not the console). Startup takes
~10-30 s, so share one instance per test session/module where possible.
"""
from __future__ import annotations

import atexit
import contextlib
import glob
import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Dict, Iterator, List, Optional
from xml.sax.saxutils import escape

from .ports import free_port, port_open

POSTGRES_JDBC_JAR = "/usr/share/java/postgresql.jar"
# scripts/ensure-postgres.sh lives in the source checkout (an editable install), not the wheel.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HMS_MAIN = "org.apache.hadoop.hive.metastore.HiveMetaStore"

# Same module opens Spark passes to its JVMs on Java 17 (JavaModuleOptions).
JAVA17_OPENS = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false",
]

LOG4J2_PROPERTIES = """\
status = error
name = LakeglueReferenceHMS
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log_file}
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{ISO8601}} %-5p [%t] %c{{2}}: %m%n
rootLogger.level = {level}
rootLogger.appenderRef.file.ref = file
logger.datanucleus.name = DataNucleus
logger.datanucleus.level = warn
logger.datanucleus2.name = org.datanucleus
logger.datanucleus2.level = warn
logger.jpox.name = JPOX
logger.jpox.level = warn
"""


class HiveMetastoreError(RuntimeError):
    pass


def pyspark_jars_dir() -> str:
    """``<site-packages>/pyspark/jars`` (located without importing pyspark)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise HiveMetastoreError("pyspark is not installed; it provides the Hive Metastore jars")
    for loc in spec.submodule_search_locations:
        jars = os.path.join(loc, "jars")
        if glob.glob(os.path.join(jars, "hive-metastore-*.jar")):
            return jars
    raise HiveMetastoreError("no hive-metastore-*.jar in pyspark's jars directory")


def ensure_postgres_jdbc_jar() -> str:
    """Path of the PostgreSQL JDBC driver, installing Debian's
    libpostgresql-jdbc-java via scripts/ensure-postgres.sh if missing."""
    env = os.environ.get("LAKEGLUE_PG_JDBC_JAR")
    if env:
        return env
    if not os.path.isfile(POSTGRES_JDBC_JAR):
        script = os.path.join(REPO_ROOT, "scripts", "ensure-postgres.sh")
        if not os.path.isfile(script):
            raise HiveMetastoreError(
                f"PostgreSQL JDBC driver {POSTGRES_JDBC_JAR} missing: install Debian's "
                "libpostgresql-jdbc-java or point $LAKEGLUE_PG_JDBC_JAR at a driver jar")
        proc = subprocess.run(["bash", script, "--jdbc"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0 or not os.path.isfile(POSTGRES_JDBC_JAR):
            raise HiveMetastoreError(
                f"PostgreSQL JDBC driver {POSTGRES_JDBC_JAR} missing and install failed "
                f"(apt package libpostgresql-jdbc-java):\n{proc.stdout[-3000:]}")
    return POSTGRES_JDBC_JAR


def _hive_site(props: Dict[str, str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<configuration>"]
    for k, v in props.items():
        lines.append(f"  <property><name>{escape(k)}</name><value>{escape(v)}</value></property>")
    lines.append("</configuration>")
    return "\n".join(lines) + "\n"


def _tail(path: str, n: int = 60) -> str:
    try:
        with open(path, "r", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(missing)"


class ReferenceHiveMetastore:
    """Reference Hive Metastore 2.3.10 Thrift server on 127.0.0.1:<free port>.

    Args:
      postgres: a started ``lakeglue.devservers.postgres.PostgresServer``; if given, the
        metastore's backing store is database ``postgres_database`` there
        (created if missing) instead of an embedded Derby DB.
      jdbc_url / jdbc_user / jdbc_password: explicit PostgreSQL JDBC backend
        (``jdbc:postgresql://127.0.0.1:PORT/db``) instead of ``postgres``.
      extra_conf: additional hive-site.xml properties.
      start_timeout: seconds to wait for the Thrift port (default 120).

    Attributes: ``port``, ``uri`` (thrift://127.0.0.1:PORT), ``warehouse``
    (local directory path), ``base_dir``, ``log_path`` (hive log),
    ``console_log_path`` (JVM stdout/stderr), ``startup_seconds``.
    """

    def __init__(self, postgres=None, postgres_database: str = "hive_metastore",
                 jdbc_url: Optional[str] = None, jdbc_user: str = "postgres",
                 jdbc_password: str = "", extra_conf: Optional[Dict[str, str]] = None,
                 start_timeout: float = 120.0, heap: str = "512m",
                 log_level: str = "info", base_dir: Optional[str] = None,
                 java: Optional[str] = None):
        self.postgres = postgres
        self.postgres_database = postgres_database
        self.jdbc_url = jdbc_url
        self.jdbc_user = jdbc_user
        self.jdbc_password = jdbc_password
        self.extra_conf = dict(extra_conf or {})
        self.start_timeout = start_timeout
        self.heap = heap
        self.log_level = log_level
        self._base_parent = base_dir
        self.java = java or (os.path.join(os.environ["JAVA_HOME"], "bin", "java")
                             if os.environ.get("JAVA_HOME") else shutil.which("java") or "java")
        self.host = "127.0.0.1"
        self.port: Optional[int] = None
        self.base_dir: Optional[str] = None
        self.warehouse: Optional[str] = None
        self.conf_dir: Optional[str] = None
        self.log_path: Optional[str] = None
        self.console_log_path: Optional[str] = None
        self.startup_seconds: Optional[float] = None
        self._proc: Optional[subprocess.Popen] = None
        self._console = None

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc else None

    @property
    def uri(self) -> str:
        if self.port is None:
            raise RuntimeError("ReferenceHiveMetastore is not started")
        return f"thrift://{self.host}:{self.port}"

    @property
    def backend(self) -> str:
        return "postgres" if (self.postgres is not None or self.jdbc_url) else "derby"

    # ------------------------------------------------------------------ setup
    def _conf(self) -> Dict[str, str]:
        props = {
            "hive.async.log.enabled": "false",
            "hive.metastore.warehouse.dir": self.warehouse,
            "datanucleus.schema.autoCreateAll": "true",
            "datanucleus.autoCreateSchema": "true",
            "datanucleus.fixedDatastore": "false",
            "hive.metastore.schema.verification": "false",
            "hive.metastore.schema.verification.record.version": "false",
            "hive.metastore.uris": "",
            # pyspark ships no BoneCP jar; with the default pool every drop_* call kills the
            # connection. DBCP is bundled.
            "datanucleus.connectionPoolingType": "DBCP",
        }
        if self.backend == "derby":
            db = os.path.join(self.base_dir, "metastore_db")
            props.update({
                "javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={db};create=true",
                "javax.jdo.option.ConnectionDriverName": "org.apache.derby.jdbc.EmbeddedDriver",
            })
        else:
            url = self.jdbc_url
            if url is None:
                self._create_pg_database()
                url = self.postgres.jdbc_url(self.postgres_database)
                self.jdbc_user = self.postgres.user
            props.update({
                "javax.jdo.option.ConnectionURL": url,
                "javax.jdo.option.ConnectionDriverName": "org.postgresql.Driver",
                "javax.jdo.option.ConnectionUserName": self.jdbc_user,
                "javax.jdo.option.ConnectionPassword": self.jdbc_password,
            })
        props.update(self.extra_conf)
        return props

    def _create_pg_database(self) -> None:
        conn = self.postgres.connect("postgres", autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (self.postgres_database,))
                exists = cur.fetchone() is not None
        finally:
            conn.close()
        if not exists:
            self.postgres.create_database(self.postgres_database)

    def _classpath(self) -> str:
        parts = [self.conf_dir, os.path.join(pyspark_jars_dir(), "*")]
        if self.backend == "postgres":
            parts.append(ensure_postgres_jdbc_jar())
        return os.pathsep.join(parts)

    def _write_conf(self) -> None:
        os.makedirs(self.conf_dir, exist_ok=True)
        with open(os.path.join(self.conf_dir, "hive-site.xml"), "w") as f:
            f.write(_hive_site(self._conf()))
        log4j = LOG4J2_PROPERTIES.format(log_file=self.log_path, level=self.log_level)
        # HiveMetaStore.main re-initialises log4j from hive-log4j2.properties on
        # the classpath; -Dlog4j2.configurationFile covers the time before that.
        for name in ("log4j2.properties", "hive-log4j2.properties"):
            with open(os.path.join(self.conf_dir, name), "w") as f:
                f.write(log4j)

    def _command(self, port: int) -> List[str]:
        return [
            self.java, f"-Xmx{self.heap}", *JAVA17_OPENS,
            f"-Dlog4j2.configurationFile=file:{os.path.join(self.conf_dir, 'log4j2.properties')}",
            f"-Dlog4j.configurationFile=file:{os.path.join(self.conf_dir, 'log4j2.properties')}",
            f"-Dderby.stream.error.file={os.path.join(self.base_dir, 'logs', 'derby.log')}",
            f"-Djava.io.tmpdir={os.path.join(self.base_dir, 'tmp')}",
            "-Djava.net.preferIPv4Stack=true",
            f"-Duser.dir={self.base_dir}",
            "-cp", self._classpath(),
            HMS_MAIN, "-p", str(port),
        ]

    # -------------------------------------------------------------- lifecycle
    def start(self) -> "ReferenceHiveMetastore":
        if self._proc is not None:
            return self
        t0 = time.monotonic()
        self.base_dir = tempfile.mkdtemp(prefix="lakeglue-hms-", dir=self._base_parent)
        self.warehouse = os.path.join(self.base_dir, "warehouse")
        self.conf_dir = os.path.join(self.base_dir, "conf")
        self.log_path = os.path.join(self.base_dir, "logs", "hive.log")
        self.console_log_path = os.path.join(self.base_dir, "logs", "console.log")
        for d in ("warehouse", "logs", "tmp"):
            os.makedirs(os.path.join(self.base_dir, d), exist_ok=True)
        atexit.register(self.stop)
        try:
            self._write_conf()
            self._launch_and_wait()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def _launch_and_wait(self) -> None:
        env = dict(os.environ)
        for k in ("HIVE_CONF_DIR", "HADOOP_CONF_DIR", "CLASSPATH", "JAVA_TOOL_OPTIONS"):
            env.pop(k, None)
        for attempt in range(2):
            port = free_port(self.host)
            self._console = open(self.console_log_path, "ab")
            self._proc = subprocess.Popen(
                self._command(port), cwd=self.base_dir, env=env, stdin=subprocess.DEVNULL,
                stdout=self._console, stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + self.start_timeout
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    break
                if port_open(port, self.host):
                    self.port = port
                    return
                time.sleep(0.25)
            died = self._proc.poll() is not None
            log = _tail(self.log_path)
            self._kill()
            if died and attempt == 0 and "Address already in use" in (
                    log + _tail(self.console_log_path)):
                continue  # port raced away; try another one
            what = (f"exited with code {self._proc.returncode}" if died
                    else f"did not open port {port} within {self.start_timeout:.0f}s")
            raise HiveMetastoreError(
                f"reference Hive Metastore {what}.\n--- {self.log_path} (tail) ---\n{log}"
                f"\n--- {self.console_log_path} (tail) ---\n{_tail(self.console_log_path)}")

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if proc is not None and proc.poll() is not None:
            # Reap the group leader; also clear any stragglers in the group.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._console is not None:
            self._console.close()
            self._console = None

    def stop(self, keep_dir: bool = False) -> None:
        try:
            atexit.unregister(self.stop)
        except Exception:
            pass
        self._kill()
        self._proc = None
        self.port = None
        if self.base_dir and not keep_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    # ---------------------------------------------------------------- client
    @contextlib.contextmanager
    def client(self, timeout_ms: int = 60000) -> Iterator[object]:
        """A ``hive_metastore.ThriftHiveMetastore.Client`` (bindings shipped by
        pyiceberg) connected to this server; closed on exit."""
        from hive_metastore import ThriftHiveMetastore
        from thrift.protocol import TBinaryProtocol
        from thrift.transport import TSocket, TTransport

        sock = TSocket.TSocket(self.host, self.port)
        sock.setTimeout(timeout_ms)
        transport = TTransport.TBufferedTransport(sock)
        transport.open()
        try:
            yield ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
        finally:
            transport.close()

    def __enter__(self) -> "ReferenceHiveMetastore":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ReferenceHiveMetastore(uri=thrift://{self.host}:{self.port}, backend={self.backend})"
