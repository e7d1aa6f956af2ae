"""Real PyIceberg (HiveCatalog over Thrift) against lakeglue, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest
from pyiceberg.catalog.hive import HiveCatalog
from pyiceberg.exceptions import (
    NamespaceAlreadyExistsError, NamespaceNotEmptyError, NoSuchNamespaceError, NoSuchTableError,
    TableAlreadyExistsError,
)
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, NestedField, StringType

from tests.support.catalog import running_metastore

COMPAT_ENGINE = "PyIceberg HiveCatalog"

SCHEMA = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "name", StringType(), required=False))


@pytest.fixture
def catalog(db_url, tmp_path):
    wh = tmp_path / "wh"
    wh.mkdir()
    with running_metastore(db_url, f"file:{wh}") as server:
        cat = HiveCatalog("lake", uri=server.uri, warehouse=f"file://{wh}")
        cat.server_uri = server.uri
        cat.warehouse_path = str(wh)
        yield cat


def test_namespaces(catalog):
    catalog.create_namespace("sales", {"owner": "ana", "comment": "sales data", "team": "fin"})
    with pytest.raises(NamespaceAlreadyExistsError):
        catalog.create_namespace("sales")
    assert ("sales",) in catalog.list_namespaces()
    props = catalog.load_namespace_properties("sales")
    assert props["comment"] == "sales data" and props["team"] == "fin"
    assert props["location"].endswith("/sales.db")
    summary = catalog.update_namespace_properties("sales", removals={"team"}, updates={"tier": "gold"})
    assert summary.removed == ["team"] and summary.updated == ["tier"]
    props = catalog.load_namespace_properties("sales")
    assert "team" not in props and props["tier"] == "gold"
    with pytest.raises(NoSuchNamespaceError):
        catalog.load_namespace_properties("nope")
    catalog.drop_namespace("sales")
    assert ("sales",) not in catalog.list_namespaces()


def test_tables_append_overwrite_evolve_rename_drop(catalog):
    catalog.create_namespace("lake")
    table = catalog.create_table("lake.events", SCHEMA)
    with pytest.raises(TableAlreadyExistsError):
        catalog.create_table("lake.events", SCHEMA)
    table.append(pa.table({"id": [1, 2], "name": ["a", "b"]}))
    table.append(pa.table({"id": [3], "name": ["c"]}))
    loaded = catalog.load_table("lake.events")
    assert sorted(loaded.scan().to_arrow().column("id").to_pylist()) == [1, 2, 3]
    assert len(loaded.metadata.snapshots) == 2
    with loaded.update_schema() as update:
        update.add_column("country", StringType())
    loaded = catalog.load_table("lake.events")
    loaded.overwrite(pa.table({"id": [9], "name": ["z"], "country": ["pt"]}))
    rows = catalog.load_table("lake.events").scan().to_arrow().to_pylist()
    assert rows == [{"id": 9, "name": "z", "country": "pt"}]
    assert [f.name for f in catalog.load_table("lake.events").schema().fields] == ["id", "name", "country"]
    assert catalog.list_tables("lake") == [("lake", "events")]
    with pytest.raises(NamespaceNotEmptyError):
        catalog.drop_namespace("lake")
    catalog.rename_table("lake.events", "lake.events_v2")
    assert catalog.list_tables("lake") == [("lake", "events_v2")]
    assert catalog.load_table("lake.events_v2").scan().to_arrow().num_rows == 1
    catalog.drop_table("lake.events_v2")
    with pytest.raises(NoSuchTableError):
        catalog.load_table("lake.events_v2")
    catalog.drop_namespace("lake")


WRITER = textwrap.dedent('''
    import json, sys, time
    import pyarrow as pa
    from pyiceberg.catalog.hive import HiveCatalog
    from pyiceberg.exceptions import CommitFailedException
    uri, wh, worker, commits = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    cat = HiveCatalog("lake", uri=uri, warehouse=wh, **{"lock-check-max-wait-time": "0.2",
                                                         "lock-check-retries": "200"})
    landed, failed, other = 0, 0, []
    for i in range(commits):
        while True:
            table = cat.load_table("lake.shared")
            try:
                table.append(pa.table({"id": [worker * 1000 + i], "name": [f"w{worker}"]}))
                landed += 1
                break
            except CommitFailedException:
                failed += 1  # a clean conflict: reload and try again
            except Exception as e:
                other.append(repr(e))
                break
    print(json.dumps({"landed": landed, "failed": failed, "other": other}))
''')


def test_concurrent_commits_from_two_processes_never_lose_data(catalog, tmp_path):
    catalog.create_namespace("lake")
    catalog.create_table("lake.shared", SCHEMA)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    commits = 6
    procs = [subprocess.Popen([sys.executable, str(script), catalog.server_uri, f"file://{catalog.warehouse_path}",
                               str(w), str(commits)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in (1, 2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["other"] == [] for r in results), results
    assert all(r["landed"] == commits for r in results)
    table = catalog.load_table("lake.shared")
    ids = sorted(table.scan().to_arrow().column("id").to_pylist())
    assert ids == sorted([w * 1000 + i for w in (1, 2) for i in range(commits)])
    assert len(table.metadata.snapshots) == 2 * commits
