"""`lakeglue metastore serve` as a separate OS process on a free loopback port.

    with LakeglueMetastore("sqlite:////tmp/x/catalog.db", "file:/tmp/x/warehouse", "/tmp/x/ms.log") as ms:
        ms.uri                                       # thrift://127.0.0.1:PORT

The process is this interpreter running `-m lakeglue`, so it serves exactly the checked-out
code; `extra_args` are appended to the `metastore serve` command line.
"""
from __future__ import annotations

import subprocess
import sys
import time
from typing import Optional, Sequence

from .ports import free_port, port_open


class LakeglueMetastoreError(RuntimeError):
    pass


def _tail(path: str, n: int = 3000) -> str:
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()[-n:]
    except OSError:
        return "(no log)"


def thrift_ready(host: str, port: int, timeout_ms: int = 2000) -> bool:
    """True when a ThriftHiveMetastore answers `get_all_databases` on host:port."""
    from hive_metastore import ThriftHiveMetastore
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport

    if not port_open(port, host):  # (TSocket logs a traceback for every refused connect)
        return False
    sock = TSocket.TSocket(host, port)
    sock.setTimeout(timeout_ms)
    transport = TTransport.TBufferedTransport(sock)
    try:
        transport.open()
        ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocolAccelerated(transport)).get_all_databases()
        return True
    except Exception:
        return False
    finally:
        transport.close()


class LakeglueMetastore:
    """A `lakeglue metastore serve` subprocess; `start()` returns once it answers over Thrift.

    Raises LakeglueMetastoreError (with the log's tail) when the process exits or does not
    answer within `start_timeout` seconds.
    """

    def __init__(self, db_url: str, warehouse: str, log_path: str, *, port: Optional[int] = None,
                 extra_args: Sequence[str] = (), start_timeout: float = 120.0, env: Optional[dict] = None):
        self.db_url, self.warehouse, self.log_path = db_url, warehouse, log_path
        self.host = "127.0.0.1"
        self.port = port
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.env = env
        self.startup_seconds: Optional[float] = None
        self._proc: Optional[subprocess.Popen] = None

    @property
    def uri(self) -> str:
        return f"thrift://{self.host}:{self.port}"

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc else None

    def start(self) -> "LakeglueMetastore":
        t0 = time.monotonic()
        self.port = self.port or free_port(self.host)
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "lakeglue", "--log-level", "WARNING", "metastore", "serve",
                 "--host", self.host, "--port", str(self.port), "--db-url", self.db_url,
                 "--warehouse", self.warehouse, *self.extra_args],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = t0 + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise LakeglueMetastoreError(
                    f"lakeglue metastore exited with {self._proc.returncode}:\n{_tail(self.log_path)}")
            if thrift_ready(self.host, self.port):
                self.startup_seconds = time.monotonic() - t0
                return self
            time.sleep(0.2)
        self.stop()
        raise LakeglueMetastoreError(
            f"lakeglue metastore did not answer on {self.uri} within {self.start_timeout:.0f}s:\n"
            f"{_tail(self.log_path)}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> "LakeglueMetastore":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
