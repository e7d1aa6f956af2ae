"""Recrawl policies, deleted data, dry runs, thresholds, incremental manifests and undo."""
from __future__ import annotations

import shutil

import pytest

from crawler.runner import CrawlConfig, Crawler, TableThresholdExceeded
from crawler.targets.service import ServiceTarget
from metastore.errors import StoreError
from metastore.model import Column, replace
from tests.support.lake import write_csv, write_parquet


@pytest.fixture
def target(tmp_path):
    t = ServiceTarget.open(f"sqlite:///{tmp_path}/catalog.db", f"file:{tmp_path}/wh")
    yield t
    t.close()


@pytest.fixture
def lake(tmp_path):
    base = tmp_path / "lake"
    for ds in ("2024-01-01", "2024-01-02"):
        write_parquet(base / "sales" / f"ds={ds}" / "p.parquet", {"id": [1, 2], "amount": [1.5, 2.5]})
    write_csv(base / "people" / "p.csv", ["id", "name"], [[1, "a"], [2, "b"]])
    return base


def crawl(target, lake, tmp_path, **kw):
    kw.setdefault("name", "test")
    return Crawler(CrawlConfig(paths=[str(lake)], database="lake", state_dir=str(tmp_path / "state"), **kw),
                   target).run()


def test_first_crawl_creates_tables_and_partitions(target, lake, tmp_path):
    r = crawl(target, lake, tmp_path)
    assert (r.tables_created, r.plan.partitions_added) == (2, 2)
    sales = target.get_table("lake", "sales")
    assert sales.table_type == "EXTERNAL_TABLE" and sales.parameters["EXTERNAL"] == "TRUE"
    assert sales.parameters["UPDATED_BY_CRAWLER"] == "test"
    assert {"classification", "compressionType", "typeOfData", "recordCount", "averageRecordSize",
            "objectCount", "sizeKey"} <= set(sales.parameters)
    assert sales.parameters["typeOfData"] == "file" and sales.parameters["recordCount"] == "4"
    people = target.get_table("lake", "people")
    assert people.parameters["spark.sql.sources.provider"] == "csv"
    assert people.sd.serde.parameters["path"] == people.sd.location
    parts = target.list_partitions("lake", "sales")
    assert [p.values for p in parts] == [("2024-01-01",), ("2024-01-02",)]
    assert parts[0].sd.location.endswith("/sales/ds=2024-01-01")
    assert parts[0].parameters["recordCount"] == "2"


def test_dry_run_writes_nothing(target, lake, tmp_path):
    r = crawl(target, lake, tmp_path, dry_run=True)
    assert r.tables_created == 2 and not r.applied
    assert not target.database_exists("lake")
    text = r.plan.render()
    assert "+ table lake.sales (parquet, 2 column(s), partitioned by ds date)" in text
    assert "+ partition ds=2024-01-01" in text
    assert "dry run" in r.summary()


def test_table_threshold_aborts_before_writing(target, lake, tmp_path):
    with pytest.raises(TableThresholdExceeded):
        crawl(target, lake, tmp_path, table_threshold=1)
    assert not target.database_exists("lake")
    crawl(target, lake, tmp_path, table_threshold=2)
    assert len(target.list_tables("lake")) == 2


def _add_column_partition(lake):
    write_parquet(lake / "sales" / "ds=2024-01-03" / "p.parquet",
                  {"id": [3], "amount": [3.5], "channel": ["web"]})


@pytest.mark.parametrize("policy,columns", [
    ("update", ["id", "amount", "channel"]),
    ("add-only", ["id", "amount", "channel"]),
    ("log", ["id", "amount"]),
])
def test_schema_change_policies(target, lake, tmp_path, policy, columns):
    crawl(target, lake, tmp_path)
    _add_column_partition(lake)
    r = crawl(target, lake, tmp_path, schema_change=policy)
    assert [c.name for c in target.get_table("lake", "sales").sd.columns] == columns
    assert r.plan.partitions_added == 1  # new partitions are added under every policy
    assert len(target.list_partitions("lake", "sales")) == 3
    if policy == "log":
        assert "not applied, --schema-change log" in r.plan.render()
        assert "+ column channel string" in r.plan.render()


def test_update_widens_types_and_keeps_column_order(target, lake, tmp_path):
    crawl(target, lake, tmp_path)
    write_csv(lake / "people" / "q.csv", ["name", "id", "score"], [["c", 3.5, 1]])
    r = crawl(target, lake, tmp_path)
    people = target.get_table("lake", "people")
    assert [c.name for c in people.sd.columns] == ["id", "name", "score"]
    assert people.sd.columns[0].type == "decimal(20,1)"  # unquoted CSV: LazySimpleSerDe, typed
    change = next(c for c in r.plan.changes if c.name == "people")
    assert change.action == "update"
    assert "~ column id bigint -> decimal(20,1)" in r.plan.render() and "+ column score bigint" in r.plan.render()


