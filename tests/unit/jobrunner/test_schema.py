"""The runner's own Alembic history in the catalog's database."""
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from jobrunner import migrations
from jobrunner.store import open_store
from jobrunner.tables import metadata
from metastore import migrations as catalog_migrations
from metastore.store import open_store as open_catalog
from metastore.store.session import make_engine

REPO = Path(__file__).resolve().parents[3]


def test_fresh_database_gets_the_runner_schema_next_to_the_catalog(db_url):
    catalog = open_catalog(db_url)        # catalog first …
    runner = open_store(db_url)           # … then the runner, in the same database
    try:
        names = set(inspect(runner.engine).get_table_names())
        assert set(metadata.tables) <= names
        assert migrations.VERSION_TABLE in names and catalog_migrations.VERSION_TABLE in names
        assert migrations.current_revision(runner.engine) == migrations.head_revision()
        assert catalog_migrations.current_revision(runner.engine) == catalog_migrations.head_revision()
    finally:
        runner.close()
        catalog.close()


def test_runner_first_does_not_block_the_catalog(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    open_store(url).close()
    open_catalog(url).close()  # the catalog still auto-creates its schema (its tables are lg_*)


def test_migrations_match_the_tables(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "version_table": migrations.VERSION_TABLE,
                "include_object": lambda obj, name, type_, *a: type_ != "table" or name.startswith("jr_")})
            diff = compare_metadata(ctx, metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_an_outdated_runner_schema_is_refused_with_the_upgrade_command(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    open_store(url).close()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {migrations.VERSION_TABLE} SET version_num = 'older'"))
    engine.dispose()
    with pytest.raises(migrations.SchemaOutdated, match="lakeglue db upgrade --db-url"):
        open_store(url)


def test_db_upgrade_and_current_cover_the_runner(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"

    def lakeglue(*args):
        return subprocess.run([sys.executable, "-m", "lakeglue", *args], capture_output=True, text=True,
                              cwd=str(REPO), timeout=120)

    before = lakeglue("db", "current", "--db-url", url)
    assert before.returncode == 1 and "job runner current: empty" in before.stdout
    up = lakeglue("db", "upgrade", "--db-url", url)
    assert up.returncode == 0, up.stderr
    assert f"job runner schema of sqlite:///{tmp_path}/c.db: empty -> {migrations.head_revision()}" in up.stdout
    assert lakeglue("db", "current", "--db-url", url).returncode == 0


def test_generated_protos_are_up_to_date():
    pytest.importorskip("grpc_tools")
    res = subprocess.run(["bash", str(REPO / "scripts" / "gen-protos.sh"), "--check"], capture_output=True,
                         text=True, cwd=str(REPO), timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr


def test_upgrading_from_0001_keeps_runs_and_adds_leases(db_url):
    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine, "0001")
        with engine.begin() as conn:  # a run recorded by a runner of the first schema
            conn.execute(text(
                "INSERT INTO jr_job_runs (id, job_name, attempt, state, arguments, resolved_arguments, queued_on, "
                "last_modified_on, timeout_seconds, max_retries, host, pid) VALUES ('jr_old', 'j', 0, 'RUNNING', "
                "'{}', '{}', 1, 1, 60, 0, 'h', 42)"))
        with pytest.raises(migrations.SchemaOutdated):
            migrations.check(engine)
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision() == "0002"
        store = open_store(db_url)
        try:
            with store.tx.read() as conn:
                run = store.get_run(conn, "jr_old")
            assert (run.state.value, run.pid, run.runner_id, run.log_pruned_on) == ("RUNNING", 42, None, None)
            assert "jr_leases" in inspect(store.engine).get_table_names()
        finally:
            store.close()
    finally:
        engine.dispose()
