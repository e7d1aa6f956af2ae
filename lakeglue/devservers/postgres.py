"""Throwaway PostgreSQL clusters (for `lakeglue bench` and the test suite).

    from lakeglue.devservers.postgres import PostgresServer

    with PostgresServer() as pg:
        engine = sqlalchemy.create_engine(pg.url)
        other_url = pg.create_database("catalog_test")

Binaries are taken from ``$LAKEGLUE_PG_BIN`` or the highest version under
``/usr/lib/postgresql/*/bin`` (run ``scripts/ensure-postgres.sh`` to install them).
initdb refuses to run as root, so when running as root the server runs as the
unprivileged system user ``lakeglue-pg`` (created on demand).
"""
from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from typing import List, Optional, Sequence

from .ports import free_port

PG_BIN_ENV = "LAKEGLUE_PG_BIN"
SYSTEM_USER = "lakeglue-pg"
SUPERUSER = "postgres"
HOST = "127.0.0.1"


class PostgresNotFound(RuntimeError):
    pass


class PostgresStartError(RuntimeError):
    pass


def _version_key(path: str):
    m = re.search(r"/postgresql/([^/]+)/bin/?$", path)
    ver = m.group(1) if m else "0"
    return [int(p) if p.isdigit() else 0 for p in re.split(r"[.]", ver)]


