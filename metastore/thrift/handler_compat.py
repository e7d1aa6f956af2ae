"""Hive 3/4 request-style methods, catalogs, and the calls Trino and Hive clients make at
startup (roles, privileges, constraints) → CatalogService."""
from __future__ import annotations

import re

from hive_metastore import ttypes as tt

from ..errors import InvalidObject, InvalidOperation, NotFound
from . import convert as c
from .errors import decode_db_name, thrift_errors
from .idl_hive4 import DatabaseType

CATALOG = "hive"


def _check_catalog(name) -> None:
    if name and name.lower() != CATALOG:
        raise NotFound(f"Catalog {name} does not exist")


def _like(pattern: str) -> "re.Pattern[str]":
    """A SQL LIKE pattern (`%`, `_`) as a regular expression, as Hive matches parameter keys."""
    return re.compile("".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern), re.S)


def _trim_partitions(parts, skip_columns, include_keys, exclude_keys):
    """Apply a Hive 4 partitions request's skipColumnSchemaForPartition and
    include/excludeParamKeyPattern to Thrift partitions (in place)."""
    include = _like(include_keys) if include_keys else None
    exclude = _like(exclude_keys) if exclude_keys else None
    for p in parts:
        if skip_columns and p.sd is not None:
            p.sd.cols = []
        if (include or exclude) and p.parameters:
            p.parameters = {k: v for k, v in p.parameters.items()
                            if (include is None or include.fullmatch(k)) and not (exclude and exclude.fullmatch(k))}
    return parts


