"""moto S3 in real server mode (HTTP on loopback) for tests and subprocesses.

    from tests.infra.moto_s3 import MotoS3Server, s3_env

    with MotoS3Server() as s3:
        client = boto3.client("s3", endpoint_url=s3.endpoint_url, **s3.client_kwargs())
        subprocess.run(cmd, env={**os.environ, **s3_env(s3.endpoint_url)})

Nothing process-global (env vars, mocks) is touched: pass credentials
explicitly (``client_kwargs()``) or via ``s3_env()`` to subprocesses.
"""
from __future__ import annotations

from typing import Dict, Optional

import socket

from tests.infra.ports import wait_for_port

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


def s3_env(endpoint: str) -> Dict[str, str]:
    """AWS env vars pointing an AWS SDK (boto3, hadoop-aws via AWS_ENDPOINT_URL, ...)
    at ``endpoint`` with moto's dummy credentials."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_S3": endpoint,
    }


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


class MotoS3Server:
    """A moto server (``moto.server.ThreadedMotoServer``) on 127.0.0.1:<free port>.

    Attributes: ``host``, ``port``, ``endpoint_url`` (``http://127.0.0.1:PORT``).
    moto server mode mocks all services, but this helper is meant for S3.
    """

    def __init__(self, port: Optional[int] = None, verbose: bool = False):
        self.host = "127.0.0.1"
        self._requested_port = port
        self.port: Optional[int] = None
        self.verbose = verbose
        self._server = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise RuntimeError("MotoS3Server is not started")
        return f"http://{self.host}:{self.port}"

    def env(self) -> Dict[str, str]:
        return s3_env(self.endpoint_url)

    def client_kwargs(self) -> Dict[str, str]:
        """Keyword args for ``boto3.client('s3', **kwargs)``."""
        return {
            "endpoint_url": self.endpoint_url,
            "aws_access_key_id": ACCESS_KEY,
            "aws_secret_access_key": SECRET_KEY,
            "region_name": REGION,
        }

    def client(self, service: str = "s3"):
        import boto3
        return boto3.client(service, **self.client_kwargs())

    def start(self) -> "MotoS3Server":
        if self._server is not None:
            return self
        from moto.server import ThreadedMotoServer

        port = self._requested_port or 0
        if port and not _port_free(self.host, port):
            # ThreadedMotoServer.start() would block forever if the bind fails.
            raise RuntimeError(f"port {self.host}:{port} is already in use")
        # Port 0: werkzeug binds an ephemeral port itself, so there is no
        # race between picking a free port and binding it.
        server = ThreadedMotoServer(ip_address=self.host, port=port, verbose=self.verbose)
        server.start()
        _, bound_port = server.get_host_and_port()
        if not wait_for_port(bound_port, self.host, timeout=30):
            server.stop()
            raise RuntimeError(f"moto server did not listen on {self.host}:{bound_port}")
        self._server, self.port = server, bound_port
        return self

    def reset(self) -> None:
        """Drop all mocked state (buckets, objects) via moto's reset endpoint."""
        import urllib.request
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(req, timeout=10).close()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            try:
                server.stop()
            finally:
                self.port = None

    def __enter__(self) -> "MotoS3Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"MotoS3Server(endpoint_url={'http://%s:%s' % (self.host, self.port)!r})"
