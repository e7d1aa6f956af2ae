"""ThriftHiveMetastore methods of Hive 4.0.1's IDL that the bindings PyIceberg ships lack.

PyIceberg's `hive_metastore` package was generated from an earlier Hive 4 IDL. Apache Hive
4.0.1's own `HiveMetaStoreClient` calls newer request-style methods for everyday operations
(`createDatabase` → `create_database_req`, `dropTable` → `drop_table_req`, `dropPartition` →
`drop_partition_req`, `listPartitionsByFilter` → `get_partitions_by_filter_req`,
`listPartitionNames` → `fetch_partition_names_req`, `alterDatabase` → `alter_database_req`,
`appendPartition` → `append_partition_req`) and does not fall back when they are unknown.
`listPartitions` → `get_partitions_req` is in the bindings, but its PartitionsRequest there
lacks the fields Hive 4.0.1 added (skipColumnSchemaForPartition, include/exclude parameter
key patterns), so it is redeclared here too.

This module declares those methods' structs with the field ids and types of Hive 4.0.1's
`hive_metastore.thrift` (they encode with the same C-accelerated codec as the generated
ones), plus a server-side process function and a client stub for each method. The server's
Processor adds PROCESS_MAP to the generated one; `Client` extends the generated client.
"""
from __future__ import annotations

import logging
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from hive_metastore import ThriftHiveMetastore
from hive_metastore import ttypes as tt
from thrift.Thrift import TApplicationException, TMessageType, TType
from thrift.transport import TTransport

log = logging.getLogger(__name__)

_STR = (TType.STRING, "UTF8")
_STR_LIST = (TType.LIST, (TType.STRING, "UTF8", False))
_STR_MAP = (TType.MAP, (TType.STRING, "UTF8", TType.STRING, "UTF8", False))


def _s(cls) -> tuple:
    """Field type of a struct (or exception) field."""
    return (TType.STRUCT, [cls, cls.thrift_spec])


_BOOL = (TType.BOOL, None)
_I16 = (TType.I16, None)
_I32 = (TType.I32, None)


class _Struct:
    """Base of the structs below: keyword construction, equality, fast (C) codec."""

    thrift_spec: tuple = (None,)
    _fields: Tuple[str, ...] = ()
    _defaults: Dict[str, object] = {}

    def __init__(self, **kwargs):
        unknown = set(kwargs) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field(s) {sorted(unknown)}")
        for name in self._fields:
            setattr(self, name, kwargs.get(name, self._defaults.get(name)))

    def read(self, iprot):
        if (iprot._fast_decode is not None and isinstance(iprot.trans, TTransport.CReadableTransport)):
            iprot._fast_decode(self, iprot, [self.__class__, self.thrift_spec])
        else:
            iprot.readStruct(self, self.thrift_spec)

    def write(self, oprot):
        if oprot._fast_encode is not None:
            oprot.trans.write(oprot._fast_encode(self, [self.__class__, self.thrift_spec]))
        else:
            oprot.writeStruct(self, self.thrift_spec)

    def validate(self):
        return None

    def __repr__(self):
        return "{}({})".format(type(self).__name__,
                               ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields))

    def __eq__(self, other):
        return isinstance(other, self.__class__) and all(
            getattr(self, n) == getattr(other, n) for n in self._fields)

    def __ne__(self, other):
        return not self == other

    __hash__ = None


def _struct(name: str, fields: Sequence[tuple]) -> type:
    """A struct class from (id, name, (ttype, typeargs)[, default]) entries."""
    size = max((f[0] for f in fields), default=0) + 1
    spec: List[Optional[tuple]] = [None] * size
    defaults = {}
    for entry in fields:
        fid, fname, (ftype, fargs) = entry[:3]
        default = entry[3] if len(entry) > 3 else None
        spec[fid] = (fid, ftype, fname, fargs, default)
        if default is not None:
            defaults[fname] = default
    return type(name, (_Struct,), {
        "thrift_spec": tuple(spec), "_fields": tuple(f[1] for f in fields), "_defaults": defaults,
        "__module__": __name__,
    })


class DatabaseType:
    NATIVE = 1
    REMOTE = 2


