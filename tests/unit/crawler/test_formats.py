"""Each format plugin on small files written with the real libraries."""
from __future__ import annotations

import datetime
import decimal
import json

import pytest

from crawler import compression
from crawler.formats import BUILTINS, ENTRY_POINT_GROUP, FormatError, Registry, TableInput
from crawler.formats.base import CODEC_NOT_IN_NAME
from crawler.formats.avro import merge_avro_schemas
from crawler.formats.csv import detect_header, sniff_delimiter
from tests.support.lake import (USER_AVRO, avro_users, write_avro, write_csv, write_json_array, write_json_lines,
                                write_orc, write_parquet)
from tests.unit.crawler.conftest import cols


# --------------------------------------------------------------------------- parquet
def test_parquet_schema_from_footer(tmp_path, infer):
    import pandas as pd

    p = write_parquet(tmp_path / "a.parquet", {
        "id": [1, 2, 3], "name": ["a", None, "c"], "amount": [1.5, 2.0, None],
        "at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]), "ok": [True, False, True],
        "small": pd.array([1, 2, 3], dtype="int32")})
    name, schema = infer(p)
    assert name == "parquet"
    assert cols(schema) == [("id", "bigint"), ("name", "string"), ("amount", "double"), ("at", "timestamp"),
                            ("ok", "boolean"), ("small", "int")]
    assert schema.records == 3 and schema.records_exact
    assert schema.compression == "snappy"


def test_parquet_nested_types_from_pyarrow_written_file(tmp_path, infer):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({
        "tags": pa.array([["a"], []], pa.list_(pa.string())),
        "m": pa.array([[("k", 1)], []], pa.map_(pa.string(), pa.int64())),
        "s": pa.array([{"x": 1, "y": "z"}, None], pa.struct([("x", pa.int32()), ("y", pa.string())])),
        "d": pa.array([decimal.Decimal("1.23"), None], pa.decimal128(10, 2)),
        "day": pa.array([datetime.date(2024, 1, 1), None], pa.date32()),
    })
    pq.write_table(table, tmp_path / "n.parquet", compression="zstd")
    name, schema = infer(tmp_path / "n.parquet")
    assert cols(schema) == [("tags", "array<string>"), ("m", "map<string,bigint>"), ("s", "struct<x:int,y:string>"),
                            ("d", "decimal(10,2)"), ("day", "date")]
    assert schema.compression == "zstd"


def test_corrupt_parquet_is_a_format_error(tmp_path, infer):
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"PAR1" + b"\x00" * 50)
    with pytest.raises(FormatError):
        infer(p)


# --------------------------------------------------------------------------- orc
def test_orc_schema_from_footer(tmp_path, infer):
    p = write_orc(tmp_path / "a.orc", "struct<id:bigint,tags:array<string>,m:map<string,int>,d:decimal(10,2),"
                  "day:date,s:struct<x:int>>",
                  [(1, ["a"], {"k": 1}, decimal.Decimal("1.50"), datetime.date(2024, 1, 1), (1,))] * 4)
    name, schema = infer(p)
    assert name == "orc"
    assert cols(schema) == [("id", "bigint"), ("tags", "array<string>"), ("m", "map<string,int>"),
                            ("d", "decimal(10,2)"), ("day", "date"), ("s", "struct<x:int>")]
    assert schema.records == 4 and schema.compression == "zlib"


def test_truncated_orc_is_a_format_error(tmp_path, infer):
    p = write_orc(tmp_path / "a.orc", "struct<id:bigint>", [(i,) for i in range(100)])
    p.write_bytes(p.read_bytes()[:40])
    with pytest.raises(FormatError):
        infer(p)


# --------------------------------------------------------------------------- avro
def test_avro_writer_schema_and_block_counts(tmp_path, infer):
    p = write_avro(tmp_path / "u.avro", USER_AVRO, avro_users(1000), codec="deflate")
    name, schema = infer(p)
    assert name == "avro"
    assert cols(schema) == [("id", "bigint"), ("name", "string"), ("score", "double"), ("tags", "array<string>"),
                            ("joined", "date")]
    assert schema.records == 1000 and schema.compression == "deflate"
    assert json.loads(schema.extra_value("avro.schema"))["name"] == "lake.User"  # as fastavro writes it


