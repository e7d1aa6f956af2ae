"""leases among runners, run owner, pruned logs

jr_leases: which runner fires triggers ("scheduler") and which runners are alive
("runner:<id>"); jr_job_runs.runner_id: the runner instance supervising a run;
jr_job_runs.log_pruned_on: when the log retention deleted the run's directory.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jr_leases',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('holder', sa.String(length=255), nullable=True),
    sa.Column('lease_until', sa.BigInteger(), nullable=True),
    sa.Column('acquired_on', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('jr_job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('runner_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('log_pruned_on', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jr_job_runs', schema=None) as batch_op:
        batch_op.drop_column('log_pruned_on')
        batch_op.drop_column('runner_id')
    op.drop_table('jr_leases')
