"""The crawler's SQL schema (SQLAlchemy Core), in the catalog's database.

Every table is prefixed `cr_` (the catalog's are `lg_`, the job runner's `jr_`), and the
schema has its own Alembic history in crawler/migrations with version table
`crawler_alembic_version`. Times are integer microseconds since the epoch; lists and maps
are JSON text. Changes here need an Alembic revision in crawler/migrations/versions.

- cr_crawlers: named crawlers. `run_id`/`lease_until` are the guard that keeps two runs of
  one crawler from overlapping, in any process: a run starts only by setting `run_id` where
  it is null or its lease ran out, and the running process renews the lease.
  `next_run_on` is the next scheduled time, advanced by whichever daemon claims it.
- cr_runs: run history and metrics; `notified_on` marks runs whose end was handed to the
  job runner's triggers.
- cr_manifests: what each crawler saw last time (crawler.manifest), head and files apart.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

NAME = 255
RUN_ID = 64

metadata = MetaData()

crawlers = Table(
    "cr_crawlers",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("description", Text, nullable=False),
    Column("paths", Text, nullable=False),
    Column("database_name", String(NAME), nullable=False),
    Column("schedule", String(NAME), nullable=True),
    Column("options", Text, nullable=False),
    Column("metastore_uri", String(1024), nullable=True),
    Column("run_id", String(RUN_ID), nullable=True),
    Column("lease_until", BigInteger, nullable=True),
    Column("next_run_on", BigInteger, nullable=True),
    Column("created_on", BigInteger, nullable=False),
    Column("last_modified_on", BigInteger, nullable=False),
)

runs = Table(
    "cr_runs",
    metadata,
    Column("id", String(RUN_ID), primary_key=True),
    Column("crawler_name", String(NAME), nullable=False),
    Column("state", String(16), nullable=False),
    Column("started_by", String(16), nullable=False),
    Column("trigger_name", String(NAME), nullable=True),
    Column("workflow_run_id", String(200), nullable=True),
    Column("host", String(NAME), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_on", BigInteger, nullable=False),
    Column("finished_on", BigInteger, nullable=True),
    Column("tables_created", Integer, nullable=False, default=0),
    Column("tables_updated", Integer, nullable=False, default=0),
    Column("tables_deprecated", Integer, nullable=False, default=0),
    Column("tables_deleted", Integer, nullable=False, default=0),
    Column("partitions_added", Integer, nullable=False, default=0),
    Column("partitions_updated", Integer, nullable=False, default=0),
    Column("partitions_removed", Integer, nullable=False, default=0),
    Column("files_listed", Integer, nullable=False, default=0),
    Column("files_read", Integer, nullable=False, default=0),
    Column("files_cached", Integer, nullable=False, default=0),
    Column("files_assumed", Integer, nullable=False, default=0),
    Column("files_skipped", Integer, nullable=False, default=0),
    Column("error_count", Integer, nullable=False, default=0),
    Column("errors", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("cancel_requested", Integer, nullable=False, default=0),
    Column("notified_on", BigInteger, nullable=True),
    Index("ix_cr_runs_crawler", "crawler_name", "started_on"),
    Index("ix_cr_runs_workflow", "workflow_run_id"),
)

manifests = Table(
    "cr_manifests",
    metadata,
    Column("crawler_name", String(NAME), primary_key=True),
    Column("database_name", String(NAME), primary_key=True),
    Column("head", Text, nullable=False),
    Column("files", Text, nullable=False),
    Column("updated_on", BigInteger, nullable=False),
)

__all__ = ["metadata", "crawlers", "runs", "manifests"]
