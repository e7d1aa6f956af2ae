"""Serving the metastore from several processes on one port.

Python threads share one interpreter lock, so one process uses about one core. The parent
binds the port, brings the catalog schema up to date and creates `default` once, then
forks worker processes that all accept on the inherited socket; the kernel spreads
connections across them. Every worker reads and writes the catalog database directly (no
shared in-memory state), so a connection always sees its own writes and those of others
that committed. The parent restarts a worker that dies and stops all of them on
SIGTERM/SIGINT.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Dict, Optional

from .config import MetastoreConfig

log = logging.getLogger(__name__)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class WorkerPool:
    def __init__(self, config: MetastoreConfig, workers: int):
        from .app import build_services
        from .thrift.server import listen

        self.config = config.resolved()
        self.workers = max(1, workers)
        self.sock = listen(self.config.host, self.config.port)
        self.port = self.sock.getsockname()[1]
        # Migrate/verify and create `default` once, before any worker exists.
        build_services(self.config.db_url, self.config.warehouse).close()
        self._children: Dict[int, int] = {}  # pid -> slot
        self._stopping = threading.Event()
        self._monitor: Optional[threading.Thread] = None

    @property
    def uri(self) -> str:
        return f"thrift://{self.config.host}:{self.port}"

    def start(self) -> "WorkerPool":
        for slot in range(self.workers):
            self._spawn(slot)
        self._monitor = threading.Thread(target=self._watch, name="metastore-workers", daemon=True)
        self._monitor.start()
        return self

    def _spawn(self, slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # child
            # Drop the parent's handlers at once: until the worker's server exists, SIGTERM
            # must simply end it (otherwise a stop during start-up would be swallowed).
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = 0
            try:
                _worker_main(self.config, self.sock)
            except BaseException:
                log.exception("metastore worker %d failed", slot)
                code = 1
            finally:
                os._exit(code)
        self._children[pid] = slot

    def _watch(self) -> None:
        while not self._stopping.is_set():
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
            if pid and pid in self._children:
                slot = self._children.pop(pid)
                if not self._stopping.is_set():
                    log.warning("metastore worker %d (pid %d) exited with status %s; restarting", slot, pid, status)
                    time.sleep(0.5)
                    self._spawn(slot)
            else:
                time.sleep(0.2)

    def stop(self, timeout: float = 20.0) -> None:
        self._stopping.set()
        for pid in list(self._children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.time() + timeout
        for pid in list(self._children):
            while time.time() < deadline:
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if done:
                    break
                time.sleep(0.05)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
            self._children.pop(pid, None)
        self.sock.close()


def _worker_main(config: MetastoreConfig, sock) -> None:
    from . import warehouse
    from .app import build_services
    from .thrift.server import MetastoreServer

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    services = build_services(config.db_url, config.warehouse)
    server = MetastoreServer(services, host=config.host, framed=config.framed, sock=sock)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.stop, daemon=True).start())
    server.serve_forever()
    warehouse.drain_deletes()
    services.close()
