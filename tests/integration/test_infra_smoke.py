"""Smoke tests for the test infrastructure helpers in tests/infra.

They start real servers: a throwaway PostgreSQL cluster and moto's S3 server.
"""
import os
import subprocess
import sys

import pytest

from tests.infra.moto_s3 import MotoS3Server, s3_env
from tests.infra.ports import free_port, port_open
from tests.infra.postgres import PostgresServer


def test_free_port_is_bindable():
    port = free_port()
    assert 1024 <= port <= 65535
    assert not port_open(port)


@pytest.fixture(scope="module")
def pg():
    with PostgresServer() as server:
        yield server


def test_postgres_create_database_and_select(pg):
    import psycopg2

    assert pg.url == f"postgresql+psycopg2://postgres@127.0.0.1:{pg.port}/postgres"
    url = pg.create_database("smoke_db")
    assert url == f"postgresql+psycopg2://postgres@127.0.0.1:{pg.port}/smoke_db"

    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname="smoke_db")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
            cur.execute("SELECT current_database(), pg_encoding_to_char(encoding) "
                        "FROM pg_database WHERE datname = current_database()")
            assert cur.fetchone() == ("smoke_db", "UTF8")
            cur.execute("CREATE TABLE t (id int primary key, name text)")
            cur.execute("INSERT INTO t VALUES (1, 'é')")
            cur.execute("SELECT name FROM t WHERE id = 1")
            assert cur.fetchone() == ("é",)
        conn.commit()
    finally:
        conn.close()


def test_postgres_sqlalchemy_url(pg):
    sqlalchemy = pytest.importorskip("sqlalchemy")
    engine = sqlalchemy.create_engine(pg.url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_postgres_stop_removes_cluster():
    server = PostgresServer().start()
    base, port = server.base_dir, server.port
    assert port_open(port)
    server.stop()
    assert not os.path.exists(base)
    assert not port_open(port)


def test_moto_s3_bucket_put_list():
    import boto3

    with MotoS3Server() as s3:
        assert s3.endpoint_url == f"http://127.0.0.1:{s3.port}"
        client = boto3.client(
            "s3", endpoint_url=s3.endpoint_url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing")
        client.create_bucket(Bucket="smoke-bucket")
        client.put_object(Bucket="smoke-bucket", Key="dir/hello.txt", Body=b"hello")
        listed = client.list_objects_v2(Bucket="smoke-bucket", Prefix="dir/")
        assert [o["Key"] for o in listed["Contents"]] == ["dir/hello.txt"]
        body = client.get_object(Bucket="smoke-bucket", Key="dir/hello.txt")["Body"].read()
        assert body == b"hello"
    assert s3.port is None


def test_moto_s3_env_for_subprocess():
    with MotoS3Server() as s3:
        env = s3_env(s3.endpoint_url)
        assert env["AWS_ACCESS_KEY_ID"] == "testing"
        assert env["AWS_SECRET_ACCESS_KEY"] == "testing"
        assert env["AWS_DEFAULT_REGION"] == "us-east-1"
        assert env["AWS_ENDPOINT_URL"] == s3.endpoint_url
        assert "AWS_ENDPOINT_URL" not in os.environ or os.environ["AWS_ENDPOINT_URL"] != s3.endpoint_url

        s3.client().create_bucket(Bucket="from-parent")
        code = (
            "import boto3; c = boto3.client('s3');"
            "c.put_object(Bucket='from-parent', Key='child', Body=b'x');"
            "print(sorted(o['Key'] for o in c.list_objects_v2(Bucket='from-parent')['Contents']))"
        )
        clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        out = subprocess.run([sys.executable, "-c", code], env={**clean, **env},
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "['child']"
