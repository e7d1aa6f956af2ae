"""Sampling of partition folders, the manifest, recrawl policies and the early stop of an
unchanged recrawl, and the crawler's schema migrations."""
from __future__ import annotations

import json
import os
import time

import pytest

import crawler.runner as runner_module
from crawler.formats.base import FileEntry
from crawler.manifest import NOT_DATA, Manifest, ManifestStore, RootState, dumps, pack_times, unpack_times
from crawler.runner import CrawlConfig, Crawler
from crawler.sampling import kind_of, plan_reads
from crawler.targets.service import ServiceTarget
from metastore.model import Column, replace
from tests.support.lake import write_csv, write_parquet


@pytest.fixture
def target(tmp_path):
    t = ServiceTarget.open(f"sqlite:///{tmp_path}/catalog.db", f"file:{tmp_path}/wh")
    yield t
    t.close()


def backdate(base, seconds=60):
    """Make every folder under `base` look modified a while ago (folders modified within two
    seconds of a listing are not trusted by changed-folders recrawls)."""
    when = time.time() - seconds
    for folder, dirs, _ in os.walk(base):
        os.utime(folder, (when, when))


@pytest.fixture
def lake(tmp_path):
    base = tmp_path / "lake"
    for ds in ("2024-01-01", "2024-01-02"):
        for i in range(3):
            write_parquet(base / "sales" / f"ds={ds}" / f"part-{i}.parquet", {"id": [1, 2], "amount": [1.5, 2.5]})
    write_csv(base / "people" / "p.csv", ["id", "name"], [[1, "a"], [2, "b"]])
    (base / "people" / "README.txt").write_bytes(b"\x00\x01 not data \x02")
    backdate(base)
    return base


def crawl(target, lake, tmp_path, **kw):
    kw.setdefault("name", "test")
    return Crawler(CrawlConfig(paths=[str(lake)], database="lake", state_dir=str(tmp_path / "state"), **kw),
                   target).run()


# --------------------------------------------------------------------------- sampling
def _entry(rel, size=1000):
    return FileEntry("/lake/" + rel, rel, size)


def test_plan_reads_samples_partition_folders_by_kind_and_size():
    files = [_entry("t/ds=1/a.parquet"), _entry("t/ds=1/b.parquet", 1200), _entry("t/ds=1/c.parquet", 40),
             _entry("t/ds=1/d.csv.gz"), _entry("t/ds=1/e.parquet", 900), _entry("t/ds=1/f.CSV.GZ", 1100),
             _entry("t/ds=1/g.json.gz"), _entry("t/ds=2/a.parquet"), _entry("plain/a.csv"), _entry("plain/b.csv"),
             _entry("t/ds=1.5/noext"), _entry("t/ds=1.5/other")]
    folders = [("t/ds=1", range(0, 7)), ("t/ds=2", [7]), ("plain", range(8, 10)), ("t/ds=1.5", [10, 11])]
    first, groups = plan_reads(files, folders, 1)
    # groups: same kind (extension, with the one before a compression extension) and size class
    assert first == [0, 2, 3, 6, 7, 8, 9, 10]
    assert groups == [[0, 1, 4], [3, 5], [10, 11]]
    assert plan_reads(files, folders, 0) == (list(range(12)), [])  # 0: every file is read
    assert len(plan_reads(files, folders, 2)[0]) == 11
    assert plan_reads(files, [("t/ds=1", [1, 4, 5])], 1) == ([1, 5], [[1, 4]])  # a part of a folder
    assert (kind_of("x.CSV.GZ"), kind_of("part-0.snappy.parquet"), kind_of("noext"), kind_of(".hidden")) == \
        (".csv.gz", ".parquet", "", "")


def test_listing_by_folder_in_walk_order():
    from crawler.discovery import by_folder

    files = [_entry(r) for r in ("a/b.csv", "a/b=1/x.csv", "a/c.csv", "top.csv", "a/b=1/w.csv")]
    assert [(f.rel, [e.rel for e in f.files]) for f in by_folder(files)] == [
        ("", ["top.csv"]), ("a", ["a/b.csv", "a/c.csv"]), ("a/b=1", ["a/b=1/w.csv", "a/b=1/x.csv"])]


def test_uri_prefix_is_what_uri_puts_before_a_path():
    from crawler import fs

    for path in ("/data/lake", "s3://bucket/prefix"):
        root = fs.resolve(path) if path.startswith("/") else fs.Root(None, "bucket/prefix", "s3")
        assert root.uri(root.path + "/x") == root.uri_prefix + root.path + "/x"


