"""ThriftHiveMetastore methods → CatalogService calls.

Every public method here is a wire method of the same name; the processor exposes only
these, so anything else answers UNKNOWN_METHOD and clients fall back as they do with Hive.
Conversion lives in convert.py, error mapping in errors.py.
"""
from __future__ import annotations

import logging
import time
from typing import List, Optional

from fb303 import ttypes as fb
from hive_metastore import ttypes as tt

from .. import __version__
from ..model import DEFAULT_PARTITION_NAME
from ..service import CatalogService
from . import convert as c
from ..stats_service import StatsService
from ..txn_service import TxnService
from .errors import decode_db_name, thrift_errors
from ..store.sql_events import EventLog
from .handler_compat import CompatMethods
from .handler_events import EventMethods
from .handler_stats import StatsMethods
from .handler_txn import TxnMethods
from .wire import PartitionEncoder, PartitionList

log = logging.getLogger(__name__)

# Keys clients ask get_config_value about, with the answers a Hive 2.3–4 server gives.
_CONFIG_DEFAULTS = {
    "hive.exec.default.partition.name": DEFAULT_PARTITION_NAME,
    "hive.metastore.batch.retrieve.max": "300",
    "hive.metastore.try.direct.sql": "true",
    "hive.metastore.disallow.incompatible.col.type.changes": "true",
    "metastore.partition.name.whitelist.pattern": "",
    "hive.metastore.partition.name.whitelist.pattern": "",
    "hive.support.concurrency": "false",
    "hive.txn.manager": "org.apache.hadoop.hive.ql.lockmgr.DummyTxnManager",
}


def _env(env_ctx) -> dict:
    return dict(env_ctx.properties or {}) if env_ctx is not None and env_ctx.properties else {}


def _flag(env: dict, key: str) -> bool:
    return str(env.get(key, "")).lower() == "true"