def test_avro_storage_has_schema_literal_and_merges_evolved_schemas(tmp_path, infer):
    old = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "gone", "type": "string"}]}
    new = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "long"}, {"name": "b", "type": "string"}]}
    merged = merge_avro_schemas([old, new])
    assert merged["fields"] == [{"name": "a", "type": "long"}, {"name": "b", "type": "string"},
                                {"name": "gone", "type": ["null", "string"], "default": None}]
    p1 = write_avro(tmp_path / "1.avro", old, [{"a": 1, "gone": "x"}])
    p2 = write_avro(tmp_path / "2.avro", new, [{"a": 2, "b": "y"}], codec="snappy")
    s1, s2 = infer(p1)[1], infer(p2)[1]
    assert s2.compression == "snappy"
    from crawler.formats.avro import AvroFormat

    storage = AvroFormat().storage(TableInput("file:/x", (), (), [s1, s2]))
    literal = json.loads(storage.serde_params["avro.schema.literal"])
    assert [f["name"] for f in literal["fields"]] == ["a", "b", "gone"]
    assert storage.table_params["avro.schema.literal"] == storage.serde_params["avro.schema.literal"]
    assert [(f.name, str(f.type)) for f in storage.hive_fields] == [("a", "bigint"), ("b", "string"),
                                                                    ("gone", "string")]


def test_truncated_avro_is_a_format_error(tmp_path, infer):
    p = write_avro(tmp_path / "u.avro", USER_AVRO, avro_users(500))
    p.write_bytes(p.read_bytes()[:-30])
    with pytest.raises(FormatError):
        infer(p)


# --------------------------------------------------------------------------- json
def test_json_lines_nested_struct_array_and_map(tmp_path, infer):
    recs = [{"id": i, "user": {"name": "n", "age": i}, "tags": ["a", "b"], "daily": {f"2024-01-0{i + 1}": i},
             "maybe": None, "mixed": i if i % 2 else i + 0.5} for i in range(5)]
    name, schema = infer(write_json_lines(tmp_path / "a.json", recs))
    assert name == "json"
    assert cols(schema) == [("id", "bigint"), ("user", "struct<name:string,age:bigint>"), ("tags", "array<string>"),
                            ("daily", "map<string,bigint>"), ("maybe", "string"), ("mixed", "double")]
    assert schema.layout_dict() == {"json_layout": "lines"}
    assert schema.records == 5 and schema.records_exact


def test_json_map_when_keys_vary_a_lot(tmp_path, infer):
    recs = [{"id": i, "counts": {f"k{i * 3 + j}": j for j in range(3)}} for i in range(10)]
    _, schema = infer(write_json_lines(tmp_path / "a.json", recs))
    assert cols(schema) == [("id", "bigint"), ("counts", "map<string,bigint>")]
    stable = [{"id": i, "user": {"first": "a", "last": "b"}} for i in range(10)]
    _, schema = infer(write_json_lines(tmp_path / "b.json", stable))
    assert cols(schema)[1] == ("user", "struct<first:string,last:string>")


def test_json_top_level_array_pretty_printed(tmp_path, infer):
    _, schema = infer(write_json_array(tmp_path / "a.json", [{"a": 1}, {"a": 2, "b": [1.5]}]))
    assert cols(schema) == [("a", "bigint"), ("b", "array<double>")]
    assert schema.layout_dict() == {"json_layout": "array"}
    from crawler.formats.json import JsonFormat

    storage = JsonFormat().storage(TableInput("file:/x", schema.fields, (), [schema]))
    assert storage.spark_provider == "json" and storage.spark_options == {"multiLine": "true"}
    assert storage.serde == "org.apache.hive.hcatalog.data.JsonSerDe"


@pytest.mark.parametrize("codec,suffix", [("gzip", ".gz"), ("bzip2", ".bz2"), ("zstd", ".zst"),
                                          ("snappy", ".snappy")])
