"""Thrift ⇄ model conversion: the only code that knows both shapes."""
from __future__ import annotations

from typing import Optional

from hive_metastore import ttypes as tt

from ..model import (
    Column, Database, Function, Order, Partition, ResourceUri, SerDeInfo,
    SkewedInfo, StorageDescriptor, Table, TableMeta,
)

_PRINCIPAL_TO_THRIFT = {"USER": tt.PrincipalType.USER, "ROLE": tt.PrincipalType.ROLE, "GROUP": tt.PrincipalType.GROUP}
_PRINCIPAL_FROM_THRIFT = {v: k for k, v in _PRINCIPAL_TO_THRIFT.items()}


def _principal_to(value: Optional[str]):
    return _PRINCIPAL_TO_THRIFT.get(value) if value else None


def _principal_from(value) -> Optional[str]:
    return _PRINCIPAL_FROM_THRIFT.get(value) if value is not None else None


def _s(value) -> str:
    return value if value is not None else ""


# --- columns / storage --------------------------------------------------------------------
def column_from(fs: tt.FieldSchema) -> Column:
    return Column(name=(fs.name or "").lower(), type=fs.type or "", comment=fs.comment)


def column_to(c: Column) -> tt.FieldSchema:
    return tt.FieldSchema(name=c.name, type=c.type, comment=c.comment)


def _columns_from(cols, memo: Optional[dict]):
    if memo is None:
        return tuple(column_from(c) for c in cols or ())
    # Partitions in one request usually repeat the table's columns: decode each distinct
    # column list once and share the (immutable) result.
    key = tuple((c.name, c.type, c.comment) for c in cols or ())
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = tuple(column_from(c) for c in cols or ())
    return hit


def sd_from(sd: Optional[tt.StorageDescriptor], memo: Optional[dict] = None) -> StorageDescriptor:
    if sd is None:
        return StorageDescriptor()
    skew = sd.skewedInfo
    if memo is None or skew is not None and (
            skew.skewedColNames or skew.skewedColValues or skew.skewedColValueLocationMaps):
        return _sd_from(sd, memo)
    # Partitions in one request usually differ in their location only: decode each distinct
    # rest once and share it (StorageDescriptor.at, which also tells consumers they share it).
    serde = sd.serdeInfo
    key = ("sd", tuple((c.name, c.type, c.comment) for c in sd.cols or ()), sd.inputFormat, sd.outputFormat,
           sd.compressed, sd.numBuckets, tuple(sd.bucketCols or ()),
           tuple((o.col, o.order) for o in sd.sortCols or ()),
           tuple(sd.parameters.items()) if sd.parameters else (), sd.storedAsSubDirectories,
           skew is None,
           None if serde is None else (serde.name, serde.serializationLib, serde.description,
                                       serde.serializerClass, serde.deserializerClass, serde.serdeType,
                                       tuple(serde.parameters.items()) if serde.parameters else ()))
    try:
        hit = memo.get(key)
    except TypeError:  # an unhashable value where a string belongs
        return _sd_from(sd, None)
    if hit is None:
        hit = memo[key] = _sd_from(sd, memo).at(None)
    return hit.at(sd.location or None)


def _sd_from(sd: tt.StorageDescriptor, memo: Optional[dict]) -> StorageDescriptor:
    serde = sd.serdeInfo or tt.SerDeInfo()
    skew = sd.skewedInfo
    return StorageDescriptor(
        columns=_columns_from(sd.cols, memo),
        location=sd.location or None,
        input_format=sd.inputFormat,
        output_format=sd.outputFormat,
        compressed=bool(sd.compressed),
        num_buckets=sd.numBuckets if sd.numBuckets is not None else -1,
        serde=SerDeInfo(
            name=serde.name, serialization_lib=serde.serializationLib,
            parameters=dict(serde.parameters or {}), description=serde.description,
            serializer_class=serde.serializerClass, deserializer_class=serde.deserializerClass,
            serde_type=serde.serdeType,
        ),
        bucket_columns=tuple(sd.bucketCols or ()),
        sort_columns=tuple(Order(o.col, o.order) for o in sd.sortCols or ()),
        parameters=dict(sd.parameters or {}),
        skewed=None if skew is None else SkewedInfo(
            column_names=tuple(skew.skewedColNames or ()),
            column_values=tuple(tuple(v) for v in skew.skewedColValues or ()),
            value_locations=tuple((tuple(k), v) for k, v in (skew.skewedColValueLocationMaps or {}).items()),
        ),
        stored_as_sub_directories=bool(sd.storedAsSubDirectories),
    )


def _memo(memo: Optional[dict], obj, build):
    """Convert `obj` once per response: partitions of one table share their columns, serde
    and parameters objects, and the Thrift encoder only reads what it is given."""
    if memo is None:
        return build(obj)
    key = id(obj)
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = build(obj)
    return hit


def _serde_to(s: SerDeInfo) -> tt.SerDeInfo:
    return tt.SerDeInfo(
        name=s.name, serializationLib=s.serialization_lib, parameters=dict(s.parameters),
        description=s.description, serializerClass=s.serializer_class,
        deserializerClass=s.deserializer_class, serdeType=s.serde_type,
    )


def _skew_to(skew: Optional[SkewedInfo]) -> tt.SkewedInfo:
    return tt.SkewedInfo(
        skewedColNames=list(skew.column_names) if skew else [],
        skewedColValues=[list(v) for v in skew.column_values] if skew else [],
        skewedColValueLocationMaps={tuple(k): v for k, v in skew.value_locations} if skew else {},
    )


