"""Listing, junk, Glue exclusion globs, table roots and partitions."""
from __future__ import annotations

import pytest

from crawler import fs as fsmod
from crawler.discovery import by_folder, junk_reason, list_files
from crawler.formats import FileEntry, FileSchema
from crawler.globs import Excluder, GlobError, compile_glob
from crawler.grouping import GroupingOptions, Inferred, group_tables
from crawler.partitions import infer_key_type, parse_pins, PartitionTypeError
from crawler.schema import BIGINT, DATE, INT, STRING, Field
from tests.support.lake import write_csv, write_parquet


# --------------------------------------------------------------------------- globs
@pytest.mark.parametrize("pattern,path,matches", [
    ("*.csv", "a.csv", True),
    ("*.csv", "dir/a.csv", False),          # * stays within one level
    ("**.csv", "dir/sub/a.csv", True),      # ** crosses levels
    ("**/*.csv", "dir/a.csv", True),
    ("logs/**", "logs/2024/x.json", True),
    ("{tmp,staging}/**", "staging/x", True),
    ("{tmp,staging}/**", "prod/x", False),
    ("year=20[!2]*", "year=2019", True),
    ("year=20[!2]*", "year=2024", False),
    ("data/part-[0-9]?.parquet", "data/part-01.parquet", True),
    ("{a,b*}.json", "bcd.json", True),
])
def test_glue_glob_semantics(pattern, path, matches):
    assert bool(compile_glob(pattern).match(path)) is matches


def test_excluder_excludes_whole_folders():
    ex = Excluder(["archive", "*.tmp"])
    assert ex.excluded("archive/2024/a.parquet")
    assert ex.excluded("x.tmp") and not ex.excluded("d/x.tmp")
    assert not ex.excluded("data/a.parquet")
    with pytest.raises(GlobError):
        compile_glob("{a,b")


# --------------------------------------------------------------------------- junk and listing
@pytest.mark.parametrize("rel,size,junk", [
    ("t/_SUCCESS", 0, True), ("t/_temporary/0/part", 10, True), ("t/.part.crc", 10, True),
    ("t/x.crc", 10, True), (".hidden/a.csv", 10, True), ("t/_delta_log/0.json", 10, True),
    ("t/a.parquet", 0, True), ("t/a$folder$_$folder$", 1, True), ("t/a.parquet", 10, False),
    ("t/_key=1/a.parquet", 10, False), ("t/a.csv~", 3, True),
])
def test_junk(rel, size, junk):
    assert (junk_reason(rel, size) is not None) is junk


def test_delta_log_only_when_asked():
    assert junk_reason("t/_delta_log/0.json", 10, include_delta_log=True) is None


def test_list_files_local(tmp_path):
    write_parquet(tmp_path / "t" / "a.parquet", {"x": [1]})
    (tmp_path / "t" / "_SUCCESS").write_text("")
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "b.csv").write_text("a\n1\n")
    listing = list_files(fsmod.resolve(str(tmp_path)), Excluder(["skip/**"]))
    assert [f.rel for f in listing.files] == ["t/a.parquet"]
    assert listing.files[0].size > 0 and listing.files[0].mtime
    assert listing.skipped == {"t/_SUCCESS": "hidden file (e.g. _SUCCESS)", "skip/b.csv": "excluded by pattern"}


def test_resolve_paths(tmp_path):
    root = fsmod.resolve("file://" + str(tmp_path))
    assert root.scheme == "file" and root.uri_root == "file:" + str(tmp_path)
    with pytest.raises(fsmod.PathError):
        fsmod.resolve("hdfs://nn/x")
    with pytest.raises(fsmod.PathError):
        list_files(fsmod.resolve(str(tmp_path / "missing")))