class CompatMethods:
    """Mixin for Handler; needs `self.service` (a CatalogService)."""

    # --- catalogs --------------------------------------------------------------------------
    @thrift_errors
    def get_catalogs(self):
        return tt.GetCatalogsResponse(names=[CATALOG])

    @thrift_errors
    def get_catalog(self, catName):
        name = catName.name if catName is not None else None
        _check_catalog(name or CATALOG)
        return tt.GetCatalogResponse(catalog=tt.Catalog(
            name=CATALOG, description="Default catalog, for Hive", locationUri=self.service.warehouse,
            createTime=self._started))

    # --- request-style databases and tables ------------------------------------------------
    @thrift_errors
    def get_database_req(self, request):
        _check_catalog(request.catalogName)
        return c.database_to(self.service.get_database(request.name))

    @thrift_errors
    def drop_database_req(self, req):
        _check_catalog(req.catalogName)
        try:
            self.service.drop_database(req.name, bool(req.deleteData), bool(req.cascade))
        except NotFound:
            if not req.ignoreUnknownDb:
                raise

    @thrift_errors
    def create_table_req(self, request):
        self.service.create_table(c.table_from(request.table))

    @thrift_errors
    def get_fields_req(self, req):
        cols = self.service.get_schema(req.dbName, req.tblName, False)
        return tt.GetFieldsResponse(fields=[c.column_to(col) for col in cols])

    @thrift_errors
    def get_schema_req(self, req):
        cols = self.service.get_schema(req.dbName, req.tblName, True)
        return tt.GetSchemaResponse(fields=[c.column_to(col) for col in cols])

    @thrift_errors
    def get_table_names_by_filter(self, dbname, filter, max_tables):
        return self.service.list_tables_by_filter(dbname, filter, -1 if max_tables is None else max_tables)

    @thrift_errors
    def truncate_table(self, dbName, tableName, partNames):
        self.service.truncate_table(dbName, tableName, partNames)

    @thrift_errors
    def truncate_table_req(self, req):
        # Hive 4's client sends the database as `@hive#db` here
        self.service.truncate_table(decode_db_name(req.dbName), req.tableName, req.partNames)
        return tt.TruncateTableResponse()

    # --- Hive 4.0.1 request methods (structs in idl_hive4: PyIceberg's bindings lack them) ---
    @thrift_errors
    def create_database_req(self, createDatabaseRequest):
        r = createDatabaseRequest
        _check_catalog(r.catalogName)
        if r.type == DatabaseType.REMOTE or r.dataConnectorName:
            raise InvalidObject("Remote databases (data connectors) are not supported")
        self.service.create_database(c.database_from(tt.Database(
            name=r.databaseName, description=r.description, locationUri=r.locationUri,
            parameters=r.parameters, ownerName=r.ownerName, ownerType=r.ownerType,
            createTime=r.createTime)))

    @thrift_errors
    def alter_database_req(self, alterDbReq):
        # Hive 4's client sends the old name as `@hive#db`
        self.service.alter_database(decode_db_name(alterDbReq.oldDbName), c.database_from(alterDbReq.newDb))

    @thrift_errors
    def drop_table_req(self, dropTableReq):
        r = dropTableReq
        _check_catalog(r.catalogName)
        # deleteData has no IDL default: unset means false, as in Hive
        self.service.drop_table(decode_db_name(r.dbName), r.tableName, bool(r.deleteData))

    @thrift_errors
    def drop_partition_req(self, dropPartitionReq):
        r = dropPartitionReq
        _check_catalog(r.catName)
        db = decode_db_name(r.dbName)
        if r.partVals:
            self.service.drop_partitions(db, r.tblName, [r.partVals], bool(r.deleteData))
        elif r.partName:
            self.service.drop_partition_by_name(db, r.tblName, r.partName, bool(r.deleteData))
        else:
            raise InvalidObject("drop_partition_req needs partName or partVals")
        return True

    @thrift_errors
    def append_partition_req(self, appendPartitionsReq):
        r = appendPartitionsReq
        _check_catalog(r.catalogName)
        db = decode_db_name(r.dbName)
        if r.partVals:
            values = list(r.partVals)
        elif r.name:
            values = self.service.partition_values(db, r.tableName, r.name)
        else:
            raise InvalidObject("append_partition_req needs name or partVals")
        return c.partition_to(self.service.append_partition(db, r.tableName, values))

    @thrift_errors
    def get_partitions_by_filter_req(self, req):
        _check_catalog(req.catName)
        parts = self.service.list_partitions(decode_db_name(req.dbName), req.tblName, filter_text=req.filter,
                                             limit=-1 if req.maxParts is None else req.maxParts)
        return _trim_partitions([c.partition_to(p) for p in parts], req.skipColumnSchemaForPartition,
                                req.includeParamKeyPattern, req.excludeParamKeyPattern)

    @thrift_errors
    def fetch_partition_names_req(self, partitionReq):
        r = partitionReq
        _check_catalog(r.catName)
        return self.service.list_partition_names(decode_db_name(r.dbName), r.tblName,
                                                 limit=-1 if r.maxParts is None else r.maxParts)

    @thrift_errors
    def get_partitions_req(self, req):
        _check_catalog(req.catName)
        parts = self.service.list_partitions(decode_db_name(req.dbName), req.tblName,
                                             limit=-1 if req.maxParts is None else req.maxParts)
        return tt.PartitionsResponse(partitions=_trim_partitions(
            [c.partition_to(p) for p in parts], getattr(req, "skipColumnSchemaForPartition", None),
            getattr(req, "includeParamKeyPattern", None), getattr(req, "excludeParamKeyPattern", None)))

    # --- request-style partitions ----------------------------------------------------------
    @thrift_errors
    def get_partition_req(self, req):
        _check_catalog(req.catName)
        return tt.GetPartitionResponse(partition=c.partition_to(
            self.service.get_partition(req.dbName, req.tblName, req.partVals or [])))

    @thrift_errors
    def get_partitions_ps_with_auth_req(self, req):
        _check_catalog(req.catName)
        parts = self.service.list_partitions(req.dbName, req.tblName, partial_values=req.partVals,
                                             limit=-1 if req.maxParts is None else req.maxParts)
        return tt.GetPartitionsPsWithAuthResponse(partitions=c.partitions_to(parts))

    @thrift_errors
    def get_partition_names_ps_req(self, req):
        _check_catalog(req.catName)
        names = self.service.list_partition_names(req.dbName, req.tblName, partial_values=req.partValues,
                                                   limit=-1 if req.maxParts is None else req.maxParts)
        return tt.GetPartitionNamesPsResponse(names=names)

    @thrift_errors
    def get_partition_names_req(self, req):
        # The expression is a serialized Hive ExprNodeDesc that only Hive's own classes can
        # evaluate; without one this is "list names". With one, clients fall back to the
        # filter-string calls when they receive this MetaException.
        if req.expr:
            raise InvalidOperation("Partition expressions are not supported; use get_partitions_by_filter")
        return self.service.list_partition_names(req.dbName, req.tblName,
                                                 limit=-1 if req.maxParts is None else req.maxParts)

    @thrift_errors
    def get_partition_values(self, request):
        names = self.service.list_partition_names(request.dbName, request.tblName,
                                                  filter_text=request.filter,
                                                  limit=-1 if request.maxParts is None else request.maxParts)
        table = self.service.get_table(request.dbName, request.tblName)
        wanted = [f.name.lower() for f in request.partitionKeys or table.partition_keys]
        keys = list(table.partition_key_names)
        rows = []
        for name in names:
            values = dict(zip(keys, self.service.partition_values(request.dbName, request.tblName, name)))
            rows.append(tt.PartitionValuesRow(row=[values[k] for k in wanted]))
        if request.applyDistinct:
            seen, distinct = set(), []
            for r in rows:
                if tuple(r.row) not in seen:
                    seen.add(tuple(r.row))
                    distinct.append(r)
            rows = distinct
        return tt.PartitionValuesResponse(partitionValues=rows)

    # --- roles, privileges, constraints: answered as an authorization-free Hive would -------
    @thrift_errors
    def get_role_names(self):
        return ["public", "admin"]

    @thrift_errors
    def list_roles(self, principal_name, principal_type):
        return [tt.Role(roleName="public", ownerName="admin")]

    @thrift_errors
    def get_principals_in_role(self, request):
        return tt.GetPrincipalsInRoleResponse(principalGrants=[])

    @thrift_errors
    def get_role_grants_for_principal(self, request):
        return tt.GetRoleGrantsForPrincipalResponse(principalGrants=[])

    @thrift_errors
    def get_privilege_set(self, hiveObject, user_name, group_names):
        return tt.PrincipalPrivilegeSet(userPrivileges={}, groupPrivileges={}, rolePrivileges={})

    @thrift_errors
    def list_privileges(self, principal_name, principal_type, hiveObject):
        return []

    def _no_constraints(self, request, response_cls, field):
        self.service.get_table(request.db_name, request.tbl_name)
        return response_cls(**{field: []})

    @thrift_errors
    def get_primary_keys(self, request):
        return self._no_constraints(request, tt.PrimaryKeysResponse, "primaryKeys")

    @thrift_errors
    def get_unique_constraints(self, request):
        return self._no_constraints(request, tt.UniqueConstraintsResponse, "uniqueConstraints")

    @thrift_errors
    def get_not_null_constraints(self, request):
        return self._no_constraints(request, tt.NotNullConstraintsResponse, "notNullConstraints")

    @thrift_errors
    def get_default_constraints(self, request):
        return self._no_constraints(request, tt.DefaultConstraintsResponse, "defaultConstraints")

    @thrift_errors
    def get_check_constraints(self, request):
        return self._no_constraints(request, tt.CheckConstraintsResponse, "checkConstraints")

    @thrift_errors
    def get_foreign_keys(self, request):
        if request.foreign_db_name and request.foreign_tbl_name:
            self.service.get_table(request.foreign_db_name, request.foreign_tbl_name)
        return tt.ForeignKeysResponse(foreignKeys=[])
