"""Builders and checks shared by the API behaviour suite.

Everything here speaks the ThriftHiveMetastore wire types (`tt`), so tests read like the
calls Hive, Spark and Trino make.
"""
from __future__ import annotations

import os
from typing import Dict, Iterable, Optional, Sequence, Tuple

import pytest
from hive_metastore import ttypes as tt

from tests.support.catalog import ThriftClient

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"

DEFAULT_COLUMNS: Tuple[Tuple[str, str], ...] = (("id", "bigint"), ("name", "string"))


# Runs a test only with the `hms` fixture's real-socket variant (on every backend).
socket_only = pytest.mark.parametrize("hms", ["socket"], indirect=True)


def require_socket(hms) -> ThriftClient:
    """Skip unless the test runs against a real server over a socket."""
    if not isinstance(hms, ThriftClient):
        pytest.skip("needs a real Thrift connection")
    return hms


def local_path(uri: str) -> str:
    """The local filesystem path of a `file:` location URI."""
    assert uri and uri.startswith("file:"), uri
    path = uri[len("file:"):]
    if path.startswith("//"):
        path = path[2:]
    return path


def join(uri: str, *parts: str) -> str:
    return "/".join([uri.rstrip("/")] + list(parts))


def exists(uri: str) -> bool:
    return os.path.exists(local_path(uri))


def put_file(uri: str, name: str = "part-00000", data: bytes = b"1,a\n") -> str:
    """Write a data file inside the directory at `uri` (creating it); return its path."""
    directory = local_path(uri)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def fields(columns: Iterable[Tuple[str, str]]):
    return [tt.FieldSchema(name=n, type=t, comment=None) for n, t in columns]


def storage(columns: Iterable[Tuple[str, str]] = DEFAULT_COLUMNS, location: Optional[str] = None,
            serde_params: Optional[Dict[str, str]] = None) -> tt.StorageDescriptor:
    return tt.StorageDescriptor(
        cols=fields(columns), location=location, inputFormat=TEXT_INPUT, outputFormat=TEXT_OUTPUT,
        compressed=False, numBuckets=-1,
        serdeInfo=tt.SerDeInfo(name=None, serializationLib=LAZY_SERDE,
                               parameters=dict(serde_params or {"serialization.format": ","})),
        bucketCols=[], sortCols=[], parameters={},
    )


def database(name: str, location: Optional[str] = None, description: Optional[str] = None,
             parameters: Optional[Dict[str, str]] = None, owner: str = "alice") -> tt.Database:
    return tt.Database(name=name, description=description, locationUri=location,
                       parameters=dict(parameters or {}), ownerName=owner,
                       ownerType=tt.PrincipalType.USER)


def table(db: str, name: str, columns: Sequence[Tuple[str, str]] = DEFAULT_COLUMNS,
          partition_keys: Sequence[Tuple[str, str]] = (), location: Optional[str] = None,
          table_type: str = "MANAGED_TABLE", parameters: Optional[Dict[str, str]] = None,
          owner: str = "alice") -> tt.Table:
    params = dict(parameters or {})
    if table_type == "EXTERNAL_TABLE":
        params.setdefault("EXTERNAL", "TRUE")
    return tt.Table(
        tableName=name, dbName=db, owner=owner, createTime=0, lastAccessTime=0, retention=0,
        sd=storage(columns, location), partitionKeys=fields(partition_keys), parameters=params,
        tableType=table_type, ownerType=tt.PrincipalType.USER,
    )


def view(db: str, name: str, sql: str, expanded: str,
         columns: Sequence[Tuple[str, str]] = DEFAULT_COLUMNS) -> tt.Table:
    sd = tt.StorageDescriptor(cols=fields(columns), location=None, inputFormat=None, outputFormat=None,
                              compressed=False, numBuckets=-1,
                              serdeInfo=tt.SerDeInfo(name=None, serializationLib=None, parameters={}),
                              bucketCols=[], sortCols=[], parameters={})
    return tt.Table(tableName=name, dbName=db, owner="alice", createTime=0, lastAccessTime=0,
                    retention=0, sd=sd, partitionKeys=[], parameters={"comment": "a view"},
                    viewOriginalText=sql, viewExpandedText=expanded, tableType="VIRTUAL_VIEW",
                    ownerType=tt.PrincipalType.USER)


def partition(t: tt.Table, values: Sequence[str], location: Optional[str] = None,
              parameters: Optional[Dict[str, str]] = None) -> tt.Partition:
    """A partition of table `t` as Spark sends it: the table's storage, own location."""
    sd = storage([(c.name, c.type) for c in t.sd.cols], location)
    return tt.Partition(values=list(values), dbName=t.dbName, tableName=t.tableName, createTime=0,
                        lastAccessTime=0, sd=sd, parameters=dict(parameters or {}))


def names_of(parts) -> list:
    return [tuple(p.values) for p in parts]


def function(db: str, name: str, class_name: str = "com.example.udf.Upper",
             jars: Sequence[str] = ("file:/opt/udfs/upper.jar",)) -> tt.Function:
    return tt.Function(
        functionName=name, dbName=db, className=class_name, ownerName="alice",
        ownerType=tt.PrincipalType.USER, createTime=0, functionType=tt.FunctionType.JAVA,
        resourceUris=[tt.ResourceUri(resourceType=tt.ResourceType.JAR, uri=j) for j in jars],
    )