# --- request structs (hive_metastore.thrift of Hive 4.0.1) --------------------------------
# PyIceberg's CreateDatabaseRequest declares field 11 (`type`) as a string and lacks field 13;
# Hive 4.0.1 sends `type` as the DatabaseType enum (i32).
CreateDatabaseRequest = _struct("CreateDatabaseRequest", [
    (1, "databaseName", _STR), (2, "description", _STR), (3, "locationUri", _STR),
    (4, "parameters", _STR_MAP), (5, "privileges", _s(tt.PrincipalPrivilegeSet)),
    (6, "ownerName", _STR), (7, "ownerType", _I32), (8, "catalogName", _STR),
    (9, "createTime", _I32), (10, "managedLocationUri", _STR), (11, "type", _I32),
    (12, "dataConnectorName", _STR), (13, "remote_dbname", _STR),
])
AlterDatabaseRequest = _struct("AlterDatabaseRequest", [
    (1, "oldDbName", _STR), (2, "newDb", _s(tt.Database)),
])
DropTableRequest = _struct("DropTableRequest", [
    (1, "catalogName", _STR), (2, "dbName", _STR), (3, "tableName", _STR), (4, "deleteData", _BOOL),
    (5, "envContext", _s(tt.EnvironmentContext)), (6, "dropPartitions", _BOOL),
])
DropPartitionRequest = _struct("DropPartitionRequest", [
    (1, "catName", _STR), (2, "dbName", _STR), (3, "tblName", _STR), (4, "partName", _STR),
    (5, "partVals", _STR_LIST), (6, "deleteData", _BOOL),
    (7, "environmentContext", _s(tt.EnvironmentContext)),
])
AppendPartitionsRequest = _struct("AppendPartitionsRequest", [
    (1, "catalogName", _STR), (2, "dbName", _STR), (3, "tableName", _STR), (4, "name", _STR),
    (5, "partVals", _STR_LIST), (6, "environmentContext", _s(tt.EnvironmentContext)),
])
GetPartitionsByFilterRequest = _struct("GetPartitionsByFilterRequest", [
    (1, "catName", _STR), (2, "dbName", _STR), (3, "tblName", _STR), (4, "filter", _STR),
    (5, "maxParts", _I16, -1), (6, "skipColumnSchemaForPartition", _BOOL),
    (7, "includeParamKeyPattern", _STR), (8, "excludeParamKeyPattern", _STR),
])
# fetch_partition_names_req takes PartitionsRequest; Hive 4.0.1 added fields 7-9.
PartitionsRequest = _struct("PartitionsRequest", [
    (1, "catName", _STR), (2, "dbName", _STR), (3, "tblName", _STR), (4, "maxParts", _I16, -1),
    (5, "validWriteIdList", _STR), (6, "id", (TType.I64, None), -1),
    (7, "skipColumnSchemaForPartition", _BOOL), (8, "includeParamKeyPattern", _STR),
    (9, "excludeParamKeyPattern", _STR),
])

_PARTITION_LIST = (TType.LIST, (TType.STRUCT, [tt.Partition, tt.Partition.thrift_spec], False))

# method → (argument fields, success type or None, declared exceptions as (field, id, class))
_METHODS: Dict[str, tuple] = {
    "create_database_req": ([(1, "createDatabaseRequest", _s(CreateDatabaseRequest))], None,
                            [("o1", 1, tt.AlreadyExistsException), ("o2", 2, tt.InvalidObjectException),
                             ("o3", 3, tt.MetaException)]),
    "alter_database_req": ([(1, "alterDbReq", _s(AlterDatabaseRequest))], None,
                           [("o1", 1, tt.MetaException), ("o2", 2, tt.NoSuchObjectException)]),
    "drop_table_req": ([(1, "dropTableReq", _s(DropTableRequest))], None,
                       [("o1", 1, tt.NoSuchObjectException), ("o3", 2, tt.MetaException)]),
    "drop_partition_req": ([(1, "dropPartitionReq", _s(DropPartitionRequest))], _BOOL,
                           [("o1", 1, tt.NoSuchObjectException), ("o2", 2, tt.MetaException)]),
    "append_partition_req": ([(1, "appendPartitionsReq", _s(AppendPartitionsRequest))], _s(tt.Partition),
                             [("o1", 1, tt.InvalidObjectException), ("o2", 2, tt.AlreadyExistsException),
                              ("o3", 3, tt.MetaException)]),
    "get_partitions_by_filter_req": ([(1, "req", _s(GetPartitionsByFilterRequest))], _PARTITION_LIST,
                                     [("o1", 1, tt.MetaException), ("o2", 2, tt.NoSuchObjectException)]),
    "fetch_partition_names_req": ([(1, "partitionReq", _s(PartitionsRequest))], _STR_LIST,
                                  [("o1", 1, tt.NoSuchObjectException), ("o2", 2, tt.MetaException)]),
    # in the bindings, but with the older PartitionsRequest (fields 7-9 would be dropped)
    "get_partitions_req": ([(1, "req", _s(PartitionsRequest))], _s(tt.PartitionsResponse),
                           [("o1", 1, tt.NoSuchObjectException), ("o2", 2, tt.MetaException)]),
}

