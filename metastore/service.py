"""CatalogService: the catalog's rules, free of any wire protocol.

Adapters call this; it validates and normalises input, fills Hive's defaults (locations,
DDL times), calls the store, and deletes or moves data after metadata changes. It raises
only metastore.errors types.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from typing import Iterable, List, Optional, Sequence

from . import warehouse
from .errors import AlreadyExists, InvalidInput, InvalidObject, InvalidOperation, NotFound
from .filter import FilterError, parse_filter
from .model import (
    DEFAULT_PARTITION_NAME, EXTERNAL_TABLE, Column, Database, Function, Partition, Table,
    TableMeta, make_partition_name, normalize_partition_name, partition_values_from_name,
)
from .store.base import PartitionQuery, Store

log = logging.getLogger(__name__)

DEFAULT_DATABASE = "default"
DDL_TIME = "transient_lastDdlTime"
_NAME_RE = re.compile(r"^[\w]+$", re.UNICODE)


def now() -> int:
    return int(time.time())


def hive_pattern(pattern: Optional[str]) -> Optional["re.Pattern[str]"]:
    """Hive's name patterns, as its metastore matches them: `|` separates alternatives, `*`
    is any run of characters, and the rest is a Java-style regular expression (so `.` is any
    character and `.*s` works as in Hive's tutorial), case-insensitive, over the whole name.
    An alternative that is not a valid expression matches literally. None or "*" matches
    everything (returns None)."""
    if pattern is None or pattern.strip() in ("", "*"):
        return None
    alts = []
    for alt in pattern.split("|"):
        alt = alt.strip()
        regex = re.sub(r"(?<!\.)\*", ".*", alt)
        try:
            re.compile(regex)
        except re.error:
            regex = re.escape(alt).replace(r"\*", ".*")
        alts.append(regex)
    return re.compile("^(?:" + "|".join(alts) + ")$", re.IGNORECASE)


def _match(names: Iterable[str], pattern: Optional[str]) -> List[str]:
    rx = hive_pattern(pattern)
    return [n for n in names if rx is None or rx.match(n)]


def _validate_name(kind: str, name: Optional[str]) -> str:
    if not name or not _NAME_RE.match(name):
        raise InvalidObject(f"{name} is not a valid {kind} name")
    return name.lower()


def _validate_columns(columns: Sequence[Column], what: str) -> None:
    seen = set()
    for c in columns:
        if not c.name or not c.type:
            raise InvalidObject(f"Invalid {what}: column name and type are required ({c})")
        if c.name.lower() in seen:
            raise InvalidObject(f"Duplicate column name {c.name} in {what}")
        seen.add(c.name.lower())


def _table_type_for(table_type: Optional[str], params) -> str:
    """Hive keeps the type in step with the EXTERNAL parameter: TRUE makes a managed table
    external, an explicit FALSE makes an external table managed (ALTER TABLE ... SET
    TBLPROPERTIES('EXTERNAL'='TRUE') is how Hive and Spark users convert tables)."""
    table_type = table_type or "MANAGED_TABLE"
    external = str(params.get("EXTERNAL", "")).upper()
    if table_type == "MANAGED_TABLE" and external == "TRUE":
        return EXTERNAL_TABLE
    if table_type == EXTERNAL_TABLE and external == "FALSE":
        return "MANAGED_TABLE"
    return table_type


class CatalogService:
    def __init__(self, store: Store, warehouse_root: str):
        self.store = store
        self.warehouse = warehouse.normalize_location(warehouse_root)

    def ensure_default_database(self) -> None:
        try:
            self.store.get_database(DEFAULT_DATABASE)
        except NotFound:
            try:
                self.store.create_database(Database(
                    name=DEFAULT_DATABASE, description="Default Hive database",
                    location=self.warehouse, owner_name="public", owner_type="ROLE",
                    create_time=now(),
                ))
            except AlreadyExists:
                pass  # another server process created it first

    # --- databases -------------------------------------------------------------------------
    def create_database(self, db: Database) -> None:
        name = _validate_name("database", db.name)
        location = db.location or warehouse.join(self.warehouse, f"{name}.db")
        db = replace(db, name=name, location=warehouse.normalize_location(location),
                     create_time=db.create_time or now(),
                     owner_type=db.owner_type or "USER")  # Hive stores USER when none is given
        self.store.create_database(db)
        warehouse.make_dirs(db.location)

    def get_database(self, name: str) -> Database:
        return self.store.get_database(name.lower())

    def list_databases(self, pattern: Optional[str] = None) -> List[str]:
        return _match(self.store.list_database_names(), pattern)

    def alter_database(self, name: str, db: Database) -> None:
        name = name.lower()
        current = self.store.get_database(name)
        if db.name and db.name.lower() != name:
            raise InvalidOperation("Renaming a database is not supported")
        # As in Hive, attributes the new object leaves unset keep their current values.
        self.store.alter_database(name, replace(
            db, name=name, location=warehouse.normalize_location(db.location or current.location),
            description=db.description or current.description,
            owner_name=db.owner_name if db.owner_name is not None else current.owner_name,
            owner_type=db.owner_type if db.owner_type is not None else current.owner_type))

    def drop_database(self, name: str, delete_data: bool, cascade: bool) -> None:
        name = name.lower()
        if name == DEFAULT_DATABASE:
            raise InvalidOperation("Can not drop default database")
        dropped = self.store.drop_database(name, cascade)
        if delete_data:
            for t in dropped.tables:
                self._delete_table_data(t.table, t.partition_locations)
            warehouse.delete(dropped.database.location)

    # --- tables ----------------------------------------------------------------------------
    def default_table_location(self, db: Database, table_name: str) -> str:
        base = db.location or warehouse.join(self.warehouse, f"{db.name}.db")
        return warehouse.join(base, table_name)

    def create_table(self, table: Table) -> None:
        table = self._prepare_new_table(table)
        self.store.create_table(table)
        if not table.is_view:
            warehouse.make_dirs(table.sd.location)

    def _prepare_new_table(self, table: Table) -> Table:
        db_name = _validate_name("database", table.db_name)
        name = _validate_name("table", table.name)
        _validate_columns(table.sd.columns, f"table {name}")
        _validate_columns(tuple(table.sd.columns) + tuple(table.partition_keys), f"table {name}")
        db = self.store.get_database(db_name)
        params = dict(table.parameters)
        params.setdefault(DDL_TIME, str(now()))
        table_type = _table_type_for(table.table_type, params)
        sd = table.sd
        if table_type not in ("VIRTUAL_VIEW",):
            location = sd.location or self.default_table_location(db, name)
            sd = replace(sd, location=warehouse.normalize_location(location))
        return replace(
            table, db_name=db_name, name=name, sd=sd, parameters=params, table_type=table_type,
            partition_keys=tuple(replace(k, name=k.name.lower()) for k in table.partition_keys),
            create_time=table.create_time or now(),
        )

    def get_table(self, db_name: str, name: str) -> Table:
        return self.store.get_table(db_name.lower(), name.lower())

    def get_tables(self, db_name: str, names: Sequence[str]) -> List[Table]:
        if names is None:
            raise InvalidOperation("table names are null")
        return self.store.get_tables(db_name.lower(), [n.lower() for n in names])

    def list_tables(self, db_name: str, pattern: Optional[str] = None, table_type: Optional[str] = None) -> List[str]:
        try:
            names = self.store.list_table_names(db_name.lower(), table_type)
        except NotFound:
            return []  # Hive answers an empty list for a missing database here
        return _match(names, pattern)

    def list_table_meta(self, db_pattern: Optional[str], table_pattern: Optional[str],
                        table_types: Optional[Sequence[str]]) -> List[TableMeta]:
        db_rx, tbl_rx = hive_pattern(db_pattern), hive_pattern(table_pattern)
        types = {t.upper() for t in table_types} if table_types else None
        return [
            meta for meta in self.store.list_table_meta()
            if (db_rx is None or db_rx.match(meta.db_name))
            and (tbl_rx is None or tbl_rx.match(meta.table_name))
            and (types is None or meta.table_type.upper() in types)
        ]

    def list_tables_by_filter(self, db_name: str, filter_text: str, max_tables: int = -1) -> List[str]:
        """Names of tables whose owner/parameters match a Hive table filter, e.g.
        `hive_filter_field_params__table_type = "ICEBERG"`. Raises NotFound, InvalidInput."""
        from .filter.evaluate import evaluate

        names = self.store.list_table_names(db_name.lower())
        if not filter_text or not filter_text.strip():
            return names[:max_tables] if max_tables is not None and max_tables >= 0 else names
        try:
            ast = parse_filter(filter_text)
        except FilterError as e:
            raise InvalidInput(str(e)) from e
        out: List[str] = []
        for t in self.store.get_tables(db_name.lower(), names):
            lowered = {k.lower(): v for k, v in t.parameters.items()}

            def lookup(key: str, t=t, lowered=lowered):
                if key == "hive_filter_field_owner__":
                    return t.owner
                if key == "hive_filter_field_last_access__":
                    return str(t.last_access_time)
                if key.startswith("hive_filter_field_params__"):
                    param = key[len("hive_filter_field_params__"):]
                    return t.parameters.get(param, lowered.get(param))
                raise InvalidInput(f"Invalid key name in filter: {key}. Use constants from "
                                   "hive_metastoreConstants")

            if evaluate(ast, lookup):
                out.append(t.name)
                if max_tables is not None and 0 <= max_tables <= len(out):
                    break
        return out

    def truncate_table(self, db_name: str, table_name: str, partition_names: Optional[Sequence[str]]) -> None:
        """Delete the data of a managed table (or of some of its partitions), keeping the
        metadata and the directories. Raises NotFound; InvalidOperation for external tables."""
        t = self.get_table(db_name, table_name)
        if t.is_external or t.is_view:
            raise InvalidOperation(f"Cannot truncate non-managed table {t.db_name}.{t.name}.")
        if t.partition_keys:
            parts = (self.get_partitions_by_names(t.db_name, t.name, partition_names)
                     if partition_names else self.list_partitions(t.db_name, t.name))
            locations = [p.sd.location for p in parts]
        else:
            locations = [t.sd.location]
        for loc in locations:
            warehouse.empty_directory(loc)

    def get_schema(self, db_name: str, table_name: str, with_partition_keys: bool) -> List[Column]:
        t = self.get_table(db_name, table_name)
        cols = list(t.sd.columns)
        return cols + list(t.partition_keys) if with_partition_keys else cols

    def alter_table(self, db_name: str, name: str, table: Table, *, cascade: bool = False,
                    update_ddl_time: bool = True, expected_parameter=None) -> Table:
        db_name, name = db_name.lower(), name.lower()
        old = self.store.get_table(db_name, name)
        new_db = _validate_name("database", table.db_name or db_name)
        new_name = _validate_name("table", table.name or name)
        _validate_columns(tuple(table.sd.columns) + tuple(table.partition_keys), f"table {new_name}")
        if [k.name.lower() for k in table.partition_keys] != [k.name for k in old.partition_keys] \
                and old.partition_keys:
            raise InvalidOperation("partition keys can not be changed.")
        params = dict(table.parameters)
        if update_ddl_time or DDL_TIME not in params:
            params[DDL_TIME] = str(now())
        new = replace(table, db_name=new_db, name=new_name, parameters=params,
                      table_type=_table_type_for(table.table_type, params),
                      partition_keys=old.partition_keys if old.partition_keys else table.partition_keys,
                      create_time=table.create_time or old.create_time)
        if new.sd.location:
            new = replace(new, sd=replace(new.sd, location=warehouse.normalize_location(new.sd.location)))
        renamed = (new_db, new_name) != (db_name, name)
        move = None
        if renamed and not old.is_external and not old.is_view and old.sd.location:
            old_default = self.default_table_location(self.store.get_database(db_name), name)
            if warehouse.normalize_location(old.sd.location) == old_default and \
                    (not new.sd.location or new.sd.location == old.sd.location):
                target = self.default_table_location(self.store.get_database(new_db), new_name)
                move = (old.sd.location, target)
                new = replace(new, sd=replace(new.sd, location=target))
        elif renamed:
            self.store.get_database(new_db)  # NotFound before anything changes
        if move:
            try:
                moved = warehouse.move(*move)
            except OSError as e:
                raise InvalidOperation(f"Unable to move table data for rename: {e}") from e
            try:
                return self.store.alter_table(db_name, name, new, cascade=cascade, location_move=move,
                                              expected_parameter=expected_parameter)
            except Exception:
                if moved:
                    warehouse.move(move[1], move[0])
                raise
        return self.store.alter_table(db_name, name, new, cascade=cascade,
                                      expected_parameter=expected_parameter)

    def drop_table(self, db_name: str, name: str, delete_data: bool) -> None:
        dropped = self.store.drop_table(db_name.lower(), name.lower())
        t = dropped.table
        purge = t.parameters.get("external.table.purge", "").lower() == "true"
        if delete_data and (not t.is_external or purge) and not t.is_view:
            self._delete_table_data(t, dropped.partition_locations)

    def _delete_table_data(self, table: Table, partition_locations: Iterable[str]) -> None:
        if table.is_view:
            return
        if table.is_external and table.parameters.get("external.table.purge", "").lower() != "true":
            return
        root = table.sd.location
        for loc in partition_locations:
            if not root or not warehouse.is_under(loc, root):
                warehouse.delete(loc)
        warehouse.delete(root)

    # --- partitions ------------------------------------------------------------------------
    def _partitioned_table(self, db_name: str, table_name: str) -> Table:
        t = self.get_table(db_name, table_name)
        if not t.partition_keys:
            raise InvalidObject(f"Table {t.db_name}.{t.name} is not partitioned")
        return t

    def _prepare_partition(self, t: Table, p: Partition) -> Partition:
        if (p.db_name and p.db_name.lower() != t.db_name) or (p.table_name and p.table_name.lower() != t.name):
            raise InvalidObject("Partition does not belong to target table "
                                f"{t.db_name}.{t.name}: {p.db_name}.{p.table_name}")
        if len(p.values) != len(t.partition_keys):
            raise InvalidObject(
                f"Incorrect number of partition values. numPartKeys={len(t.partition_keys)}, "
                f"part_val={list(p.values)}")
        if any(v is None or v == "" for v in p.values):
            raise InvalidObject(f"Partition values must not be empty: {list(p.values)}")
        sd = p.sd
        if not sd.location:
            if not t.sd.location:
                raise InvalidObject(f"Cannot add partition to table {t.name} without a location")
            sd = sd.at(warehouse.join(t.sd.location, make_partition_name(t.partition_key_names, p.values)))
        else:
            sd = sd.at(warehouse.normalize_location(sd.location))
        params = dict(p.parameters)
        params.setdefault(DDL_TIME, str(now()))
        return Partition(db_name=t.db_name, table_name=t.name, values=tuple(p.values), sd=sd,
                         parameters=params, create_time=p.create_time or now(),
                         last_access_time=p.last_access_time, catalog=p.catalog)

    def add_partitions(self, db_name: str, table_name: str, parts: Sequence[Partition],
                       if_not_exists: bool = False) -> List[Partition]:
        if not parts:
            return []
        t = self._partitioned_table(db_name, table_name)
        prepared = [self._prepare_partition(t, p) for p in parts]
        # as Hive does, for external tables too: a partition's directory is made if missing
        with warehouse.PartitionDirs((p.sd.location for p in prepared),
                                     in_catalog=lambda paths: self._partition_paths_in_use(t, prepared, paths)) as dirs:
            added = self.store.add_partitions(t.db_name, t.name, prepared, if_not_exists)
            dirs.keep(p.sd.location for p in added)
        return added

    def _partition_paths_in_use(self, t: Table, parts: Sequence[Partition], paths: Sequence[str]) -> set:
        """Which of `paths` (made for some of `parts`) a partition in the catalog now uses."""
        wanted = set(paths)
        names = [make_partition_name(t.partition_key_names, p.values) for p in parts
                 if warehouse.local_path(p.sd.location) in wanted]
        found = self.store.list_partitions(t.db_name, t.name, PartitionQuery(names=names), table=t) if names else []
        return {warehouse.local_path(p.sd.location) for p in found} & wanted

    def add_partition(self, part: Partition) -> Partition:
        return self.add_partitions(part.db_name, part.table_name, [part])[0]

    def append_partition(self, db_name: str, table_name: str, values: Sequence[str]) -> Partition:
        t = self._partitioned_table(db_name, table_name)
        return self.add_partitions(t.db_name, t.name, [Partition(t.db_name, t.name, tuple(values), sd=replace(t.sd, location=None))])[0]

    def partition_values(self, db_name: str, table_name: str, name: str) -> List[str]:
        return self.partition_values_list(db_name, table_name, [name])[0]

    def partition_values_list(self, db_name: str, table_name: str, names: Sequence[str]) -> List[List[str]]:
        """The values each partition name stands for, in the table's key order."""
        keys = self._partitioned_table(db_name, table_name).partition_key_names
        out = []
        for name in names:
            try:
                out.append(partition_values_from_name(keys, name))
            except ValueError as e:
                raise NotFound(f"Invalid partition name {name}: {e}") from None
        return out

    def get_partition(self, db_name: str, table_name: str, values: Sequence[str]) -> Partition:
        return self.store.get_partition(db_name.lower(), table_name.lower(), list(values))

    def get_partition_by_name(self, db_name: str, table_name: str, name: str) -> Partition:
        return self.get_partition(db_name, table_name, self.partition_values(db_name, table_name, name))

    def get_partitions_by_names(self, db_name: str, table_name: str, names: Sequence[str]) -> List[Partition]:
        t = self.get_table(db_name, table_name)
        keys = t.partition_key_names
        normalized = []
        for n in names:
            try:
                normalized.append(normalize_partition_name(keys, n))
            except ValueError:
                continue  # a name that cannot exist matches nothing, as in Hive
        if not normalized:
            return []
        return self.store.list_partitions(t.db_name, t.name, PartitionQuery(names=normalized), table=t)

    def _query(self, t: Table, *, filter_text: Optional[str] = None,
               partial_values: Optional[Sequence[str]] = None, limit: int = -1) -> PartitionQuery:
        ast = None
        if filter_text is not None and filter_text.strip():
            try:
                ast = parse_filter(filter_text)
            except FilterError as e:
                raise InvalidInput(str(e)) from e
        if partial_values is not None and len(partial_values) > len(t.partition_keys):
            raise InvalidObject(
                f"Incorrect number of partition values. numPartKeys={len(t.partition_keys)}, "
                f"part_val={list(partial_values)}")
        return PartitionQuery(filter=ast, partial_values=partial_values,
                              limit=-1 if limit is None or limit < 0 else limit)

    def list_partitions(self, db_name: str, table_name: str, *, filter_text: Optional[str] = None,
                        partial_values: Optional[Sequence[str]] = None, limit: int = -1) -> List[Partition]:
        t = self.get_table(db_name, table_name)
        if not t.partition_keys:
            return []
        return self.store.list_partitions(t.db_name, t.name, self._query(
            t, filter_text=filter_text, partial_values=partial_values, limit=limit), table=t)

    def list_partition_names(self, db_name: str, table_name: str, *, filter_text: Optional[str] = None,
                             partial_values: Optional[Sequence[str]] = None, limit: int = -1) -> List[str]:
        t = self.get_table(db_name, table_name)
        if not t.partition_keys:
            return []
        return self.store.list_partition_names(t.db_name, t.name, self._query(
            t, filter_text=filter_text, partial_values=partial_values, limit=limit), table=t)

    def count_partitions(self, db_name: str, table_name: str, filter_text: Optional[str]) -> int:
        t = self.get_table(db_name, table_name)
        if not t.partition_keys:
            return 0
        return self.store.count_partitions(t.db_name, t.name, self._query(t, filter_text=filter_text), table=t)

    def alter_partitions(self, db_name: str, table_name: str, parts: Sequence[Partition],
                         update_ddl_time: bool = True) -> None:
        t = self._partitioned_table(db_name, table_name)
        prepared = []
        for p in parts:
            p = self._prepare_partition(t, p)
            if update_ddl_time:
                p = replace(p, parameters={**p.parameters, DDL_TIME: str(now())})
            prepared.append(p)
        self.store.alter_partitions(t.db_name, t.name, prepared)

    def rename_partition(self, db_name: str, table_name: str, old_values: Sequence[str], part: Partition) -> None:
        t = self._partitioned_table(db_name, table_name)
        if not old_values:
            # Hive: empty old values means "alter this partition in place"
            self.alter_partitions(db_name, table_name, [part])
            return
        old = self.store.get_partition(t.db_name, t.name, list(old_values))
        new_loc = part.sd.location
        default_old = warehouse.join(t.sd.location or "", make_partition_name(t.partition_key_names, old.values))
        move = None
        if not t.is_external and (not new_loc or new_loc == old.sd.location) and old.sd.location == default_old:
            new_loc = warehouse.join(t.sd.location, make_partition_name(t.partition_key_names, part.values))
            move = (old.sd.location, new_loc)
        part = self._prepare_partition(t, replace(part, sd=replace(part.sd, location=new_loc)))
        moved = False
        if move:
            try:
                moved = warehouse.move(*move)
            except OSError as e:
                raise InvalidOperation(f"Unable to move partition data: {e}") from e
        try:
            self.store.rename_partition(t.db_name, t.name, list(old_values), part)
        except Exception:
            if moved:
                warehouse.move(move[1], move[0])
            raise

    def drop_partitions(self, db_name: str, table_name: str, values_list: Sequence[Sequence[str]],
                        delete_data: bool, if_exists: bool = False) -> List[Partition]:
        t = self._partitioned_table(db_name, table_name)
        dropped = self.store.drop_partitions(t.db_name, t.name, [list(v) for v in values_list], if_exists)
        # as for tables, Hive deletes an external table's data only with external.table.purge
        purge = t.parameters.get("external.table.purge", "").lower() == "true"
        if delete_data and (not t.is_external or purge):
            warehouse.delete_many(p.sd.location for p in dropped)
        return dropped

    def drop_partition_by_name(self, db_name: str, table_name: str, name: str, delete_data: bool) -> None:
        values = self.partition_values(db_name, table_name, name)
        self.drop_partitions(db_name, table_name, [values], delete_data)

    # --- functions -------------------------------------------------------------------------
    def create_function(self, fn: Function) -> None:
        if not fn.class_name:
            raise InvalidObject("Function class name is required")
        fn = replace(fn, db_name=_validate_name("database", fn.db_name),
                     name=_validate_name("function", fn.name), create_time=fn.create_time or now())
        self.store.create_function(fn)

    def get_function(self, db_name: str, name: str) -> Function:
        return self.store.get_function(db_name.lower(), name.lower())

    def list_functions(self, db_name: str, pattern: Optional[str]) -> List[str]:
        try:
            functions = self.store.list_functions(db_name.lower())
        except NotFound:
            return []  # Hive answers an empty list for a missing database here
        return _match([f.name for f in functions], pattern)

    def all_functions(self) -> List[Function]:
        return self.store.list_functions(None)

    def alter_function(self, db_name: str, name: str, fn: Function) -> None:
        fn = replace(fn, db_name=_validate_name("database", fn.db_name or db_name),
                     name=_validate_name("function", fn.name or name))
        self.store.alter_function(db_name.lower(), name.lower(), fn)

    def drop_function(self, db_name: str, name: str) -> None:
        self.store.drop_function(db_name.lower(), name.lower())


__all__ = ["CatalogService", "DEFAULT_DATABASE", "DEFAULT_PARTITION_NAME", "hive_pattern"]
