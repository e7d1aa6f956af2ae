"""A real single-node Trino server (coordinator + worker in one JVM) for tests.

    from tests.infra.trino import TrinoServer, ensure_trino

    with TrinoServer(metastore_uri="thrift://127.0.0.1:9083", base=tmp_dir) as trino:
        trino.query("SHOW SCHEMAS FROM hive")          # -> list of row lists

The server distribution comes from Maven Central (`io.trino:trino-server:<ver>` tar.gz),
downloaded and SHA-1-verified once per machine by scripts/fetch-trino.sh into
``${LAKEGLUE_CACHE:-~/.cache/lakeglue}/trino/`` (never into the repo). Everything the
server writes (etc/, data dir, server.log, spill, tmp) goes under ``base``.

Version: the machines have Java 17 only. Trino 436 and later require Java 21+ (470 needs
23, 476 needs 24); releases up to 435 run on Java 17, and of those the Maven Central we
reach serves trino-server 352, 356 and 368 only, so the default is 368 (its
TrinoSystemRequirements asks for Java >= 11.0.11). Override with LAKEGLUE_TRINO_VERSION.

The JVM is started directly (``java -cp lib/* ... io.trino.server.TrinoServer``), as
bin/launcher.py would, because that launcher needs a `python` (2 or 3) on PATH.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Optional

from tests.infra.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VERSION = "368"
# Only the plugins the tests use are loaded: loading all ~40 adds tens of seconds.
PLUGINS = ("hive", "iceberg", "tpch")


def trino_version() -> str:
    return os.environ.get("LAKEGLUE_TRINO_VERSION", DEFAULT_VERSION)


def ensure_trino(version: Optional[str] = None, timeout: float = 1800) -> Path:
    """The unpacked trino-server directory from the per-machine cache, downloading it
    (and verifying its SHA-1 from Maven Central) on first use."""
    version = version or trino_version()
    proc = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "fetch-trino.sh"), version],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"fetch-trino.sh {version} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    path = Path(proc.stdout.strip().splitlines()[-1])
    if not (path / "lib").is_dir():
        raise RuntimeError(f"fetch-trino.sh printed {path}, which has no lib/")
    return path


def _die_with_parent() -> None:
    """In the child before exec: have Linux send SIGTERM when the test process dies, so a
    killed test run leaves no Trino JVM behind (best effort; a no-op elsewhere)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _write_properties(path: Path, props: Dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))


class TrinoQueryError(AssertionError):
    def __init__(self, sql: str, error: dict):
        self.sql, self.error = sql, error
        self.error_name = error.get("errorName")
        self.message = error.get("message")
        super().__init__(f"{self.error_name}: {self.message}\n  in: {sql}")