def test_add_only_keeps_existing_types(target, lake, tmp_path):
    crawl(target, lake, tmp_path)
    write_parquet(lake / "sales" / "ds=2024-01-04" / "p.parquet", {"id": [1], "amount": [1]})  # int amount
    user_table = target.get_table("lake", "sales")
    target.alter_table(replace(user_table, parameters={**user_table.parameters, "owner_note": "keep me"}))
    crawl(target, lake, tmp_path, schema_change="add-only")
    sales = target.get_table("lake", "sales")
    assert [(c.name, c.type) for c in sales.sd.columns] == [("id", "bigint"), ("amount", "double")]
    assert sales.parameters["owner_note"] == "keep me"


@pytest.mark.parametrize("behavior", ["deprecate", "delete", "log"])
def test_deleted_data_policies(target, lake, tmp_path, behavior):
    crawl(target, lake, tmp_path)
    shutil.rmtree(lake / "people")
    shutil.rmtree(lake / "sales" / "ds=2024-01-02")
    r = crawl(target, lake, tmp_path, delete_behavior=behavior)
    people = target.get_table("lake", "people")
    parts = {p.values: p for p in target.list_partitions("lake", "sales")}
    if behavior == "deprecate":
        assert "DEPRECATED_BY_CRAWLER" in people.parameters
        assert "DEPRECATED_BY_CRAWLER" in parts[("2024-01-02",)].parameters
        assert r.tables_deprecated == 1
    elif behavior == "delete":
        assert people is None and list(parts) == [("2024-01-01",)]
        assert r.tables_deleted == 1 and r.plan.partitions_removed == 1
        assert (lake / "sales").exists()  # data is never deleted
    else:
        assert "DEPRECATED_BY_CRAWLER" not in people.parameters and len(parts) == 2
        assert "--delete-behavior log" in r.plan.render()


def test_data_coming_back_undeprecates(target, lake, tmp_path):
    crawl(target, lake, tmp_path)
    shutil.move(str(lake / "people"), str(tmp_path / "people.bak"))
    crawl(target, lake, tmp_path)
    shutil.move(str(tmp_path / "people.bak"), str(lake / "people"))
    r = crawl(target, lake, tmp_path)
    assert "DEPRECATED_BY_CRAWLER" not in target.get_table("lake", "people").parameters
    assert "no longer deprecated" in r.plan.render()


def test_tables_of_others_are_left_alone(target, lake, tmp_path):
    target.ensure_database("lake")
    crawl(target, lake, tmp_path, name="other")
    mine = crawl(target, lake, tmp_path, name="mine")  # same locations: adopted, not duplicated
    assert mine.tables_created == 0
    shutil.rmtree(lake / "people")
    crawl(target, lake, tmp_path, name="third", delete_behavior="delete")
    assert target.get_table("lake", "people") is not None  # not made by "third"


def test_name_clash_with_a_table_elsewhere_is_skipped(target, lake, tmp_path):
    from metastore.model import StorageDescriptor, Table

    target.ensure_database("lake")
    target.create_table(Table("lake", "people", sd=StorageDescriptor(columns=(Column("x", "int"),),
                                                                     location=f"file:{tmp_path}/elsewhere")))
    r = crawl(target, lake, tmp_path)
    assert [c.name for c in target.get_table("lake", "people").sd.columns] == ["x"]
    assert "not made by crawler test: left alone" in r.plan.render()


def test_incremental_recrawl_reads_only_new_files(target, lake, tmp_path):
    first = crawl(target, lake, tmp_path, incremental=True)
    assert first.files_read == 3
    again = crawl(target, lake, tmp_path, incremental=True)
    assert (again.files_read, again.files_cached) == (0, 3)
    assert not any(c.writes for c in again.plan.changes)
    _add_column_partition(lake)
    third = crawl(target, lake, tmp_path, incremental=True)
    assert (third.files_read, third.files_cached) == (1, 3)
    # a changed file (different size) is re-read
    write_csv(lake / "people" / "p.csv", ["id", "name"], [[1, "a"], [2, "b"], [3, "c"]])
    fourth = crawl(target, lake, tmp_path, incremental=True)
    assert fourth.files_read == 1
    # without --incremental everything is read again
    assert crawl(target, lake, tmp_path).files_read == 4


def test_dry_run_does_not_save_the_manifest(target, lake, tmp_path):
    crawl(target, lake, tmp_path, incremental=True, dry_run=True)
    assert crawl(target, lake, tmp_path, incremental=True).files_read == 3


