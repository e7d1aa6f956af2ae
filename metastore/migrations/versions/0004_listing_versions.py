"""listing versions: lg_databases.tables_version, lg_tables.partitions_version

Counters bumped in the same transaction as every change to a database's table names or to a
table's partitions. A server keeps decoded listings (table names, partition names, partition
lists) under the counter it read, so one small indexed read tells whether a listing is still
current, whichever server process made the change.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lg_databases") as batch:
        batch.add_column(sa.Column("tables_version", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("lg_tables") as batch:
        batch.add_column(sa.Column("partitions_version", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("lg_tables") as batch:
        batch.drop_column("partitions_version")
    with op.batch_alter_table("lg_databases") as batch:
        batch.drop_column("tables_version")
