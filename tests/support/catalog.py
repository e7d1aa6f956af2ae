"""Start lakeglue metastores for tests and talk to them over Thrift."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from typing import Iterator, Optional

from thrift.protocol import TBinaryProtocol
from thrift.transport import TSocket, TTransport

from metastore.app import build_services
from metastore.thrift import idl_hive4
from metastore.thrift.server import MetastoreServer


class ThriftClient:
    """A ThriftHiveMetastore client over a real socket (buffered or framed transport)."""

    def __init__(self, host: str, port: int, framed: bool = False, timeout_ms: int = 60000):
        self.host, self.port, self.framed = host, port, framed
        sock = TSocket.TSocket(host, port)
        sock.setTimeout(timeout_ms)
        self.transport = TTransport.TFramedTransport(sock) if framed else TTransport.TBufferedTransport(sock)
        # the generated client plus the Hive 4.0.1 methods PyIceberg's bindings lack
        self.client = idl_hive4.Client(TBinaryProtocol.TBinaryProtocolAccelerated(self.transport))
        self.transport.open()

    def __getattr__(self, name):
        return getattr(self.client, name)

    def close(self) -> None:
        self.transport.close()


@contextlib.contextmanager
def running_metastore(db_url: str, warehouse: str, framed: bool = False) -> Iterator[MetastoreServer]:
    """An in-process metastore on a free loopback port."""
    server = MetastoreServer(build_services(db_url, warehouse), host="127.0.0.1", port=0, framed=framed)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.services.close()


class MetastoreProcess:
    """`lakeglue metastore serve` as a separate OS process (for restart and CLI tests)."""

    def __init__(self, db_url: str, warehouse: str, port: int, log_path: str, extra_env: Optional[dict] = None):
        self.db_url, self.warehouse, self.port, self.log_path = db_url, warehouse, port, log_path
        self.env = dict(os.environ, **(extra_env or {}))
        self.proc: Optional[subprocess.Popen] = None

    @property
    def uri(self) -> str:
        return f"thrift://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "MetastoreProcess":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lakeglue", "metastore", "serve", "--port", str(self.port),
             "--db-url", self.db_url, "--warehouse", self.warehouse],
            stdout=log, stderr=subprocess.STDOUT, env=self.env,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"metastore exited with {self.proc.returncode}: {open(self.log_path).read()[-3000:]}")
            try:
                c = ThriftClient("127.0.0.1", self.port, timeout_ms=2000)
                c.getStatus()
                c.close()
                return self
            except Exception:
                time.sleep(0.2)
        raise RuntimeError(f"metastore did not start: {open(self.log_path).read()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