def test_sampled_crawl_reads_one_file_per_partition_and_estimates_counts(target, lake, tmp_path):
    r = crawl(target, lake, tmp_path)
    assert (r.files_read, r.files_assumed) == (4, 4)  # 2 partitions, a CSV and README.txt; 4 parquet assumed
    sales = target.get_table("lake", "sales")
    assert sales.parameters["objectCount"] == "6" and sales.parameters["recordCount"] == "12"  # same-size files
    assert "4 file(s) in partition folders were not read" in r.explain()
    every = crawl(target, lake, tmp_path, sample_files=0, name="all")
    assert (every.files_read, every.files_assumed) == (8, 0)


def test_an_unreadable_sample_makes_the_crawl_read_the_rest(target, lake, tmp_path):
    folder = lake / "sales" / "ds=2024-01-01"
    size = (folder / "part-0.parquet").stat().st_size
    (folder / "part-0.parquet").write_bytes(b"PAR1" + b"x" * (size - 4))  # same size class, corrupt
    r = crawl(target, lake, tmp_path)
    assert len(r.errors) == 1 and r.errors[0][0].endswith("part-0.parquet")
    assert r.files_read == 6 and r.files_assumed == 2  # the other two of that folder were read
    assert target.get_table("lake", "sales").parameters["objectCount"] == "5"


# --------------------------------------------------------------------------- the manifest
def test_manifest_head_and_lazily_loaded_files(tmp_path):
    from crawler.formats.base import FileSchema
    from crawler.schema import BIGINT, Field

    m = Manifest(config="cfg", tables={"t": "fp"})
    schema = FileSchema("parquet", (Field("id", BIGINT),), records=5, records_exact=True)
    files = [FileEntry("/l/d/a.parquet", "d/a.parquet", 10, 1.0), FileEntry("/l/d/x.txt", "d/x.txt", 3, 1.0)]
    m.record("file:/l", files, [schema, NOT_DATA])
    m.roots["file:/l"] = RootState.from_listing({"": 1, "old": 10}, listed_at=100.0, files=2, skipped=1, clean=True,
                                                empty=["d/empty.csv"])
    store = ManifestStore(str(tmp_path / "state"))
    store.save("c", "db", m)
    store.save("c", "db", m)
    assert len([p for p in os.listdir(tmp_path / "state") if p.endswith(".files.json")]) == 1  # older one removed
    loaded = store.load("c", "db")
    assert loaded._files is None and loaded.file_count() == 2  # the head alone
    assert loaded.roots["file:/l"].dirs == {"": 1, "old": 10} and loaded.roots["file:/l"].empty == ["d/empty.csv"]
    got, not_data = loaded.cached("file:/l", files)
    assert got.records == 5 and got.fields == schema.fields and not_data is NOT_DATA and loaded._files is not None
    changed = [files[0]._replace(size=11), files[1]._replace(mtime=2.0), FileEntry("/l/d/new", "d/new", 1, 1.0)]
    assert loaded.cached("file:/l", changed) == [None, None, None]
    assert loaded.cached("file:/other", files) == [None, None]
    assert loaded.same_as(m) and loaded.file_count() == 2
    times = [1795293700.5624096, 0.1, 1e-9, 2.0 ** 40 + 0.5]
    assert unpack_times(json.loads(dumps(pack_times(times)))) == times  # exact
    assert pack_times([1.0, None]) == [1.0, None] == unpack_times([1.0, None])
    racy = RootState.from_listing({"": int(99.5e9), "old": int(50e9)}, listed_at=100.0, files=0, skipped=0,
                                  clean=True)
    assert racy.dirs == {"": -1, "old": int(50e9)}  # modified too close to the listing: not trusted


# --------------------------------------------------------------------------- recrawls
def test_incremental_recrawl_of_an_unchanged_lake_stops_early(target, lake, tmp_path):
    first = crawl(target, lake, tmp_path, recrawl="incremental")
    assert first.tables_created == 2
    again = crawl(target, lake, tmp_path, recrawl="incremental")
    assert again.unchanged and again.files_read == 0 and again.files_cached == 8
    assert again.plan.count("unchanged") == 2 and not again.grouping.tables
    assert "nothing changed since the last crawl" in again.summary()
    # a file rewritten in place (new size) is noticed, and the tables are planned again
    write_csv(lake / "people" / "p.csv", ["id", "name"], [[1, "a"], [2, "b"], [3, "c"]])
    third = crawl(target, lake, tmp_path, recrawl="incremental")
    assert not third.unchanged and third.files_read == 1 and third.tables_updated == 1