def find_pg_bin() -> str:
    """Directory holding initdb/pg_ctl/postgres, or raise PostgresNotFound."""
    env = os.environ.get(PG_BIN_ENV)
    if env:
        if all(os.access(os.path.join(env, b), os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            return env
        raise PostgresNotFound(
            f"${PG_BIN_ENV}={env!r} does not contain initdb/pg_ctl/postgres")
    candidates = [
        d for d in glob.glob("/usr/lib/postgresql/*/bin")
        if all(os.access(os.path.join(d, b), os.X_OK) for b in ("initdb", "pg_ctl", "postgres"))
    ]
    if not candidates:
        raise PostgresNotFound(
            "PostgreSQL server binaries (initdb, pg_ctl) not found under "
            "/usr/lib/postgresql/*/bin and $LAKEGLUE_PG_BIN is not set. "
            "Run `bash scripts/ensure-postgres.sh` (installs the Debian 'postgresql' package).")
    return max(candidates, key=_version_key)


def _ensure_system_user(name: str = SYSTEM_USER) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    proc = subprocess.run(
        [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", "--user-group", name],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Re-check even on failure: a parallel worker may have created it.
        return pwd.getpwnam(name)
    except KeyError:
        raise PostgresStartError(
            f"could not create system user {name!r}: {proc.stdout.strip()}") from None


def _tail(path: str, n: int = 40) -> str:
    try:
        with open(path, "r", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no log)"


class PostgresServer:
    """A private PostgreSQL cluster in a temp dir on a free loopback port.

    Attributes after ``start()``: ``port``, ``host``, ``user``, ``url``
    (SQLAlchemy URL of the ``postgres`` database), ``base_dir``, ``data_dir``,
    ``socket_dir``, ``log_path``, ``bin_dir``.
    """

    def __init__(self, bin_dir: Optional[str] = None, base_dir: Optional[str] = None,
                 port: Optional[int] = None, start_timeout: float = 60.0,
                 extra_options: Sequence[str] = ()):
        self.bin_dir = bin_dir or find_pg_bin()
        self._base_parent = base_dir
        self._requested_port = port
        self.start_timeout = start_timeout
        self.extra_options = list(extra_options)
        self.host = HOST
        self.user = SUPERUSER
        self.port: Optional[int] = None
        self.base_dir: Optional[str] = None
        self.data_dir: Optional[str] = None
        self.socket_dir: Optional[str] = None
        self.log_path: Optional[str] = None
        self._run_as: Optional[str] = None
        self._started = False

    # ---------------------------------------------------------------- URLs
    def url_for(self, database: str = "postgres", driver: str = "psycopg2") -> str:
        self._check_started()
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{database}"

    @property
    def url(self) -> str:
        """SQLAlchemy URL: postgresql+psycopg2://postgres@127.0.0.1:PORT/postgres"""
        return self.url_for("postgres")

    def dsn(self, database: str = "postgres") -> str:
        """libpq keyword DSN, usable with psycopg2.connect()."""
        self._check_started()
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    def jdbc_url(self, database: str = "postgres") -> str:
        self._check_started()
        return f"jdbc:postgresql://{self.host}:{self.port}/{database}"

    # ------------------------------------------------------------ lifecycle
    def _cmd(self, argv: List[str]) -> List[str]:
        if self._run_as:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            return [runuser, "-u", self._run_as, "--"] + argv
        return argv

    def _run(self, argv: List[str], timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            self._cmd(argv), cwd=self.base_dir, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=timeout, env=self._env())

    def _env(self):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("PG"):
                env.pop(k)  # don't let the caller's PGDATA/PGPORT/... leak in
        env["LC_ALL"] = "C"
        env["LANG"] = "C"
        return env

    def start(self) -> "PostgresServer":
        if self._started:
            return self
        if os.geteuid() == 0:
            pw = _ensure_system_user()
            self._run_as = pw.pw_name
        parent = self._base_parent or tempfile.gettempdir()
        self.base_dir = tempfile.mkdtemp(prefix="lakeglue-pg-", dir=parent)
        self.data_dir = os.path.join(self.base_dir, "data")
        self.socket_dir = os.path.join(self.base_dir, "sock")
        self.log_path = os.path.join(self.base_dir, "postgres.log")
        os.mkdir(self.socket_dir, 0o700)
        if self._run_as:
            pw = pwd.getpwnam(self._run_as)
            for p in (self.base_dir, self.socket_dir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self._started = True  # from here on stop() cleans up
        atexit.register(self.stop)
        try:
            self._initdb()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def _initdb(self) -> None:
        proc = self._run(
            [os.path.join(self.bin_dir, "initdb"), "-D", self.data_dir,
             "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            timeout=120)
        if proc.returncode != 0:
            raise PostgresStartError(f"initdb failed (rc={proc.returncode}):\n{proc.stdout}")

    def _start_server(self) -> None:
        attempts = 1 if self._requested_port else 3
        last = ""
        for _ in range(attempts):
            port = self._requested_port or free_port(HOST)
            opts = [f"-p {port}", f"-h {HOST}", f"-k {self.socket_dir}",
                    "-c fsync=off", "-c full_page_writes=off",
                    "-c synchronous_commit=off", "-c max_connections=200"]
            opts += self.extra_options
            proc = self._run(
                [os.path.join(self.bin_dir, "pg_ctl"), "start", "-D", self.data_dir,
                 "-l", self.log_path, "-w", "-t", str(int(self.start_timeout)),
                 "-o", " ".join(opts)],
                timeout=self.start_timeout + 30)
            if proc.returncode == 0:
                self.port = port
                self._wait_ready()
                return
            last = f"{proc.stdout}\n--- log tail ---\n{_tail(self.log_path)}"
            # Port may have been grabbed between free_port() and bind: retry.
            self._kill_postmaster()
        raise PostgresStartError(f"pg_ctl start failed:\n{last}")

    def _wait_ready(self) -> None:
        try:
            import psycopg2
        except ImportError:  # pg_ctl -w already waited; nothing more to check
            return
        deadline = time.monotonic() + self.start_timeout
        err: Exception | None = None
        while time.monotonic() < deadline:
            try:
                conn = psycopg2.connect(self.dsn(), connect_timeout=5)
                conn.close()
                return
            except psycopg2.OperationalError as e:
                err = e
                time.sleep(0.1)
        raise PostgresStartError(
            f"PostgreSQL on port {self.port} not accepting connections: {err}\n"
            f"--- log tail ---\n{_tail(self.log_path)}")

    def _kill_postmaster(self) -> None:
        pidfile = os.path.join(self.data_dir or "", "postmaster.pid")
        try:
            with open(pidfile) as f:
                pid = int(f.readline().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown
        except ProcessLookupError:
            return
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        try:
            atexit.unregister(self.stop)
        except Exception:
            pass
        if self.data_dir and os.path.exists(os.path.join(self.data_dir, "postmaster.pid")):
            try:
                proc = self._run(
                    [os.path.join(self.bin_dir, "pg_ctl"), "stop", "-D", self.data_dir,
                     "-m", "immediate", "-w", "-t", "30"], timeout=60)
                if proc.returncode != 0:
                    self._kill_postmaster()
            except (subprocess.TimeoutExpired, OSError):
                self._kill_postmaster()
        if self.base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def _check_started(self) -> None:
        if self.port is None:
            raise RuntimeError("PostgresServer is not started")

    # -------------------------------------------------------------- helpers
    def connect(self, database: str = "postgres", autocommit: bool = False):
        """psycopg2 connection to ``database``."""
        import psycopg2
        conn = psycopg2.connect(self.dsn(database))
        conn.autocommit = autocommit
        return conn

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name``; return its SQLAlchemy URL."""
        from psycopg2 import sql
        conn = self.connect("postgres", autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            conn.close()
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        from psycopg2 import sql
        conn = self.connect("postgres", autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)))
        finally:
            conn.close()

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"PostgresServer(port={self.port}, bin_dir={self.bin_dir!r})"