def sd_to(sd: StorageDescriptor, memo: Optional[dict] = None) -> tt.StorageDescriptor:
    return tt.StorageDescriptor(
        cols=_memo(memo, sd.columns, lambda cols: [column_to(c) for c in cols]),
        location=sd.location,
        inputFormat=sd.input_format,
        outputFormat=sd.output_format,
        compressed=sd.compressed,
        numBuckets=sd.num_buckets,
        serdeInfo=_memo(memo, sd.serde, _serde_to),
        bucketCols=_memo(memo, sd.bucket_columns, list),
        sortCols=_memo(memo, sd.sort_columns, lambda so: [tt.Order(col=o.column, order=o.order) for o in so]),
        parameters=_memo(memo, sd.parameters, dict),
        skewedInfo=_memo(memo, sd.skewed, _skew_to),
        storedAsSubDirectories=sd.stored_as_sub_directories,
    )


# --- databases ----------------------------------------------------------------------------
def database_from(d: tt.Database) -> Database:
    return Database(
        name=_s(d.name).lower(), description=d.description, location=d.locationUri or None,
        parameters=dict(d.parameters or {}), owner_name=d.ownerName,
        owner_type=_principal_from(d.ownerType), create_time=d.createTime or 0,
    )


def database_to(d: Database) -> tt.Database:
    return tt.Database(
        name=d.name, description=d.description, locationUri=d.location,
        parameters=dict(d.parameters), ownerName=d.owner_name,
        ownerType=_principal_to(d.owner_type), catalogName=d.catalog, createTime=d.create_time,
    )


# --- tables -------------------------------------------------------------------------------
def table_from(t: tt.Table) -> Table:
    return Table(
        db_name=_s(t.dbName).lower(), name=_s(t.tableName).lower(), sd=sd_from(t.sd),
        partition_keys=tuple(column_from(c) for c in t.partitionKeys or ()),
        parameters=dict(t.parameters or {}), table_type=t.tableType or "MANAGED_TABLE",
        owner=t.owner, owner_type=_principal_from(t.ownerType) or "USER",
        create_time=t.createTime or 0, last_access_time=t.lastAccessTime or 0,
        retention=t.retention or 0, view_original_text=t.viewOriginalText,
        view_expanded_text=t.viewExpandedText, temporary=bool(t.temporary),
        rewrite_enabled=bool(t.rewriteEnabled),
    )


def table_to(t: Table) -> tt.Table:
    return tt.Table(
        tableName=t.name, dbName=t.db_name, owner=t.owner, createTime=t.create_time,
        lastAccessTime=t.last_access_time, retention=t.retention, sd=sd_to(t.sd),
        partitionKeys=[column_to(c) for c in t.partition_keys], parameters=dict(t.parameters),
        viewOriginalText=t.view_original_text, viewExpandedText=t.view_expanded_text,
        tableType=t.table_type, temporary=t.temporary, rewriteEnabled=t.rewrite_enabled,
        catName=t.catalog, ownerType=_principal_to(t.owner_type),
    )


def table_meta_to(m: TableMeta) -> tt.TableMeta:
    return tt.TableMeta(dbName=m.db_name, tableName=m.table_name, tableType=m.table_type,
                        comments=m.comment, catName=m.catalog)


# --- partitions ---------------------------------------------------------------------------
def partition_from(p: tt.Partition, memo: Optional[dict] = None) -> Partition:
    return Partition(
        db_name=_s(p.dbName).lower(), table_name=_s(p.tableName).lower(),
        values=tuple(p.values or ()), sd=sd_from(p.sd, memo), parameters=dict(p.parameters or {}),
        create_time=p.createTime or 0, last_access_time=p.lastAccessTime or 0,
    )


def partitions_from(parts) -> list:
    """Many partitions at once, decoding each distinct storage descriptor (but for its
    location) and column list once."""
    memo: dict = {}
    return [partition_from(p, memo) for p in parts or ()]


def partition_to(p: Partition, memo: Optional[dict] = None, *, storage: bool = True) -> tt.Partition:
    """`storage=False`: without its storage descriptor (for an encoder that writes that part
    itself)."""
    return tt.Partition(
        values=list(p.values), dbName=p.db_name, tableName=p.table_name,
        createTime=p.create_time, lastAccessTime=p.last_access_time,
        sd=sd_to(p.sd, memo) if storage else None, parameters=dict(p.parameters), catName=p.catalog,
    )


def partitions_to(parts) -> list:
    """Many partitions at once, sharing the converted parts their storage has in common."""
    memo: dict = {}
    return [partition_to(p, memo) for p in parts]


# --- functions ----------------------------------------------------------------------------
def function_from(f: tt.Function) -> Function:
    return Function(
        db_name=_s(f.dbName).lower(), name=_s(f.functionName).lower(), class_name=f.className or "",
        owner_name=f.ownerName, owner_type=_principal_from(f.ownerType) or "USER",
        function_type=f.functionType or 1, create_time=f.createTime or 0,
        resource_uris=tuple(ResourceUri(r.resourceType, r.uri) for r in f.resourceUris or ()),
    )


def function_to(f: Function) -> tt.Function:
    return tt.Function(
        functionName=f.name, dbName=f.db_name, className=f.class_name, ownerName=f.owner_name,
        ownerType=_principal_to(f.owner_type), createTime=f.create_time,
        functionType=f.function_type,
        resourceUris=[tt.ResourceUri(resourceType=r.resource_type, uri=r.uri) for r in f.resource_uris],
        catName=f.catalog,
    )