def test_corrupt_files_are_reported_and_skipped(target, lake, tmp_path):
    (lake / "sales" / "ds=2024-01-01" / "bad.parquet").write_bytes(b"PAR1garbage")
    r = crawl(target, lake, tmp_path)
    assert len(r.errors) == 1 and r.errors[0][0].endswith("bad.parquet")
    assert "unreadable" in r.summary() and "bad.parquet" in r.summary()
    assert target.get_table("lake", "sales") is not None


class FailingPartitions(ServiceTarget):
    def add_partitions(self, db, table, parts):
        raise StoreError("disk full")


def test_failed_table_change_is_undone_and_the_crawl_goes_on(tmp_path, lake):
    base = ServiceTarget.open(f"sqlite:///{tmp_path}/catalog.db", f"file:{tmp_path}/wh")
    target = FailingPartitions(base.catalog, on_close=base.close)
    try:
        r = crawl(target, lake, tmp_path)
        assert target.get_table("lake", "sales") is None   # created, then undone
        assert target.get_table("lake", "people") is not None
        assert any("disk full" in e for _, e in r.errors)
    finally:
        target.close()


def test_partition_type_pin_and_own_partition_schema(target, lake, tmp_path):
    _add_column_partition(lake)
    from crawler.schema import STRING

    crawl(target, lake, tmp_path, partition_types={"ds": STRING}, partition_schema="own")
    sales = target.get_table("lake", "sales")
    assert [(k.name, k.type) for k in sales.partition_keys] == [("ds", "string")]
    parts = {p.values[0]: p for p in target.list_partitions("lake", "sales")}
    assert [c.name for c in parts["2024-01-01"].sd.columns] == ["id", "amount"]
    assert [c.name for c in parts["2024-01-03"].sd.columns] == ["id", "amount", "channel"]


def test_explain_says_why(target, lake, tmp_path):
    (lake / "sales" / "notes.txt").write_text("hello")
    r = crawl(target, lake, tmp_path, dry_run=True)
    text = r.explain()
    assert "sales is one table" in text and "Hive-style ds=" in text
    assert "lake (the crawl path) is not one table" in text


def test_partition_keys_change_recreates_the_table_under_update(target, tmp_path):
    lake = tmp_path / "lake2"
    write_parquet(lake / "events" / "a.parquet", {"id": [1]})
    crawl(target, lake, tmp_path)
    assert target.get_table("lake", "events").partition_keys == ()
    (lake / "events" / "a.parquet").unlink()
    write_parquet(lake / "events" / "day=2024-01-01" / "a.parquet", {"id": [1]})
    logged = crawl(target, lake, tmp_path, schema_change="log")
    assert logged.plan.changes[0].action == "log"
    r = crawl(target, lake, tmp_path)
    assert r.plan.changes[0].action == "recreate" and r.tables_updated == 1
    events = target.get_table("lake", "events")
    assert [k.name for k in events.partition_keys] == ["day"]
    assert len(target.list_partitions("lake", "events")) == 1


def test_zstd_text_tables_get_spark_codecs_and_misnamed_files_a_warning(target, tmp_path):
    from crawler import spark
    from crawler.planner import CRAWLER_WARNING
    from tests.support.lake import write_json_lines

    lake = tmp_path / "zlake"
    write_csv(lake / "zcsv" / "a.csv.zst", ["id", "name"], [[1, "a"], [2, "b"]], codec="zstd")
    write_json_lines(lake / "zjson" / "b.json.zstd", [{"a": 1}], codec="zstd")
    write_json_lines(lake / "plain" / "c.json.gz", [{"a": 1}], codec="gzip")
    write_json_lines(lake / "misnamed" / "d.json", [{"a": 1}], codec="zstd")  # zstd inside, plain name
    report = crawl(target, lake, tmp_path)
    assert report.errors == [] and report.tables_created == 4
    for name in ("zcsv", "zjson", "misnamed"):
        t = target.get_table("lake", name)
        assert t.parameters["compressionType"] == "zstd"
        assert t.sd.serde.parameters[spark.CODECS_OPTION] == spark.ZSTD_CODECS, name
    plain = target.get_table("lake", "plain")
    assert spark.CODECS_OPTION not in plain.sd.serde.parameters and CRAWLER_WARNING not in plain.parameters
    assert CRAWLER_WARNING not in target.get_table("lake", "zcsv").parameters
    warning = target.get_table("lake", "misnamed").parameters[CRAWLER_WARNING]
    assert "zstd-compressed but not named for it (*.zst, *.zstd)" in warning
    explain = report.explain()
    assert "misnamed: WARNING: some files are zstd-compressed" in explain
    assert "zcsv: zstd-compressed files: Spark reads them with the pure-Java zstd codecs" in explain
    # renamed: the next crawl drops the warning
    (lake / "misnamed" / "d.json").rename(lake / "misnamed" / "d.json.zst")
    crawl(target, lake, tmp_path)
    assert CRAWLER_WARNING not in target.get_table("lake", "misnamed").parameters