class Handler(CompatMethods, TxnMethods, StatsMethods, EventMethods):
    """One instance serves every connection; per-connection state (ugi) is not needed.
    Method groups beyond the core catalog live in mixins (handler_*.py)."""

    def __init__(self, service: CatalogService, txns: "TxnService", stats: "StatsService",
                 events: "EventLog", name: str = "lakeglue"):
        self.service = service
        self.txns = txns
        self.stats = stats
        self.events = events
        self._name = name
        self._started = int(time.time())
        self._encoder = PartitionEncoder()
        self._config = dict(_CONFIG_DEFAULTS, **{"hive.metastore.warehouse.dir": service.warehouse})
        # The transaction/lock timeout this server enforces. Trino asks for
        # metastore.txn.timeout (Hive 3's name; hive.txn.timeout in Hive 2) before any
        # ACID-table operation to pace its heartbeats, and fails on a null answer.
        timeout_ms = getattr(getattr(txns, "store", None), "timeout_ms", 300_000)
        self._config["metastore.txn.timeout"] = self._config["hive.txn.timeout"] = f"{timeout_ms // 1000}s"

    # --- fb303 -----------------------------------------------------------------------------
    def getName(self):
        return self._name

    def getVersion(self):
        return __version__

    def getStatus(self):
        return fb.fb_status.ALIVE

    def getStatusDetails(self):
        return "ok"

    def aliveSince(self):
        return self._started

    def getCounters(self):
        return {}

    def getCounter(self, key):
        return 0

    def getOption(self, key):
        return ""

    def getOptions(self):
        return {}

    def setOption(self, key, value):
        return None

    def reinitialize(self):
        return None

    def shutdown(self):
        # Hive's client sends this oneway call on close(); it must never stop the server.
        log.debug("ignoring fb303 shutdown from a client")

    # --- session ---------------------------------------------------------------------------
    @thrift_errors
    def set_ugi(self, user_name, group_names):
        return list(group_names or []) + ([user_name] if user_name else [])

    @thrift_errors
    def get_config_value(self, name, defaultValue):
        # Hive only reveals hive.*, hdfs.*, mapred.* (and, from Hive 3, metastore.*) keys
        if not (name or "").startswith(("hive", "hdfs", "mapred", "metastore")):
            raise tt.ConfigValSecurityException(
                message=f"For security reasons, the config key {name} cannot be accessed")
        return self._config.get(name, defaultValue)

    @thrift_errors
    def getMetaConf(self, key):
        if key not in self._config:
            raise tt.MetaException(message=f"Invalid configuration key {key}")
        return self._config[key]

    # --- databases -------------------------------------------------------------------------
    @thrift_errors
    def create_database(self, database):
        self.service.create_database(c.database_from(database))

    @thrift_errors
    def get_database(self, name):
        return c.database_to(self.service.get_database(name))

    @thrift_errors
    def get_databases(self, pattern):
        return self.service.list_databases(pattern)

    @thrift_errors
    def get_all_databases(self):
        return self.service.list_databases(None)

    @thrift_errors
    def alter_database(self, dbname, db):
        self.service.alter_database(dbname, c.database_from(db))

    @thrift_errors
    def drop_database(self, name, deleteData, cascade):
        self.service.drop_database(name, bool(deleteData), bool(cascade))

    # --- tables ----------------------------------------------------------------------------
    @thrift_errors
    def create_table(self, tbl):
        self.service.create_table(c.table_from(tbl))

    @thrift_errors
    def create_table_with_environment_context(self, tbl, environment_context):
        self.service.create_table(c.table_from(tbl))

    @thrift_errors
    def get_table(self, dbname, tbl_name):
        return c.table_to(self.service.get_table(dbname, tbl_name))

    @thrift_errors
    def get_table_req(self, req):
        return tt.GetTableResult(table=c.table_to(self.service.get_table(req.dbName, req.tblName)))

    @thrift_errors
    def get_table_objects_by_name(self, dbname, tbl_names):
        return [c.table_to(t) for t in self.service.get_tables(dbname, tbl_names)]

    @thrift_errors
    def get_table_objects_by_name_req(self, req):
        names = req.tblNames
        if names is None:
            names = self.service.list_tables(req.dbName, req.tablesPattern)
        return tt.GetTablesResult(tables=[c.table_to(t) for t in self.service.get_tables(req.dbName, names)])

    @thrift_errors
    def get_tables(self, db_name, pattern):
        return self.service.list_tables(db_name, pattern)

    @thrift_errors
    def get_all_tables(self, db_name):
        return self.service.list_tables(db_name)

    @thrift_errors
    def get_tables_by_type(self, db_name, pattern, tableType):
        return self.service.list_tables(db_name, pattern, tableType or None)

    @thrift_errors
    def get_table_meta(self, db_patterns, tbl_patterns, tbl_types):
        return [c.table_meta_to(m) for m in self.service.list_table_meta(db_patterns, tbl_patterns, tbl_types)]

    @thrift_errors
    def get_fields(self, db_name, table_name):
        return [c.column_to(col) for col in self.service.get_schema(db_name, table_name, False)]

    @thrift_errors
    def get_fields_with_environment_context(self, db_name, table_name, environment_context):
        return [c.column_to(col) for col in self.service.get_schema(db_name, table_name, False)]

    @thrift_errors
    def get_schema(self, db_name, table_name):
        return [c.column_to(col) for col in self.service.get_schema(db_name, table_name, True)]

    @thrift_errors
    def get_schema_with_environment_context(self, db_name, table_name, environment_context):
        return [c.column_to(col) for col in self.service.get_schema(db_name, table_name, True)]

    def _alter_table(self, dbname, tbl_name, new_tbl, env: dict, cascade: bool = False):
        expected = None
        if env.get("expected_parameter_key"):
            expected = (env["expected_parameter_key"], env.get("expected_parameter_value"))
        self.service.alter_table(
            dbname, tbl_name, c.table_from(new_tbl),
            cascade=cascade or _flag(env, "CASCADE"),
            update_ddl_time=not _flag(env, "DO_NOT_UPDATE_STATS"),
            expected_parameter=expected,
        )

    @thrift_errors
    def alter_table(self, dbname, tbl_name, new_tbl):
        self._alter_table(dbname, tbl_name, new_tbl, {})

    @thrift_errors
    def alter_table_with_environment_context(self, dbname, tbl_name, new_tbl, environment_context):
        self._alter_table(dbname, tbl_name, new_tbl, _env(environment_context))

    @thrift_errors
    def alter_table_with_cascade(self, dbname, tbl_name, new_tbl, cascade):
        self._alter_table(dbname, tbl_name, new_tbl, {}, bool(cascade))

    @thrift_errors
    def alter_table_req(self, req):
        self._alter_table(req.dbName, req.tableName, req.table, _env(req.environmentContext))
        return tt.AlterTableResponse()

    @thrift_errors
    def drop_table(self, dbname, name, deleteData):
        self.service.drop_table(dbname, name, bool(deleteData))

    @thrift_errors
    def drop_table_with_environment_context(self, dbname, name, deleteData, environment_context):
        self.service.drop_table(dbname, name, bool(deleteData))

    # --- partitions: writes ----------------------------------------------------------------
    @thrift_errors
    def add_partition(self, new_part):
        return c.partition_to(self.service.add_partition(c.partition_from(new_part)))

    @thrift_errors
    def add_partition_with_environment_context(self, new_part, environment_context):
        return c.partition_to(self.service.add_partition(c.partition_from(new_part)))

    @thrift_errors
    def add_partitions(self, new_parts):
        if not new_parts:
            return 0
        parts = c.partitions_from(new_parts)
        first = parts[0]
        return len(self.service.add_partitions(first.db_name, first.table_name, parts))

    @thrift_errors
    def add_partitions_req(self, request):
        parts = c.partitions_from(request.parts)
        added = self.service.add_partitions(request.dbName, request.tblName, parts,
                                            if_not_exists=bool(request.ifNotExists))
        result = tt.AddPartitionsResult()
        if request.needResult is None or request.needResult:
            result.partitions = c.partitions_to(added)
        return result

    @thrift_errors
    def append_partition(self, db_name, tbl_name, part_vals):
        return c.partition_to(self.service.append_partition(db_name, tbl_name, part_vals))

    @thrift_errors
    def append_partition_by_name(self, db_name, tbl_name, part_name):
        values = self.service.partition_values(db_name, tbl_name, part_name)
        return c.partition_to(self.service.append_partition(db_name, tbl_name, values))

    @thrift_errors
    def alter_partition(self, db_name, tbl_name, new_part):
        self.service.alter_partitions(db_name, tbl_name, [c.partition_from(new_part)])

    @thrift_errors
    def alter_partition_with_environment_context(self, db_name, tbl_name, new_part, environment_context):
        env = _env(environment_context)
        self.service.alter_partitions(db_name, tbl_name, [c.partition_from(new_part)],
                                      update_ddl_time=not _flag(env, "DO_NOT_UPDATE_STATS"))

    @thrift_errors
    def alter_partitions(self, db_name, tbl_name, new_parts):
        self.service.alter_partitions(db_name, tbl_name, c.partitions_from(new_parts))

    @thrift_errors
    def alter_partitions_with_environment_context(self, db_name, tbl_name, new_parts, environment_context):
        env = _env(environment_context)
        self.service.alter_partitions(db_name, tbl_name, c.partitions_from(new_parts),
                                      update_ddl_time=not _flag(env, "DO_NOT_UPDATE_STATS"))

    @thrift_errors
    def alter_partitions_req(self, req):
        env = _env(req.environmentContext)
        self.service.alter_partitions(req.dbName, req.tableName, [c.partition_from(p) for p in req.partitions or ()],
                                      update_ddl_time=not _flag(env, "DO_NOT_UPDATE_STATS"))
        return tt.AlterPartitionsResponse()

    @thrift_errors
    def rename_partition(self, db_name, tbl_name, part_vals, new_part):
        self.service.rename_partition(db_name, tbl_name, list(part_vals or ()), c.partition_from(new_part))

    @thrift_errors
    def drop_partition(self, db_name, tbl_name, part_vals, deleteData):
        self.service.drop_partitions(db_name, tbl_name, [part_vals], bool(deleteData))
        return True

    @thrift_errors
    def drop_partition_with_environment_context(self, db_name, tbl_name, part_vals, deleteData, environment_context):
        self.service.drop_partitions(db_name, tbl_name, [part_vals], bool(deleteData))
        return True

    @thrift_errors
    def drop_partition_by_name(self, db_name, tbl_name, part_name, deleteData):
        self.service.drop_partition_by_name(db_name, tbl_name, part_name, bool(deleteData))
        return True

    @thrift_errors
    def drop_partition_by_name_with_environment_context(self, db_name, tbl_name, part_name, deleteData, environment_context):
        self.service.drop_partition_by_name(db_name, tbl_name, part_name, bool(deleteData))
        return True

    @thrift_errors
    def drop_partitions_req(self, req):
        parts = req.parts
        if parts.names is not None:
            values = self.service.partition_values_list(req.dbName, req.tblName, parts.names)
        else:
            raise tt.MetaException(message="drop_partitions_req supports partition names only")
        dropped = self.service.drop_partitions(req.dbName, req.tblName, values,
                                               delete_data=req.deleteData is None or bool(req.deleteData),
                                               if_exists=req.ifExists is None or bool(req.ifExists))
        result = tt.DropPartitionsResult()
        if req.needResult is None or req.needResult:
            result.partitions = self._parts(dropped)
        return result

    # --- partitions: reads -----------------------------------------------------------------
    @thrift_errors
    def get_partition(self, db_name, tbl_name, part_vals):
        return c.partition_to(self.service.get_partition(db_name, tbl_name, part_vals))

    @thrift_errors
    def get_partition_with_auth(self, db_name, tbl_name, part_vals, user_name, group_names):
        return c.partition_to(self.service.get_partition(db_name, tbl_name, part_vals))

    @thrift_errors
    def get_partition_by_name(self, db_name, tbl_name, part_name):
        return c.partition_to(self.service.get_partition_by_name(db_name, tbl_name, part_name))

    def _parts(self, parts) -> List[tt.Partition]:
        return PartitionList(parts, self._encoder)

    @thrift_errors
    def get_partitions(self, db_name, tbl_name, max_parts):
        return self._parts(self.service.list_partitions(db_name, tbl_name, limit=max_parts))

    @thrift_errors
    def get_partitions_with_auth(self, db_name, tbl_name, max_parts, user_name, group_names):
        return self._parts(self.service.list_partitions(db_name, tbl_name, limit=max_parts))

    @thrift_errors
    def get_partitions_ps(self, db_name, tbl_name, part_vals, max_parts):
        return self._parts(self.service.list_partitions(db_name, tbl_name, partial_values=part_vals, limit=max_parts))

    @thrift_errors
    def get_partitions_ps_with_auth(self, db_name, tbl_name, part_vals, max_parts, user_name, group_names):
        return self._parts(self.service.list_partitions(db_name, tbl_name, partial_values=part_vals, limit=max_parts))

    @thrift_errors
    def get_partition_names(self, db_name, tbl_name, max_parts):
        return self.service.list_partition_names(db_name, tbl_name, limit=max_parts)

    @thrift_errors
    def get_partition_names_ps(self, db_name, tbl_name, part_vals, max_parts):
        return self.service.list_partition_names(db_name, tbl_name, partial_values=part_vals, limit=max_parts)

    @thrift_errors
    def get_partitions_by_filter(self, db_name, tbl_name, filter, max_parts):
        return self._parts(self.service.list_partitions(db_name, tbl_name, filter_text=filter, limit=max_parts))

    @thrift_errors
    def get_num_partitions_by_filter(self, db_name, tbl_name, filter):
        return self.service.count_partitions(db_name, tbl_name, filter)

    @thrift_errors
    def get_partitions_by_names(self, db_name, tbl_name, names):
        return self._parts(self.service.get_partitions_by_names(db_name, tbl_name, names or []))

    @thrift_errors
    def get_partitions_by_names_req(self, req):
        # Hive 4's client sends the database as `@hive#db` here
        parts = self.service.get_partitions_by_names(decode_db_name(req.db_name), req.tbl_name, req.names or [])
        return tt.GetPartitionsByNamesResult(partitions=self._parts(parts))

    @thrift_errors
    def partition_name_to_vals(self, part_name):
        from ..model import parse_partition_name
        try:
            return [v for _, v in parse_partition_name(part_name)]
        except ValueError as e:
            raise tt.MetaException(message=str(e)) from e

    @thrift_errors
    def partition_name_to_spec(self, part_name):
        from ..model import parse_partition_name
        try:
            return dict(parse_partition_name(part_name))
        except ValueError as e:
            raise tt.MetaException(message=str(e)) from e

    # --- functions -------------------------------------------------------------------------
    @thrift_errors
    def create_function(self, func):
        self.service.create_function(c.function_from(func))

    @thrift_errors
    def get_function(self, dbName, funcName):
        return c.function_to(self.service.get_function(dbName, funcName))

    @thrift_errors
    def get_functions(self, dbName, pattern):
        return self.service.list_functions(dbName, pattern)

    @thrift_errors
    def get_all_functions(self):
        return tt.GetAllFunctionsResponse(functions=[c.function_to(f) for f in self.service.all_functions()])

    @thrift_errors
    def alter_function(self, dbName, funcName, newFunc):
        self.service.alter_function(dbName, funcName, c.function_from(newFunc))

    @thrift_errors
    def drop_function(self, dbName, funcName):
        self.service.drop_function(dbName, funcName)


def implemented_methods(handler: object) -> List[str]:
    """Wire names this handler answers (public methods of the Handler class)."""
    return [n for n in dir(type(handler)) if not n.startswith("_") and callable(getattr(handler, n))]
