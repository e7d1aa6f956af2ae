"""crawler initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 20:49:33.843384
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cr_crawlers',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('paths', sa.Text(), nullable=False),
    sa.Column('database_name', sa.String(length=255), nullable=False),
    sa.Column('schedule', sa.String(length=255), nullable=True),
    sa.Column('options', sa.Text(), nullable=False),
    sa.Column('metastore_uri', sa.String(length=1024), nullable=True),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.BigInteger(), nullable=True),
    sa.Column('next_run_on', sa.BigInteger(), nullable=True),
    sa.Column('created_on', sa.BigInteger(), nullable=False),
    sa.Column('last_modified_on', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('cr_manifests',
    sa.Column('crawler_name', sa.String(length=255), nullable=False),
    sa.Column('database_name', sa.String(length=255), nullable=False),
    sa.Column('head', sa.Text(), nullable=False),
    sa.Column('files', sa.Text(), nullable=False),
    sa.Column('updated_on', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('crawler_name', 'database_name')
    )
    op.create_table('cr_runs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('crawler_name', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('started_by', sa.String(length=16), nullable=False),
    sa.Column('trigger_name', sa.String(length=255), nullable=True),
    sa.Column('workflow_run_id', sa.String(length=200), nullable=True),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.BigInteger(), nullable=False),
    sa.Column('finished_on', sa.BigInteger(), nullable=True),
    sa.Column('tables_created', sa.Integer(), nullable=False),
    sa.Column('tables_updated', sa.Integer(), nullable=False),
    sa.Column('tables_deprecated', sa.Integer(), nullable=False),
    sa.Column('tables_deleted', sa.Integer(), nullable=False),
    sa.Column('partitions_added', sa.Integer(), nullable=False),
    sa.Column('partitions_updated', sa.Integer(), nullable=False),
    sa.Column('partitions_removed', sa.Integer(), nullable=False),
    sa.Column('files_listed', sa.Integer(), nullable=False),
    sa.Column('files_read', sa.Integer(), nullable=False),
    sa.Column('files_cached', sa.Integer(), nullable=False),
    sa.Column('files_assumed', sa.Integer(), nullable=False),
    sa.Column('files_skipped', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('cancel_requested', sa.Integer(), nullable=False),
    sa.Column('notified_on', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cr_runs', schema=None) as batch_op:
        batch_op.create_index('ix_cr_runs_crawler', ['crawler_name', 'started_on'], unique=False)
        batch_op.create_index('ix_cr_runs_workflow', ['workflow_run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cr_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_cr_runs_workflow')
        batch_op.drop_index('ix_cr_runs_crawler')

    op.drop_table('cr_runs')
    op.drop_table('cr_manifests')
    op.drop_table('cr_crawlers')