def test_compressed_json_by_extension_and_magic(tmp_path, infer, codec, suffix):
    recs = [{"a": i} for i in range(20)]
    _, schema = infer(write_json_lines(tmp_path / f"a.json{suffix}", recs, codec=codec))
    assert schema.compression == codec and schema.records == 20
    assert schema.hint(CODEC_NOT_IN_NAME) == ""  # named for its codec: engines decompress it
    if codec != "snappy":  # Hadoop's snappy block format has no magic bytes
        _, schema = infer(write_json_lines(tmp_path / "noext.json", recs, codec=codec))
        assert schema.compression == codec and schema.hint(CODEC_NOT_IN_NAME) == "true"
        _, schema = infer(write_csv(tmp_path / "noext.csv", ["a"], [[1], [2]], codec=codec))
        assert schema.compression == codec and schema.hint(CODEC_NOT_IN_NAME) == "true"
    assert compression.named_for_engines("x.json.ZSTD", "zstd") and compression.named_for_engines("x", "none")
    assert not compression.named_for_engines("x.json.gzip", "gzip")  # Hadoop knows .gz only


def test_snappy_framed_format(tmp_path):
    import cramjam

    data = b'{"a": 1}\n' * 10
    framed = bytes(cramjam.snappy.compress(data))
    assert compression.by_magic(framed) == compression.SNAPPY
    import io

    assert compression.read_prefix(io.BytesIO(framed), compression.SNAPPY, 1000) == (data, True)


def test_sampling_limits_rows_and_bytes(tmp_path, infer):
    recs = [{"a": i} for i in range(5000)] + [{"a": "text"}]
    _, schema = infer(write_json_lines(tmp_path / "a.json", recs), sample_rows=100, sample_bytes=4000)
    assert cols(schema) == [("a", "bigint")]
    assert schema.records is None and not schema.records_exact


def test_json_array_of_scalars_is_not_a_table(tmp_path, infer):
    p = tmp_path / "a.json"
    p.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(FormatError):
        infer(p)


# --------------------------------------------------------------------------- csv / tsv
def test_csv_types_header_quoting(tmp_path, infer):
    p = write_csv(tmp_path / "a.csv", ["ID", "Full Name", "Balance", "Since", "Active", "Zip", "Ratio", "At"],
                  [[i, f"Smith, {i}", f"{i}.50", f"2024-01-{i + 1:02d}", "TRUE" if i % 2 else "false",
                    f"0{i}123", f"{i}e-3", f"2024-01-01 10:00:0{i}"] for i in range(8)])
    name, schema = infer(p)
    assert name == "csv"
    assert cols(schema) == [("id", "bigint"), ("full_name", "string"), ("balance", "decimal(12,2)"),
                            ("since", "date"), ("active", "boolean"), ("zip", "string"), ("ratio", "double"),
                            ("at", "timestamp")]
    assert schema.layout_dict() == {"delimiter": ",", "header": "true"}
    assert schema.hint("quoted") == "true"
    from crawler.formats.csv import CsvFormat, OPEN_CSV_SERDE

    storage = CsvFormat().storage(TableInput("file:/x", schema.fields, (), [schema]))
    assert storage.serde == OPEN_CSV_SERDE
    assert storage.serde_params["skip.header.line.count"] == "1"
    assert storage.serde_params["separatorChar"] == ","
    assert {str(f.type) for f in storage.hive_fields} == {"string"}  # OpenCSVSerde reads strings
    assert storage.spark_provider == "csv" and storage.spark_options["header"] == "true"


@pytest.mark.parametrize("delimiter", [",", "|", "\t", ";"])
def test_delimiter_sniffing(tmp_path, infer, delimiter):
    p = write_csv(tmp_path / "a.txt", ["a", "b", "c"], [[i, f"x{i}", i * 0.5] for i in range(10)],
                  delimiter=delimiter)
    _, schema = infer(p)
    assert schema.layout_dict()["delimiter"] == delimiter
    assert [f.name for f in schema.fields] == ["a", "b", "c"]
    assert sniff_delimiter("a;b;c\n1;2;3\n")[0] == ";"


def test_tsv_unquoted_uses_lazy_simple_serde_with_types(tmp_path, infer):
    p = write_csv(tmp_path / "m.tsv", ["host", "n"], [[f"h{i}", i] for i in range(4)], delimiter="\t")
    _, schema = infer(p)
    from crawler.formats.csv import CsvFormat, LAZY_SERDE

    storage = CsvFormat().storage(TableInput("file:/x", schema.fields, (), [schema]))
    assert storage.serde == LAZY_SERDE
    assert storage.serde_params["field.delim"] == "\t"
    assert storage.hive_fields is None  # typed columns for Hive and Trino too


