"""The SQL schema of the catalog (SQLAlchemy Core).

Shape, and why:
- a table's storage descriptor, partition keys and parameters live in its row as JSON:
  `get_table` is one indexed lookup, and Hive's normalized SD/CD/SERDE web is avoided;
- partitions point at a content-addressed `storage_templates` row (the storage descriptor
  minus location), so a million partitions of one format share one template;
- partition values are also kept one row per key in `partition_values`, with a numeric copy,
  so filters push down into indexed SQL with typed comparisons.

Changes to this module need an Alembic revision in metastore/migrations/versions.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table,
    Text, UniqueConstraint,
)

NAME = 256  # Hive's identifier limit is 128; leave room for catalogs/escaped names


def Text_C(length: int):
    """A string column that sorts and compares byte-wise on every backend, as Hive does
    (Java string order). PostgreSQL would otherwise use the database's locale collation."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


metadata = MetaData()

databases = Table(
    "lg_databases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("catalog", String(NAME), nullable=False),
    Column("name", Text_C(NAME), nullable=False),
    Column("description", Text),
    Column("location", Text),
    Column("owner_name", String(NAME)),
    Column("owner_type", String(16)),
    Column("parameters", Text, nullable=False),
    Column("create_time", BigInteger, nullable=False),
    # bumped with every change to the database's table names (see migration 0004)
    Column("tables_version", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("catalog", "name", name="uq_lg_databases_name"),
)

tables = Table(
    "lg_tables",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("db_id", Integer, ForeignKey("lg_databases.id"), nullable=False),
    Column("name", Text_C(NAME), nullable=False),
    Column("table_type", String(32), nullable=False),
    Column("owner", String(NAME)),
    Column("owner_type", String(16)),
    Column("create_time", BigInteger, nullable=False),
    Column("last_access_time", BigInteger, nullable=False),
    Column("retention", Integer, nullable=False),
    Column("sd", Text, nullable=False),
    Column("partition_keys", Text, nullable=False),
    Column("parameters", Text, nullable=False),
    Column("view_original_text", Text),
    Column("view_expanded_text", Text),
    Column("temporary", Boolean, nullable=False),
    Column("rewrite_enabled", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),
    # bumped with every change to the table's partitions (see migration 0004)
    Column("partitions_version", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("db_id", "name", name="uq_lg_tables_name"),
)

storage_templates = Table(
    "lg_storage_templates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("body", Text, nullable=False),
)

partitions = Table(
    "lg_partitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("table_id", Integer, ForeignKey("lg_tables.id"), nullable=False),
    Column("name", Text_C(2000), nullable=False),
    Column("vals", Text, nullable=False),
    Column("location", Text),
    Column("template_id", Integer, ForeignKey("lg_storage_templates.id"), nullable=False),
    Column("parameters", Text, nullable=False),
    Column("create_time", BigInteger, nullable=False),
    Column("last_access_time", BigInteger, nullable=False),
    UniqueConstraint("table_id", "name", name="uq_lg_partitions_name"),
)

partition_values = Table(
    "lg_partition_values",
    metadata,
    Column("partition_id", Integer, ForeignKey("lg_partitions.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("table_id", Integer, nullable=False),
    Column("value", Text_C(2000), nullable=False),
    Column("num_value", Float),
)
Index("ix_lg_partition_values_str", partition_values.c.table_id, partition_values.c.idx, partition_values.c.value)
Index("ix_lg_partition_values_num", partition_values.c.table_id, partition_values.c.idx, partition_values.c.num_value)

functions = Table(
    "lg_functions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("db_id", Integer, ForeignKey("lg_databases.id"), nullable=False),
    Column("name", Text_C(NAME), nullable=False),
    Column("class_name", Text, nullable=False),
    Column("owner_name", String(NAME)),
    Column("owner_type", String(16)),
    Column("function_type", Integer, nullable=False),
    Column("create_time", BigInteger, nullable=False),
    Column("resource_uris", Text, nullable=False),
    UniqueConstraint("db_id", "name", name="uq_lg_functions_name"),
)

# --- column statistics (rows go with their table/partition: ON DELETE CASCADE) -------------
table_column_stats = Table(
    "lg_table_column_stats",
    metadata,
    Column("table_id", Integer, ForeignKey("lg_tables.id", ondelete="CASCADE"), primary_key=True),
    Column("column_name", String(NAME), primary_key=True),
    Column("engine", String(32), primary_key=True),
    Column("column_type", String(2000), nullable=False),
    Column("stats", Text, nullable=False),
    Column("last_analyzed", BigInteger, nullable=False),
)

partition_column_stats = Table(
    "lg_partition_column_stats",
    metadata,
    Column("partition_id", Integer, ForeignKey("lg_partitions.id", ondelete="CASCADE"), primary_key=True),
    Column("column_name", String(NAME), primary_key=True),
    Column("engine", String(32), primary_key=True),
    Column("table_id", Integer, nullable=False),
    Column("column_type", String(2000), nullable=False),
    Column("stats", Text, nullable=False),
    Column("last_analyzed", BigInteger, nullable=False),
)
Index("ix_lg_partition_column_stats_table", partition_column_stats.c.table_id, partition_column_stats.c.column_name)

# --- locks and transactions ----------------------------------------------------------------
txns = Table(
    "lg_txns",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("state", String(16), nullable=False),
    Column("user", String(NAME)),
    Column("hostname", String(NAME)),
    Column("agent_info", String(2000)),
    Column("started", BigInteger, nullable=False),
    Column("last_heartbeat", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_lg_txns_state", txns.c.state)

locks = Table(
    "lg_locks",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("txn_id", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("user", String(NAME)),
    Column("hostname", String(NAME)),
    Column("agent_info", String(2000)),
    Column("created", BigInteger, nullable=False),
    Column("acquired_at", BigInteger),
    Column("last_heartbeat", BigInteger, nullable=False),
    Column("heartbeat_count", Integer, nullable=False),
    sqlite_autoincrement=True,
)

lock_components = Table(
    "lg_lock_components",
    metadata,
    Column("lock_id", BigInteger, ForeignKey("lg_locks.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("type", String(16), nullable=False),
    Column("level", String(16), nullable=False),
    Column("db_name", String(NAME), nullable=False),
    Column("table_name", String(NAME)),
    Column("partition_name", String(2000)),
)

table_write_ids = Table(
    "lg_table_write_ids",
    metadata,
    Column("db_name", String(NAME), primary_key=True),
    Column("table_name", String(NAME), primary_key=True),
    Column("next_write_id", BigInteger, nullable=False),
)

txn_write_ids = Table(
    "lg_txn_write_ids",
    metadata,
    Column("txn_id", BigInteger, primary_key=True),
    Column("db_name", String(NAME), primary_key=True),
    Column("table_name", String(NAME), primary_key=True),
    Column("write_id", BigInteger, nullable=False),
)

# --- notification log (Hive NotificationEvent) ----------------------------------------------
notifications = Table(
    "lg_notifications",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_time", BigInteger, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("catalog", String(NAME)),
    Column("db_name", String(NAME)),
    Column("table_name", String(NAME)),
    Column("message_format", String(32), nullable=False),
    Column("message", Text, nullable=False),
    sqlite_autoincrement=True,
)
