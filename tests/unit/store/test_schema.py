"""Migrations: a fresh database is created at head; an outdated one is refused."""
import pytest
from sqlalchemy import inspect, text

from metastore import migrations
from metastore.errors import SchemaOutdated
from metastore.store import open_store
from metastore.store.session import make_engine
from metastore.store.tables import metadata


def test_fresh_database_is_migrated_to_head(db_url):
    store = open_store(db_url)
    try:
        assert migrations.current_revision(store.engine) == migrations.head_revision()
        assert set(metadata.tables) <= set(inspect(store.engine).get_table_names())
    finally:
        store.close()


def test_migrations_match_the_models(db_url):
    """The Alembic history must build exactly the schema tables.py declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"version_table": migrations.VERSION_TABLE})
            diff = compare_metadata(ctx, metadata)
        # Alembic's own version table is the only table the models do not declare.
        diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name == migrations.VERSION_TABLE)]
        assert diff == []
    finally:
        engine.dispose()


def test_outdated_schema_is_refused_with_upgrade_command(db_url):
    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE {migrations.VERSION_TABLE} SET version_num = 'older'"))
        with pytest.raises(SchemaOutdated) as e:
            open_store(db_url)
        assert "lakeglue db upgrade --db-url" in str(e.value)
    finally:
        engine.dispose()


def test_unversioned_non_empty_database_is_not_touched(tmp_path):
    url = f"sqlite:///{tmp_path}/legacy.db"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE lg_databases (id INTEGER PRIMARY KEY)"))
    with pytest.raises(SchemaOutdated):
        migrations.check(engine)
    engine.dispose()


def test_database_at_previous_revision_is_refused_then_upgraded(db_url):
    """A real upgrade path: a catalog created at revision 0001 must be migrated explicitly."""
    from metastore.service import CatalogService

    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine, "0001")
        assert migrations.current_revision(engine) == "0001"
        with pytest.raises(SchemaOutdated):
            open_store(db_url)
        migrations.upgrade(engine)
        store = open_store(db_url)
        CatalogService(store, "file:/tmp/wh").ensure_default_database()
        assert store.list_database_names() == ["default"]
        store.close()
    finally:
        engine.dispose()


def test_names_use_byte_order_collation_on_postgresql(postgres):
    """Partition names and values must sort/compare as Hive does, whatever the server locale."""
    url = postgres.create_database("collation_check")
    store = open_store(url)
    try:
        with store.engine.connect() as conn:
            rows = dict(conn.execute(text(
                "SELECT table_name || '.' || column_name, collation_name FROM information_schema.columns "
                "WHERE column_name IN ('name', 'value') AND table_name LIKE 'lg_%'")).all())
        for col in ("lg_partitions.name", "lg_partition_values.value", "lg_tables.name", "lg_databases.name"):
            assert rows[col] == "C", (col, rows)
    finally:
        store.close()
