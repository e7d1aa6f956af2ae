"""The store interface: what persistence must provide, and what each method raises.

Stores persist model objects as given; validation, defaults and data deletion belong to
the service layer. Every method is atomic: it commits fully or changes nothing.
Names passed in are already normalised (lower-case) by the service.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from ..model import Database, Function, Partition, Table, TableMeta


@dataclass(frozen=True)
class PartitionQuery:
    """Which partitions of a table to read.

    `filter` is a parsed filter AST (metastore.filter), `partial_values` a prefix-or-full list
    of values where "" matches anything; both None means all partitions. `limit` < 0 is no limit.
    """

    filter: object = None
    partial_values: Optional[Sequence[str]] = None
    names: Optional[Sequence[str]] = None
    limit: int = -1

    @property
    def is_everything(self) -> bool:
        """All partitions, no limit."""
        return (self.filter is None and self.partial_values is None and self.names is None
                and (self.limit is None or self.limit < 0))


@dataclass(frozen=True)
class DroppedTable:
    table: Table
    partition_locations: Tuple[str, ...]


@dataclass(frozen=True)
class DroppedDatabase:
    database: Database
    tables: Tuple[DroppedTable, ...]


class Store(abc.ABC):
    # --- databases -------------------------------------------------------------------------
    @abc.abstractmethod
    def create_database(self, db: Database) -> None:
        """Raises AlreadyExists."""

    @abc.abstractmethod
    def get_database(self, name: str) -> Database:
        """Raises NotFound."""

    @abc.abstractmethod
    def list_database_names(self) -> List[str]:
        """All database names, sorted."""

    @abc.abstractmethod
    def alter_database(self, name: str, db: Database) -> None:
        """Replace the database's mutable attributes. Raises NotFound."""

    @abc.abstractmethod
    def drop_database(self, name: str, cascade: bool) -> DroppedDatabase:
        """Drop the database (with its tables, partitions and functions when cascade).

        Raises NotFound; InvalidOperation("Database x is not empty. One or more tables exist.")
        when it has tables and not cascade, or functions and not cascade.
        """

    # --- tables ----------------------------------------------------------------------------
    @abc.abstractmethod
    def create_table(self, table: Table) -> None:
        """Raises NotFound (database), AlreadyExists."""

    @abc.abstractmethod
    def get_table(self, db_name: str, name: str) -> Table:
        """Raises NotFound (database or table)."""

    @abc.abstractmethod
    def get_tables(self, db_name: str, names: Sequence[str]) -> List[Table]:
        """The tables that exist among `names` (missing ones are skipped). Raises NotFound (db)."""

    @abc.abstractmethod
    def list_table_names(self, db_name: str, table_type: Optional[str] = None) -> List[str]:
        """Sorted names of the database's tables, optionally of one type. Raises NotFound."""

    @abc.abstractmethod
    def list_table_meta(self) -> List[TableMeta]:
        """Name, type and comment of every table in every database."""

    @abc.abstractmethod
    def alter_table(
        self, db_name: str, name: str, table: Table, *, cascade: bool = False,
        location_move: Optional[Tuple[str, str]] = None,
        expected_parameter: Optional[Tuple[str, str]] = None,
    ) -> Table:
        """Replace the table with `table` (which may carry a new db/name: a rename).

        cascade: also set every partition's columns to the table's new columns.
        location_move (old_prefix, new_prefix): rewrite partition locations under the old
        table location. expected_parameter (key, value): compare-and-swap, raising Conflict if
        the stored table's parameter differs. Raises NotFound, AlreadyExists (rename target).
        Returns the stored table (with its new version).
        """

    @abc.abstractmethod
    def drop_table(self, db_name: str, name: str) -> DroppedTable:
        """Drop the table with its partitions. Raises NotFound."""

    # --- partitions ------------------------------------------------------------------------
    @abc.abstractmethod
    def add_partitions(
        self, db_name: str, table_name: str, parts: Sequence[Partition], if_not_exists: bool
    ) -> List[Partition]:
        """Add partitions; returns those added. Raises NotFound (table), AlreadyExists (a
        partition exists and not if_not_exists, or the batch repeats one)."""

    @abc.abstractmethod
    def get_partition(self, db_name: str, table_name: str, values: Sequence[str]) -> Partition:
        """Raises NotFound (table or partition)."""

    @abc.abstractmethod
    def list_partitions(self, db_name: str, table_name: str, query: PartitionQuery,
                        table: Optional[Table] = None) -> List[Partition]:
        """Partitions matching the query, ordered by name. Raises NotFound (table).

        `table` (here and below): the table as the caller just got it from `get_table`, which
        lets a store skip reading it again."""

    @abc.abstractmethod
    def list_partition_names(self, db_name: str, table_name: str, query: PartitionQuery,
                             table: Optional[Table] = None) -> List[str]:
        """Names of the partitions matching the query, ordered. Raises NotFound (table)."""

    @abc.abstractmethod
    def count_partitions(self, db_name: str, table_name: str, query: PartitionQuery,
                         table: Optional[Table] = None) -> int:
        """Raises NotFound (table)."""

    @abc.abstractmethod
    def alter_partitions(self, db_name: str, table_name: str, parts: Sequence[Partition]) -> None:
        """Replace existing partitions (matched by values). Raises NotFound."""

    @abc.abstractmethod
    def rename_partition(
        self, db_name: str, table_name: str, old_values: Sequence[str], part: Partition
    ) -> None:
        """Give a partition new values (and storage). Raises NotFound, AlreadyExists."""

    @abc.abstractmethod
    def drop_partitions(
        self, db_name: str, table_name: str, values_list: Sequence[Sequence[str]], if_exists: bool = False
    ) -> List[Partition]:
        """Drop the partitions; returns them. Raises NotFound (table; or a partition unless
        if_exists)."""

    # --- functions -------------------------------------------------------------------------
    @abc.abstractmethod
    def create_function(self, fn: Function) -> None:
        """Raises NotFound (database), AlreadyExists."""

    @abc.abstractmethod
    def get_function(self, db_name: str, name: str) -> Function:
        """Raises NotFound."""

    @abc.abstractmethod
    def list_functions(self, db_name: Optional[str] = None) -> List[Function]:
        """Functions of one database, or of all when db_name is None."""

    @abc.abstractmethod
    def alter_function(self, db_name: str, name: str, fn: Function) -> None:
        """Raises NotFound, AlreadyExists (rename target)."""

    @abc.abstractmethod
    def drop_function(self, db_name: str, name: str) -> None:
        """Raises NotFound."""

    def close(self) -> None:
        """Release connections."""
