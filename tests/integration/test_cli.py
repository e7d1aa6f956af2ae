"""The `lakeglue` command as users run it: separate processes, real sockets."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hive_metastore import ttypes as tt
from sqlalchemy import text

from metastore import migrations
from metastore.store.session import make_engine
from tests.infra.ports import free_port
from tests.support.catalog import MetastoreProcess, ThriftClient


def _lakeglue(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "lakeglue", *args], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), timeout=timeout)


def test_db_upgrade_and_current(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    before = _lakeglue("db", "current", "--db-url", url)
    assert before.returncode == 1 and "current: empty" in before.stdout
    up = _lakeglue("db", "upgrade", "--db-url", url)
    assert up.returncode == 0, up.stderr
    assert f"-> {migrations.head_revision()}" in up.stdout
    after = _lakeglue("db", "current", "--db-url", url)
    assert after.returncode == 0 and f"current: {migrations.head_revision()}" in after.stdout


def test_serve_refuses_outdated_schema(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    assert _lakeglue("db", "upgrade", "--db-url", url).returncode == 0
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {migrations.VERSION_TABLE} SET version_num = 'older'"))
    engine.dispose()
    res = _lakeglue("metastore", "serve", "--port", str(free_port()), "--db-url", url)
    assert res.returncode == 2
    assert "lakeglue db upgrade --db-url" in res.stderr


def test_serve_on_embedded_defaults_keeps_state_across_restarts(tmp_path):
    home = tmp_path / "home"
    port = free_port()
    env = {"LAKEGLUE_HOME": str(home)}
    log = str(tmp_path / "serve.log")
    # `lakeglue serve` with only a port: SQLite and warehouse under LAKEGLUE_HOME.
    proc = subprocess.Popen([sys.executable, "-m", "lakeglue", "serve", "--port", str(port)],
                            env=dict(os.environ, **env), stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        client = _wait_client(port, proc, log)
        client.create_database(tt.Database(name="kept", description="survives restarts"))
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (home / "catalog.db").exists()
    assert (home / "warehouse" / "kept.db").is_dir()

    proc = subprocess.Popen([sys.executable, "-m", "lakeglue", "serve", "--port", str(port)],
                            env=dict(os.environ, **env), stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        client = _wait_client(port, proc, log)
        assert client.get_database("kept").description == "survives restarts"
        assert sorted(client.get_all_databases()) == ["default", "kept"]
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_client(port, proc, log, timeout=60):
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(open(log).read())
        try:
            c = ThriftClient("127.0.0.1", port, timeout_ms=2000)
            c.get_all_databases()
            return c
        except Exception:
            time.sleep(0.2)
    raise AssertionError("server did not start: " + open(log).read())


def test_serve_on_postgresql_url_form(postgres, tmp_path):
    url = postgres.create_database("cli_pg")
    plain = url.replace("postgresql+psycopg2://", "postgresql://")  # the form users type
    proc = MetastoreProcess(plain, f"file:{tmp_path}/wh", free_port(), str(tmp_path / "pg.log")).start()
    try:
        c = ThriftClient("127.0.0.1", proc.port)
        c.create_database(tt.Database(name="on_pg"))
        assert "on_pg" in c.get_all_databases()
        c.close()
    finally:
        proc.stop()


def test_framed_transport(tmp_path):
    port = free_port()
    log = str(tmp_path / "framed.log")
    proc = subprocess.Popen([sys.executable, "-m", "lakeglue", "metastore", "serve", "--port", str(port),
                             "--db-url", f"sqlite:///{tmp_path}/f.db", "--warehouse", f"file:{tmp_path}/wh",
                             "--framed"], stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        import time
        deadline = time.time() + 60
        while True:
            try:
                c = ThriftClient("127.0.0.1", port, framed=True, timeout_ms=2000)
                assert c.get_all_databases() == ["default"]
                c.close()
                break
            except AssertionError:
                raise
            except Exception:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail(open(log).read())
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_several_worker_processes_share_one_port_and_see_each_others_writes(tmp_path):
    """--workers N: every connection reads what any worker committed; SIGTERM stops them all."""
    import signal
    import time

    port = free_port()
    log = str(tmp_path / "workers.log")
    proc = subprocess.Popen([sys.executable, "-m", "lakeglue", "metastore", "serve", "--port", str(port),
                             "--db-url", f"sqlite:///{tmp_path}/w.db", "--warehouse", f"file:{tmp_path}/wh",
                             "--workers", "2"], stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        clients = [_wait_client(port, proc, log) for _ in range(8)]
        for i, c in enumerate(clients):
            c.create_database(tt.Database(name=f"w{i}"))
            # a different connection (likely another process) sees the write at once
            assert clients[(i + 3) % 8].get_database(f"w{i}").name == f"w{i}"
        assert sorted(clients[0].get_all_databases()) == ["default"] + [f"w{i}" for i in range(8)]
        for c in clients:
            c.close()
        pids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(pids) == 2, pids
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    time.sleep(0.5)
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/status").read().find("State:\tZ") >= 0