ARGS: Dict[str, type] = {}
RESULTS: Dict[str, type] = {}
for _name, (_arg_fields, _success, _excs) in _METHODS.items():
    ARGS[_name] = _struct(f"{_name}_args", _arg_fields)
    _result_fields = ([(0, "success", _success)] if _success else []) + [
        (fid, field, _s(cls)) for field, fid, cls in _excs]
    RESULTS[_name] = _struct(f"{_name}_result", _result_fields)


# --- server side --------------------------------------------------------------------------
def _exception_fields(method: str) -> List[Tuple[str, type]]:
    return [(field, cls) for field, _, cls in _METHODS[method][2]]


def _make_process(method: str) -> Callable:
    args_cls, result_cls = ARGS[method], RESULTS[method]
    arg_names = args_cls._fields
    excs = _exception_fields(method)
    exc_types = tuple(cls for _, cls in excs)
    returns = _METHODS[method][1] is not None

    def process(self, seqid, iprot, oprot):
        args = args_cls()
        args.read(iprot)
        iprot.readMessageEnd()
        result = result_cls()
        try:
            value = getattr(self._handler, method)(*(getattr(args, n) for n in arg_names))
            if returns:
                result.success = value
            msg_type = TMessageType.REPLY
        except TTransport.TTransportException:
            raise
        except exc_types as e:
            msg_type = TMessageType.REPLY
            setattr(result, next(field for field, cls in excs if isinstance(e, cls)), e)
        except TApplicationException as ex:
            log.exception("TApplication exception in handler")
            msg_type = TMessageType.EXCEPTION
            result = ex
        except Exception:
            log.exception("Unexpected exception in handler")
            msg_type = TMessageType.EXCEPTION
            result = TApplicationException(TApplicationException.INTERNAL_ERROR, "Internal error")
        oprot.writeMessageBegin(method, msg_type, seqid)
        result.write(oprot)
        oprot.writeMessageEnd()
        oprot.trans.flush()

    process.__name__ = f"process_{method}"
    return process


# name → process function, in the shape of the generated Processor's _processMap
PROCESS_MAP: Dict[str, Callable] = {name: _make_process(name) for name in _METHODS}


# --- client side --------------------------------------------------------------------------
def _make_call(method: str) -> Callable:
    args_cls, result_cls = ARGS[method], RESULTS[method]
    arg_names = args_cls._fields
    excs = _exception_fields(method)
    returns = _METHODS[method][1] is not None

    def call(self, *args):
        if len(args) != len(arg_names):
            raise TypeError(f"{method}() takes {len(arg_names)} argument(s)")
        self._oprot.writeMessageBegin(method, TMessageType.CALL, self._seqid)
        args_cls(**dict(zip(arg_names, args))).write(self._oprot)
        self._oprot.writeMessageEnd()
        self._oprot.trans.flush()
        _, mtype, _ = self._iprot.readMessageBegin()
        if mtype == TMessageType.EXCEPTION:
            x = TApplicationException()
            x.read(self._iprot)
            self._iprot.readMessageEnd()
            raise x
        result = result_cls()
        result.read(self._iprot)
        self._iprot.readMessageEnd()
        for field, _ in excs:
            if getattr(result, field) is not None:
                raise getattr(result, field)
        if returns:
            if result.success is not None:
                return result.success
            raise TApplicationException(TApplicationException.MISSING_RESULT, f"{method} failed: unknown result")
        return None

    call.__name__ = method
    return call


class Client(ThriftHiveMetastore.Client):
    """The generated ThriftHiveMetastore client plus the Hive 4.0.1 methods above."""


for _name in _METHODS:
    setattr(Client, _name, _make_call(_name))
