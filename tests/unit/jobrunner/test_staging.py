"""Staging a run's files has a deadline: a fetch that hangs (an HTTP server that never
answers) ends the run ERROR, unstarted, instead of leaving it STARTING forever."""
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jobrunner.model import RunState

from .conftest import python_job


@pytest.fixture
def silent_http():
    """http://127.0.0.1:PORT of a server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # never accept(): the kernel completes the handshake, nobody replies
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def script_http():
    """http://127.0.0.1:PORT/… of a server that serves a small script."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"print('fetched over http')\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def _log(svc, run_id):
    return svc.read_log(run_id).data.decode()


def test_a_hung_script_fetch_ends_the_run_at_the_staging_deadline(make_runner, silent_http, script_http):
    svc = make_runner(staging_timeout_seconds=1.0).start().service
    svc.create_job(python_job("hung", f"{silent_http}/jobs/etl.py"))
    t0 = time.monotonic()
    run = svc.start_job_run("hung")
    done = svc.wait_for_run(run.id, 30)
    assert done.state is RunState.ERROR and done.pid is None and time.monotonic() - t0 < 15
    assert done.error_message == (f"Staging the run's files took longer than 1 seconds (still fetching "
                                  f"{silent_http}/jobs/etl.py); the run was not started (the job runner's "
                                  "staging timeout)")
    assert done.error_message in _log(svc, run.id)
    # an extra file that hangs counts too; a server that answers is fetched as before
    svc.create_job(python_job("hung-lib", f"{script_http}/ok.py", extra_py_files=(f"{silent_http}/lib.py",)))
    done = svc.wait_for_run(svc.start_job_run("hung-lib").id, 30)
    assert done.state is RunState.ERROR and f"still fetching {silent_http}/lib.py" in done.error_message
    svc.create_job(python_job("ok", f"{script_http}/ok.py"))
    done = svc.wait_for_run(svc.start_job_run("ok").id, 60)
    assert done.state is RunState.SUCCEEDED and "fetched over http" in _log(svc, done.id)


def test_the_run_timeout_bounds_staging_when_it_is_shorter(make_runner, silent_http):
    svc = make_runner(staging_timeout_seconds=600.0).start().service
    svc.create_job(python_job("hung", f"{silent_http}/etl.py", timeout_seconds=1))
    done = svc.wait_for_run(svc.start_job_run("hung").id, 30)
    assert done.state is RunState.ERROR
    assert done.error_message == (f"Job run timed out after 1 seconds while staging its files (still fetching "
                                  f"{silent_http}/etl.py); the run was not started")


def test_a_run_stopped_while_staging_ends_stopped(make_runner, silent_http):
    svc = make_runner(staging_timeout_seconds=600.0).start().service
    svc.create_job(python_job("hung", f"{silent_http}/etl.py"))
    run = svc.start_job_run("hung")
    time.sleep(0.5)
    assert svc.get_job_run(run.id).state is RunState.STARTING
    svc.stop_job_run(run.id)
    done = svc.wait_for_run(run.id, 10)
    assert done.state is RunState.STOPPED and done.pid is None
    assert "stop requested while staging" in _log(svc, run.id)
