"""How the long-running commands (`serve`, `jobrunner serve`, `crawler daemon`) wait for
SIGTERM/SIGINT, and the bound on their own shutdown.

The main thread polls its stop event instead of blocking on it: a process-directed signal may
be delivered to any thread (gRPC and the supervisors run many), and Python runs handlers only in
the main thread when it next executes bytecode — an untimed wait could sleep through it.

Once stopping, a watchdog (faulthandler) bounds the shutdown: if the process has not exited
after `limit` seconds it writes every thread's stack to stderr and exits with status 1, so a
stuck shutdown is diagnosable from the log instead of hanging whoever supervises the process.
"""
from __future__ import annotations

import faulthandler
import signal
import threading

SHUTDOWN_LIMIT_SECONDS = 25.0
# A crawler daemon lets running crawls finish the table they are writing before it exits.
CRAWLER_SHUTDOWN_LIMIT_SECONDS = 300.0
_POLL_SECONDS = 0.5


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (installs the handlers; main thread only)."""
    stop = threading.Event()

    def _set(*_):
        stop.set()

    signal.signal(signal.SIGTERM, _set)
    signal.signal(signal.SIGINT, _set)
    return stop


def wait_then_bound_shutdown(stop: threading.Event, limit: float = SHUTDOWN_LIMIT_SECONDS) -> None:
    """Return once `stop` is set, with the shutdown watchdog armed for `limit` seconds (it
    stays armed through interpreter exit)."""
    while not stop.wait(_POLL_SECONDS):
        pass
    faulthandler.dump_traceback_later(limit, exit=True)