class TrinoServer:
    """A Trino server on a free loopback port with `hive` and `iceberg` catalogs pointed
    at `metastore_uri`. Use as a context manager, or call start()/stop()."""

    def __init__(self, metastore_uri: str, base: Path, install: Optional[Path] = None,
                 heap: str = "2G", extra_hive: Optional[Dict[str, str]] = None,
                 extra_iceberg: Optional[Dict[str, str]] = None):
        self.metastore_uri = metastore_uri
        self.base = Path(base)
        self.install = Path(install) if install else None
        self.heap = heap
        self.extra_hive = dict(extra_hive or {})
        self.extra_iceberg = dict(extra_iceberg or {})
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None
        self.startup_seconds: Optional[float] = None
        self.etc = self.base / "etc"
        self.data_dir = self.base / "data"
        self.server_log = self.base / "server.log"
        self.console_log = self.base / "console.log"

    # --- configuration -----------------------------------------------------------------
    def _jvm_options(self) -> List[str]:
        # Trino's documented jvm.config (deployment.rst of this release line), sized for a
        # 2-core / 24 GiB machine.
        return [
            "-server",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-XX:G1HeapRegionSize=32M",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:ReservedCodeCacheSize=256M",
            "-XX:PerMethodRecompilationCutoff=10000",
            "-XX:PerBytecodeRecompilationCutoff=10000",
            # Tests run tiny queries on 2 cores: C2 compilation costs more CPU than it
            # saves, and C1 alone roughly halves startup.
            "-XX:TieredStopAtLevel=1",
            "-Djdk.attach.allowAttachSelf=true",
            "-Djdk.nio.maxCachedBufferSize=2000000",
            "-Duser.timezone=UTC",
            "-Dfile.encoding=UTF-8",
            f"-Djava.io.tmpdir={self.base / 'tmp'}",
        ]

    def write_config(self) -> None:
        assert self.port is not None
        (self.base / "tmp").mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.etc.mkdir(parents=True, exist_ok=True)
        plugins = self.base / "plugin"
        plugins.mkdir(exist_ok=True)
        for name in PLUGINS:
            link = plugins / name
            if not link.exists():
                link.symlink_to(self.install / "plugin" / name)
        _write_properties(self.etc / "node.properties", {
            "node.environment": "lakeglue_test",
            "node.id": str(uuid.uuid4()),
            "node.data-dir": str(self.data_dir),
            # Announce and serve on loopback only (else the node announces the host's
            # address and the coordinator talks to itself through it).
            "node.internal-address": "127.0.0.1",
            "node.bind-ip": "127.0.0.1",
        })
        (self.etc / "jvm.config").write_text("\n".join(self._jvm_options()) + "\n")
        _write_properties(self.etc / "config.properties", {
            "coordinator": "true",
            "node-scheduler.include-coordinator": "true",
            "http-server.http.port": str(self.port),
            "discovery.uri": f"http://127.0.0.1:{self.port}",
            "plugin.dir": str(plugins),
            "catalog.config-dir": str(self.etc / "catalog"),
            "query.max-memory": "1GB",
            "query.max-memory-per-node": "512MB",
            "query.max-total-memory-per-node": "768MB",
            # 2 cores: keep the thread pools and per-query parallelism small.
            "task.concurrency": "2",
            "task.max-worker-threads": "4",
            "query.min-expire-age": "1m",
        })
        _write_properties(self.etc / "log.properties", {
            "io.trino": "INFO",
            "io.trino.plugin.hive.metastore.thrift": "DEBUG",
        })
        hive = {
            "connector.name": "hive",
            "hive.metastore.uri": self.metastore_uri,
            # Every table the tests create lives on local `file:` paths; the metastore
            # decides managed vs external, so writes to external tables must be allowed.
            "hive.non-managed-table-writes-enabled": "true",
            # Older releases default to "legacy" security, which forbids DROP TABLE etc.
            "hive.security": "allow-all",
            "hive.collect-column-statistics-on-write": "true",
            "hive.metastore-timeout": "60s",
            "hive.temporary-staging-directory-path": str(self.base / "tmp" / "hive-staging"),
        }
        hive.update(self.extra_hive)
        _write_properties(self.etc / "catalog" / "hive.properties", hive)
        iceberg = {
            "connector.name": "iceberg",
            "iceberg.catalog.type": "HIVE_METASTORE",
            "hive.metastore.uri": self.metastore_uri,
        }
        iceberg.update(self.extra_iceberg)
        _write_properties(self.etc / "catalog" / "iceberg.properties", iceberg)

    def command(self) -> List[str]:
        java = shutil.which("java") or "java"
        props = {
            "node.environment": "lakeglue_test",
            "config": str(self.etc / "config.properties"),
            "log.levels-file": str(self.etc / "log.properties"),
            "log.output-file": str(self.server_log),
            "log.enable-console": "false",
        }
        for line in (self.etc / "node.properties").read_text().splitlines():
            key, _, value = line.partition("=")
            props[key] = value
        return ([java, "-cp", str(self.install / "lib" / "*")] + self._jvm_options()
                + [f"-D{k}={v}" for k, v in props.items()] + ["io.trino.server.TrinoServer"])

    # --- lifecycle -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> "TrinoServer":
        if self.install is None:
            self.install = ensure_trino()
        self.port = free_port()
        self.base.mkdir(parents=True, exist_ok=True)
        self.write_config()
        started = time.monotonic()
        console = open(self.console_log, "ab")
        self.proc = subprocess.Popen(self.command(), cwd=str(self.base), stdout=console, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        console.close()
        deadline = started + timeout
        try:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"trino exited with {self.proc.returncode}:\n{self.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"trino did not start within {timeout}s:\n{self.log_tail()}")
                if self._info().get("starting") is False:
                    break
                time.sleep(0.5)
            # The coordinator reports "not starting" before its own worker has announced
            # itself; a trivial query fails with NO_NODES_AVAILABLE until then.
            while True:
                try:
                    if self.query("SELECT 1") == [[1]]:
                        break
                except TrinoQueryError as e:
                    if e.error_name != "NO_NODES_AVAILABLE" or time.monotonic() > deadline:
                        raise
                time.sleep(0.5)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _info(self) -> dict:
        try:
            with urllib.request.urlopen(self.url + "/v1/info", timeout=5) as r:
                return json.loads(r.read())
        except (OSError, ValueError):
            return {}

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "TrinoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_tail(self, n: int = 120) -> str:
        out = []
        for path in (self.server_log, self.console_log):
            try:
                with open(path, errors="replace") as f:
                    out.append(f"--- {path.name}\n" + "".join(f.readlines()[-n:]))
            except OSError:
                pass
        return "\n".join(out) or "(no log)"

    # --- queries -------------------------------------------------------------------------
    def connect(self, session: Optional[Dict[str, str]] = None):
        """A DB-API connection from the `trino` client package."""
        import trino.dbapi

        return trino.dbapi.connect(host="127.0.0.1", port=self.port, user="lakeglue", http_scheme="http",
                                   session_properties=dict(session or {}), request_timeout=120)

    def execute(self, sql: str, session: Optional[Dict[str, str]] = None):
        """Run one statement to completion; returns (rows, cursor) so callers can read
        column names and query stats. Raises TrinoQueryError on a query failure."""
        import trino.exceptions

        cur = self.connect(session).cursor()
        try:
            cur.execute(sql)
            rows = cur.fetchall()
        except trino.exceptions.TrinoQueryError as e:
            raise TrinoQueryError(sql, {"errorName": e.error_name, "message": e.message,
                                        "errorType": e.error_type}) from None
        return [list(r) for r in rows], cur

    def query(self, sql: str, session: Optional[Dict[str, str]] = None) -> list:
        """Rows (as lists) of one statement."""
        return self.execute(sql, session)[0]
