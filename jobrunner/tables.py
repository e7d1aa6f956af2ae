"""The job runner's SQL schema (SQLAlchemy Core), in the catalog's database.

Every table is prefixed `jr_` (the catalog's are `lg_`, and its migration check looks for
those), and the schema has its own Alembic history in jobrunner/migrations with version
table `jobrunner_alembic_version`. Times are integer microseconds since the epoch; maps and
lists are JSON text. Changes here need an Alembic revision in jobrunner/migrations/versions.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
)

NAME = 255
RUN_ID = 200

metadata = MetaData()

jobs = Table(
    "jr_jobs",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("description", Text, nullable=False),
    Column("job_type", String(16), nullable=False),
    Column("script_location", Text, nullable=False),
    Column("default_arguments", Text, nullable=False),
    Column("non_overridable_arguments", Text, nullable=False),
    Column("extra_py_files", Text, nullable=False),
    Column("spark_conf", Text, nullable=False),
    Column("spark_master", String(512), nullable=False),
    Column("max_retries", Integer, nullable=False),
    Column("timeout_seconds", Integer, nullable=False),
    Column("max_concurrent_runs", Integer, nullable=False),
    Column("concurrency_policy", String(16), nullable=False),
    Column("bookmark_mode", String(16), nullable=False),
    Column("created_on", BigInteger, nullable=False),
    Column("last_modified_on", BigInteger, nullable=False),
)

job_runs = Table(
    "jr_job_runs",
    metadata,
    Column("id", String(RUN_ID), primary_key=True),
    Column("job_name", String(NAME), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("previous_run_id", String(RUN_ID)),
    Column("next_run_id", String(RUN_ID)),
    Column("trigger_name", String(NAME)),
    Column("state", String(16), nullable=False),
    Column("client_token", String(NAME)),
    Column("arguments", Text, nullable=False),
    Column("resolved_arguments", Text, nullable=False),
    Column("queued_on", BigInteger, nullable=False),
    Column("started_on", BigInteger),
    Column("running_on", BigInteger),
    Column("completed_on", BigInteger),
    Column("last_modified_on", BigInteger, nullable=False),
    Column("error_message", Text),
    Column("exit_code", Integer),
    Column("spark_application_id", String(NAME)),
    Column("timeout_seconds", Integer, nullable=False),
    Column("max_retries", Integer, nullable=False),
    Column("pid", Integer),
    Column("process_start", BigInteger),
    Column("host", String(NAME)),
    Column("run_dir", Text),
    Column("log_path", Text),
    Column("workflow_name", String(NAME)),
    Column("workflow_run_id", String(RUN_ID)),
    # the runner instance supervising the run (jr_leases "runner:<id>" says whether it lives)
    Column("runner_id", String(NAME)),
    Column("log_pruned_on", BigInteger),  # its run directory was deleted by the log retention
    UniqueConstraint("job_name", "client_token", name="uq_jr_job_runs_client_token"),
    Index("ix_jr_job_runs_job_state", "job_name", "state"),
    Index("ix_jr_job_runs_state", "state"),
    Index("ix_jr_job_runs_queued", "queued_on", "id"),
    Index("ix_jr_job_runs_workflow_run", "workflow_run_id"),
)

job_run_events = Table(
    "jr_job_run_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(RUN_ID), nullable=False),
    Column("state", String(16), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("message", Text),
    Index("ix_jr_job_run_events_run", "run_id", "seq"),
)

bookmarks = Table(
    "jr_bookmarks",
    metadata,
    Column("job_name", String(NAME), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("entries", Text, nullable=False),
    Column("run_id", String(RUN_ID)),
    Column("now_floor", BigInteger),
    Column("updated_on", BigInteger, nullable=False),
)

bookmark_history = Table(
    "jr_bookmark_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_name", String(NAME), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("action", String(16), nullable=False),
    Column("run_id", String(RUN_ID)),
    Column("entries", Text, nullable=False),
    Column("now_floor", BigInteger),
    Column("at", BigInteger, nullable=False),
    Index("ix_jr_bookmark_history_job", "job_name", "run_id"),
)

bookmark_staged = Table(
    "jr_bookmark_staged",
    metadata,
    Column("run_id", String(RUN_ID), primary_key=True),
    Column("job_name", String(NAME), nullable=False),
    Column("base_version", BigInteger, nullable=False),
    Column("entries", Text, nullable=False),
    Column("staged_on", BigInteger, nullable=False),
)

triggers = Table(
    "jr_triggers",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("workflow_name", String(NAME)),
    Column("type", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("schedule", Text),
    Column("timezone", String(64)),
    Column("predicate", Text, nullable=False),
    Column("actions", Text, nullable=False),
    Column("batch_size", Integer),
    Column("batch_window_seconds", Integer),
    Column("next_fire_time", BigInteger),
    Column("last_fired_on", BigInteger),
    Column("created_on", BigInteger, nullable=False),
    Column("last_modified_on", BigInteger, nullable=False),
    Index("ix_jr_triggers_workflow", "workflow_name"),
)

# Conditions of a CONDITIONAL trigger met since it last fired, per scope (a workflow run
# id, or "" outside workflows).
trigger_progress = Table(
    "jr_trigger_progress",
    metadata,
    Column("trigger_name", String(NAME), primary_key=True),
    Column("scope", String(RUN_ID), primary_key=True),
    Column("satisfied", Text, nullable=False),
    Column("fired", Integer, nullable=False),
)

trigger_events = Table(
    "jr_trigger_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trigger_name", String(NAME), nullable=False),
    Column("event_id", String(NAME)),
    Column("payload", Text, nullable=False),
    Column("received_on", BigInteger, nullable=False),
    Column("batch_fired_on", BigInteger),
    UniqueConstraint("trigger_name", "event_id", name="uq_jr_trigger_events_id"),
    Index("ix_jr_trigger_events_pending", "trigger_name", "batch_fired_on"),
)

# Leases (metastore.store.lease) among the runners sharing the database: "scheduler" (the
# one runner that fires schedules, event windows and crawler-run conditions) and
# "runner:<id>" (each runner's liveness, so runners leave each other's runs alone).
leases = Table(
    "jr_leases",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("holder", String(NAME)),
    Column("lease_until", BigInteger),
    Column("acquired_on", BigInteger),
)

workflows = Table(
    "jr_workflows",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("description", Text, nullable=False),
    Column("default_run_properties", Text, nullable=False),
    Column("max_concurrent_runs", Integer, nullable=False),
    Column("created_on", BigInteger, nullable=False),
    Column("last_modified_on", BigInteger, nullable=False),
)

workflow_runs = Table(
    "jr_workflow_runs",
    metadata,
    Column("id", String(RUN_ID), primary_key=True),
    Column("workflow_name", String(NAME), nullable=False),
    Column("status", String(16), nullable=False),
    Column("run_properties", Text, nullable=False),
    Column("started_on", BigInteger, nullable=False),
    Column("completed_on", BigInteger),
    Column("error_message", Text),
    Column("previous_run_id", String(RUN_ID)),
    Index("ix_jr_workflow_runs_workflow", "workflow_name", "started_on"),
)