def test_header_detection():
    assert detect_header([["id", "name"], ["1", "a"], ["2", "b"]])
    assert not detect_header([["1", "a"], ["2", "b"]])
    # all-text data: a header of names that never occur in their columns
    assert detect_header([["first", "last"], ["Ada", "Lovelace"], ["Alan", "Turing"]])
    assert not detect_header([["Ada", "Lovelace"], ["Ada", "Turing"]])
    assert not detect_header([["a", "a"], ["1", "2"]])  # duplicate names


def test_headerless_csv_gets_glue_style_names(tmp_path, infer):
    p = write_csv(tmp_path / "a.csv", None, [[i, f"v{i}"] for i in range(5)])
    _, schema = infer(p)
    assert cols(schema) == [("col0", "bigint"), ("col1", "string")]
    _, forced = infer(p, csv_header="yes")
    assert [f.name for f in forced.fields] == ["0", "v0"]


def test_binary_junk_is_not_csv(tmp_path):
    from crawler.formats import Source, FileEntry, default_registry
    import fsspec

    p = tmp_path / "x.csv"
    p.write_bytes(b"\x00\x01\x02" * 100)
    src = Source(fsspec.filesystem("file"), FileEntry(str(p), "x.csv", p.stat().st_size))
    plugin, score = default_registry().detect(src)
    assert plugin is None or score == 0


def test_small_local_files_are_read_once_and_changed_ones_from_disk(tmp_path):
    from crawler.formats import FileEntry, Source
    import fsspec

    p = tmp_path / "x.bin"
    p.write_bytes(bytes(range(200)))
    src = Source(fsspec.filesystem("file"), FileEntry(str(p), "x.bin", 200))
    assert src.head == bytes(range(64)) and src.bytes_read == 200  # read whole with its head
    p.write_bytes(b"changed")
    assert src.size() == 200 and src.read_at(190, 20) == bytes(range(190, 200))  # that one read
    src.close()
    stale = Source(fsspec.filesystem("file"), FileEntry(str(p), "x.bin", 200))  # listed before the change
    assert stale.head == b"changed" and stale.size() == 7 and stale.read_at(2, 3) == b"ang"
    stale.close()
    big = tmp_path / "big.bin"
    big.write_bytes(b"a" * (Source.SMALL_FILE + 1))
    src = Source(fsspec.filesystem("file"), FileEntry(str(big), "big.bin", Source.SMALL_FILE + 1))
    assert src.head == b"a" * 64 and src.bytes_read == 64
    src.close()


# --------------------------------------------------------------------------- registry
def test_builtins_are_declared_as_entry_points_in_pyproject():
    import tomllib
    from pathlib import Path

    data = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml").read_text())
    assert data["project"]["entry-points"][ENTRY_POINT_GROUP] == BUILTINS


def test_third_party_plugin_via_entry_point(monkeypatch, tmp_path):
    import importlib.metadata as md

    from crawler.formats import FileSchema, FormatPlugin, Storage

    class Fixed(FormatPlugin):
        name = "fixed"
        priority = 5

        def detect(self, source):
            return 1.0 if source.path.endswith(".fw") else 0.0

        def infer_schema(self, source, options):
            return FileSchema(self.name, ())

        def storage(self, table):
            return Storage("in", "out", "serde")

    import sys
    import types

    mod = types.ModuleType("third_party_fixed")
    mod.Fixed = Fixed
    monkeypatch.setitem(sys.modules, "third_party_fixed", mod)
    ep = md.EntryPoint(name="fixed", value="third_party_fixed:Fixed", group=ENTRY_POINT_GROUP)
    monkeypatch.setattr(md, "entry_points", lambda group=None: [ep] if group == ENTRY_POINT_GROUP else [])
    registry = Registry()
    assert "fixed" in registry.names()
    assert registry.get("fixed").name == "fixed"


def test_builtins_load_lazily():
    import sys

    registry = Registry(include_entry_points=False)
    sys.modules.pop("crawler.formats.orc", None)
    assert registry.names() == sorted(BUILTINS)
    assert "crawler.formats.orc" not in sys.modules
    assert registry.get("orc").name == "orc"
    assert "crawler.formats.orc" in sys.modules