def test_changed_folders_recrawl_lists_nothing_when_no_folder_changed(target, lake, tmp_path, monkeypatch):
    crawl(target, lake, tmp_path, recrawl="changed-folders")
    calls = []
    real = runner_module.list_files
    monkeypatch.setattr(runner_module, "list_files", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = crawl(target, lake, tmp_path, recrawl="changed-folders")
    assert again.unchanged and calls == [] and again.files_listed == 8
    # a new partition changes its parent folder's mtime: listed, and only the new file is read
    write_parquet(lake / "sales" / "ds=2024-01-03" / "part-0.parquet", {"id": [3], "amount": [1.0]})
    third = crawl(target, lake, tmp_path, recrawl="changed-folders")
    assert len(calls) == 1 and (third.files_read, third.files_cached) == (1, 8)
    assert third.plan.partitions_added == 1
    # just modified folders are not trusted: the next crawl lists again (and finds nothing new)
    fourth = crawl(target, lake, tmp_path, recrawl="changed-folders")
    assert len(calls) == 2 and fourth.unchanged


def test_changed_folders_recrawl_notices_files_rewritten_in_place(target, lake, tmp_path, monkeypatch):
    (lake / "people" / "later.csv").write_bytes(b"")  # skipped as empty, for now
    backdate(lake)
    first = crawl(target, lake, tmp_path, recrawl="changed-folders")
    assert first.skipped["people/later.csv"] == "empty file"
    calls = []
    real = runner_module.list_files
    monkeypatch.setattr(runner_module, "list_files", lambda *a, **k: calls.append(a) or real(*a, **k))
    folder = lake / "sales" / "ds=2024-01-01"
    folder_mtime = folder.stat().st_mtime_ns
    # an assumed (not sampled) file rewritten in place with another column: same name, so the
    # folder's mtime stays; the file's own size and mtime tell
    write_parquet(folder / "part-1.parquet", {"id": [1, 2], "amount": [1.5, 2.5], "channel": ["a", "b"]})
    assert folder.stat().st_mtime_ns == folder_mtime
    second = crawl(target, lake, tmp_path, recrawl="changed-folders")
    assert not second.unchanged and len(calls) == 1 and second.files_read == 1 and second.files_cached == 7
    assert [c.name for c in target.get_table("lake", "sales").sd.columns] == ["id", "amount", "channel"]
    assert crawl(target, lake, tmp_path, recrawl="changed-folders").unchanged and len(calls) == 1
    # same size, new content: the mtime tells (set apart explicitly: filesystems tick coarsely)
    people = lake / "people" / "p.csv"
    before = people.stat()
    people.write_bytes(people.read_bytes().replace(b"a", b"z"))
    os.utime(people, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert people.stat().st_size == before.st_size
    third = crawl(target, lake, tmp_path, recrawl="changed-folders")
    assert not third.unchanged and len(calls) == 2 and third.files_read == 1
    # data written into a file skipped as empty
    write_csv(lake / "people" / "later.csv", ["id", "name"], [[3, "c"]])
    fourth = crawl(target, lake, tmp_path, recrawl="changed-folders")
    assert not fourth.unchanged and len(calls) == 3 and fourth.files_read == 1
    assert "people/later.csv" not in fourth.skipped
    assert crawl(target, lake, tmp_path, recrawl="changed-folders").unchanged and len(calls) == 3


def test_changed_folders_check_stats_every_known_file_and_reads_none(target, lake, tmp_path, monkeypatch):
    from crawler import recrawl
    from crawler.fs import resolve
    from crawler.manifest import ManifestStore

    crawl(target, lake, tmp_path, recrawl="changed-folders")
    manifest = ManifestStore(str(tmp_path / "state")).load("test", "lake")
    root = resolve(str(lake))
    assert recrawl.unchanged_since(root, manifest)
    stats, opens = [], []
    real_stat, real_open = os.stat, os.open
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: stats.append(str(p)) or real_stat(p, *a, **k))
    monkeypatch.setattr(os, "open", lambda p, *a, **k: opens.append(str(p)) or real_open(p, *a, **k))
    assert recrawl.files_unchanged(root, manifest)
    # every file listed last time: the data files and the one in no known format (README.txt)
    assert sorted(stats) == sorted(str(p) for p in lake.rglob("*") if p.is_file())
    assert opens == []  # nothing is opened, let alone read
    monkeypatch.undo()
    (lake / "sales" / "ds=2024-01-02" / "part-2.parquet").unlink()
    assert not recrawl.files_unchanged(root, manifest)  # (its folder's mtime changed too)


def test_a_table_changed_by_hand_or_other_options_replan(target, lake, tmp_path):
    crawl(target, lake, tmp_path, recrawl="incremental")
    people = target.get_table("lake", "people")
    target.alter_table(replace(people, sd=replace(people.sd, columns=(Column("x", "int"),))))
    fixed = crawl(target, lake, tmp_path, recrawl="incremental")
    assert not fixed.unchanged and fixed.tables_updated == 1
    assert [c.name for c in target.get_table("lake", "people").sd.columns] == ["id", "name"]
    target.drop_table("lake", "sales")
    back = crawl(target, lake, tmp_path, recrawl="incremental")
    assert back.tables_created == 1 and back.plan.partitions_added == 2
    assert crawl(target, lake, tmp_path, recrawl="incremental").unchanged
    other = crawl(target, lake, tmp_path, recrawl="incremental", table_prefix="raw_")  # other options
    assert not other.unchanged and other.tables_created == 2


def test_unreadable_files_are_reported_on_every_recrawl(target, lake, tmp_path):
    (lake / "people" / "bad.parquet").write_bytes(b"PAR1garbage")
    crawl(target, lake, tmp_path, recrawl="incremental")
    again = crawl(target, lake, tmp_path, recrawl="incremental")
    assert not again.unchanged and len(again.errors) == 1


# --------------------------------------------------------------------------- migrations
def test_crawler_schema_is_created_on_a_fresh_database_and_checked(tmp_path, capsys):
    from sqlalchemy import inspect, text

    from crawler import migrations
    from crawler.store import CrawlerStore
    from lakeglue.cli import main
    from metastore.store.session import make_engine

    url = f"sqlite:///{tmp_path}/fresh.db"
    CrawlerStore.open(url).close()
    engine = make_engine(url)
    try:
        assert {"cr_crawlers", "cr_runs", "cr_manifests"} <= set(inspect(engine).get_table_names())
        assert migrations.current_revision(engine) == migrations.head_revision()
    finally:
        engine.dispose()
    other = f"sqlite:///{tmp_path}/upgraded.db"
    assert main(["db", "upgrade", "--db-url", other]) == 0
    assert "crawler schema of" in capsys.readouterr().out
    assert main(["db", "current", "--db-url", other]) == 0
    assert "crawler current: 0001" in capsys.readouterr().out
    engine = make_engine(other)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE {migrations.VERSION_TABLE} SET version_num = 'zzzz'"))
        with pytest.raises(Exception, match="lakeglue db upgrade"):
            migrations.check(engine)
    finally:
        engine.dispose()


def test_new_folders_recrawl_stats_folders_only(target, lake, tmp_path, monkeypatch):
    """Glue's CRAWL_NEW_FOLDERS_ONLY: an unchanged recrawl stats each known folder and no
    file; a new partition folder is crawled; a file rewritten in place is (documented) not
    noticed until a recrawl with a policy that stats files."""
    crawl(target, lake, tmp_path, recrawl="new-folders")
    folders = {str(p).rstrip("/") for p in [lake, *[d for d in lake.rglob("*") if d.is_dir()]]}
    calls, stats = [], []
    real_list, real_stat = runner_module.list_files, os.stat
    monkeypatch.setattr(runner_module, "list_files", lambda *a, **k: calls.append(a) or real_list(*a, **k))
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: stats.append(str(p)) or real_stat(p, *a, **k))
    again = crawl(target, lake, tmp_path, recrawl="new-folders")
    assert again.unchanged and calls == [] and again.files_listed == 8
    checked = {s.rstrip("/") for s in stats if s.startswith(str(lake))}
    assert checked == folders  # every folder, and not one file
    monkeypatch.setattr(os, "stat", real_stat)
    # a file rewritten in place under its old name: its folder's mtime stays, so not seen…
    folder = lake / "sales" / "ds=2024-01-01"
    folder_mtime = folder.stat().st_mtime_ns
    write_parquet(folder / "part-1.parquet", {"id": [1, 2], "amount": [1.5, 2.5], "channel": ["a", "b"]})
    assert folder.stat().st_mtime_ns == folder_mtime
    assert crawl(target, lake, tmp_path, recrawl="new-folders").unchanged and calls == []
    # …until a recrawl that stats files
    assert not crawl(target, lake, tmp_path, recrawl="changed-folders").unchanged
    assert [c.name for c in target.get_table("lake", "sales").sd.columns] == ["id", "amount", "channel"]
    # a new partition folder changes its parent's mtime: listed, only the new file read
    write_parquet(lake / "sales" / "ds=2024-01-03" / "part-0.parquet", {"id": [3], "amount": [1.0]})
    third = crawl(target, lake, tmp_path, recrawl="new-folders")
    assert len(calls) == 2 and third.files_read == 1 and third.plan.partitions_added == 1


def test_unchanged_since_refuses_a_policy_that_does_not_check_folders(lake):
    from crawler import recrawl
    from crawler.fs import resolve

    with pytest.raises(ValueError, match="does not check folders"):
        recrawl.unchanged_since(resolve(str(lake)), Manifest(config="x"), recrawl.INCREMENTAL)
