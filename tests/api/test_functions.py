"""Permanent functions: create/get/list/alter/drop and their errors."""
from __future__ import annotations

import pytest
from hive_metastore import ttypes as tt

from tests.api.helpers import database, function


@pytest.fixture
def app(hms):
    hms.create_database(database("app"))
    return hms


def test_create_and_get_function(app):
    app.create_function(function("app", "to_upper", jars=("file:/opt/udfs/upper.jar", "s3://b/dep.jar")))
    f = app.get_function("app", "to_upper")
    assert f.functionName == "to_upper"
    assert f.dbName == "app"
    assert f.className == "com.example.udf.Upper"
    assert f.ownerName == "alice"
    assert f.ownerType == tt.PrincipalType.USER
    assert f.functionType == tt.FunctionType.JAVA
    assert f.createTime > 0
    assert [(r.resourceType, r.uri) for r in f.resourceUris] == [
        (tt.ResourceType.JAR, "file:/opt/udfs/upper.jar"), (tt.ResourceType.JAR, "s3://b/dep.jar")]


def test_function_names_are_case_insensitive(app):
    app.create_function(function("APP", "MyUpper"))
    assert app.get_function("app", "myupper").functionName == "myupper"
    assert app.get_function("App", "MYUPPER").dbName == "app"
    assert app.get_functions("app", "*") == ["myupper"]
    with pytest.raises(tt.AlreadyExistsException):
        app.create_function(function("app", "MYUPPER"))


def test_get_functions_patterns_and_all_functions(app):
    app.create_database(database("other"))
    for name in ("to_upper", "to_lower", "parse_url2"):
        app.create_function(function("app", name))
    app.create_function(function("other", "to_upper", class_name="com.example.Other"))
    assert app.get_functions("app", "*") == ["parse_url2", "to_lower", "to_upper"]
    assert app.get_functions("app", "to_*") == ["to_lower", "to_upper"]
    assert app.get_functions("app", "TO_UPPER|parse*") == ["parse_url2", "to_upper"]
    assert app.get_functions("app", "nomatch") == []
    assert app.get_functions("other", "*") == ["to_upper"]
    assert app.get_functions("default", "*") == []
    # Hive answers an empty list for a database that does not exist
    assert app.get_functions("ghost", "*") == []
    res = app.get_all_functions()
    assert isinstance(res, tt.GetAllFunctionsResponse)
    assert sorted((f.dbName, f.functionName, f.className) for f in res.functions) == [
        ("app", "parse_url2", "com.example.udf.Upper"),
        ("app", "to_lower", "com.example.udf.Upper"),
        ("app", "to_upper", "com.example.udf.Upper"),
        ("other", "to_upper", "com.example.Other"),
    ]


def test_alter_function(app):
    app.create_function(function("app", "f"))
    new = function("app", "f", class_name="com.example.udf.UpperV2", jars=("file:/opt/udfs/upper-2.jar",))
    app.alter_function("app", "f", new)
    f = app.get_function("app", "f")
    assert f.className == "com.example.udf.UpperV2"
    assert [r.uri for r in f.resourceUris] == ["file:/opt/udfs/upper-2.jar"]


def test_rename_function_with_alter(app):
    """Spark's ALTER FUNCTION ... RENAME sends alter_function with the new name."""
    app.create_function(function("app", "old_name"))
    app.alter_function("app", "old_name", function("app", "new_name"))
    assert app.get_functions("app", "*") == ["new_name"]
    with pytest.raises(tt.NoSuchObjectException):
        app.get_function("app", "old_name")


def test_alter_missing_function_fails_without_creating_it(app):
    with pytest.raises((tt.InvalidOperationException, tt.MetaException)) as ei:
        app.alter_function("app", "ghost", function("app", "ghost"))
    assert "ghost" in ei.value.message
    assert app.get_functions("app", "*") == []


def test_drop_function(app):
    app.create_function(function("app", "f"))
    app.create_function(function("app", "g"))
    app.drop_function("app", "F")
    assert app.get_functions("app", "*") == ["g"]
    with pytest.raises(tt.NoSuchObjectException):
        app.get_function("app", "f")
    app.create_function(function("app", "f", class_name="com.example.Again"))
    assert app.get_function("app", "f").className == "com.example.Again"


def test_function_errors(app):
    with pytest.raises(tt.NoSuchObjectException) as ei:
        app.get_function("app", "ghost")
    assert "ghost" in ei.value.message
    with pytest.raises(tt.NoSuchObjectException):
        app.drop_function("app", "ghost")
    with pytest.raises(tt.NoSuchObjectException):
        app.create_function(function("ghostdb", "f"))
    app.create_function(function("app", "dup"))
    with pytest.raises(tt.AlreadyExistsException) as ei:
        app.create_function(function("app", "dup", class_name="com.example.Other"))
    assert "dup" in ei.value.message
    assert app.get_function("app", "dup").className == "com.example.udf.Upper"
    with pytest.raises(tt.InvalidObjectException):
        app.create_function(function("app", "no_class", class_name=""))
    with pytest.raises(tt.InvalidObjectException):
        app.create_function(function("app", "bad-name"))
    assert app.get_functions("app", "*") == ["dup"]
