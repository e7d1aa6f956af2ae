"""job runner initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 19:50:18.233701
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jr_bookmark_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('job_name', sa.String(length=255), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('run_id', sa.String(length=200), nullable=True),
    sa.Column('entries', sa.Text(), nullable=False),
    sa.Column('now_floor', sa.BigInteger(), nullable=True),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('jr_bookmark_history', schema=None) as batch_op:
        batch_op.create_index('ix_jr_bookmark_history_job', ['job_name', 'run_id'], unique=False)

    op.create_table('jr_bookmark_staged',
    sa.Column('run_id', sa.String(length=200), nullable=False),
    sa.Column('job_name', sa.String(length=255), nullable=False),
    sa.Column('base_version', sa.BigInteger(), nullable=False),
    sa.Column('entries', sa.Text(), nullable=False),
    sa.Column('staged_on', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('run_id')
    )
    op.create_table('jr_bookmarks',
    sa.Column('job_name', sa.String(length=255), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('entries', sa.Text(), nullable=False),
    sa.Column('run_id', sa.String(length=200), nullable=True),
    sa.Column('now_floor', sa.BigInteger(), nullable=True),
    sa.Column('updated_on', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('job_name')
    )
    op.create_table('jr_job_run_events',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('jr_job_run_events', schema=None) as batch_op:
        batch_op.create_index('ix_jr_job_run_events_run', ['run_id', 'seq'], unique=False)

    op.create_table('jr_job_runs',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('job_name', sa.String(length=255), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('previous_run_id', sa.String(length=200), nullable=True),
    sa.Column('next_run_id', sa.String(length=200), nullable=True),
    sa.Column('trigger_name', sa.String(length=255), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('client_token', sa.String(length=255), nullable=True),
    sa.Column('arguments', sa.Text(), nullable=False),
    sa.Column('resolved_arguments', sa.Text(), nullable=False),
    sa.Column('queued_on', sa.BigInteger(), nullable=False),
    sa.Column('started_on', sa.BigInteger(), nullable=True),
    sa.Column('running_on', sa.BigInteger(), nullable=True),
    sa.Column('completed_on', sa.BigInteger(), nullable=True),
    sa.Column('last_modified_on', sa.BigInteger(), nullable=False),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('exit_code', sa.Integer(), nullable=True),
    sa.Column('spark_application_id', sa.String(length=255), nullable=True),
    sa.Column('timeout_seconds', sa.Integer(), nullable=False),
    sa.Column('max_retries', sa.Integer(), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('process_start', sa.BigInteger(), nullable=True),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('run_dir', sa.Text(), nullable=True),
    sa.Column('log_path', sa.Text(), nullable=True),
    sa.Column('workflow_name', sa.String(length=255), nullable=True),
    sa.Column('workflow_run_id', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_name', 'client_token', name='uq_jr_job_runs_client_token')
    )
    with op.batch_alter_table('jr_job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_jr_job_runs_job_state', ['job_name', 'state'], unique=False)
        batch_op.create_index('ix_jr_job_runs_queued', ['queued_on', 'id'], unique=False)
        batch_op.create_index('ix_jr_job_runs_state', ['state'], unique=False)
        batch_op.create_index('ix_jr_job_runs_workflow_run', ['workflow_run_id'], unique=False)

    op.create_table('jr_jobs',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('job_type', sa.String(length=16), nullable=False),
    sa.Column('script_location', sa.Text(), nullable=False),
    sa.Column('default_arguments', sa.Text(), nullable=False),
    sa.Column('non_overridable_arguments', sa.Text(), nullable=False),
    sa.Column('extra_py_files', sa.Text(), nullable=False),
    sa.Column('spark_conf', sa.Text(), nullable=False),
    sa.Column('spark_master', sa.String(length=512), nullable=False),
    sa.Column('max_retries', sa.Integer(), nullable=False),
    sa.Column('timeout_seconds', sa.Integer(), nullable=False),
    sa.Column('max_concurrent_runs', sa.Integer(), nullable=False),
    sa.Column('concurrency_policy', sa.String(length=16), nullable=False),
    sa.Column('bookmark_mode', sa.String(length=16), nullable=False),
    sa.Column('created_on', sa.BigInteger(), nullable=False),
    sa.Column('last_modified_on', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('jr_trigger_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('trigger_name', sa.String(length=255), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_on', sa.BigInteger(), nullable=False),
    sa.Column('batch_fired_on', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trigger_name', 'event_id', name='uq_jr_trigger_events_id')
    )
    with op.batch_alter_table('jr_trigger_events', schema=None) as batch_op:
        batch_op.create_index('ix_jr_trigger_events_pending', ['trigger_name', 'batch_fired_on'], unique=False)

    op.create_table('jr_trigger_progress',
    sa.Column('trigger_name', sa.String(length=255), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('satisfied', sa.Text(), nullable=False),
    sa.Column('fired', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('trigger_name', 'scope')
    )
    op.create_table('jr_triggers',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('workflow_name', sa.String(length=255), nullable=True),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('schedule', sa.Text(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('predicate', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=True),
    sa.Column('batch_window_seconds', sa.Integer(), nullable=True),
    sa.Column('next_fire_time', sa.BigInteger(), nullable=True),
    sa.Column('last_fired_on', sa.BigInteger(), nullable=True),
    sa.Column('created_on', sa.BigInteger(), nullable=False),
    sa.Column('last_modified_on', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('jr_triggers', schema=None) as batch_op:
        batch_op.create_index('ix_jr_triggers_workflow', ['workflow_name'], unique=False)

    op.create_table('jr_workflow_runs',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('workflow_name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('run_properties', sa.Text(), nullable=False),
    sa.Column('started_on', sa.BigInteger(), nullable=False),
    sa.Column('completed_on', sa.BigInteger(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('previous_run_id', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('jr_workflow_runs', schema=None) as batch_op:
        batch_op.create_index('ix_jr_workflow_runs_workflow', ['workflow_name', 'started_on'], unique=False)

    op.create_table('jr_workflows',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('default_run_properties', sa.Text(), nullable=False),
    sa.Column('max_concurrent_runs', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.BigInteger(), nullable=False),
    sa.Column('last_modified_on', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('jr_workflows')
    with op.batch_alter_table('jr_workflow_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_jr_workflow_runs_workflow')

    op.drop_table('jr_workflow_runs')
    with op.batch_alter_table('jr_triggers', schema=None) as batch_op:
        batch_op.drop_index('ix_jr_triggers_workflow')

    op.drop_table('jr_triggers')
    op.drop_table('jr_trigger_progress')
    with op.batch_alter_table('jr_trigger_events', schema=None) as batch_op:
        batch_op.drop_index('ix_jr_trigger_events_pending')

    op.drop_table('jr_trigger_events')
    op.drop_table('jr_jobs')
    with op.batch_alter_table('jr_job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_jr_job_runs_workflow_run')
        batch_op.drop_index('ix_jr_job_runs_state')
        batch_op.drop_index('ix_jr_job_runs_queued')
        batch_op.drop_index('ix_jr_job_runs_job_state')

    op.drop_table('jr_job_runs')
    with op.batch_alter_table('jr_job_run_events', schema=None) as batch_op:
        batch_op.drop_index('ix_jr_job_run_events_run')

    op.drop_table('jr_job_run_events')
    op.drop_table('jr_bookmarks')
    op.drop_table('jr_bookmark_staged')
    with op.batch_alter_table('jr_bookmark_history', schema=None) as batch_op:
        batch_op.drop_index('ix_jr_bookmark_history_job')

    op.drop_table('jr_bookmark_history')
