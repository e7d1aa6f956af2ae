"""byte-order (C) collation for names and partition values on PostgreSQL

Hive orders and compares names and partition values as Java strings; PostgreSQL's default
collation follows the database locale (e.g. en_US sorts punctuation differently), which
would change get_partition_names order and string range filters. SQLite already compares
byte-wise.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = [
    ("lg_databases", "name", 256),
    ("lg_tables", "name", 256),
    ("lg_partitions", "name", 2000),
    ("lg_partition_values", "value", 2000),
    ("lg_functions", "name", 256),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in _COLUMNS:
        op.alter_column(table, column, type_=sa.String(length, collation="C"),
                        existing_type=sa.String(length), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in _COLUMNS:
        op.alter_column(table, column, type_=sa.String(length), existing_type=sa.String(length, collation="C"),
                        existing_nullable=False)