def test_s3_options_from_aws_environment(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    opts = fsmod.s3_options()
    assert opts["client_kwargs"] == {"endpoint_url": "http://127.0.0.1:9", "region_name": "eu-west-1"}
    assert opts["key"] == "k" and opts["secret"] == "s"


# --------------------------------------------------------------------------- grouping
def _f(rel, fields=("id", "name"), fmt="parquet", layout=(), types=None):
    types = types or {}
    return Inferred(FileEntry(path="/lake/" + rel, rel=rel, size=100),
                    FileSchema(fmt, tuple(Field(n, types.get(n, BIGINT if n == "id" else STRING)) for n in fields),
                               layout=layout, records=10, records_exact=True))


def _tables(files, **opts):
    g = group_tables(by_folder(files), "lake", GroupingOptions(**opts))
    return {t.name: t for t in g.tables}, g


def test_hive_partitions_make_one_table():
    tables, _ = _tables([_f("sales/year=2024/month=01/a"), _f("sales/year=2024/month=02/a"),
                         _f("sales/year=2023/month=12/b", fields=("id", "name", "extra"))])
    t = tables["sales"]
    assert t.keys == ["year", "month"]
    assert sorted(t.partitions) == [("2023", "12"), ("2024", "01"), ("2024", "02")]
    assert t.partitions[("2024", "01")] == "sales/year=2024/month=01"
    assert any("Hive-style year=" in r for r in t.reasons)


def test_unnamed_levels_become_partition_n():
    tables, _ = _tables([_f("logs/2024/01/a"), _f("logs/2024/02/a"), _f("logs/2023/12/a")])
    assert tables["logs"].keys == ["partition_0", "partition_1"]


def test_different_schemas_become_different_tables():
    tables, g = _tables([_f("orders/a", fields=("order_id", "total", "ts")),
                         _f("customers/a", fields=("customer_id", "email", "country"))])
    assert sorted(tables) == ["customers", "orders"]
    assert any("too different" in n for n in g.notes)


def test_different_formats_become_different_tables():
    tables, g = _tables([_f("a/x"), _f("b/y", fmt="csv", layout=(("delimiter", ","),))])
    assert sorted(tables) == ["a", "b"]
    assert any("differ in format" in n for n in g.notes)


def test_combine_schemas_option_unions_compatible_schemas():
    files = [_f("t/a/x", fields=("id", "a1", "a2")), _f("t/b/y", fields=("id", "b1", "b2"))]
    tables, _ = _tables(files)
    assert sorted(tables) == ["a", "b"]
    tables, _ = _tables(files, combine_schemas=True)
    assert sorted(tables) == ["t"]


def test_type_conflict_splits_typed_formats_but_not_text():
    files = [_f("t/a/x", types={"name": DATE}), _f("t/b/y")]
    assert sorted(_tables(files)[0]) == ["a", "b"]
    text = [_f("t/a/x", fmt="csv", types={"name": DATE}), _f("t/b/y", fmt="csv")]
    assert sorted(_tables(text)[0]) == ["t"]


def test_unnamed_level_above_a_key_value_level_names_tables():
    tables, _ = _tables([_f("lake2/sales/ds=1/a"), _f("lake2/sales_archive/ds=1/a")])
    assert sorted(tables) == ["sales", "sales_archive"]


def test_table_level_fixes_the_depth():
    files = [_f("db/t1/2024/a"), _f("db/t2/2024/a")]
    assert sorted(_tables(files)[0]) == ["db"]
    tables, _ = _tables(files, table_level=2)
    assert sorted(tables) == ["t1", "t2"] and tables["t1"].keys == ["partition_0"]
    tables, _ = _tables(files, table_level=0)
    assert sorted(tables) == ["lake"]


def test_files_with_different_schemas_in_one_folder_get_a_table_each():
    tables, _ = _tables([_f("raw/orders.parquet", fields=("order_id", "total", "ts")),
                         _f("raw/users.parquet", fields=("user_id", "email", "country"))])
    assert sorted(tables) == ["raw_orders", "raw_users"]
    assert tables["raw_orders"].is_file and tables["raw_orders"].root_rel == "raw/orders.parquet"


def test_mixed_depths_split_and_duplicate_names_are_made_unique():
    tables, _ = _tables([_f("a/x/events/f"), _f("b/y/events/f", fields=("k", "v", "w"))])
    assert sorted(tables) == ["x_events", "y_events"]


def test_table_prefix():
    tables, _ = _tables([_f("Sales Data/a")], table_prefix="raw_")
    assert list(tables) == ["raw_sales_data"]


# --------------------------------------------------------------------------- partition values
def test_partition_key_types():
    assert infer_key_type(["2024", "2023"]) == INT
    assert infer_key_type(["9999999999"]) == BIGINT
    assert infer_key_type(["01", "02"]) == STRING     # leading zeros stay strings
    assert infer_key_type(["2024-01-01", "__HIVE_DEFAULT_PARTITION__"]) == DATE
    assert infer_key_type(["2024-02-30"]) == STRING
    assert infer_key_type(["eu", "1"]) == STRING
    assert parse_pins(["ds=string", "Hour=int"]) == {"ds": STRING, "hour": INT}
    with pytest.raises(PartitionTypeError):
        parse_pins(["ds"])
    with pytest.raises(PartitionTypeError):
        parse_pins(["ds=array<int>"])


def test_real_files_grouped_with_partitions(tmp_path, infer):
    for day in ("2024-01-01", "2024-01-02"):
        write_csv(tmp_path / "t" / f"day={day}" / "x.csv", ["a", "b"], [[1, "x"]])
    write_csv(tmp_path / "t" / "day=__HIVE_DEFAULT_PARTITION__" / "x.csv", ["a", "b"], [[1, "x"]])
    root = fsmod.resolve(str(tmp_path))
    files = [Inferred(e, infer(e.path)[1]) for e in list_files(root).files]
    g = group_tables(by_folder(files), "x")
    (t,) = g.tables
    assert t.keys == ["day"] and len(t.partitions) == 3
